"""Forecasting models. Recurrent: :class:`LSTMForecaster`, :class:`GRUForecaster`,
:class:`RNNForecaster`. Every model follows one contract (see :class:`BaseForecaster`)."""

from ._base import BaseForecaster, clone
from ._persistence import load_model, save_model
from ._recurrent import GRUForecaster, LSTMForecaster, RecurrentForecaster, RNNForecaster, ShortSeriesWarning

__all__ = [
    "BaseForecaster",
    "GRUForecaster",
    "LSTMForecaster",
    "RNNForecaster",
    "RecurrentForecaster",
    "ShortSeriesWarning",
    "clone",
    "load_model",
    "save_model",
]
