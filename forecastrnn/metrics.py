"""Accuracy metrics over a backtest's cv frame, and their tidy per-series, per-cutoff table.

Every metric is a plain function with one signature::

    metric(actual, forecast, *, history, season_length, lower=None, upper=None, level=None) -> float

``history`` holds the series' values up to the cutoff (for the scaled metrics), ``lower`` and
``upper`` an interval at ``level`` percent (for the interval metrics). Undefined values are
NaN, never 0 and never an exception: a series whose seasonal-naive in-sample error is zero
(a constant history) has NaN MASE and RMSSE; MAPE skips zero actuals (NaN if all are zero).
A missing (NaN) forecast makes its window's score NaN in every metric, never a perfect 0:
:func:`evaluate` names the model, series and timestamps in a :class:`MissingForecastWarning`
and in ``scores.attrs["missing"]``; :func:`summarize` leaves NaNs out of aggregates and
counts them.

:func:`owa` is the M4 competition's overall weighted average against Naive2 (the seasonally
adjusted naive forecast): the panel's mean sMAPE and mean MASE, each divided by Naive2's on
the same windows, averaged. :func:`naive2_forecasts` makes the Naive2 forecasts for a cv frame
whose models do not include it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "METRICS",
    "MissingForecastWarning",
    "coverage",
    "error_by_step",
    "evaluate",
    "interval_score",
    "mae",
    "mape",
    "mase",
    "missing_forecasts",
    "naive2_forecasts",
    "owa",
    "rmse",
    "rmsse",
    "smape",
    "summarize",
]


class MissingForecastWarning(UserWarning):
    """Some forecasts of a cv frame are missing (NaN); they are scored NaN. ``missing`` is the
    frame ``model, unique_id, cutoff, ds`` of every missing point."""

    def __init__(self, message: str, missing: pd.DataFrame) -> None:
        super().__init__(message)
        self.missing = missing


def _mean(values: np.ndarray) -> float:
    """The mean, NaN when any value is NaN or there is none (no 'mean of empty slice' warning)."""
    return float(np.mean(values)) if values.size else float("nan")


def _errors(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    return np.asarray(forecast, dtype=np.float64) - np.asarray(actual, dtype=np.float64)


def mae(actual: np.ndarray, forecast: np.ndarray, **_: object) -> float:
    """Mean absolute error (NaN when a forecast or actual is missing)."""
    return _mean(np.abs(_errors(actual, forecast)))


def _root_mean_square(values: np.ndarray) -> float:
    """sqrt(mean(values**2)) without overflow: values are divided by their largest magnitude
    first, so series near 1e290 still give a finite score."""
    values = np.asarray(values, dtype=np.float64)
    if np.isnan(values).any():
        return float("nan")
    largest = float(np.max(np.abs(values))) if values.size else 0.0
    if largest == 0 or not np.isfinite(largest):
        return largest if values.size else float("nan")
    return largest * float(np.sqrt(np.mean((values / largest) ** 2)))


def rmse(actual: np.ndarray, forecast: np.ndarray, **_: object) -> float:
    """Root mean squared error (computed without overflow for huge values; NaN when a value is missing)."""
    return _root_mean_square(_errors(actual, forecast))


def mape(actual: np.ndarray, forecast: np.ndarray, **_: object) -> float:
    """Mean absolute percentage error in percent, over the points whose actual is not zero
    (NaN when a forecast is missing)."""
    actual, forecast = np.asarray(actual, dtype=np.float64), np.asarray(forecast, dtype=np.float64)
    nonzero = actual != 0
    if not nonzero.any():
        return float("nan")
    return 100 * _mean(np.abs((actual[nonzero] - forecast[nonzero]) / actual[nonzero]))


def smape(actual: np.ndarray, forecast: np.ndarray, **_: object) -> float:
    """Symmetric MAPE on the 0-200 scale, as in the M4 competition: mean of
    200 |y - f| / (|y| + |f|); a point where both are zero counts as 0, a missing forecast
    makes it NaN (never 0, a perfect score)."""
    actual, forecast = np.asarray(actual, dtype=np.float64), np.asarray(forecast, dtype=np.float64)
    denominator = np.abs(actual) + np.abs(forecast)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = 200 * np.abs(actual - forecast) / denominator
    return _mean(np.where(denominator == 0, 0.0, terms))


def _seasonal_naive_errors(history: np.ndarray, season_length: int) -> np.ndarray:
    m = season_length if history.size > season_length else 1
    return history[m:] - history[:-m]


def mase(actual: np.ndarray, forecast: np.ndarray, *, history: np.ndarray, season_length: int, **_: object) -> float:
    """MAE scaled by the in-sample MAE of the seasonal naive forecast on ``history`` (the naive
    one when the history is not longer than a season); NaN when that scale is zero."""
    return float(mae(actual, forecast) / _mase_scale(history, season_length))


def rmsse(actual: np.ndarray, forecast: np.ndarray, *, history: np.ndarray, season_length: int, **_: object) -> float:
    """RMSE scaled by the in-sample root mean squared seasonal naive error (M5 style)."""
    scale = _root_mean_square(_seasonal_naive_errors(history, season_length))
    return rmse(actual, forecast) / scale if scale > 0 else float("nan")


def coverage(actual: np.ndarray, forecast: np.ndarray, *, lower: np.ndarray, upper: np.ndarray, **_: object) -> float:
    """Percentage of actuals inside [lower, upper] (NaN when a bound is missing)."""
    if np.isnan(lower).any() or np.isnan(upper).any() or np.isnan(actual).any():
        return float("nan")
    return 100 * _mean((actual >= lower) & (actual <= upper))


def interval_score(
    actual: np.ndarray, forecast: np.ndarray, *, lower: np.ndarray, upper: np.ndarray, level: int, **_: object
) -> float:
    """Mean interval (Winkler) score: width plus 2/alpha times the distance of actuals outside."""
    alpha = 1 - level / 100
    below, above = np.maximum(lower - actual, 0), np.maximum(actual - upper, 0)
    return _mean((upper - lower) + 2 / alpha * (below + above))


METRICS: dict[str, Callable[..., float]] = {
    "mae": mae,
    "rmse": rmse,
    "mape": mape,
    "smape": smape,
    "mase": mase,
    "rmsse": rmsse,
}


def _mase_scale(history: np.ndarray, season_length: int) -> float:
    scale = _mean(np.abs(_seasonal_naive_errors(history, season_length)))
    return scale if scale > 0 else float("nan")


def msis(
    actual: np.ndarray,
    forecast: np.ndarray,
    *,
    lower: np.ndarray,
    upper: np.ndarray,
    level: int,
    history: np.ndarray,
    season_length: int,
    **_: object,
) -> float:
    """Mean scaled interval score of the M4 competition: :func:`interval_score` divided by the
    in-sample mean absolute error of seasonal naive (the MASE scale); lower is better."""
    return interval_score(actual, forecast, lower=lower, upper=upper, level=level) / _mase_scale(history, season_length)


def scaled_width(
    actual: np.ndarray,
    forecast: np.ndarray,
    *,
    lower: np.ndarray,
    upper: np.ndarray,
    history: np.ndarray,
    season_length: int,
    **_: object,
) -> float:
    """Mean interval width divided by the MASE scale (comparable across series)."""
    return _mean(upper - lower) / _mase_scale(history, season_length)


def scaled_pinball(
    actual: np.ndarray,
    forecast: np.ndarray,
    *,
    lower: np.ndarray,
    upper: np.ndarray,
    level: int,
    history: np.ndarray,
    season_length: int,
    **_: object,
) -> float:
    """Pinball (quantile) loss of the interval's bounds as the quantiles (1 - level) / 2 and
    (1 + level) / 2, averaged over both, divided by the MASE scale; lower is better."""
    losses = []
    for bound, tau in ((lower, (1 - level / 100) / 2), (upper, (1 + level / 100) / 2)):
        below = actual - bound
        losses.append(_mean(np.maximum(tau * below, (tau - 1) * below)))
    return float(np.mean(losses)) / _mase_scale(history, season_length)


INTERVAL_METRICS: dict[str, Callable[..., float]] = {
    "coverage": coverage,
    "interval_score": interval_score,
    "msis": msis,
    "width": scaled_width,
    "pinball": scaled_pinball,
}


def _model_columns(cv: pd.DataFrame) -> list[str]:
    fixed = {"unique_id", "ds", "cutoff", "y"}
    return [c for c in cv.columns if c not in fixed and "-lo-" not in c and "-hi-" not in c]


def missing_forecasts(cv: pd.DataFrame, models: Sequence[str] | None = None) -> pd.DataFrame:
    """``model, unique_id, cutoff, ds`` of every point where a model's forecast is missing (NaN)
    but the actual is known."""
    frames = []
    for model in _model_columns(cv) if models is None else models:
        lost = cv[cv[model].isna() & cv["y"].notna()]
        frames.append(lost[["unique_id", "cutoff", "ds"]].assign(model=model))
    columns = ["model", "unique_id", "cutoff", "ds"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _warn_missing(missing: pd.DataFrame) -> None:
    from .data import format_time

    parts = []
    for (model, uid, cutoff), points in missing.groupby(["model", "unique_id", "cutoff"], sort=False):
        times = ", ".join(format_time(t) for t in points["ds"].iloc[:3]) + (" ..." if len(points) > 3 else "")
        parts.append(f"{model} for {uid!r} after cutoff {format_time(cutoff)} at {times}")
    shown = "; ".join(parts[:3]) + (f"; and {len(parts) - 3} more window(s)" if len(parts) > 3 else "")
    warnings.warn(
        MissingForecastWarning(
            f"{len(missing)} forecast(s) missing (NaN), scored NaN, not as perfect: {shown}.", missing
        ),
        stacklevel=3,
    )


def _history_until(histories: dict, uid: object, cutoff: object) -> np.ndarray:
    past = histories[uid]
    return past.loc[past["ds"] <= cutoff, "y"].to_numpy(dtype=np.float64)


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
    metrics (``coverage_<level>`` in %, ``interval_score_<level>``, and scaled by the MASE scale
    ``msis_<level>`` as in M4, ``width_<level>`` and ``pinball_<level>``) are added where the cv
    frame has the interval columns. Missing forecasts score NaN and are named in a
    :class:`MissingForecastWarning` (see :func:`missing_forecasts`)."""
    unknown = [name for name in metrics if name not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; choose from {', '.join(METRICS)}.")
    models = list(models) if models is not None else _model_columns(cv)
    missing = missing_forecasts(cv, models)
    if len(missing):
        _warn_missing(missing)
    histories = {uid: group for uid, group in panel.groupby("unique_id", sort=False)}
    rows = []
    for (uid, cutoff), group in cv.groupby(["unique_id", "cutoff"], sort=False):
        history = _history_until(histories, uid, cutoff)
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
                context = {
                    "lower": group[lo].to_numpy(dtype=np.float64),
                    "upper": group[hi].to_numpy(dtype=np.float64),
                    "level": lvl,
                    "history": history,
                    "season_length": season_length,
                }
                for name, function in INTERVAL_METRICS.items():
                    value = function(actual, forecast, **context)
                    rows.append((uid, cutoff, model, f"{name}_{lvl}", value))
    return pd.DataFrame(rows, columns=["unique_id", "cutoff", "model", "metric", "value"])


def summarize(scores: pd.DataFrame, *, benchmark: str | None = "SeasonalNaive") -> pd.DataFrame:
    """Per model and metric: mean and median over series and cutoffs (NaNs left out and
    counted in ``n_nan``), rank of the mean (1 = best; coverage and width are reported, not
    ranked: closest to nominal is what counts), and the mean relative to ``benchmark`` when it is among the models."""
    grouped = scores.groupby(["model", "metric"], sort=False)["value"]
    table = pd.DataFrame(
        {
            "mean": grouped.mean(),
            "median": grouped.median(),
            "n": grouped.size(),
            "n_nan": grouped.apply(lambda values: int(values.isna().sum())),
        }
    ).reset_index()
    lower_is_better = ~table["metric"].str.startswith(("coverage", "width"))
    table["rank"] = np.nan
    table.loc[lower_is_better, "rank"] = table[lower_is_better].groupby("metric")["mean"].rank(method="min")
    if benchmark is not None and benchmark in set(table["model"]):
        reference = table[table["model"] == benchmark].set_index("metric")["mean"]
        table[f"relative_to_{benchmark}"] = table["mean"] / table["metric"].map(reference)
    return table


def owa(scores: pd.DataFrame, *, benchmark: str = "Naive2") -> pd.Series:
    """Overall weighted average as in the M4 competition: for each model, the mean sMAPE over
    the panel's series (and cutoffs) divided by ``benchmark``'s (Naive2 in M4), the same for
    MASE, and the mean of the two ratios; 1 = as good as the benchmark, lower is better.
    Each ratio is taken over the windows where both have a finite score, so a window the
    model left missing is not compared against the benchmark's score there. ``scores`` need
    the ``smape`` and ``mase`` rows of the benchmark (see :func:`naive2_forecasts`)."""
    wanted = scores[scores["metric"].isin(["smape", "mase"])]
    table = wanted.set_index(["unique_id", "cutoff", "metric", "model"])["value"].unstack("model")
    if benchmark not in table.columns or set(wanted.loc[wanted["model"] == benchmark, "metric"]) != {"smape", "mase"}:
        raise ValueError(f"OWA needs smape and mase scores of the benchmark model {benchmark!r}.")
    values = {}
    for model in table.columns:
        ratios = []
        for metric in ("smape", "mase"):
            part = table.xs(metric, level="metric")
            mine, theirs = part[model].to_numpy(dtype=np.float64), part[benchmark].to_numpy(dtype=np.float64)
            both = np.isfinite(mine) & np.isfinite(theirs)
            reference = _mean(theirs[both])
            ratios.append(_mean(mine[both]) / reference if reference > 0 else np.nan)
        values[model] = 0.5 * (ratios[0] + ratios[1])
    models = list(dict.fromkeys(scores["model"]))
    return pd.Series(values, name="owa").reindex(models)


def naive2_forecasts(cv: pd.DataFrame, panel: pd.DataFrame, *, season_length: int) -> pd.Series:
    """The M4 Naive2 forecast (:class:`~forecastrnn.models.Naive2`: naive on data seasonally
    adjusted by classical multiplicative decomposition where the 90% autocorrelation test finds
    seasonality) for every row of ``cv``, from each series' whole history up to the row's
    cutoff; aligned with ``cv.index``, named ``Naive2``. Used as OWA's benchmark when the
    backtest did not run Naive2 itself."""
    from .models import Naive2

    keys = cv[["unique_id", "ds", "cutoff"]]
    steps = cv.groupby(["unique_id", "cutoff"], sort=False)["ds"].transform("size")
    forecasts = []
    for cutoff, rows in keys.groupby("cutoff", sort=False):
        ids = rows["unique_id"].unique()
        train = panel[panel["unique_id"].isin(ids) & (panel["ds"] <= cutoff)].reset_index(drop=True)
        train.attrs = {"freq": panel.attrs.get("freq")} if panel.attrs.get("freq") is not None else {}
        h = int(steps[rows.index].max())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a flagged Naive2 forecast is the benchmark as defined
            forecast = Naive2(season_length=season_length).fit(train).predict(h)
        forecasts.append(forecast.assign(cutoff=cutoff))
    merged = keys.merge(pd.concat(forecasts, ignore_index=True), on=["unique_id", "ds", "cutoff"], how="left")
    return pd.Series(merged["Naive2"].to_numpy(), index=cv.index, name="Naive2")


def error_by_step(
    cv: pd.DataFrame, models: Sequence[str], panel: pd.DataFrame | None = None, *, season_length: int = 1
) -> pd.DataFrame:
    """Mean error at each horizon step (1 = first forecast after the cutoff), per model, pooled
    over every series and cutoff. With ``panel``: the absolute error scaled as in MASE (divided
    by the series' in-sample seasonal naive MAE up to the cutoff), so series of different
    scales can be pooled; windows whose scale is zero are left out. Without: the absolute
    error in the data's units (meaningful for one series or series of one scale)."""
    step = cv.groupby(["unique_id", "cutoff"], sort=False).cumcount() + 1
    scale = pd.Series(1.0, index=cv.index)
    if panel is not None:
        histories = {uid: group for uid, group in panel.groupby("unique_id", sort=False)}
        per_window = {
            key: _mean(np.abs(_seasonal_naive_errors(_history_until(histories, *key), season_length)))
            for key in cv.groupby(["unique_id", "cutoff"], sort=False).groups
        }
        scale = pd.Series(
            [per_window[key] for key in zip(cv["unique_id"], cv["cutoff"], strict=True)], index=cv.index
        ).where(lambda values: values > 0)
    errors = pd.DataFrame({model: (cv[model] - cv["y"]).abs() / scale for model in models})
    return errors.assign(step=step.to_numpy()).groupby("step").mean()
