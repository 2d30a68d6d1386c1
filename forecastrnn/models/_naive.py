"""The naive family: Naive, SeasonalNaive, Naive2, Drift, HistoricAverage, WindowAverage.

Point forecasts and normal prediction intervals follow Hyndman & Athanasopoulos,
*Forecasting: Principles and Practice* (3rd ed.), section 5.5: sigma is estimated from the
one-step residuals of the method (sqrt of their sum of squares over their count minus the
number of parameters), and grows with the horizon as the method's theory says.
``conformal_windows`` > 0 gives conformal intervals instead (see ``LocalForecaster``).

In-sample fitted values (``predict_insample``) are true one-step-ahead forecasts: the value at
``t`` is what the method forecasts for ``t`` from ``y[:t]`` alone (Naive ``y[t-1]``,
SeasonalNaive ``y[t-m]``, HistoricAverage the mean of ``y[:t]``, Drift ``y[t-1]`` plus the
slope of ``y[:t]``, WindowAverage the mean of the ``window`` values before ``t``), NaN where
the method has too few values; Naive2 divides by the seasonal factors of the whole series.
"""

from __future__ import annotations

import warnings
from collections import Counter
from typing import Any

import numpy as np

from ..errors import ConfigError, DataError
from ._local import Forecast, LocalForecaster, SeriesArrays, _warning_text, normal_interval
from ._plausible import band_text


def _residual_sigma(residuals: np.ndarray, n_params: int = 0) -> np.ndarray:
    """Per row (the last axis), sqrt of the sum of squared finite residuals over their count
    minus ``n_params``; NaN where that count is not positive."""
    finite = np.isfinite(residuals)
    dof = finite.sum(axis=-1) - n_params
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.sqrt(np.sum(np.where(finite, residuals, 0.0) ** 2, axis=-1) / dof)
    return np.where(dof > 0, sigma, np.nan)


def _lagged(block: np.ndarray, lag: int) -> np.ndarray:
    """Each row shifted ``lag`` steps later, NaN in front: ``out[:, t] = block[:, t - lag]``."""
    out = np.full(block.shape, np.nan)
    out[:, lag:] = block[:, : block.shape[1] - lag]
    return out


class _Simple(LocalForecaster):
    """Shared ``__init__`` of the parameter-free members of the family."""

    fallback = None

    def __init__(
        self,
        *,
        season_length: int | None = None,
        alias: str | None = None,
        n_jobs: int = 1,
        conformal_windows: int = 0,
    ) -> None:
        self.season_length = season_length
        self.alias = alias
        self.n_jobs = n_jobs
        self.conformal_windows = conformal_windows

    def _fit_series(self, y: np.ndarray) -> None:
        return None


