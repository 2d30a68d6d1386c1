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

_CHUNK = 3
_MAX_CHUNKS = 40
_SERIES_TRIED = 10


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
        "MS": "monthly, month start",
        "ME": "monthly, month end",
        "D": "daily",
        "h": "hourly",
        "B": "business days",
        "min": "minutely",
        "s": "secondly",
    }
    base = freq.split("-")[0]
    glosses = {
        "QS": "quarterly, quarter start",
        "QE": "quarterly, quarter end",
        "YS": "yearly, year start",
        "YE": "yearly, year end",
        "W": "weekly",
    }
    gloss = words.get(freq) or glosses.get(base)
    return f"{freq} ({gloss})" if gloss else freq


def _pandas_infer_freq(times: pd.DatetimeIndex) -> str | None:
    """pandas' inference as an alias string (newer pandas returns offsets when asked to)."""
    try:
        with pd.option_context("future.infer_freq_returns_offset", True):
            freq = pd.infer_freq(times)
    except pd.errors.OptionError:
        freq = pd.infer_freq(times)
    return freq if freq is None or isinstance(freq, str) else freq.freqstr


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def _fits(times: pd.DatetimeIndex, freq: str) -> bool:
    """Whether every timestamp lies on the grid of ``freq`` from the first one, with no more
    points missing than present (more would be irregular data, not gaps)."""
    if not _on_offset(times[:1], freq)[0]:
        return False
    grid = _grid(times[0], times[-1], freq)
    return len(grid) <= 2 * len(times) and bool(times.isin(grid).all())


def _calendar_step(times: pd.DatetimeIndex) -> str | None:
    """The frequency suggested by the smallest step between timestamps: calendar frequencies by
    their day ranges, anchored where all timestamps agree (month starts, month ends, one
    weekday), else a fixed step."""
    steps = times[1:] - times[:-1]
    steps = steps[steps > pd.Timedelta(0)]
    if steps.size == 0:
        return None
    step = steps.min()
    days = step / pd.Timedelta(days=1)
    starts, ends = bool((times.day == 1).all()), bool(times.is_month_end.all())
    midnight = bool((times == times.normalize()).all())
    first_month = int(times[0].month)
    if 28 <= days <= 31 and midnight:
        return "MS" if starts else "ME" if ends else None
    if 89 <= days <= 92 and midnight:
        if starts:
            return f"QS-{_MONTHS[(first_month - 1) % 3]}"
        return f"QE-{_MONTHS[(first_month - 1) % 3 + 9]}" if ends else None
    if 365 <= days <= 366 and midnight:
        if starts:
            return f"YS-{_MONTHS[first_month - 1]}"
        return f"YE-{_MONTHS[first_month - 1]}" if ends else None
    if days == 7 and len(set(times.dayofweek)) == 1:
        return f"W-{_WEEKDAYS[int(times[0].dayofweek)]}"
    if midnight and days == int(days):
        return "D" if days == 1 else f"{int(days)}D"  # calendar days, not 24h
    return to_offset(step).freqstr


def _voted(times: pd.DatetimeIndex) -> list[str]:
    """Frequencies that pandas infers on short runs of consecutive timestamps, most votes first."""
    if len(times) < _CHUNK:
        return []
    count = min(_MAX_CHUNKS, len(times) - _CHUNK + 1)
    starts = np.unique(np.linspace(0, len(times) - _CHUNK, num=count).astype(int))
    votes = Counter(_pandas_infer_freq(times[start : start + _CHUNK]) for start in starts)
    votes.pop(None, None)
    return [freq for freq, _ in votes.most_common()]


def _candidates(times: pd.DatetimeIndex) -> list[str]:
    """The voted frequencies, then the one suggested by the smallest step."""
    candidates = _voted(times)
    smallest = _calendar_step(times)
    if smallest is not None and smallest not in candidates:
        candidates.append(smallest)
    return candidates


def guess_series_freq(times: pd.Index) -> Freq | None:
    """One series' frequency, tolerating gaps: pandas' inference on the whole series; failing
    that, the first of :func:`_candidates` that fits every timestamp; ``None`` when none does."""
    if len(times) < 2:
        return None
    if not isinstance(times, pd.DatetimeIndex):
        steps = np.diff(np.asarray(times, dtype="int64"))
        steps = steps[steps > 0]
        if steps.size == 0:
            return None
        values, counts = np.unique(steps, return_counts=True)
        return int(values[np.argmax(counts)])
    if len(times) >= _CHUNK:
        freq = _pandas_infer_freq(times)
        if freq is not None:
            return freq
    return next((freq for freq in _candidates(times) if _fits(times, freq)), None)


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


