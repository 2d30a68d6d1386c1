"""The season-aware front end of the recurrent forecasters.

Plain recurrent networks lose to seasonal naive on seasonal data; this front end is what lets
them win. Per series, estimated on the data it is fit on (never later data):

1. a scaler: ``log`` when every value is positive (multiplicative structure becomes additive and
   series of any size share one scale), otherwise standardisation;
2. seasonal indices by classical additive decomposition of the scaled values (the mean
   deviation from a centred moving average at each position of the season), removed before
   the network and restored after.

Per-window normalisation (subtracting each input window's level) happens in the training loop
and at prediction, on top of this.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError, ModelFileError
from ..scaling import SCALERS, SeriesScaler
from ..windowing import SeriesBuffer

SCALER_CHOICES = ("auto", *SCALERS)


def seasonal_indices(values: np.ndarray, phases: np.ndarray, season_length: int) -> np.ndarray:
    """Additive seasonal indices of one series (classical decomposition, as statsmodels'
    ``seasonal_decompose``); zeros when there are fewer than two full seasons."""
    m = season_length
    if m < 2 or values.size < 2 * m:
        return np.zeros(max(m, 1))
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    half = weights.size // 2
    trend = np.convolve(values, weights, mode="valid")
    detrended = values[half : values.size - half] - trend
    positions = phases[half : values.size - half] % m
    indices = np.bincount(positions, detrended, minlength=m) / np.bincount(positions, minlength=m)
    return indices - indices.mean()


class FrontEnd:
    """Scaler plus seasonal indices for every series of a buffer (row ``i`` = series ``i``)."""

    def __init__(self, scaler: str, season_length: int, deseasonalize: bool) -> None:
        if scaler not in SCALER_CHOICES:
            raise ConfigError(f"scaler={scaler!r} is not allowed; choose one of {', '.join(SCALER_CHOICES)}.")
        self.scaler_name, self.season_length, self.deseasonalize = scaler, season_length, deseasonalize

    def fit(self, buffer: SeriesBuffer, steps: np.ndarray, *, end: np.ndarray | None = None) -> FrontEnd:
        """Estimate from each series' first ``end`` values (all by default); ``steps`` are the
        values' step numbers (:func:`~forecastrnn.data.step_numbers`), aligned with the buffer."""
        lengths = buffer.lengths
        stop = lengths if end is None else np.asarray(end)
        if self.scaler_name == "auto":
            train_mask = np.arange(buffer.values.size) - np.repeat(buffer.offsets[:-1], lengths) < np.repeat(
                stop, lengths
            )
            positive = bool((buffer.values[train_mask] > 0).all())
            self.scaler_ = SeriesScaler("none", transform="log") if positive else SeriesScaler("standard")
        else:
            self.scaler_ = SeriesScaler(self.scaler_name)
        self.scaler_.fit(buffer, end=stop)
        scaled = self.scaler_.transform_buffer(buffer)
        m = self.season_length if self.deseasonalize else 1
        self.seasonal_ = np.zeros((lengths.size, max(m, 1)))
        if m > 1:
            for i in range(lengths.size):
                start = buffer.offsets[i]
                self.seasonal_[i] = seasonal_indices(
                    scaled.values[start : start + stop[i]], steps[start : start + stop[i]], m
                )
        return self

    def _season(self, series: np.ndarray, steps: np.ndarray) -> np.ndarray:
        return self.seasonal_[series, steps % self.seasonal_.shape[1]]

    def transform(self, values: np.ndarray, series: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """Scaled, deseasonalised values; ``series`` and ``steps`` broadcast against ``values``."""
        series = np.broadcast_to(series.reshape(series.shape + (1,) * (values.ndim - series.ndim)), values.shape)
        scaled = self.scaler_.transform(values.astype(np.float64), series)
        return scaled - self._season(series, steps)

    def inverse_transform(self, values: np.ndarray, series: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """Values in the data's own units: seasonal indices restored, scaling undone."""
        series = np.broadcast_to(series.reshape(series.shape + (1,) * (values.ndim - series.ndim)), values.shape)
        return self.scaler_.inverse_transform(values + self._season(series, steps), series)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state."""
        return {
            "scaler_choice": self.scaler_name,
            "season_length": self.season_length,
            "deseasonalize": self.deseasonalize,
            "scaler": self.scaler_.to_dict(),
            "seasonal": self.seasonal_.tolist(),
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> FrontEnd:
        """Rebuild from :meth:`to_dict`; ModelFileError when malformed."""
        try:
            front = cls(state["scaler_choice"], int(state["season_length"]), bool(state["deseasonalize"]))
            front.scaler_ = SeriesScaler.from_dict(state["scaler"])
            front.seasonal_ = np.asarray(state["seasonal"], dtype=np.float64)
        except (KeyError, TypeError, ValueError, ConfigError) as exc:
            raise ModelFileError(f"front-end state is malformed ({type(exc).__name__}: {exc}).") from None
        if front.seasonal_.ndim != 2 or front.seasonal_.shape[0] != front.scaler_.loc_.size:
            raise ModelFileError("front-end state is malformed: seasonal indices do not match the series.")
        return front
