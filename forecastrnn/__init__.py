"""forecastrnn: recurrent-network and statistical time-series forecasting on pandas panels.

Heavy dependencies (pandas, torch, statsmodels, matplotlib) load on first use, so that
``import forecastrnn`` and ``forecastrnn --help`` stay fast; ``from forecastrnn import X``
works for every public name below.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import ConfigError, DataError, ForecastRNNError, ModelFileError, NotFittedError, TrainingError

__version__ = "0.1.0"

_LAZY = {
    "read_panel": "forecastrnn.data",
    "FilledValuesWarning": "forecastrnn.data",
    "WindowIndex": "forecastrnn.windowing",
    "SeriesBuffer": "forecastrnn.windowing",
    "SeriesScaler": "forecastrnn.scaling",
    "LSTMForecaster": "forecastrnn.models",
    "GRUForecaster": "forecastrnn.models",
    "RNNForecaster": "forecastrnn.models",
    "load_model": "forecastrnn.models",
    "Naive": "forecastrnn.models",
    "Naive2": "forecastrnn.models",
    "SeasonalNaive": "forecastrnn.models",
    "Drift": "forecastrnn.models",
    "HistoricAverage": "forecastrnn.models",
    "WindowAverage": "forecastrnn.models",
    "ETS": "forecastrnn.models",
    "ARIMA": "forecastrnn.models",
    "AutoARIMA": "forecastrnn.models",
    "backtest": "forecastrnn.backtesting",
    "evaluate": "forecastrnn.metrics",
    "summarize": "forecastrnn.metrics",
}

__all__ = [
    "ARIMA",
    "ETS",
    "AutoARIMA",
    "ConfigError",
    "DataError",
    "Drift",
    "FilledValuesWarning",
    "ForecastRNNError",
    "GRUForecaster",
    "HistoricAverage",
    "LSTMForecaster",
    "ModelFileError",
    "Naive",
    "Naive2",
    "NotFittedError",
    "RNNForecaster",
    "SeasonalNaive",
    "SeriesBuffer",
    "SeriesScaler",
    "TrainingError",
    "WindowAverage",
    "WindowIndex",
    "__version__",
    "backtest",
    "evaluate",
    "load_model",
    "read_panel",
    "summarize",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'forecastrnn' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