def series_bounds(codes: np.ndarray) -> np.ndarray:
    """Where each series starts in a panel grouped by series (``codes``: a series number per
    row, equal within a series), then the panel's length."""
    return np.r_[0, np.flatnonzero(codes[1:] != codes[:-1]) + 1, len(codes)]


def find_gaps(panel: pd.DataFrame, freq: Freq, origin: Origin, *, inferred: bool, bounds: np.ndarray) -> pd.DataFrame:
    """Missing timestamps ``unique_id, ds`` of a sorted panel on the grid of ``freq``.

    ``bounds`` are the panel's :func:`series_bounds`. Raises DataError naming the series and
    timestamp that is off the grid, and, when the frequency was inferred, the series whose own
    frequency differs (mixed frequencies).
    """
    times = pd.Index(panel["ds"])
    starts = bounds[:-1]
    bad_step = np.asarray(times[1:] != pd.Index(_next_on_grid(times[:-1], freq)))
    bad_step[starts[1:] - 1] = False  # the step from one series to the next
    suspect = np.union1d(
        np.searchsorted(bounds, np.flatnonzero(bad_step), side="right") - 1,
        np.flatnonzero(~_on_offset(times[starts], freq)),
    )
    gaps = [pd.DataFrame({"unique_id": pd.Series([], dtype=panel["unique_id"].dtype), "ds": times[:0]})]
    for number in suspect:
        uid = panel["unique_id"].iat[bounds[number]]
        series_times = times[bounds[number] : bounds[number + 1]]
        own = guess_series_freq(series_times)
        if inferred and own is not None and own != freq:
            raise DataError(
                f"{origin.name}: series {uid!r} has frequency {describe_freq(own)} but others have "
                f"{describe_freq(freq)}. A panel holds one frequency: split the data, or resample it "
                "to one frequency first."
            )
        if not _on_offset(series_times[:1], freq)[0]:
            raise DataError(
                f"{origin.name}: series {uid!r} starts at {format_time(series_times[0])}, which is not on the "
                f"{describe_freq(freq)} grid. "
                + ("Pass freq to state the frequency." if inferred else "Check the freq you gave.")
            )
        grid = _grid(series_times[0], series_times[-1], freq)
        off_grid = ~series_times.isin(grid)
        if off_grid.any():
            position = int(np.argmax(off_grid))
            raise DataError(
                f"{origin.name}: series {uid!r}: timestamp {format_time(series_times[position])} is not on the "
                f"{describe_freq(freq)} grid that starts at {format_time(series_times[0])}. "
                + (
                    "Pass freq to state the frequency, or fix the timestamp."
                    if inferred
                    else "Check the timestamp, or the freq you gave."
                )
            )
        missing = grid.difference(series_times)
        gaps.append(pd.DataFrame({"unique_id": pd.Series(uid, index=range(len(missing))), "ds": missing}))
    return pd.concat(gaps, ignore_index=True).astype({"unique_id": panel["unique_id"].dtype})


def infer_panel_freq(panel: pd.DataFrame, origin: Origin, bounds: np.ndarray) -> Freq:
    """The frequency of a sorted panel (``bounds``: its :func:`series_bounds`), read off its
    longest series that shows one (gaps tolerated)."""
    lengths = np.diff(bounds)
    longest_first = np.argsort(-lengths, kind="stable")

    def times_of(number: int) -> pd.Index:
        return pd.Index(panel["ds"].iloc[bounds[number] : bounds[number + 1]])

    for number in longest_first[:_SERIES_TRIED]:
        freq = guess_series_freq(times_of(number))
        if freq is not None:
            return freq
    longest = panel["unique_id"].iat[bounds[longest_first[0]]]
    times = times_of(longest_first[0])
    likely = _voted(times)[:1] if isinstance(times, pd.DatetimeIndex) else []
    if likely and _on_offset(times[:1], likely[0])[0]:
        return likely[0]  # most timestamps agree on it: find_gaps names the ones that do not
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
