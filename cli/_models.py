"""Model names on the command line and how each is built from the shared options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forecastrnn.errors import ConfigError
from forecastrnn.models._registry import cli_models

MODELS = cli_models()
MODEL_HELP = {name: f"{entry.help} ({entry.name})" for name, entry in MODELS.items()}
RECURRENT = tuple(name for name, entry in MODELS.items() if entry.recurrent)


@dataclass(frozen=True)
class NetworkOptions:
    """Hyper-parameters of the recurrent models that the command line sets (None: default)."""

    input_size: int | None = None
    hidden_size: int | None = None
    layers: int | None = None
    dropout: float | None = None
    bidirectional: bool = False
    strategy: str | None = None
    max_steps: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    device: str | None = None
    ensemble: int | None = None

    @classmethod
    def pick(cls, values: dict[str, Any]) -> NetworkOptions:
        """The network options among a command's arguments (its ``locals()``)."""
        chosen = {name: values[name] for name in cls.__dataclass_fields__}
        chosen["strategy"] = chosen["strategy"].value if chosen["strategy"] is not None else None
        return cls(**chosen)

    def params(self) -> dict[str, Any]:
        names = {"layers": "num_layers", "lr": "learning_rate", "ensemble": "n_models"}
        values = {names.get(key, key): value for key, value in self.__dict__.items() if value is not None}
        if not self.bidirectional:
            values.pop("bidirectional", None)
        return values


def report_fallbacks(estimator: Any) -> None:
    """One line on stderr when a fitted model treated some series specially (``fallbacks_``)."""
    import typer

    fallbacks = getattr(estimator, "fallbacks_", {})
    if fallbacks:
        shown = ", ".join(map(repr, list(fallbacks)[:5])) + (" ..." if len(fallbacks) > 5 else "")
        first = next(iter(fallbacks.values()))
        typer.echo(
            f"Note: {estimator.column}: {len(fallbacks)} series handled specially ({shown}); e.g. {first}.", err=True
        )


def set_conformal(models: list[Any], names: list[str], level: list[int], windows: int | None) -> None:
    """Conformal intervals where asked: every model gets ``windows`` (``--conformal-windows``;
    ConfigError naming a model that does not take it); without it, a network asked for ``level``
    chooses its windows at each fit from its training panel (``conformal_windows="auto"``; it
    has no other intervals) and the statistical models keep theirs."""
    for name, estimator in zip(names, models, strict=True):
        if windows:
            estimator.set_params(conformal_windows=windows)
        elif level and name.lower() in RECURRENT and not estimator.conformal_windows:
            estimator.set_params(conformal_windows="auto")


def build_models(
    names: list[str], *, horizon: int, season_length: int | None, seed: int, n_jobs: int, network: NetworkOptions
) -> list[Any]:
    """One model per name, in order, each given the shared settings it takes (see the registry);
    ConfigError for unknown or repeated names."""
    settings = {"horizon": horizon, "season_length": season_length, "seed": seed, "n_jobs": n_jobs}
    built = []
    for number, name in enumerate(names):
        key = name.lower()
        if key not in MODELS:
            raise ConfigError(f"--model {name!r} is not known; choose from {', '.join(MODELS)}.")
        if key in (n.lower() for n in names[:number]):
            raise ConfigError(f"--model {name!r} is given twice; each model gives one column.")
        entry = MODELS[key]
        built.append(entry.build(settings, **(network.params() if entry.recurrent else {})))
    return built
