"""Forecasting models. Recurrent (global): :class:`LSTMForecaster`, :class:`GRUForecaster`,
:class:`RNNForecaster`. Statistical (local, per series): :class:`Naive`, :class:`SeasonalNaive`,
:class:`Drift`, :class:`HistoricAverage`, :class:`WindowAverage`, :class:`ETS`, :class:`ARIMA`,
:class:`AutoARIMA`. Every model follows one contract (see :class:`BaseForecaster`)."""

from ._arima import ARIMA, AutoARIMA
from ._base import BaseForecaster, clone
from ._ets import ETS
from ._local import LocalForecaster
from ._naive import Drift, HistoricAverage, Naive, Naive2, SeasonalNaive, WindowAverage
from ._persistence import load_model, save_model
from ._recurrent import (
    ForecastFallbackWarning,
    GRUForecaster,
    LSTMForecaster,
    RecurrentForecaster,
    RNNForecaster,
    ScalingChangeWarning,
)

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
