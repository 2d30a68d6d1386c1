"""The model registry: the one place a model is added.

Each entry names a forecaster class by ``"module:Class"`` (imported only when used), its name on
the command line, a one-line help, whether ``forecastrnn benchmark`` runs it by default, and
which of the command line's shared settings it takes, under which parameter names. The CLI's
``--model`` choices and help, the model builder, the default benchmark set and the lazy imports
of ``forecastrnn`` and ``forecastrnn.models`` all read it. This module imports nothing heavy,
so ``forecastrnn --help`` stays fast.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

LOCAL_OPTIONS = {"season_length": "season_length", "n_jobs": "n_jobs"}
"""The shared settings a local (per-series) model takes: CLI value -> parameter."""

RECURRENT_OPTIONS = {"horizon": "horizon", "season_length": "season_length", "seed": "random_state"}
"""The shared settings a recurrent network takes (besides the network options)."""


@dataclass(frozen=True)
class ModelEntry:
    """One forecaster: ``target`` is ``"module:Class"``; ``cli`` its ``--model`` name (None: Python
    only); ``options`` maps the command line's shared settings to its parameters; ``recurrent``
    marks a global network, which also takes the network options and can be saved."""

    target: str
    help: str
    cli: str | None = None
    benchmark: bool = False
    recurrent: bool = False
    options: dict[str, str] = field(default_factory=lambda: dict(LOCAL_OPTIONS))

    @property
    def name(self) -> str:
        """The class name, as exported by ``forecastrnn`` and ``forecastrnn.models``."""
        return self.target.partition(":")[2]

    @property
    def module(self) -> str:
        return self.target.partition(":")[0]

    def load(self) -> type:
        """The class (imports its module)."""
        return getattr(importlib.import_module(self.module), self.name)

    def build(self, settings: dict[str, Any], **params: Any) -> Any:
        """An instance with the shared ``settings`` it takes (see ``options``) and ``params``."""
        taken = {parameter: settings[key] for key, parameter in self.options.items() if key in settings}
        return self.load()(**taken, **params)


def _recurrent(cls: str, cli: str, help: str) -> ModelEntry:
    return ModelEntry(
        f"forecastrnn.models._recurrent:{cls}",
        help,
        cli=cli,
        benchmark=True,
        recurrent=True,
        options=dict(RECURRENT_OPTIONS),
    )


MODELS: tuple[ModelEntry, ...] = (
    _recurrent("RNNForecaster", "rnn", "vanilla recurrent network"),
    _recurrent("LSTMForecaster", "lstm", "long short-term memory network"),
    _recurrent("GRUForecaster", "gru", "gated recurrent unit network"),
    ModelEntry(
        "forecastrnn.models._arima:AutoARIMA", "ARIMA with automatic order selection", cli="arima", benchmark=True
    ),
    ModelEntry("forecastrnn.models._arima:ARIMA", "ARIMA of a given order"),
    ModelEntry(
        "forecastrnn.models._ets:ETS", "exponential smoothing with automatic model choice", cli="ets", benchmark=True
    ),
    ModelEntry("forecastrnn.models._theta:Theta", "standard Theta method, the M3 winner", cli="theta"),
    ModelEntry("forecastrnn.models._theta:AutoTheta", "best Theta model by in-sample MSE", cli="autotheta"),
    ModelEntry("forecastrnn.models._mstl:MSTL", "several seasons (day and week) + ETS of the rest", cli="mstl"),
    ModelEntry("forecastrnn.models._naive:SeasonalNaive", "value one season earlier", cli="snaive", benchmark=True),
    ModelEntry("forecastrnn.models._naive:Naive", "last value", cli="naive", benchmark=True),
    ModelEntry("forecastrnn.models._naive:Drift", "random walk with drift", cli="drift"),
    ModelEntry("forecastrnn.models._naive:HistoricAverage", "mean of the history", cli="mean"),
    ModelEntry("forecastrnn.models._naive:WindowAverage", "mean of the last values"),
    ModelEntry("forecastrnn.models._naive:Naive2", "naive on seasonally adjusted data (the M4 benchmark)"),
)
"""Every forecaster, in the order the CLI lists them."""


def cli_models() -> dict[str, ModelEntry]:
    """The models on the command line, by ``--model`` name."""
    return {entry.cli: entry for entry in MODELS if entry.cli is not None}


def benchmark_models() -> list[str]:
    """The ``--model`` names ``forecastrnn benchmark`` runs by default, in registry order."""
    return [entry.cli for entry in MODELS if entry.benchmark and entry.cli is not None]


def model_modules() -> dict[str, str]:
    """Class name -> module, for the lazy imports of ``forecastrnn`` and ``forecastrnn.models``."""
    return {entry.name: entry.module for entry in MODELS}
