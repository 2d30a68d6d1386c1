"""forecastrnn: recurrent-network and statistical time-series forecasting on pandas panels.

Heavy dependencies (pandas, torch, statsmodels, matplotlib) load on first use, so that
``import forecastrnn`` and ``forecastrnn --help`` stay fast; ``from forecastrnn import X``
works for every public name below.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import ConfigError, DataError, ForecastRNNError, ModelFileError, NotFittedError, TrainingError
from .models._registry import model_modules

__version__ = "0.1.0"

_LAZY = {
    "read_panel": "forecastrnn.data",
    "FilledValuesWarning": "forecastrnn.data",
    "WindowIndex": "forecastrnn.windowing",
    "SeriesBuffer": "forecastrnn.windowing",
    "SeriesScaler": "forecastrnn.scaling",
    "load_model": "forecastrnn.models",
    "backtest": "forecastrnn.backtesting",
    "provenance": "forecastrnn.backtesting",
    "plot": "forecastrnn.plotting",
    "parallel_backend": "forecastrnn._backends",
    "forecast_partitions": "forecastrnn.partitions",
    "evaluate": "forecastrnn.metrics",
    "summarize": "forecastrnn.metrics",
} | dict.fromkeys(model_modules(), "forecastrnn.models")
"""Each public name's module, imported on first use; every forecaster of the registry is here."""

__all__ = ["ConfigError", "DataError", "ForecastRNNError", "ModelFileError", "NotFittedError", "TrainingError"]
__all__ += ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'forecastrnn' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
