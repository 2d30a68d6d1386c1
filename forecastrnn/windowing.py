"""Sliding windows over a panel as an index, not as copies.

The values of every series sit in one contiguous float32 buffer (:class:`SeriesBuffer`); a
window is a start position in it. :class:`WindowIndex` stores only a few numbers per series
(first start, count), so its memory grows with the number of series, not with windows x
``input_size``; batches are gathered from the buffer by index when they are needed.

A window never crosses from one series into another, and never reads past a given end
(a forecast cutoff or the start of a validation tail).

Series shorter than a window are not refused: :class:`PaddedBuffer` lays each series out with
NaN padding before and after it, so a window may start before a series' first value (its
missing inputs are masked) and, for series no longer than the horizon, end after its last one
(its missing targets are masked in the loss).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ConfigError

__all__ = ["PaddedBuffer", "SeriesBuffer", "WindowIndex", "make_windows", "train_validation_windows"]


@dataclass(frozen=True)
class SeriesBuffer:
    """All series of a panel in one contiguous array; series ``i`` is ``values[offsets[i]:offsets[i + 1]]``."""

    values: np.ndarray
    offsets: np.ndarray
    ids: np.ndarray

    @classmethod
    def from_panel(cls, panel: pd.DataFrame, dtype: type = np.float32) -> SeriesBuffer:
        """Buffer of a validated panel's ``y`` (rows grouped by series), in the panel's series order."""
        keys = panel["unique_id"].to_numpy()
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        ids = keys[starts]
        offsets = np.append(starts, len(panel)).astype(np.int64)
        values = np.ascontiguousarray(panel["y"].to_numpy(dtype=dtype))
        return cls(values=values, offsets=offsets, ids=ids)

    @property
    def lengths(self) -> np.ndarray:
        """Number of observations of each series."""
        return np.diff(self.offsets)

    def series(self, i: int) -> np.ndarray:
        """A view of series ``i``'s values."""
        return self.values[self.offsets[i] : self.offsets[i + 1]]


