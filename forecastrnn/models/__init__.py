"""Forecasting models. Recurrent (global): :class:`LSTMForecaster`, :class:`GRUForecaster`,
:class:`RNNForecaster`. Statistical (local, per series): :class:`Naive`, :class:`SeasonalNaive`,
:class:`Drift`, :class:`HistoricAverage`, :class:`WindowAverage`, :class:`ETS`, :class:`ARIMA`,
:class:`AutoARIMA`. Every model follows one contract (see :class:`BaseForecaster`)."""

from ._arima import ARIMA, AutoARIMA
from ._base import BaseForecaster, clone
from ._ets import ETS
from ._local import LocalForecaster
from ._naive import Drift, HistoricAverage, Naive, SeasonalNaive, WindowAverage
from ._persistence import load_model, save_model
from ._recurrent import GRUForecaster, LSTMForecaster, RecurrentForecaster, RNNForecaster, ShortSeriesWarning

__all__ = [
    "ARIMA",
    "ETS",
    "AutoARIMA",
    "BaseForecaster",
    "Drift",
    "GRUForecaster",
    "HistoricAverage",
    "LSTMForecaster",
    "LocalForecaster",
    "Naive",
    "RNNForecaster",
    "RecurrentForecaster",
    "SeasonalNaive",
    "ShortSeriesWarning",
    "WindowAverage",
    "clone",
    "load_model",
    "save_model",
]
