"""The season-aware front end of the recurrent forecasters.

Plain recurrent networks lose to seasonal naive on seasonal data; this front end is what lets
them win. Per series, estimated on the data it is fit on (never later data):

1. a transform chosen per series: ``log`` when every training value of that series is positive
   (multiplicative structure becomes additive and series of any size share one scale),
   otherwise none; with ``scaler="auto"`` log series are left as they are and the others are
   standardised (``scaler`` may also name one of :data:`~forecastrnn.scaling.SCALERS` for all);
2. seasonal indices by classical additive decomposition of the scaled values (the mean
   deviation from a centred moving average at each position of the season), removed before
   the network and restored after; only for series with two full seasons in which every
   position of the season is observed (else none for that series).

The per-series log decisions are frozen at fit: :meth:`FrontEnd.refit` re-estimates the
statistics on a newer history but keeps each known series' transform, so one new zero in one
series cannot switch the scaling of the others. A log series whose newer history is not
positive falls back to standardisation, and says so. Per-window normalisation (subtracting
each input window's level) happens in the training loop and at prediction, on top of this.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ..errors import ConfigError, ModelFileError
from ..scaling import SCALERS, SeriesScaler
from ..windowing import SeriesBuffer

SCALER_CHOICES = ("auto", *SCALERS)
_STATE_VERSION = 2


def seasonal_indices(values: np.ndarray, phases: np.ndarray, season_length: int) -> np.ndarray:
    """Additive seasonal indices of one series (classical decomposition, as statsmodels'
    ``seasonal_decompose``); zeros when there are fewer than two full seasons, when a position
    of the season has no detrended value, or when the values are not all finite."""
    m = season_length
    if m < 2 or values.size < 2 * m or not np.isfinite(values).all():
        return np.zeros(max(m, 1))
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    half = weights.size // 2
    trend = np.convolve(values, weights, mode="valid")
    detrended = values[half : values.size - half] - trend
    positions = phases[half : values.size - half] % m
    counts = np.bincount(positions, minlength=m)
    if (counts == 0).any():
        return np.zeros(m)
    indices = np.bincount(positions, detrended, minlength=m) / counts
    indices -= indices.mean()
    return indices if np.isfinite(indices).all() else np.zeros(m)


def _prefix_mask(buffer: SeriesBuffer, stop: np.ndarray) -> np.ndarray:
    """True for each buffer value among its series' first ``stop`` values."""
    position = np.arange(buffer.values.size) - np.repeat(buffer.offsets[:-1], buffer.lengths)
    return position < np.repeat(stop, buffer.lengths)