@dataclass(frozen=True)
class WindowIndex:
    """Windows (``input_size`` inputs followed by ``horizon`` targets) as per-series arithmetic.

    Window ``j`` of series ``s`` starts at ``first_start[s] + j * step`` in the buffer; windows
    are numbered series after series, so ``len(index)`` windows can be drawn as integers.
    """

    input_size: int
    horizon: int
    step: int
    first_start: np.ndarray
    counts: np.ndarray
    cumulative: np.ndarray

    def __len__(self) -> int:
        return int(self.cumulative[-1])

    def locate(self, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Series number and buffer start position of each window number."""
        windows = np.asarray(windows, dtype=np.int64)
        if windows.size and (windows.min() < 0 or windows.max() >= len(self)):
            raise IndexError(f"window numbers must lie in [0, {len(self)})")
        series = np.searchsorted(self.cumulative, windows, side="right") - 1
        starts = self.first_start[series] + (windows - self.cumulative[series]) * self.step
        return series, starts

    def gather(self, values: np.ndarray, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Inputs ``(B, input_size)``, targets ``(B, horizon)`` and series ``(B,)`` of a batch."""
        series, starts = self.locate(windows)
        inputs = values[starts[:, None] + np.arange(self.input_size)]
        targets = values[starts[:, None] + self.input_size + np.arange(self.horizon)]
        return inputs, targets, series


def _per_series(value: int | np.ndarray | None, default: np.ndarray) -> np.ndarray:
    if value is None:
        return default
    return np.broadcast_to(np.asarray(value, dtype=np.int64), default.shape)


def make_windows(
    offsets: np.ndarray,
    input_size: int,
    horizon: int,
    *,
    step: int = 1,
    end: int | np.ndarray | None = None,
    targets_from: int | np.ndarray | None = 0,
) -> WindowIndex:
    """Index every window whose targets lie in ``[targets_from, end)`` of its own series.

    ``end`` and ``targets_from`` are positions within each series (a number for all, or one per
    series; ``end`` defaults to each series' length, negative values count from it). Windows
    are aligned to ``end``: the last one's targets end exactly there, earlier ones every
    ``step`` before. Inputs may start anywhere in the series, before ``targets_from`` too.
    Series too short for one window get none.
    """
    for name, value in (("input_size", input_size), ("horizon", horizon), ("step", step)):
        if int(value) < 1:
            raise ConfigError(f"{name} must be a positive integer, got {value!r}.")
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    stop = _per_series(end, lengths)
    stop = np.where(stop < 0, lengths + stop, np.minimum(stop, lengths))
    earliest_end = np.maximum(_per_series(targets_from, np.zeros_like(lengths)) + horizon, input_size + horizon)
    counts = np.where(stop >= earliest_end, (stop - earliest_end) // step + 1, 0)
    last_start = offsets[:-1] + stop - horizon - input_size
    first_start = last_start - (np.maximum(counts, 1) - 1) * step
    cumulative = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return WindowIndex(
        input_size=int(input_size),
        horizon=int(horizon),
        step=int(step),
        first_start=first_start,
        counts=counts,
        cumulative=cumulative,
    )


def train_validation_windows(
    offsets: np.ndarray,
    input_size: int,
    horizon: int,
    validation_size: int,
    *,
    step: int = 1,
    end: int | np.ndarray | None = None,
) -> tuple[WindowIndex, WindowIndex]:
    """Time-ordered split per series: the last ``validation_size`` points before ``end`` are the
    validation tail. Training windows' targets end before it; validation windows' targets lie
    inside it (their inputs may reach back into the training part, as at forecast time)."""
    if validation_size < 0:
        raise ConfigError(f"validation_size must be >= 0, got {validation_size!r}.")
    lengths = np.diff(np.asarray(offsets, dtype=np.int64))
    stop = _per_series(end, lengths)
    stop = np.where(stop < 0, lengths + stop, np.minimum(stop, lengths))
    train = make_windows(offsets, input_size, horizon, step=step, end=np.maximum(stop - validation_size, 0))
    validation = make_windows(offsets, input_size, horizon, step=step, end=stop, targets_from=stop - validation_size)
    return train, validation


@dataclass(frozen=True)
class PaddedBuffer:
    """Every series with ``input_size - 1`` NaN before it and ``horizon - 1`` NaN after it.

    Series ``i``'s values are ``values[data_start[i] : data_start[i] + lengths[i]]``. The padding
    lets windows of short series exist without copying; NaN marks what is not observed.
    """

    values: np.ndarray
    data_start: np.ndarray
    lengths: np.ndarray
    input_size: int
    horizon: int

    @classmethod
    def build(
        cls, values: np.ndarray, offsets: np.ndarray, input_size: int, horizon: int, dtype: type = np.float32
    ) -> PaddedBuffer:
        """Pad the series of a contiguous buffer (``values``, ``offsets`` as in :class:`SeriesBuffer`)."""
        offsets = np.asarray(offsets, dtype=np.int64)
        lengths = np.diff(offsets)
        before, after = input_size - 1, horizon - 1
        data_start = offsets[:-1] + before + np.arange(lengths.size, dtype=np.int64) * (before + after)
        padded = np.full(int(offsets[-1]) + lengths.size * (before + after), np.nan, dtype=dtype)
        padded[np.repeat(data_start - offsets[:-1], lengths) + np.arange(offsets[-1])] = values
        return cls(padded, data_start, lengths, int(input_size), int(horizon))

    def _index(self, first_start: np.ndarray, counts: np.ndarray) -> WindowIndex:
        counts = np.maximum(counts, 0).astype(np.int64)
        cumulative = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return WindowIndex(self.input_size, self.horizon, 1, first_start.astype(np.int64), counts, cumulative)

    def training_windows(self, end: np.ndarray | None = None) -> WindowIndex:
        """Windows whose observed targets lie before ``end`` (per series; default: its length).

        A series with ``end >= input_size + horizon`` gives its full windows only; a shorter one
        every window with at least one observed input and a full horizon of targets before
        ``end``; one with ``end <= horizon`` every window with at least one observed input and
        one observed target (the targets past ``end`` are to be masked by the caller).
        """
        i, h = self.input_size, self.horizon
        end = self.lengths if end is None else np.minimum(np.asarray(end, dtype=np.int64), self.lengths)
        full = end >= i + h
        first = np.where(full, self.data_start, self.data_start - i + 1)
        counts = np.where(full, end - i - h + 1, np.where(end > h, end - h, end - 1))
        return self._index(first, counts)

    def tail_windows(self, tail: np.ndarray) -> WindowIndex:
        """Windows for a validation tail: those whose targets end inside each series' last
        ``tail`` values and reach into them (for ``tail < horizon`` only the last window, whose
        first ``horizon - tail`` targets are to be masked), with at least one observed input."""
        i, h = self.input_size, self.horizon
        tail = np.asarray(tail, dtype=np.int64)
        counts = np.minimum(tail - np.minimum(tail, h) + 1, self.lengths - h)
        counts = np.where(tail > 0, counts, 0)
        last = self.data_start + self.lengths - i - h
        return self._index(last - np.maximum(counts, 1) + 1, counts)
