"""Forecasting models. Recurrent (global): :class:`LSTMForecaster`, :class:`GRUForecaster`,
:class:`RNNForecaster`. Statistical (local, per series): :class:`Naive`, :class:`SeasonalNaive`,
:class:`Drift`, :class:`HistoricAverage`, :class:`WindowAverage`, :class:`Naive2`, :class:`ETS`,
:class:`ARIMA`, :class:`AutoARIMA`. Every model follows one contract (see :class:`BaseForecaster`);
the forecasters are listed once, in the registry (``_registry.MODELS``)."""

import importlib
from typing import Any

from ._registry import model_modules

_LAZY = {
    "BaseForecaster": "forecastrnn.models._base",
    "clone": "forecastrnn.models._base",
    "LocalForecaster": "forecastrnn.models._local",
    "load_model": "forecastrnn.models._persistence",
    "save_model": "forecastrnn.models._persistence",
    "ForecastFallbackWarning": "forecastrnn.models._plausible",
    "RecurrentForecaster": "forecastrnn.models._recurrent",
    "ScalingChangeWarning": "forecastrnn.models._recurrent",
} | model_modules()
"""Each public name's module, imported on first use: the recurrent models need torch but not
statsmodels or scipy, the statistical ones the reverse; even numpy waits (``forecastrnn --help``
reads the registry through this package)."""

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'forecastrnn.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