class FrontEnd:
    """Per-series transform, scaler and seasonal indices for a buffer (row ``i`` = series ``i``)."""

    def __init__(self, scaler: str, season_length: int, deseasonalize: bool) -> None:
        if scaler not in SCALER_CHOICES:
            raise ConfigError(f"scaler={scaler!r} is not allowed; choose one of {', '.join(SCALER_CHOICES)}.")
        self.scaler_name, self.season_length, self.deseasonalize = scaler, season_length, deseasonalize

    def fit(
        self,
        buffer: SeriesBuffer,
        steps: np.ndarray,
        *,
        end: np.ndarray | None = None,
        log: np.ndarray | None = None,
    ) -> FrontEnd:
        """Estimate from each series' first ``end`` values (all by default); ``steps`` are the
        values' step numbers (:func:`~forecastrnn.data.step_numbers`), aligned with the buffer.

        ``log`` (one bool per series) imposes the transforms decided by an earlier fit; a series
        it marks as log whose values here are not all positive is standardised instead, and
        listed in ``log_dropped_``.
        """
        lengths = buffer.lengths
        stop = lengths if end is None else np.minimum(np.asarray(end), lengths)
        in_fit = _prefix_mask(buffer, stop)
        series = np.repeat(np.arange(lengths.size), lengths)
        fit_positive = np.ones(lengths.size, dtype=bool)
        np.logical_and.at(fit_positive, series[in_fit], buffer.values[in_fit] > 0)
        all_positive = np.ones(lengths.size, dtype=bool)
        np.logical_and.at(all_positive, series, buffer.values > 0)
        if self.scaler_name != "auto":
            decided = np.zeros(lengths.size, dtype=bool)
        elif log is None:
            decided = fit_positive
        else:
            decided = np.asarray(log, dtype=bool)
        # A log series needs positive values wherever it is transformed (the whole buffer).
        self.log_ = decided & all_positive
        self.log_dropped_ = np.flatnonzero(decided & ~all_positive)
        logged = self._apply_log(buffer.values.astype(np.float64), series)
        method = "standard" if self.scaler_name == "auto" else self.scaler_name
        scaler = SeriesScaler(method).fit(SeriesBuffer(logged, buffer.offsets, buffer.ids), end=np.maximum(stop, 1))
        self.loc_ = np.where(self.log_, 0.0, scaler.loc_)
        self.scale_ = np.where(self.log_, 1.0, scaler.scale_)
        scaled = (logged - self.loc_[series]) / self.scale_[series]
        m = self.season_length if self.deseasonalize else 1
        self.seasonal_ = np.zeros((lengths.size, max(m, 1)))
        if m > 1:
            for i in np.flatnonzero(stop >= 2 * m):
                start = buffer.offsets[i]
                part = slice(start, start + stop[i])
                self.seasonal_[i] = seasonal_indices(scaled[part], steps[part], m)
        return self

    def seen_by(self, deseasonalized: bool) -> FrontEnd:
        """This front end for a network that sees deseasonalised values, else
        :meth:`without_seasonality`."""
        return self if deseasonalized else self.without_seasonality()

    def without_seasonality(self) -> FrontEnd:
        """The same transforms and scaling with no seasonal indices: the front end of ensemble
        members that see the seasonal values as they are."""
        raw = copy.copy(self)
        raw.deseasonalize = False
        raw.seasonal_ = np.zeros((self.seasonal_.shape[0], 1))
        return raw

    def _apply_log(self, values: np.ndarray, series: np.ndarray) -> np.ndarray:
        logged = self.log_[series]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(logged, np.log(np.where(logged, values, 1.0)), values)

    def _season(self, series: np.ndarray, steps: np.ndarray) -> np.ndarray:
        return self.seasonal_[series, steps % self.seasonal_.shape[1]]

    @staticmethod
    def _broadcast(series: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.broadcast_to(series.reshape(series.shape + (1,) * (values.ndim - series.ndim)), values.shape)

    def transform(self, values: np.ndarray, series: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """Scaled, deseasonalised values; ``series`` and ``steps`` broadcast against ``values``."""
        series = self._broadcast(series, values)
        logged = self._apply_log(values.astype(np.float64), series)
        return (logged - self.loc_[series]) / self.scale_[series] - self._season(series, steps)

    def inverse_transform(self, values: np.ndarray, series: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """Values in the data's own units: seasonal indices restored, scaling undone."""
        series = self._broadcast(series, values)
        unscaled = (values + self._season(series, steps)) * self.scale_[series] + self.loc_[series]
        with np.errstate(over="ignore"):
            return np.where(self.log_[series], np.exp(unscaled), unscaled)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state."""
        return {
            "version": _STATE_VERSION,
            "scaler_choice": self.scaler_name,
            "season_length": self.season_length,
            "deseasonalize": self.deseasonalize,
            "log": self.log_.tolist(),
            "loc": self.loc_.tolist(),
            "scale": self.scale_.tolist(),
            "seasonal": self.seasonal_.tolist(),
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> FrontEnd:
        """Rebuild from :meth:`to_dict`; ModelFileError when malformed."""
        try:
            if state["version"] != _STATE_VERSION:
                raise ModelFileError(f"front-end state has version {state['version']!r}, expected {_STATE_VERSION}.")
            front = cls(state["scaler_choice"], int(state["season_length"]), bool(state["deseasonalize"]))
            front.log_ = np.asarray(state["log"], dtype=bool)
            front.loc_ = np.asarray(state["loc"], dtype=np.float64)
            front.scale_ = np.asarray(state["scale"], dtype=np.float64)
            front.seasonal_ = np.asarray(state["seasonal"], dtype=np.float64)
            front.log_dropped_ = np.zeros(0, dtype=np.int64)
        except (KeyError, TypeError, ValueError, ConfigError) as exc:
            raise ModelFileError(f"front-end state is malformed ({type(exc).__name__}: {exc}).") from None
        n = front.log_.size
        shapes_agree = (
            front.log_.ndim == 1
            and front.loc_.shape == (n,)
            and front.scale_.shape == (n,)
            and front.seasonal_.ndim == 2
            and front.seasonal_.shape[0] == n
        )
        if not shapes_agree:
            raise ModelFileError("front-end state is malformed: per-series statistics do not match the series.")
        return front
