"""Conformal prediction intervals from a model's own rolling-origin errors on its training data.

Split conformal prediction (as statsforecast's and NeuralForecast's ``ConformalIntervals``),
made to work on panels of series of any scale. At ``fit``, a copy of the model is trained on
each series less its last ``n_windows x h`` values, then forecasts ``h`` steps from each of
``n_windows`` origins ``h`` apart in that held-out part, from the data before each origin only
(a series too short for the copy's training is forecast as a series it never saw, from the
windows it has).
Each absolute error, divided by its series' scale (the in-sample mean absolute error of
seasonal naive before the origin, the MASE scale), is a conformity score. Scores are pooled
across series, one pool per horizon step, since one series gives too few scores for a 95%
quantile (the pool is per series only in name when the panel has one series). At ``predict``
the interval of level L at step k is the point forecast plus and minus the
ceil((n + 1) L / 100)-th smallest of the n scores of step k (the finite-sample conformal
quantile; the largest when n is too small), times the series' scale on the forecast's own
history.

What it promises: if the scaled errors of the future are exchangeable with the calibration
ones (the same model quality as on the series' recent past, across the panel), coverage of the
L% interval, pooled over series and steps, is at least L%. It does not promise coverage for
each series, and a level needs at least 100 / (100 - L) - 1 scores per step (19 for 95%)
before its interval is anything but the widest error seen.

The local (statistical) models (``LocalForecaster``) use the same scores and quantiles with two
differences: the model is refit on the data before every window (a fit is cheap there, and
with one fit the earlier windows' errors came out larger than the final model's, so the
intervals were too wide), and a series with at least ``OWN_SCORES`` windows of its own (enough
for its own 95% quantile) is calibrated on its own scores (:func:`series_halfwidths`), which
promises coverage for that series; the others use the pool.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError

MAX_DEFAULT_WINDOWS = 5
"""The most calibration windows :func:`default_windows` chooses: each one shortens the training
of the calibration copy by ``h`` values."""

OWN_SCORES = 19
"""Scores per step a series needs to be calibrated on its own (:func:`series_halfwidths`): the
fewest that give a 95% conformal quantile, ceil((19 + 1) 0.95) = 19 <= 19."""


def default_windows(n_series: int, longest: int | None = None, h: int = 1) -> int:
    """Calibration windows for a network asked for intervals without a number
    (``conformal_windows="auto"``, the CLI's ``--level``), chosen at each fit: the fewest that
    give ``OWN_SCORES`` scores per step pooled over the panel's series (one window for 19
    series or more), at most ``MAX_DEFAULT_WINDOWS``, and at most as many windows of ``h``
    steps as the ``longest`` training series holds with 2 values before them (at least one; a
    series too short even for that gets the calibration's error). Fewer windows leave the copy
    closer to the final model: on the development panels one window gave pooled coverage of
    80.6-84.4% and 94.8-96.9% for the 80% and 95% intervals, three windows 72.8-87.9% and
    93.3-98.3% (``benchmarks/results/intervals.md``)."""
    wanted = min(MAX_DEFAULT_WINDOWS, max(1, -(-OWN_SCORES // max(n_series, 1))))
    room = MAX_DEFAULT_WINDOWS if longest is None else max(1, (longest - 2) // max(h, 1))
    return int(min(wanted, room))


def series_scales(values: np.ndarray, offsets: np.ndarray, season_length: int) -> np.ndarray:
    """Per series: mean absolute error of seasonal naive (lag ``season_length``; lag 1 when the
    series holds no two seasons), falling back to the mean absolute value, then 1, so that every
    scale is finite and positive."""
    scales = np.ones(offsets.size - 1)
    for i in range(offsets.size - 1):
        y = values[offsets[i] : offsets[i + 1]]
        lag = season_length if season_length > 1 and y.size > season_length else 1
        candidates = (np.mean(np.abs(y[lag:] - y[:-lag])) if y.size > lag else np.nan, np.mean(np.abs(y)))
        scales[i] = next((c for c in candidates if np.isfinite(c) and c > 0), 1.0)
    return scales


def _panel_scales(panel: pd.DataFrame, season_length: int) -> pd.Series:
    lengths = panel.groupby("unique_id", sort=False).size()
    offsets = np.r_[0, np.cumsum(lengths.to_numpy())]
    return pd.Series(series_scales(panel["y"].to_numpy(np.float64), offsets, season_length), index=lengths.index)


def calibration_scores(model: Any, panel: pd.DataFrame, *, n_windows: int, h: int, season_length: int) -> np.ndarray:
    """Scaled absolute errors (rows: series and windows; columns: horizon steps 1..h) of
    ``model`` (unfitted; fit here once on each series less its last ``n_windows x h`` values,
    then forecasting every window from the data before it without training again). ``panel``
    is sorted by series and time. A series scores every window it has at least 2 values
    before; one too short to be in that fit scores its later windows as a series the model
    never saw (so short series, often the hardest, are not left out). DataError if no series
    has 2 values before the first window."""
    position = panel.groupby("unique_id", sort=False).cumcount().to_numpy()
    length = panel.groupby("unique_id", sort=False)["y"].transform("size").to_numpy()
    first_cut = length - n_windows * h
    if not (first_cut >= 2).any():
        raise DataError(
            f"no series is long enough to calibrate intervals on {n_windows} window(s) of {h} steps "
            f"(at least one needs {n_windows * h + 2} values); lower conformal_windows (--conformal-windows) or "
            "the horizon."
        )
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the calibration copy's fallbacks are not the user's forecast
        fitted = panel[(first_cut >= 2) & (position < first_cut)].reset_index(drop=True)
        fitted.attrs = dict(panel.attrs)
        model.fit(fitted)
        for window in range(n_windows):
            cut = length - (n_windows - window) * h
            history = panel[(cut >= 2) & (position < cut)].reset_index(drop=True)
            history.attrs = dict(panel.attrs)
            forecast = model.predict(h, history=history)
            actual = panel[(cut >= 2) & (position >= cut) & (position < cut + h)]
            merged = actual.merge(forecast, on=["unique_id", "ds"], how="left")
            errors = (merged["y"] - merged[model.column]).abs().to_numpy().reshape(-1, h)
            scales = _panel_scales(history, season_length).reindex(merged["unique_id"].iloc[::h]).to_numpy()
            rows.append(errors / scales[:, None])
    return np.vstack(rows)


def halfwidths(scores: np.ndarray, levels: tuple[int, ...], h: int) -> np.ndarray:
    """Conformal quantiles of the scores, one row per level, one column per step 1..h."""
    widths = np.empty((len(levels), h))
    for k in range(h):
        column = np.sort(scores[:, k][np.isfinite(scores[:, k])])
        n = column.size
        for row, level in enumerate(levels):
            rank = int(np.ceil((n + 1) * level / 100))
            widths[row, k] = column[min(rank, n) - 1] if n else np.nan
    return widths


def series_halfwidths(
    scores: np.ndarray, owners: np.ndarray, targets: np.ndarray, levels: tuple[int, ...], h: int
) -> np.ndarray:
    """Conformal quantiles per series: (levels, series of ``targets``, steps 1..h).

    ``scores`` as from a calibration (rows: series and windows), ``owners[i]`` the series
    (a whole number) that scored row ``i``, ``targets`` the series to give quantiles, -1 for
    one without scores. At each step, a series with at least ``OWN_SCORES`` finite scores of
    its own gets the conformal quantile of those (:func:`halfwidths` on its rows alone: its
    intervals adapt to its own errors, and their coverage is promised for it); every other
    series gets the quantile of all the scores pooled. Which of the two does not depend on
    the level, so a higher level never gives a narrower interval."""
    pooled = halfwidths(scores, levels, h)
    out = np.repeat(pooled[:, None, :], targets.size, axis=1)
    count = np.bincount(owners)
    if not count.size or count.max() < OWN_SCORES or not (targets >= 0).any():
        return out
    order = np.argsort(owners, kind="stable")
    slot = np.empty(owners.size, dtype=np.int64)
    slot[order] = np.arange(owners.size) - (np.cumsum(count) - count)[owners[order]]  # window number per series
    table = np.full((count.size, int(count.max()), h), np.nan)
    table[owners, slot] = scores
    table.sort(axis=1)  # NaN last
    n = np.isfinite(table).sum(axis=1)  # (series, step)
    own = n >= OWN_SCORES
    known = np.flatnonzero(targets >= 0)
    for row, level in enumerate(levels):
        rank = np.minimum(-(-(n + 1) * level // 100), n)  # ceil((n + 1) L / 100), the largest when n is too small
        quantile = np.take_along_axis(table, np.maximum(rank - 1, 0)[:, None, :], axis=1)[:, 0, :]
        chosen = np.where(own, quantile, pooled[row])
        out[row, known] = chosen[targets[known]]
    return out
