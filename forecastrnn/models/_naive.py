"""The naive family: Naive, SeasonalNaive, Naive2, Drift, HistoricAverage, WindowAverage.

Point forecasts and normal prediction intervals follow Hyndman & Athanasopoulos,
*Forecasting: Principles and Practice* (3rd ed.), section 5.5: sigma is estimated from the
one-step residuals of the method (sqrt of their sum of squares over their count minus the
number of parameters), and grows with the horizon as the method's theory says.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError
from ._local import Forecast, LocalForecaster, normal_interval


def _residual_sigma(residuals: np.ndarray, n_params: int = 0) -> float:
    residuals = residuals[np.isfinite(residuals)]
    dof = residuals.size - n_params
    return float(np.sqrt(np.sum(residuals**2) / dof)) if dof > 0 else float("nan")


class _Simple(LocalForecaster):
    """Shared ``__init__`` of the parameter-free members of the family."""

    fallback = None

    def __init__(self, *, season_length: int | None = None, alias: str | None = None, n_jobs: int = 1) -> None:
        self.season_length = season_length
        self.alias = alias
        self.n_jobs = n_jobs

    def _fit_series(self, y: np.ndarray) -> None:
        return None


class Naive(_Simple):
    """The last value, repeated: y[T+h] = y[T]; sigma_h = sigma * sqrt(h)."""

    name = "Naive"

    def _forecast_series(self, state: Any, y: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        steps = np.arange(1, h + 1)
        sigma = _residual_sigma(np.diff(y)) * np.sqrt(steps)
        return normal_interval(np.full(h, y[-1]), sigma, levels)


class SeasonalNaive(_Simple):
    """The value one season earlier: y[T+h] = y[T+h-m(k+1)], k = (h-1) // m;
    sigma_h = sigma * sqrt(k + 1)."""

    name = "SeasonalNaive"
    fallback = "naive"  # a series shorter than one season gets the naive forecast (recorded)

    def _min_length(self) -> int:
        return self.season_length_

    def _forecast_series(self, state: Any, y: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        m = self.season_length_
        if y.size < m:
            raise ValueError(f"seasonal naive needs one full season ({m} values), the series has {y.size}")
        steps = np.arange(h)
        mean = y[y.size - m + steps % m]
        sigma = _residual_sigma(y[m:] - y[:-m]) * np.sqrt(steps // m + 1)
        return normal_interval(mean, sigma, levels)


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


class Naive2(_Simple):
    """The M4 competition's benchmark: naive on seasonally adjusted data. A series that passes
    :func:`seasonality_test` (and is positive) is divided by its classical multiplicative
    seasonal factors, forecast by its last adjusted value, and the factors are put back;
    otherwise plain naive. Intervals as :class:`Naive` on the adjusted series, rescaled."""

    name = "Naive2"

    def _forecast_series(self, state: Any, y: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        m = self.season_length_
        factors = np.ones(h)
        adjusted = y
        if (y > 0).all() and seasonality_test(y, m):
            figure = multiplicative_seasonal_indices(y, m)
            adjusted = y / figure[np.arange(y.size) % m]
            factors = figure[np.arange(y.size, y.size + h) % m]
        sigma = _residual_sigma(np.diff(adjusted)) * np.sqrt(np.arange(1, h + 1))
        forecast = normal_interval(np.full(h, adjusted[-1]), sigma, levels)
        return {key: values * factors for key, values in forecast.items()}


class Drift(_Simple):
    """Random walk with drift: y[T+h] = y[T] + h (y[T] - y[1]) / (T - 1);
    sigma_h = sigma * sqrt(h (1 + h / (T - 1)))."""

    name = "Drift"

    def _min_length(self) -> int:
        return 2

    def _forecast_series(self, state: Any, y: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        steps = np.arange(1, h + 1)
        slope = (y[-1] - y[0]) / (y.size - 1)
        sigma = _residual_sigma(np.diff(y) - slope, n_params=1) * np.sqrt(steps * (1 + steps / (y.size - 1)))
        return normal_interval(y[-1] + steps * slope, sigma, levels)


class HistoricAverage(_Simple):
    """The mean of all past values; sigma_h = s * sqrt(1 + 1/T), s the sample standard deviation."""

    name = "HistoricAverage"

    def _forecast_series(self, state: Any, y: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        sigma = (np.std(y, ddof=1) if y.size > 1 else np.nan) * np.sqrt(1 + 1 / y.size)
        return normal_interval(np.full(h, y.mean()), np.full(h, sigma), levels)


class WindowAverage(LocalForecaster):
    """The mean of the last ``window`` values; intervals as :class:`HistoricAverage` computed on
    that window (an approximation: it ignores that the window moves)."""

    fallback = None

    name = "WindowAverage"

    def __init__(
        self, *, window: int = 12, season_length: int | None = None, alias: str | None = None, n_jobs: int = 1
    ) -> None:
        self.window = window
        self.season_length = season_length
        self.alias = alias
        self.n_jobs = n_jobs

    def _check_params(self) -> None:
        if not (isinstance(self.window, (int, np.integer)) and self.window >= 1):
            raise ConfigError(f"window={self.window!r} is not allowed: a whole number >= 1.")

    def _min_length(self) -> int:
        return int(self.window)

    def _fit_series(self, y: np.ndarray) -> None:
        return None

    def _forecast_series(self, state: Any, y: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        if y.size < self.window:
            raise ValueError(f"the window of {self.window} is longer than the series ({y.size})")
        recent = y[-int(self.window) :]
        sigma = (np.std(recent, ddof=1) if recent.size > 1 else np.nan) * np.sqrt(1 + 1 / recent.size)
        return normal_interval(np.full(h, recent.mean()), np.full(h, sigma), levels)
