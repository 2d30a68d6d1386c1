"""Accuracy metrics over a backtest's cv frame, and their tidy per-series, per-cutoff table.

Every metric is a plain function with one signature::

    metric(actual, forecast, *, history, season_length, lower=None, upper=None, level=None) -> float

``history`` holds the series' values up to the cutoff (for the scaled metrics), ``lower`` and
``upper`` an interval at ``level`` percent (for the interval metrics). Undefined values are
NaN, never 0 and never an exception: a series whose seasonal-naive in-sample error is zero
(a constant history) has NaN MASE and RMSSE; MAPE skips zero actuals (NaN if all are zero).
:func:`evaluate` counts and reports NaNs; :func:`summarize` leaves them out of aggregates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import mean_absolute_error

__all__ = [
    "METRICS",
    "coverage",
    "error_by_step",
    "evaluate",
    "interval_score",
    "mae",
    "mape",
    "mase",
    "owa",
    "rmse",
    "rmsse",
    "smape",
    "summarize",
]


def mae(actual: np.ndarray, forecast: np.ndarray, **_: object) -> float:
    """Mean absolute error."""
    return float(mean_absolute_error(actual, forecast))


def _root_mean_square(values: np.ndarray) -> float:
    """sqrt(mean(values**2)) without overflow: values are divided by their largest magnitude
    first, so series near 1e290 still give a finite score."""
    values = np.asarray(values, dtype=np.float64)
    largest = float(np.max(np.abs(values))) if values.size else 0.0
    if largest == 0 or not np.isfinite(largest):
        return largest if values.size else float("nan")
    return largest * float(np.sqrt(np.mean((values / largest) ** 2)))


def rmse(actual: np.ndarray, forecast: np.ndarray, **_: object) -> float:
    """Root mean squared error (computed without overflow for huge values)."""
    return _root_mean_square(np.asarray(forecast, dtype=np.float64) - np.asarray(actual, dtype=np.float64))


def mape(actual: np.ndarray, forecast: np.ndarray, **_: object) -> float:
    """Mean absolute percentage error in percent, over the points whose actual is not zero."""
    nonzero = actual != 0
    if not nonzero.any():
        return float("nan")
    return float(100 * np.mean(np.abs((actual[nonzero] - forecast[nonzero]) / actual[nonzero])))


def smape(actual: np.ndarray, forecast: np.ndarray, **_: object) -> float:
    """Symmetric MAPE on the 0-200 scale, as in the M4 competition: mean of
    200 |y - f| / (|y| + |f|); a point where both are zero counts as 0."""
    denominator = np.abs(actual) + np.abs(forecast)
    terms = np.divide(
        200 * np.abs(actual - forecast), denominator, out=np.zeros_like(denominator), where=denominator > 0
    )
    return float(np.mean(terms))


def _seasonal_naive_errors(history: np.ndarray, season_length: int) -> np.ndarray:
    m = season_length if history.size > season_length else 1
    return history[m:] - history[:-m]


def mase(actual: np.ndarray, forecast: np.ndarray, *, history: np.ndarray, season_length: int, **_: object) -> float:
    """MAE scaled by the in-sample MAE of the seasonal naive forecast on ``history`` (the naive
    one when the history is not longer than a season); NaN when that scale is zero."""
    scale = np.mean(np.abs(_seasonal_naive_errors(history, season_length)))
    return float(mae(actual, forecast) / scale) if scale > 0 else float("nan")


def rmsse(actual: np.ndarray, forecast: np.ndarray, *, history: np.ndarray, season_length: int, **_: object) -> float:
    """RMSE scaled by the in-sample root mean squared seasonal naive error (M5 style)."""
    scale = _root_mean_square(_seasonal_naive_errors(history, season_length))
    return rmse(actual, forecast) / scale if scale > 0 else float("nan")


def coverage(actual: np.ndarray, forecast: np.ndarray, *, lower: np.ndarray, upper: np.ndarray, **_: object) -> float:
    """Percentage of actuals inside [lower, upper]."""
    return float(100 * np.mean((actual >= lower) & (actual <= upper)))


def interval_score(
    actual: np.ndarray, forecast: np.ndarray, *, lower: np.ndarray, upper: np.ndarray, level: int, **_: object
) -> float:
    """Mean interval (Winkler) score: width plus 2/alpha times the distance of actuals outside."""
    alpha = 1 - level / 100
    below, above = np.maximum(lower - actual, 0), np.maximum(actual - upper, 0)
    return float(np.mean((upper - lower) + 2 / alpha * (below + above)))


METRICS: dict[str, Callable[..., float]] = {
    "mae": mae,
    "rmse": rmse,
    "mape": mape,
    "smape": smape,
    "mase": mase,
    "rmsse": rmsse,
}
INTERVAL_METRICS: dict[str, Callable[..., float]] = {"coverage": coverage, "interval_score": interval_score}


def evaluate(
    cv: pd.DataFrame,
    panel: pd.DataFrame,
    *,
    season_length: int,
    metrics: Sequence[str] = ("mae", "rmse", "smape", "mase"),
    models: Sequence[str] | None = None,
    level: Sequence[int] = (),
) -> pd.DataFrame:
    """Scores ``unique_id, cutoff, model, metric, value`` for every series, cutoff and model of
    a cv frame. ``panel`` gives each series' history up to each cutoff (scaled metrics); interval
    metrics (``coverage_<level>``, ``interval_score_<level>``) are added where the cv frame has
    the interval columns."""
    unknown = [name for name in metrics if name not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; choose from {', '.join(METRICS)}.")
    fixed = {"unique_id", "ds", "cutoff", "y"}
    models = (
        list(models)
        if models is not None
        else [c for c in cv.columns if c not in fixed and "-lo-" not in c and "-hi-" not in c]
    )
    histories = {uid: group for uid, group in panel.groupby("unique_id", sort=False)}
    rows = []
    for (uid, cutoff), group in cv.groupby(["unique_id", "cutoff"], sort=False):
        past = histories[uid]
        history = past.loc[past["ds"] <= cutoff, "y"].to_numpy(dtype=np.float64)
        actual = group["y"].to_numpy(dtype=np.float64)
        for model in models:
            forecast = group[model].to_numpy(dtype=np.float64)
            for name in metrics:
                value = METRICS[name](actual, forecast, history=history, season_length=season_length)
                rows.append((uid, cutoff, model, name, value))
            for lvl in level:
                lo, hi = f"{model}-lo-{lvl}", f"{model}-hi-{lvl}"
                if lo not in group or hi not in group:
                    continue
                bounds = {"lower": group[lo].to_numpy(dtype=np.float64), "upper": group[hi].to_numpy(dtype=np.float64)}
                for name, function in INTERVAL_METRICS.items():
                    value = function(actual, forecast, level=lvl, **bounds)
                    rows.append((uid, cutoff, model, f"{name}_{lvl}", value))
    return pd.DataFrame(rows, columns=["unique_id", "cutoff", "model", "metric", "value"])


def summarize(scores: pd.DataFrame, *, benchmark: str | None = "SeasonalNaive") -> pd.DataFrame:
    """Per model and metric: mean and median over series and cutoffs (NaNs left out and
    counted in ``n_nan``), rank of the mean (1 = best; for coverage, closest to nominal is not
    judged, only reported), and the mean relative to ``benchmark`` when it is among the models."""
    grouped = scores.groupby(["model", "metric"], sort=False)["value"]
    table = pd.DataFrame(
        {
            "mean": grouped.mean(),
            "median": grouped.median(),
            "n": grouped.size(),
            "n_nan": grouped.apply(lambda values: int(values.isna().sum())),
        }
    ).reset_index()
    lower_is_better = ~table["metric"].str.startswith("coverage")
    table["rank"] = np.nan
    table.loc[lower_is_better, "rank"] = table[lower_is_better].groupby("metric")["mean"].rank(method="min")
    if benchmark is not None and benchmark in set(table["model"]):
        reference = table[table["model"] == benchmark].set_index("metric")["mean"]
        table[f"relative_to_{benchmark}"] = table["mean"] / table["metric"].map(reference)
    return table


def owa(scores: pd.DataFrame, *, benchmark: str = "SeasonalNaive") -> pd.Series:
    """Overall weighted average, M4 style: the mean of each model's sMAPE and MASE, each
    relative to ``benchmark``'s (M4 used Naive2 as the benchmark); 1 = as good as it."""
    means = scores[scores["metric"].isin(["smape", "mase"])].groupby(["model", "metric"])["value"].mean().unstack()
    if benchmark not in means.index or not {"smape", "mase"} <= set(means.columns):
        raise ValueError(f"OWA needs smape and mase scores of the benchmark model {benchmark!r}.")
    relative = means / means.loc[benchmark]
    return (0.5 * (relative["smape"] + relative["mase"])).rename("owa")


def error_by_step(cv: pd.DataFrame, models: Sequence[str]) -> pd.DataFrame:
    """Mean absolute error at each horizon step (1 = first forecast after the cutoff), per model."""
    step = cv.groupby(["unique_id", "cutoff"], sort=False).cumcount() + 1
    errors = pd.DataFrame({model: (cv[model] - cv["y"]).abs() for model in models}).assign(step=step.to_numpy())
    return errors.groupby("step").mean()
