"""The season-aware front end of the recurrent forecasters.

Plain recurrent networks lose to seasonal naive on seasonal data; this front end is what lets
them win. Per series, estimated on the data it is fit on (never later data):

1. a transform chosen per series: ``log`` when every training value of that series is positive
   (multiplicative structure becomes additive and series of any size share one scale),
   otherwise none; with ``scaler="auto"`` log series are left as they are and the others are
   standardised (``scaler`` may also name one of :data:`~forecastrnn.scaling.SCALERS` for all);
2. a seasonal profile of the scaled values, removed before the network and restored after.
   With one season (monthly, quarterly, daily, ...): seasonal indices by classical additive
   decomposition (the mean deviation from a centred moving average at each position of the
   season), only for series with two full seasons in which every position is observed (else
   none for that series). With several seasons (data recorded several times a day has a day
   and a week), series differ in which profile they follow: weather repeats a daily shape,
   timetables repeat last week's, some series have none. So each series chooses among no
   profile, the mean profile of each season and the last cycle of each season (its values
   less their mean), by the one that best describes its last week when estimated on the
   weeks before it; the winner is then estimated on all of the series' training values.

3. the data's floor restored on the way out: a series whose training values are never negative
   gets no negative forecast, and a position of its season that was zero in every observed
   cycle (at least two: no departures at 3 a.m., a product not sold in winter) is forecast as
   exactly zero. Counts with structural zeros otherwise get small positive values where they
   are always zero.

The per-series choices are frozen at fit: a refit (``log=`` and ``profiles=`` of
:meth:`FrontEnd.fit`) re-estimates the statistics on a newer history but keeps each known
series' transform and kind of profile, so one new zero in one series cannot switch the
scaling of the others. A log series whose newer history is not
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
_STATE_VERSION = 3


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


def last_cycle(values: np.ndarray, phases: np.ndarray, season_length: int) -> np.ndarray:
    """The last ``season_length`` values less their mean, by position of the season (zeros when
    there are fewer values or they are not all finite)."""
    m = season_length
    if m < 2 or values.size < m or not np.isfinite(values[-m:]).all():
        return np.zeros(max(m, 1))
    table = np.zeros(m)
    table[phases[-m:] % m] = values[-m:] - values[-m:].mean()
    return table


def _profile(kind: str, values: np.ndarray, phases: np.ndarray, season_length: int) -> np.ndarray:
    if kind == "mean":
        return seasonal_indices(values, phases, season_length)
    if kind == "last":
        return last_cycle(values, phases, season_length)
    return np.zeros(1)


def _widened(table: np.ndarray, width: int) -> np.ndarray:
    return table[np.arange(width) % table.size]


def _candidates(size: int, season_lengths: tuple[int, ...]) -> list[str]:
    """Profiles a series of ``size`` values can estimate, simplest first."""
    found = ["none"]
    found += [f"mean {m}" for m in season_lengths if size >= 2 * m]
    found += [f"last {m}" for m in season_lengths if size >= m]
    return found


def choose_profile(values: np.ndarray, phases: np.ndarray, season_lengths: tuple[int, ...]) -> str:
    """The profile (``"none"``, ``"mean m"`` or ``"last m"``) that best describes the last
    cycles of the longest season when estimated on the values before each (least mean absolute
    error about each cycle's own mean, averaged over the last two cycles, or the last one
    when the series is too short for two). A single season, or too few values to hold a cycle
    out (three cycles), gives the mean profile of the first season (the day, for sub-daily
    data), when the series holds two full cycles of it."""
    longest = max(season_lengths)
    if len(season_lengths) == 1 or values.size < 3 * longest or not np.isfinite(values).all():
        first = season_lengths[0]
        return f"mean {first}" if first >= 2 and values.size >= 2 * first else "none"
    folds = 2 if values.size >= 4 * longest else 1
    names = _candidates(values.size - folds * longest, season_lengths)
    errors = np.zeros(len(names))
    for fold in range(1, folds + 1):
        end = values.size - (fold - 1) * longest
        head, head_phases = values[: end - longest], phases[: end - longest]
        held_out = values[end - longest : end] - values[end - longest : end].mean()
        held_phases = phases[end - longest : end]
        for index, name in enumerate(names):
            kind, _, length = name.partition(" ")
            table = _profile(kind, head, head_phases, int(length or 1))
            errors[index] += np.abs(held_out - table[held_phases % table.size]).mean()
    return names[int(np.argmin(errors))]


def structural_zeros(values: np.ndarray, phases: np.ndarray, season_lengths: tuple[int, ...]) -> np.ndarray:
    """Positions of the longest season (a table of its length) at which the series was zero in
    every observed cycle, judged on the longest season with at least two full cycles (so the
    day when there are fewer than two weeks); none without such a season."""
    width = max(season_lengths)
    cycles = [m for m in season_lengths if m >= 2 and values.size >= 2 * m]
    if not cycles:
        return np.zeros(width, dtype=bool)
    m = max(cycles)
    positions = phases % m
    seen = np.bincount(positions, minlength=m)
    nonzero = np.bincount(positions, values != 0, minlength=m)
    zero = (seen >= 2) & (nonzero == 0)
    return zero[np.arange(width) % m]


def seasonal_profile(values: np.ndarray, phases: np.ndarray, profile: str, width: int) -> np.ndarray:
    """The named profile of one series, estimated on ``values``, as a table of ``width``
    positions (a multiple of its season); zeros when the values cannot support it."""
    kind, _, length = profile.partition(" ")
    return _widened(_profile(kind, values, phases, int(length or 1)), width)


def _prefix_mask(buffer: SeriesBuffer, stop: np.ndarray) -> np.ndarray:
    """True for each buffer value among its series' first ``stop`` values."""
    position = np.arange(buffer.values.size) - np.repeat(buffer.offsets[:-1], buffer.lengths)
    return position < np.repeat(stop, buffer.lengths)


