"""Forecasting models. Recurrent (global): :class:`LSTMForecaster`, :class:`GRUForecaster`,
:class:`RNNForecaster`. Statistical (local, per series): :class:`Naive`, :class:`SeasonalNaive`,
:class:`Drift`, :class:`HistoricAverage`, :class:`WindowAverage`, :class:`ETS`, :class:`ARIMA`,
:class:`AutoARIMA`. Every model follows one contract (see :class:`BaseForecaster`)."""

import importlib
from typing import Any

from ._base import BaseForecaster, clone

_LAZY = {
    "ARIMA": "_arima",
    "AutoARIMA": "_arima",
    "ETS": "_ets",
    "LocalForecaster": "_local",
    "Drift": "_naive",
    "HistoricAverage": "_naive",
    "Naive": "_naive",
    "Naive2": "_naive",
    "SeasonalNaive": "_naive",
    "WindowAverage": "_naive",
    "load_model": "_persistence",
    "save_model": "_persistence",
    "ForecastFallbackWarning": "_plausible",
    "GRUForecaster": "_recurrent",
    "LSTMForecaster": "_recurrent",
    "RecurrentForecaster": "_recurrent",
    "RNNForecaster": "_recurrent",
    "ScalingChangeWarning": "_recurrent",
}
"""Each model's module, imported on first use: the recurrent models need torch but not
statsmodels or scipy, the statistical ones the reverse."""

__all__ = [
    "ARIMA",
    "ETS",
    "AutoARIMA",
    "BaseForecaster",
    "Drift",
    "ForecastFallbackWarning",
    "GRUForecaster",
    "HistoricAverage",
    "LSTMForecaster",
    "LocalForecaster",
    "Naive",
    "Naive2",
    "RNNForecaster",
    "RecurrentForecaster",
    "ScalingChangeWarning",
    "SeasonalNaive",
    "WindowAverage",
    "clone",
    "load_model",
    "save_model",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'forecastrnn.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
