"""Infer a panel's one frequency, check every series against its grid, and find the gaps.

A frequency is a pandas offset alias (``"MS"``, ``"D"``, ``"30min"``, ...) for timestamps, or
a positive integer step for integer time. A series whose timestamps sit on the grid but skip
some points has gaps (reported at their timestamps); a series that does not sit on the grid
at all has another frequency or none, which is an error.
"""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from ..errors import DataError
from ._origin import Origin

Freq = str | int

_CHUNK = 5
_MAX_CHUNKS = 25


def format_time(value: object) -> str:
    """A timestamp as a person writes it: the date alone at midnight."""
    if isinstance(value, pd.Timestamp):
        if value == value.normalize() and value.tz is None:
            return value.strftime("%Y-%m-%d")
        return str(value)
    return str(value)


def describe_freq(freq: Freq) -> str:
    """``'MS'`` -> ``'MS (monthly, month start)'``: the alias with a plain-word gloss where known."""
    if isinstance(freq, int):
        return f"integer step {freq}"
    words = {
        "MS": "monthly, month start", "ME": "monthly, month end", "D": "daily", "h": "hourly",
        "B": "business days", "min": "minutely", "s": "secondly",
    }
    base = freq.split("-")[0]
    glosses = {"QS": "quarterly, quarter start", "QE": "quarterly, quarter end", "YS": "yearly, year start",
               "YE": "yearly, year end", "W": "weekly"}
    gloss = words.get(freq) or glosses.get(base)
    return f"{freq} ({gloss})" if gloss else freq


def guess_series_freq(times: pd.Index) -> Freq | None:
    """One series' frequency, tolerating gaps: pandas' inference on the whole series, else a
    vote among short runs of consecutive timestamps; ``None`` when nothing regular is seen."""
    if len(times) < 2:
        return None
    if not isinstance(times, pd.DatetimeIndex):
        steps = np.diff(np.asarray(times, dtype="int64"))
        steps = steps[steps > 0]
        if steps.size == 0:
            return None
        values, counts = np.unique(steps, return_counts=True)
        return int(values[np.argmax(counts)])
    if len(times) >= 3:
        freq = pd.infer_freq(times)
        if freq is not None:
            return freq
    if len(times) < _CHUNK:
        return None
    starts = np.unique(np.linspace(0, len(times) - _CHUNK, num=min(_MAX_CHUNKS, len(times) - _CHUNK + 1)).astype(int))
    votes = Counter(pd.infer_freq(times[start : start + _CHUNK]) for start in starts)
    votes.pop(None, None)
    return votes.most_common(1)[0][0] if votes else None


def _next_on_grid(times: pd.Index, freq: Freq) -> np.ndarray:
    """Each timestamp moved one step along the grid (vectorised)."""
    if isinstance(freq, int):
        return np.asarray(times, dtype="int64") + freq
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        return (times + to_offset(freq)).to_numpy()


def _grid(start: object, end: object, freq: Freq) -> pd.Index:
    if isinstance(freq, int):
        return pd.Index(np.arange(int(start), int(end) + 1, freq), dtype="int64")
    return pd.date_range(start, end, freq=freq)


def _on_offset(times: pd.Index, freq: Freq) -> np.ndarray:
    """Whether each timestamp can start a grid of this frequency (month starts for 'MS', ...)."""
    if isinstance(freq, int):
        return np.ones(len(times), dtype=bool)
    offset = to_offset(freq)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        return np.asarray((times + offset - offset) == times)


def find_gaps(panel: pd.DataFrame, freq: Freq, origin: Origin, *, inferred: bool) -> pd.DataFrame:
    """Missing timestamps ``unique_id, ds`` of a sorted panel on the grid of ``freq``.

    Raises DataError naming the series and timestamp that is off the grid, and, when the
    frequency was inferred, the series whose own frequency differs (mixed frequencies).
    """
    ids = panel["unique_id"].to_numpy()
    times = pd.Index(panel["ds"])
    same_series = ids[1:] == ids[:-1]
    step_ok = np.asarray(times[1:] == pd.Index(_next_on_grid(times[:-1], freq)))
    series_start = np.r_[True, ~same_series]
    bad_start = series_start & ~_on_offset(times, freq)
    suspect = set(ids[1:][same_series & ~step_ok]) | set(ids[bad_start])
    if not suspect:
        return pd.DataFrame({"unique_id": pd.Series([], dtype=panel["unique_id"].dtype), "ds": times[:0]})

    gaps = []
    for uid, series in panel[panel["unique_id"].isin(suspect)].groupby("unique_id", sort=False):
        series_times = pd.Index(series["ds"])
        own = guess_series_freq(series_times)
        if inferred and own is not None and own != freq:
            raise DataError(
                f"{origin.name}: series {uid!r} has frequency {describe_freq(own)} but others have "
                f"{describe_freq(freq)}. A panel holds one frequency: split the data, or resample it "
                "to one frequency first."
            )
        grid = _grid(series_times[0], series_times[-1], freq)
        off_grid = ~series_times.isin(grid)
        if off_grid.any():
            position = int(np.argmax(off_grid))
            raise DataError(
                f"{origin.name}: series {uid!r}: timestamp {format_time(series_times[position])} is not on the "
                f"{describe_freq(freq)} grid that starts at {format_time(series_times[0])}. "
                + ("Pass freq to state the frequency, or fix the timestamp."
                   if inferred else "Check the timestamp, or the freq you gave.")
            )
        missing = grid.difference(series_times)
        gaps.append(pd.DataFrame({"unique_id": uid, "ds": missing}))
    return pd.concat(gaps, ignore_index=True)


def infer_panel_freq(panel: pd.DataFrame, origin: Origin) -> Freq:
    """The frequency of a sorted panel, read off its longest series (gaps tolerated)."""
    lengths = panel.groupby("unique_id", sort=False).size()
    longest = lengths.idxmax()
    times = pd.Index(panel.loc[panel["unique_id"] == longest, "ds"])
    freq = guess_series_freq(times)
    if freq is not None:
        return freq
    if len(times) < 3:
        raise DataError(
            f"{origin.name}: cannot infer the frequency from {len(times)} timestamp(s) per series. "
            "Pass freq (e.g. 'MS' for monthly, 'D' for daily)."
        )
    raise DataError(
        f"{origin.name}: cannot infer a frequency: the timestamps of series {longest!r} are irregular "
        f"(e.g. {format_time(times[0])}, {format_time(times[1])}, {format_time(times[2])}). "
        "Pass freq, or resample the data to a regular frequency."
    )