class _Panelwise(_Simple):
    """A member of the family computed for all series at once, with no Python work per series.

    A subclass writes ``_forecast_block(block, h, levels)``: the forecasts of a (series, length)
    array of equal-length series, row-wise numpy, so each row gets exactly the numbers the series
    alone would. The checks of the per-series path are applied to all series together with the
    same outcome and messages: too short a series (fallback or error), a non-finite forecast, a
    forecast outside the plausible band (replaced by the fallback, or kept and flagged), all in
    ``fallbacks_``. ``n_jobs`` is accepted and not needed. A subclass that overrides
    ``_fit_series`` (to watch or change the per-series core) is run series by series instead.
    """

    def _forecast_block(self, block: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        raise NotImplementedError

    def _fitted_block(self, block: np.ndarray) -> np.ndarray:
        """One-step-ahead fitted values of each row of ``block`` (NaN where undefined)."""
        raise NotImplementedError

    def _fitted_series(self, state: Any, y: np.ndarray) -> np.ndarray:
        return self._fitted_block(y[None, :])[0]

    def _fitted_panel(self, states: list[tuple[str, Any]], series: SeriesArrays) -> np.ndarray:
        """The fitted values a block of equal-length series at a time; fallback series' from their
        fallback's blocks."""
        if self._per_series():
            return super()._fitted_panel(states, series)
        fallback = np.array([kind != "own" for kind, _ in states], dtype=bool)
        groups = self._fallback_groups(series, np.flatnonzero(fallback)) if fallback.any() else []
        model_of = np.full(len(series), -1)
        for number, (_, rows) in enumerate(groups):
            model_of[rows] = number
        out = np.empty(series.values.size)
        with np.errstate(all="ignore"):
            for rows, block in series.blocks():
                fitted = np.empty(block.shape)
                for number, model in [(-1, self), *enumerate(model for model, _ in groups)]:
                    mine = model_of[rows] == number
                    if mine.any():
                        fitted[mine] = model._fitted_block(block[mine])
                out[series.starts[rows, None] + np.arange(block.shape[1])] = fitted
        return out

    def _forecast_rows(self, series: SeriesArrays, h: int, levels: tuple[int, ...]) -> Forecast:
        """(series, h) arrays by column for every series; NaN for those shorter than ``_min_length()``."""
        keys = ["mean", *(f"{side}-{level}" for level in levels for side in ("lo", "hi"))]
        out = {key: np.full((len(series), h), np.nan) for key in keys}
        for rows, block in series.blocks():
            if block.shape[1] >= self._min_length():
                for key, values in self._forecast_block(block, h, levels).items():
                    out[key][rows] = values
        return out

    def _forecast_series(self, state: Any, y: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        if y.size < self._min_length():
            raise ValueError(f"{self.name} needs at least {self._min_length()} values, the series has {y.size}")
        return {key: values[0] for key, values in self._forecast_block(y[None, :], h, levels).items()}

    def _per_series(self) -> bool:
        return type(self)._fit_series is not _Simple._fit_series

    def _fallback_groups(self, series: SeriesArrays, rows: np.ndarray) -> list[tuple[LocalForecaster, np.ndarray]]:
        """The fallback model of each of ``rows`` (it may depend on the length), grouped by model."""
        lengths = series.lengths[rows]
        by_length = {n: self._fallback_model(n) for n in np.unique(lengths).tolist()}
        models = {model.column: model for model in by_length.values()}
        return [
            (model, rows[np.isin(lengths, [n for n, m in by_length.items() if m.column == column])])
            for column, model in models.items()
        ]

    def _fit_panel(self, series: SeriesArrays) -> tuple[list[tuple[str, Any]], dict[Any, str], Counter]:
        if self._per_series():
            return super()._fit_panel(series)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            need = self._min_length()
            mean = self._forecast_rows(series, max(self.season_length_, 2), ())["mean"]
            reasons = {
                row: f"DataError: needs at least {need} observations, has {series.lengths[row]}"
                for row in np.flatnonzero(series.lengths < need).tolist()
            }
            finite = np.isfinite(mean).all(axis=1)
            reasons |= {row: "non-finite forecast" for row in np.flatnonzero(~finite).tolist() if row not in reasons}
            has_fallback = getattr(self, "fallback", "auto") is not None
            if has_fallback:  # a model without one is what it is: flagged at predict
                reasons |= self._implausible(series, mean, finite)
        failing = np.array(sorted(reasons), dtype=np.int64)
        if failing.size and not has_fallback:
            row = int(failing[0])
            raise DataError(
                f"{self.column}: series {series.ids[row]!r}: {reasons[row]}. Remove the series or give it more data."
            )
        notes = {}
        for model, rows in self._fallback_groups(series, failing) if failing.size else []:
            notes |= {row: f"{reasons[row]}; {model.column} used instead" for row in rows.tolist()}
        kinds = np.full(len(series), "own", dtype=object)
        kinds[failing] = "fallback"
        fallbacks = {series.ids[row]: notes[row] for row in failing.tolist()}
        return [(kind, None) for kind in kinds], fallbacks, Counter(_warning_text(w) for w in caught)

    @staticmethod
    def _implausible(series: SeriesArrays, mean: np.ndarray, finite: np.ndarray) -> dict[int, str]:
        """Row -> reason for the ``finite`` rows of ``mean`` outside their series' plausible band."""
        low, high = series.bands
        with np.errstate(invalid="ignore"):
            outside = finite & ((mean.min(axis=1) < low) | (mean.max(axis=1) > high))
        return {
            row: f"implausible forecast (outside {band_text((low[row], high[row]))})"
            for row in np.flatnonzero(outside).tolist()
        }

    def _forecast_panel(
        self, states: list[tuple[str, Any]], series: SeriesArrays, h: int, levels: tuple[int, ...]
    ) -> tuple[Forecast, dict[Any, str]]:
        if self._per_series():
            return super()._forecast_panel(states, series, h, levels)
        own = np.array([kind == "own" for kind, _ in states], dtype=bool)
        has_fallback = getattr(self, "fallback", "auto") is not None
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            forecast = self._forecast_rows(series, h, levels)
            finite = np.isfinite(forecast["mean"]).all(axis=1)
            reasons = {row: "non-finite forecast" for row in np.flatnonzero(own & ~finite).tolist()}
            reasons |= self._implausible(series, forecast["mean"], finite & own)
            if not has_fallback:
                return forecast, {series.ids[row]: f"{why} at h={h}; kept but flagged" for row, why in reasons.items()}
            flagged = {}
            replace = ~own
            replace[list(reasons)] = True
            replaced = np.flatnonzero(replace)
            for model, rows in self._fallback_groups(series, replaced) if replaced.size else []:
                substitute = model._forecast_rows(series, h, levels)
                for key, values in forecast.items():
                    values[rows] = substitute[key][rows]
                flagged |= {
                    series.ids[row]: f"{reasons[row]} at h={h}; {model.column} used instead"
                    for row in rows.tolist()
                    if row in reasons
                }
        return forecast, flagged


class Naive(_Panelwise):
    """The last value, repeated: y[T+h] = y[T]; sigma_h = sigma * sqrt(h)."""

    name = "Naive"

    def _forecast_block(self, block: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        mean = np.repeat(block[:, -1:], h, axis=1)
        if not levels:
            return {"mean": mean}
        sigma = _residual_sigma(np.diff(block, axis=1))[:, None] * np.sqrt(np.arange(1, h + 1))
        return normal_interval(mean, sigma, levels)

    def _fitted_block(self, block: np.ndarray) -> np.ndarray:
        return _lagged(block, 1)


class SeasonalNaive(_Panelwise):
    """The value one season earlier: y[T+h] = y[T+h-m(k+1)], k = (h-1) // m;
    sigma_h = sigma * sqrt(k + 1)."""

    name = "SeasonalNaive"
    fallback = "naive"  # a series shorter than one season gets the naive forecast (recorded)

    def _min_length(self) -> int:
        return self.season_length_

    def _forecast_block(self, block: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        m = self.season_length_
        steps = np.arange(h)
        mean = block[:, block.shape[1] - m + steps % m]
        if not levels:
            return {"mean": mean}
        sigma = _residual_sigma(block[:, m:] - block[:, :-m])[:, None] * np.sqrt(steps // m + 1)
        return normal_interval(mean, sigma, levels)

    def _fitted_block(self, block: np.ndarray) -> np.ndarray:
        return _lagged(block, self.season_length_)


def seasonality_test(y: np.ndarray, season_length: int) -> bool:
    """The M4 competition's 90% autocorrelation test for seasonality: the autocorrelation at lag
    ``m`` exceeds 1.645 sqrt((1 + 2 sum_{k<m} r_k^2) / n); needs ``n >= 3m`` and ``m > 1``."""
    m = season_length
    if m < 2 or y.size < 3 * m:
        return False
    centred = y - y.mean()
    denominator = float(centred @ centred)
    if denominator == 0:
        return False
    acf = np.array([centred[:-k] @ centred[k:] for k in range(1, m + 1)]) / denominator
    limit = 1.645 * np.sqrt((1 + 2 * np.sum(acf[: m - 1] ** 2)) / y.size)
    return bool(abs(acf[m - 1]) > limit)


def multiplicative_seasonal_indices(y: np.ndarray, season_length: int) -> np.ndarray:
    """Seasonal factors of classical multiplicative decomposition (as R's ``decompose``):
    mean ratio of ``y`` to its centred moving average at each position counted from the
    series' first value, normalised to mean 1."""
    m = season_length
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    half = weights.size // 2
    ratio = y[half : y.size - half] / np.convolve(y, weights, mode="valid")
    positions = np.arange(half, y.size - half) % m
    figure = np.bincount(positions, ratio, minlength=m) / np.bincount(positions, minlength=m)
    return figure / figure.mean()


def seasonal_adjustment(y: np.ndarray, season_length: int, h: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(adjusted history, factors of the next ``h`` steps) by classical multiplicative
    decomposition when ``y`` is positive and passes :func:`seasonality_test`; None otherwise.
    The M4 benchmarks' (and Theta's) way of taking a season out and putting it back."""
    m = season_length
    if not ((y > 0).all() and seasonality_test(y, m)):
        return None
    figure = multiplicative_seasonal_indices(y, m)
    return y / figure[np.arange(y.size) % m], figure[np.arange(y.size, y.size + h) % m]


class Naive2(_Simple):
    """The M4 competition's benchmark: naive on seasonally adjusted data. A series that passes
    :func:`seasonality_test` (and is positive) is divided by its classical multiplicative
    seasonal factors, forecast by its last adjusted value, and the factors are put back;
    otherwise plain naive. Intervals as :class:`Naive` on the adjusted series, rescaled."""

    name = "Naive2"

    def _forecast_series(self, state: Any, y: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        adjusted, factors = seasonal_adjustment(y, self.season_length_, h) or (y, np.ones(h))
        sigma = _residual_sigma(np.diff(adjusted)) * np.sqrt(np.arange(1, h + 1))
        forecast = normal_interval(np.full(h, adjusted[-1]), sigma, levels)
        return {key: values * factors for key, values in forecast.items()}

    def _fitted_series(self, state: Any, y: np.ndarray) -> np.ndarray:
        adjustment = seasonal_adjustment(y, self.season_length_, 1)
        if adjustment is None:
            return _lagged(y[None, :], 1)[0]
        adjusted = adjustment[0]
        return _lagged(adjusted[None, :], 1)[0] * (y / adjusted)


class Drift(_Panelwise):
    """Random walk with drift: y[T+h] = y[T] + h (y[T] - y[1]) / (T - 1);
    sigma_h = sigma * sqrt(h (1 + h / (T - 1)))."""

    name = "Drift"

    def _min_length(self) -> int:
        return 2

    def _forecast_block(self, block: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        steps = np.arange(1, h + 1)
        n = block.shape[1]
        slope = (block[:, -1:] - block[:, :1]) / (n - 1)
        mean = block[:, -1:] + steps * slope
        if not levels:
            return {"mean": mean}
        sigma = _residual_sigma(np.diff(block, axis=1) - slope, n_params=1)[:, None]
        return normal_interval(mean, sigma * np.sqrt(steps * (1 + steps / (n - 1))), levels)

    def _fitted_block(self, block: np.ndarray) -> np.ndarray:
        """``y[t-1] + (y[t-1] - y[0]) / (t - 1)``: the drift forecast from ``y[:t]``, t >= 2."""
        out = np.full(block.shape, np.nan)
        last = block[:, 1:-1]
        out[:, 2:] = last + (last - block[:, :1]) / np.arange(1, block.shape[1] - 1)
        return out


def _mean_forecast(block: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
    """Each row's mean, with sigma = s sqrt(1 + 1/n), s the sample standard deviation."""
    mean = np.repeat(block.mean(axis=1, keepdims=True), h, axis=1)
    if not levels:
        return {"mean": mean}
    n = block.shape[1]
    s = np.std(block, axis=1, ddof=1, keepdims=True) if n > 1 else np.full((block.shape[0], 1), np.nan)
    return normal_interval(mean, np.repeat(s * np.sqrt(1 + 1 / n), h, axis=1), levels)


class HistoricAverage(_Panelwise):
    """The mean of all past values; sigma_h = s * sqrt(1 + 1/T), s the sample standard deviation."""

    name = "HistoricAverage"

    def _forecast_block(self, block: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        return _mean_forecast(block, h, levels)

    def _fitted_block(self, block: np.ndarray) -> np.ndarray:
        """The mean of ``y[:t]`` (an expanding mean: the forecast made at ``t - 1``)."""
        out = np.full(block.shape, np.nan)
        out[:, 1:] = np.cumsum(block, axis=1)[:, :-1] / np.arange(1, block.shape[1])
        return out


class WindowAverage(_Panelwise):
    """The mean of the last ``window`` values; intervals as :class:`HistoricAverage` computed on
    that window (an approximation: it ignores that the window moves)."""

    name = "WindowAverage"

    def __init__(
        self,
        *,
        window: int = 12,
        season_length: int | None = None,
        alias: str | None = None,
        n_jobs: int = 1,
        conformal_windows: int = 0,
    ) -> None:
        self.window = window
        self.season_length = season_length
        self.alias = alias
        self.n_jobs = n_jobs
        self.conformal_windows = conformal_windows

    def _check_params(self) -> None:
        if not (isinstance(self.window, (int, np.integer)) and self.window >= 1):
            raise ConfigError(f"window={self.window!r} is not allowed: a whole number >= 1.")

    def _min_length(self) -> int:
        return int(self.window)

    def _forecast_block(self, block: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        return _mean_forecast(block[:, -int(self.window) :], h, levels)

    def _fitted_block(self, block: np.ndarray) -> np.ndarray:
        """The mean of the ``window`` values before ``t``, for t >= ``window``."""
        w = int(self.window)
        out = np.full(block.shape, np.nan)
        sums = np.cumsum(np.c_[np.zeros(block.shape[0]), block], axis=1)
        out[:, w:] = (sums[:, w:-1] - sums[:, : -w - 1]) / w
        return out
