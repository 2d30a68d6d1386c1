"""Model names on the command line and how each is built from the shared options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forecastrnn.errors import ConfigError

MODEL_HELP = {
    "rnn": "vanilla recurrent network (RNNForecaster)",
    "lstm": "long short-term memory network (LSTMForecaster)",
    "gru": "gated recurrent unit network (GRUForecaster)",
    "arima": "ARIMA with automatic order selection (AutoARIMA)",
    "ets": "exponential smoothing with automatic model choice (ETS)",
    "naive": "last value (Naive)",
    "snaive": "value one season earlier (SeasonalNaive)",
    "drift": "random walk with drift (Drift)",
    "mean": "mean of the history (HistoricAverage)",
}
RECURRENT = ("rnn", "lstm", "gru")


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


def build_models(
    names: list[str], *, horizon: int, season_length: int | None, seed: int, n_jobs: int, network: NetworkOptions
) -> list[Any]:
    """One model per name, in order; ConfigError for unknown or repeated names."""
    from forecastrnn import models

    classes = {
        "rnn": models.RNNForecaster,
        "lstm": models.LSTMForecaster,
        "gru": models.GRUForecaster,
        "arima": models.AutoARIMA,
        "ets": models.ETS,
        "naive": models.Naive,
        "snaive": models.SeasonalNaive,
        "drift": models.Drift,
        "mean": models.HistoricAverage,
    }
    built = []
    for name in names:
        key = name.lower()
        if key not in classes:
            raise ConfigError(f"--model {name!r} is not known; choose from {', '.join(classes)}.")
        if key in (n.lower() for n in names[: len(built)]):
            raise ConfigError(f"--model {name!r} is given twice; each model gives one column.")
        if key in RECURRENT:
            built.append(
                classes[key](horizon=horizon, season_length=season_length, random_state=seed, **network.params())
            )
        else:
            built.append(classes[key](season_length=season_length, n_jobs=n_jobs))
    return built
