"""The naive family: Naive, SeasonalNaive, Drift, HistoricAverage, WindowAverage.

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
