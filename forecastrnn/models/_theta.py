"""The Theta method: the M3 competition's winner and the optimised Theta models that followed it.

:class:`Theta` is the standard method (Assimakopoulos & Nikolopoulos 2000) in the form Hyndman
& Billah (2003) showed it takes, as R's ``forecast::thetaf`` computes it: simple exponential
smoothing (SES, smoothing parameter and initial level by least squares) with a drift of half
the slope of the series' linear trend,

    y[n+h] = level[n] + b/2 ((h - 1) + (1 - (1 - alpha)^n) / alpha).

:class:`AutoTheta` fits the four Theta models of Fiorucci et al. (2016, *Models for optimising
the theta method and their relationship to state space models*, IJF 32) and keeps the one with
the lowest in-sample mean squared one-step error, as statsforecast's ``AutoTheta`` does: the
standard and optimised Theta models (STM: theta = 2; OTM: theta >= 1 estimated) with the
trend line (A, B) of all the data, and their dynamic versions (DSTM, DOTM) whose line is
refit on the data up to each step. Their one-step prediction is

    mu[t] = level[t-1] + (1 - 1/theta) ((1 - alpha)^(t-1) A + (1 - (1 - alpha)^t) / alpha B),

with the SES level level[t] = alpha y[t] + (1 - alpha) level[t-1].

Both take the season out first where the series is positive and passes the 90% autocorrelation
test (classical multiplicative decomposition, see ``_naive.seasonal_adjustment``) and put it
back afterwards. For a given alpha, the initial level (and 1 - 1/theta) enter the one-step
errors linearly, so they are solved by least squares and only alpha is searched (a grid, then
bounded Brent), which is fast and needs no starting values. Prediction intervals are normal,
with the SES variance sigma^2 (1 + (h - 1) alpha^2) from the one-step residuals (on the
adjusted scale, then multiplied by the seasonal factors); ``conformal_windows`` > 0 gives
conformal intervals instead (see ``LocalForecaster``).

In-sample fitted values (``predict_insample``) are the one-step predictions the parameters were
fit to and the residuals of sigma come from (:func:`theta_fitted`): SES's for :class:`Theta`
(its drift enters the forecasts only, as in Hyndman & Billah's derivation), ``mu[t]`` above for
the four models, times the seasonal factors of the whole series where it was adjusted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.signal import lfilter

from ..errors import ConfigError
from ._local import Forecast, LocalForecaster, normal_interval
from ._naive import seasonal_adjustment

MODELS = ("STM", "OTM", "DSTM", "DOTM")
"""Fiorucci et al.'s models: (Dynamic) Standard or Optimised Theta Model."""

_MAX_WEIGHT = 1 - 1e-10  # 1 - 1/theta for theta up to 1e10


