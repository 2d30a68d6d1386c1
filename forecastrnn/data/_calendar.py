"""Calendar arithmetic on a panel's frequency: season lengths, future timestamps, step numbers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Day, MonthBegin, MonthEnd, QuarterBegin, QuarterEnd, Tick, YearBegin, YearEnd

from ._frequency import Freq

_SEASON_BY_CODE = {"MS": 12, "ME": 12, "SMS": 24, "QS": 4, "QE": 4, "YS": 1, "YE": 1, "W": 52, "B": 5}
_MAX_DAILY_STEPS = 1440
_ANCHOR = pd.Timestamp("0001-01-01").as_unit("s")
"""Step numbers count from here (the first day pandas can hold at second resolution), so a
timestamp's step number, and so its position in the season, never depends on where a series
starts, and dates of any year (year 1 included) get distinct, increasing numbers."""
_MONTHS_PER_STEP = {MonthBegin: 1, MonthEnd: 1, QuarterBegin: 3, QuarterEnd: 3, YearBegin: 12, YearEnd: 12}


def _fixed_step(freq: str) -> pd.Timedelta | None:
    offset = to_offset(freq)
    if isinstance(offset, Tick):
        return pd.Timedelta(offset)
    if isinstance(offset, Day):
        return pd.Timedelta(days=offset.n)
    return None


def season_length_for(freq: Freq) -> int:
    """The usual season of a frequency: 12 for monthly, 4 quarterly, 7 daily, 24 hourly,
    48 half-hourly, 52 weekly, 5 business days; 1 (no season) for yearly and integer steps."""
    if isinstance(freq, int):
        return 1
    step = _fixed_step(freq)
    if step is not None:
        per_day = pd.Timedelta(days=1) / step
        if step >= pd.Timedelta(days=1):
            return 7 if step == pd.Timedelta(days=1) else 1
        return int(per_day) if per_day == int(per_day) and per_day <= _MAX_DAILY_STEPS else 1
    offset = to_offset(freq)
    if offset.n != 1:
        return 1
    return _SEASON_BY_CODE.get(offset.rule_code.split("-")[0], 1)


def season_lengths_for(freq: Freq) -> tuple[int, ...]:
    """Every season of a frequency, shortest first: the day and the week for data recorded
    several times a day (hourly: 24 and 168), which both shape schedules and demand; the one
    season of :func:`season_length_for` otherwise."""
    season = season_length_for(freq)
    if isinstance(freq, int) or season <= 1:
        return (season,)
    step = _fixed_step(freq)
    if step is not None and step < pd.Timedelta(days=1):
        return (season, 7 * season)
    return (season,)


def forecast_times(lasts: pd.Index, freq: Freq, horizon: int) -> pd.Index:
    """The ``horizon`` timestamps (or integer steps) after each of ``lasts``, series after series
    (``len(lasts) * horizon`` values): ``lasts[i] + k * freq`` for k = 1..horizon."""
    if isinstance(freq, int):
        values = np.asarray(lasts, dtype=np.int64)[:, None] + freq * np.arange(1, horizon + 1)
        return pd.Index(values.ravel(), dtype="int64")
    lasts = pd.DatetimeIndex(lasts)
    offset = to_offset(freq)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        steps = [lasts + k * offset for k in range(1, horizon + 1)]
    by_step = steps[0].append(steps[1:])
    series_major = (np.arange(horizon)[None, :] * len(lasts) + np.arange(len(lasts))[:, None]).ravel()
    return by_step[series_major]


def step_numbers(times: pd.Index, freq: Freq) -> np.ndarray:
    """Whole number of ``freq`` steps from a fixed anchor to each timestamp (on-grid times).

    ``step_numbers(t) % season_length`` is a timestamp's position in its season, the same in
    training, in a newer history and in the forecast horizon. Month-based frequencies count
    calendar months, fixed steps count elapsed time (in seconds, so year 1 does not overflow),
    and the rest (weeks, business days) count positions on a grid from the anchor.
    """
    if isinstance(freq, int):
        return np.asarray(times, dtype=np.int64) // freq
    times = pd.DatetimeIndex(times)
    if times.tz is not None:
        times = times.tz_convert("UTC").tz_localize(None)
    offset = to_offset(freq)
    months = _MONTHS_PER_STEP.get(type(offset))
    if months is not None:
        elapsed = (times.year.to_numpy(np.int64) - 1) * 12 + times.month.to_numpy(np.int64) - 1
        return elapsed // (months * offset.n)
    step = _fixed_step(freq)
    if step is not None:
        if step >= pd.Timedelta(seconds=1):
            return np.asarray((times.as_unit("s") - _ANCHOR) // step, dtype=np.int64)
        return np.asarray((times.as_unit("ns") - pd.Timestamp("1678-01-01")) // step, dtype=np.int64)
    grid = pd.date_range(offset.rollforward(_ANCHOR), times.max(), freq=freq, unit="s")
    return np.searchsorted(grid.to_numpy(), times.as_unit("s").to_numpy()).astype(np.int64)