class FrontEnd:
    """Per-series transform, scaler and seasonal indices for a buffer (row ``i`` = series ``i``)."""

    def __init__(self, scaler: str, season_lengths: tuple[int, ...], deseasonalize: bool) -> None:
        if scaler not in SCALER_CHOICES:
            raise ConfigError(f"scaler={scaler!r} is not allowed; choose one of {', '.join(SCALER_CHOICES)}.")
        longest = max(season_lengths)
        if any(longest % m for m in season_lengths):
            raise ConfigError(f"season lengths {season_lengths} must each divide the longest one.")
        self.scaler_name, self.season_lengths, self.deseasonalize = scaler, tuple(season_lengths), deseasonalize

    def fit(
        self,
        buffer: SeriesBuffer,
        steps: np.ndarray,
        *,
        end: np.ndarray | None = None,
        log: np.ndarray | None = None,
        profiles: list[str] | None = None,
    ) -> FrontEnd:
        """Estimate from each series' first ``end`` values (all by default); ``steps`` are the
        values' step numbers (:func:`~forecastrnn.data.step_numbers`), aligned with the buffer.

        ``log`` (one bool per series) imposes the transforms decided by an earlier fit; a series
        it marks as log whose values here are not all positive is standardised instead, and
        listed in ``log_dropped_``. ``profiles`` (one name per series, ``None`` for a series to
        choose anew) imposes the kinds of seasonal profile chosen by an earlier fit.
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
        width = max(self.season_lengths) if self.deseasonalize else 1
        self.seasonal_ = np.zeros((lengths.size, max(width, 1)))
        self.profiles_ = ["none"] * lengths.size
        if width > 1:
            for i in np.flatnonzero(stop >= 2):
                part = slice(buffer.offsets[i], buffer.offsets[i] + stop[i])
                known = None if profiles is None else profiles[i]
                self.profiles_[i] = known or choose_profile(scaled[part], steps[part], self.season_lengths)
                self.seasonal_[i] = seasonal_profile(scaled[part], steps[part], self.profiles_[i], width)
        self.nonnegative_ = np.ones(lengths.size, dtype=bool)
        np.logical_and.at(self.nonnegative_, series[in_fit], buffer.values[in_fit] >= 0)
        self.zeros_ = np.zeros((lengths.size, max(self.season_lengths)), dtype=bool)
        for i in np.flatnonzero(self.nonnegative_ & (stop >= 4)):
            part = slice(buffer.offsets[i], buffer.offsets[i] + stop[i])
            self.zeros_[i] = structural_zeros(buffer.values[part], steps[part], self.season_lengths)
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
        """Values in the data's own units: seasonal indices restored, scaling undone, and the
        series' floor kept (none below zero where the history has none; zero at its
        structural zeros)."""
        series = self._broadcast(series, values)
        unscaled = (values + self._season(series, steps)) * self.scale_[series] + self.loc_[series]
        with np.errstate(over="ignore"):
            restored = np.where(self.log_[series], np.exp(unscaled), unscaled)
        restored = np.where(self.nonnegative_[series], np.maximum(restored, 0.0), restored)
        return np.where(self.zeros_[series, steps % self.zeros_.shape[1]], 0.0, restored)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state."""
        return {
            "version": _STATE_VERSION,
            "scaler_choice": self.scaler_name,
            "season_lengths": list(self.season_lengths),
            "deseasonalize": self.deseasonalize,
            "log": self.log_.tolist(),
            "loc": self.loc_.tolist(),
            "scale": self.scale_.tolist(),
            "seasonal": self.seasonal_.tolist(),
            "profiles": list(self.profiles_),
            "nonnegative": self.nonnegative_.tolist(),
            "zeros": [np.flatnonzero(row).tolist() for row in self.zeros_],
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> FrontEnd:
        """Rebuild from :meth:`to_dict`; ModelFileError when malformed."""
        try:
            if state["version"] != _STATE_VERSION:
                raise ModelFileError(f"front-end state has version {state['version']!r}, expected {_STATE_VERSION}.")
            lengths = tuple(int(m) for m in state["season_lengths"])
            front = cls(state["scaler_choice"], lengths, bool(state["deseasonalize"]))
            front.log_ = np.asarray(state["log"], dtype=bool)
            front.loc_ = np.asarray(state["loc"], dtype=np.float64)
            front.scale_ = np.asarray(state["scale"], dtype=np.float64)
            front.seasonal_ = np.asarray(state["seasonal"], dtype=np.float64)
            front.profiles_ = [str(name) for name in state["profiles"]]
            front.nonnegative_ = np.asarray(state["nonnegative"], dtype=bool)
            front.zeros_ = np.zeros((front.log_.size, max(lengths)), dtype=bool)
            if len(state["zeros"]) != front.log_.size:
                raise ValueError("zero positions are not given for every series")
            for row, positions in enumerate(state["zeros"]):
                if not all(isinstance(p, int) and 0 <= p < max(lengths) for p in positions):
                    raise ValueError(f"zero positions of series {row} are not positions of the season")
                front.zeros_[row, positions] = True
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
            and len(front.profiles_) == n
            and front.nonnegative_.shape == (n,)
            and set(front.profiles_) <= {"none", *(f"{kind} {m}" for kind in ("mean", "last") for m in lengths)}
        )
        if not shapes_agree:
            raise ModelFileError("front-end state is malformed: per-series statistics do not match the series.")
        return front