def ses_parts(x: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """(prev, d): SES's one-step prediction of each ``x[t]`` is ``prev[t] + d[t] * level0``,
    with ``prev`` the prediction from a zero initial level and ``d[t] = (1 - alpha)^t``."""
    prev = lfilter([0.0, alpha], [1.0, alpha - 1.0], x)  # prev[t] = alpha x[t-1] + (1 - alpha) prev[t-1]
    return prev, (1.0 - alpha) ** np.arange(x.size)


def trend_lines(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(A, B): intercept and slope of the least-squares line through ``x[:k]`` at times 1..k,
    for k = 1..n (one point: the point itself and slope 0)."""
    k = np.arange(1, x.size + 1, dtype=np.float64)
    mean = np.cumsum(x) / k
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = 6 * (2 * np.cumsum(k * x) / k - (k + 1) * mean) / (k**2 - 1)
    slope[0] = 0.0
    return mean - (k + 1) / 2 * slope, slope


def theta_term(alpha: float, t: np.ndarray, intercept: np.ndarray | float, slope: np.ndarray | float) -> np.ndarray:
    """The trend part of Fiorucci et al.'s prediction of step ``t`` (1-based), before the weight
    1 - 1/theta: (1 - alpha)^(t-1) A + (1 - (1 - alpha)^t) / alpha B."""
    return (1 - alpha) ** (t - 1) * intercept + (1 - (1 - alpha) ** t) / alpha * slope


def _least_squares(residual: np.ndarray, d: np.ndarray, c: np.ndarray | None, weight: float | None) -> tuple:
    """(sse, level0, weight) minimising |residual - level0 d - weight c|^2; ``weight`` is fixed
    unless None (then in [0, 1), i.e. theta >= 1), ``c`` None for no trend term."""
    if c is not None and weight is not None:
        residual = residual - weight * c
    dd = d @ d
    if c is not None and weight is None:
        dc, cc = d @ c, c @ c
        determinant = dd * cc - dc * dc
        if determinant > 1e-12 * dd * cc:
            dr, cr = d @ residual, c @ residual
            weight = min(max(float((dd * cr - dc * dr) / determinant), 0.0), _MAX_WEIGHT)
        else:  # the trend term is a multiple of d (a flat line): theta cannot be told, keep 2
            weight = 0.5
        residual = residual - weight * c
    level0 = float(d @ residual / dd)
    error = residual - level0 * d
    return float(error @ error), level0, weight


def _search_alpha(objective: Any, low: float, high: float) -> float:
    """The alpha in [low, high] with the lowest objective: a grid, then bounded Brent around the best."""
    grid = np.linspace(low, high, 12)
    values = [objective(alpha) for alpha in grid]
    best = int(np.argmin(values))
    bracket = (grid[max(best - 1, 0)], grid[min(best + 1, grid.size - 1)])
    result = minimize_scalar(objective, bounds=bracket, method="bounded", options={"xatol": 1e-6})
    return float(result.x) if result.fun < values[best] else float(grid[best])


def fit_theta(x: np.ndarray, model: str, alpha_bounds: tuple[float, float]) -> dict[str, Any]:
    """Fit a Theta model to ``x`` (seasonally adjusted already): ``"theta"`` (Hyndman & Billah's
    SES with drift, theta = 2) or one of :data:`MODELS`. Returns alpha, level0, weight
    (1 - 1/theta), the sum of squared one-step errors and the number of estimated parameters."""
    dynamic = model.startswith("D")
    weight = None if model in ("OTM", "DOTM") else 0.5
    intercepts, slopes = trend_lines(x)
    if dynamic:  # the line through the values before each step (the first step: the first value)
        intercepts, slopes = np.r_[intercepts[0], intercepts[:-1]], np.r_[0.0, slopes[:-1]]
    else:
        intercepts, slopes = intercepts[-1], slopes[-1]

    def solve(alpha: float) -> tuple:
        prev, d = ses_parts(x, alpha)  # d[t - 1] = (1 - alpha)^(t - 1): theta_term from it, no second power
        c = None if model == "theta" else d * intercepts + (1 - d * (1 - alpha)) / alpha * slopes
        return _least_squares(x - prev, d, c, weight)

    alpha = _search_alpha(lambda a: solve(a)[0], *alpha_bounds)
    sse, level0, fitted_weight = solve(alpha)
    n_params = 3 if weight is None else 2
    return {"model": model, "alpha": alpha, "level0": level0, "weight": fitted_weight, "sse": sse, "k": n_params}


def theta_fitted(x: np.ndarray, state: dict[str, Any]) -> np.ndarray:
    """The one-step predictions of ``x`` by a fitted Theta model (those it was fit to): the SES
    prediction, plus for Fiorucci et al.'s models ``weight`` times the trend term (the line of all
    of ``x``, or for the dynamic ones the line through the values before each step)."""
    alpha, level0, weight, model = state["alpha"], state["level0"], state["weight"], state["model"]
    prev, d = ses_parts(x, alpha)
    fitted = prev + level0 * d
    if model == "theta":
        return fitted
    intercepts, slopes = trend_lines(x)
    t = np.arange(1, x.size + 1, dtype=np.float64)
    if model.startswith("D"):
        return fitted + weight * theta_term(alpha, t, np.r_[x[0], intercepts[:-1]], np.r_[0.0, slopes[:-1]])
    return fitted + weight * theta_term(alpha, t, intercepts[-1], slopes[-1])


def theta_forecast(x: np.ndarray, state: dict[str, Any], h: int) -> tuple[np.ndarray, float]:
    """(mean of the next ``h`` steps, sigma of the one-step errors) of a fitted Theta model on ``x``
    (the fitted series or a newer one: its level and trend line are recomputed from ``x``)."""
    alpha, level0, weight, model = state["alpha"], state["level0"], state["weight"], state["model"]
    n = x.size
    prev, d = ses_parts(x, alpha)
    level = alpha * x[-1] + (1 - alpha) * (prev[-1] + d[-1] * level0)
    intercepts, slopes = trend_lines(x)
    steps = np.arange(1, h + 1, dtype=np.float64)
    errors = x - theta_fitted(x, state)
    if model == "theta":
        mean = level + slopes[-1] / 2 * ((steps - 1) + (1 - (1 - alpha) ** n) / alpha)
    elif model.startswith("D"):
        mean = _dynamic_path(x, level, alpha, weight, h)
    else:
        mean = level + weight * (
            (1 - alpha) ** n * intercepts[-1] + ((steps - 1) + (1 - (1 - alpha) ** (n + 1)) / alpha) * slopes[-1]
        )
    dof = n - state["k"]
    sigma = float(np.sqrt(errors @ errors / dof)) if dof > 0 else float("nan")
    return mean, sigma


def _dynamic_path(x: np.ndarray, level: float, alpha: float, weight: float, h: int) -> np.ndarray:
    """A dynamic model's forecasts: each step's prediction is fed back as the next value (level
    and trend line updated with it; both are linear in the value, so this is the expectation)."""
    n = x.size
    total, weighted = float(x.sum()), float(np.arange(1, n + 1) @ x)
    mean = np.empty(h)
    for i in range(h):
        k = n + i  # values so far
        slope = 6 * (2 * weighted / k - (k + 1) * total / k) / (k**2 - 1) if k > 1 else 0.0
        intercept = total / k - (k + 1) / 2 * slope
        mean[i] = level + weight * float(theta_term(alpha, np.float64(k + 1), intercept, slope))
        level = alpha * mean[i] + (1 - alpha) * level
        total, weighted = total + mean[i], weighted + (k + 1) * mean[i]
    return mean


class _ThetaBase(LocalForecaster):
    """Shared parameters, seasonal adjustment and forecasts of :class:`Theta` and :class:`AutoTheta`."""

    alpha_bounds: tuple[float, float] = (1e-4, 0.9999)

    def __init__(
        self,
        *,
        season_length: int | None = None,
        fallback: str | None = "auto",
        n_jobs: int = 1,
        conformal_windows: int = 0,
        alias: str | None = None,
    ) -> None:
        self.season_length = season_length
        self.fallback = fallback
        self.n_jobs = n_jobs
        self.conformal_windows = conformal_windows
        self.alias = alias

    def _min_length(self) -> int:
        return 4

    def _candidates(self) -> tuple[str, ...]:
        raise NotImplementedError

    def _fit_series(self, y: np.ndarray) -> dict[str, Any]:
        adjustment = seasonal_adjustment(y, self.season_length_, 1)
        x = y if adjustment is None else adjustment[0]
        fits = [fit_theta(x, model, self.alpha_bounds) for model in self._candidates()]
        best = min(fits, key=lambda fit: fit["sse"])
        return best | {"seasonal": adjustment is not None}

    def _forecast_series(self, state: dict[str, Any], y: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        adjustment = seasonal_adjustment(y, self.season_length_, h) if state["seasonal"] else None
        x, factors = adjustment if adjustment is not None else (y, np.ones(h))
        mean, sigma = theta_forecast(x, state, h)
        spread = sigma * np.sqrt(1 + np.arange(h) * state["alpha"] ** 2)
        forecast = normal_interval(mean, spread, levels)
        return {key: values * factors for key, values in forecast.items()}

    def _fitted_series(self, state: dict[str, Any], y: np.ndarray) -> np.ndarray:
        adjustment = seasonal_adjustment(y, self.season_length_, 1) if state["seasonal"] else None
        if adjustment is None:
            return theta_fitted(y, state)
        adjusted = adjustment[0]
        return theta_fitted(adjusted, state) * (y / adjusted)

    def chosen_models(self) -> dict[Any, str]:
        """What was fit to each series, e.g. ``DOTM(alpha=0.31, theta=2.7), seasonal``."""
        self._check_fitted()
        return {uid: _describe(state) if kind == "own" else "fallback" for uid, (kind, state) in self.states_.items()}


def _describe(state: dict[str, Any]) -> str:
    theta = 1 / (1 - state["weight"])
    name = "Theta" if state["model"] == "theta" else state["model"]
    return f"{name}(alpha={state['alpha']:.3g}, theta={theta:.3g})" + (", seasonal" if state["seasonal"] else "")


class Theta(_ThetaBase):
    """The standard Theta method (the M3 winner): SES with drift of half the linear trend's slope,
    on seasonally adjusted data where the season passes the 90% test (as R's ``thetaf``)."""

    name = "Theta"

    def _candidates(self) -> tuple[str, ...]:
        return ("theta",)


class AutoTheta(_ThetaBase):
    """The best of Fiorucci et al.'s Theta models by in-sample MSE (as statsforecast's
    ``AutoTheta``): ``model="auto"`` tries STM, OTM, DSTM and DOTM, or name one of them."""

    name = "AutoTheta"
    alpha_bounds = (0.1, 0.99)

    def __init__(
        self,
        *,
        model: str = "auto",
        season_length: int | None = None,
        fallback: str | None = "auto",
        n_jobs: int = 1,
        conformal_windows: int = 0,
        alias: str | None = None,
    ) -> None:
        self.model = model
        super().__init__(
            season_length=season_length,
            fallback=fallback,
            n_jobs=n_jobs,
            conformal_windows=conformal_windows,
            alias=alias,
        )

    def _check_params(self) -> None:
        if self.model != "auto" and self.model not in MODELS:
            raise ConfigError(f"model={self.model!r} is not allowed: 'auto' or one of {', '.join(MODELS)}.")

    def _candidates(self) -> tuple[str, ...]:
        return MODELS if self.model == "auto" else (self.model,)
