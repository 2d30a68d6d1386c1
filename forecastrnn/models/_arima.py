"""ARIMA/SARIMA on statsmodels' SARIMAX, and AutoARIMA: a stepwise order search.

AutoARIMA follows Hyndman & Khandakar (2008), as R's ``forecast::auto.arima`` with its
defaults (stepwise, AICc), with these choices:

- ``d``: KPSS tests (level stationarity, 5%, ``3 sqrt(n) / 13`` lags as R's ``ndiffs``) on
  successive differences, up to ``max_d``.
- ``D``: one seasonal difference when the seasonal strength of an STL decomposition exceeds
  0.64 (R's default ``seas`` test), up to ``max_D``; only with ``season_length`` > 1 and two
  full seasons of data.
- Search: start from (2,d,2)(1,D,1), (0,d,0)(0,D,0), (1,d,0)(1,D,0), (0,d,1)(0,D,1); then move
  to the best neighbour (p, q, P or Q by +-1, p and q together, P and Q together, constant on or
  off) while AICc improves, within ``max_p``, ``max_q``, ``max_P``, ``max_Q`` (2, or 1 on
  seasons over 12) and at most ``max_models`` fits. A constant (drift when d + D = 1) is only
  considered when d + D <= 1, and is always included when d = D = 0: a stationary model
  without a mean forecasts a decay to zero, which is never what a series far from zero does
  (R's auto.arima includes the mean there too, but lets the search drop it; one spike can make
  it do so).
- Candidates are scored fast: parameters by conditional sum of squares on the differenced
  series (a linear filter), then AICc from one exact likelihood evaluation at them. With
  ``method="css"`` (default) the chosen model forecasts by Kalman filtering at those
  parameters; ``method="ml"`` refits the chosen order by exact maximum likelihood first
  (slower, seconds for seasonal orders of 2). R fits every candidate by maximum likelihood on
  short series (CSS only as a start on long ones), so its choice can differ where CSS and ML
  estimates disagree.
- Long seasons (``season_length`` > 12, e.g. hourly m = 24) and series of over 150 values,
  or ``approximation=True``: the AICc comes from the CSS variance instead of the exact
  likelihood (R's ``approximation``, with R's default rule). The Kalman filter behind the
  exact likelihood carries a state of m P + p and more (50 and up for m = 24), so it cost
  seconds a series; the chosen model still forecasts, with intervals, by the Kalman filter.
  Measured: on 145 real monthly series of 228 values
  (``benchmarks/data/us_employment_240.csv``) the rule took mean MASE from 0.361 to 0.341
  (statsforecast: 0.343) and the median time from 0.098 to 0.066 s a series; no series of the
  development panels is that long.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..errors import ConfigError
from ._local import Forecast, LocalForecaster

Order = tuple[int, int, int]


def _trend(constant: bool) -> str:
    """statsmodels applies the trend to the differenced series: with d + D = 1 a constant there
    is a drift of the series itself."""
    return "c" if constant else "n"


def _sarimax(y: np.ndarray, order: Order, seasonal: tuple[int, int, int, int], trend: str) -> Any:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    return SARIMAX(y, order=order, seasonal_order=seasonal, trend=trend)


def _filtered(state: dict[str, Any], y: np.ndarray) -> Any:
    """statsmodels' Kalman filter of ``y`` at the fitted parameters, keeping only what forecasts,
    their intervals and the one-step predictions need. Not the predicted and filtered state
    covariances of every step (an ARIMA(2,0,5)(1,1,0)[24], a state of 50, on 10,000 hours:
    995 MiB peak against 197 MiB, and 2.0 CPU s against 0.1), and not statsmodels' default
    parameter covariance, a numerical Hessian that runs the filter dozens of times more (2 s
    of 2.1 for an ARIMA(1,0,2)(2,1,2)[24] on 828 hours)."""
    from statsmodels.tsa.statespace import kalman_filter as kf

    model = _sarimax(y, state["order"], state["seasonal"], state["trend"])
    little = (
        kf.MEMORY_NO_FILTERED
        | kf.MEMORY_NO_PREDICTED
        | kf.MEMORY_NO_GAIN
        | kf.MEMORY_NO_SMOOTHING
        | kf.MEMORY_NO_STD_FORECAST
        | kf.MEMORY_NO_LIKELIHOOD
    )
    return model.filter(state["params"], conserve_memory=little, cov_type="none")


def _forecast(result: Any, h: int, levels: tuple[int, ...]) -> Forecast:
    prediction = result.get_forecast(h)
    out: Forecast = {"mean": np.asarray(prediction.predicted_mean, dtype=np.float64)}
    for level in levels:
        bounds = np.asarray(prediction.conf_int(alpha=1 - level / 100), dtype=np.float64)
        out[f"lo-{level}"], out[f"hi-{level}"] = bounds[:, 0], bounds[:, 1]
    return out


def _product_polynomial(order: int, seasonal_order: int, lag: int) -> Any:
    """A fast builder of (1 + a1 B + ... ) (1 + A1 B^lag + ...) from (a, A): one bincount per call,
    the index pattern computed once (the residual function runs thousands of times)."""
    plain = np.arange(1, order + 1)
    seasonal = lag * np.arange(1, seasonal_order + 1)
    cross = (plain[:, None] + seasonal[None, :]).ravel()
    index = np.concatenate([[0], plain, seasonal, cross])
    length = order + lag * seasonal_order + 1

    def build(a: np.ndarray, seasonal_a: np.ndarray) -> np.ndarray:
        weights = np.concatenate([[1.0], a, seasonal_a, np.outer(a, seasonal_a).ravel()])
        return np.bincount(index, weights, minlength=length)

    return build


def _stable(poly: np.ndarray) -> bool:
    """Whether all roots of the lag polynomial lie outside the unit circle (with a margin)."""
    if poly.size < 2 or not np.any(poly[1:]):
        return True
    roots = np.roots(poly[::-1])
    return bool(np.all(np.abs(roots) > 1.001))


def css_problem(w: np.ndarray, p: int, q: int, P: int, Q: int, m: int, constant: bool) -> tuple[Any, Any, Any]:
    """(split, residuals, jacobian) of the conditional-sum-of-squares fit of ARMA(p,q)(P,Q)m
    (+ mean) to ``w``: ``split(theta) -> (mean, AR polynomial, MA polynomial)``; residuals
    after the first ``p + P m`` values; their exact Jacobian."""
    from scipy.signal import lfilter

    skip = p + P * max(m, 1)
    lag = m or 1
    ar_build = _product_polynomial(p, P, lag)
    ma_build = _product_polynomial(q, Q, lag)

    def split(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        mean = theta[0] if constant else 0.0
        rest = theta[int(constant) :]
        ar = ar_build(-rest[:p], -rest[p + q : p + q + P])
        ma = ma_build(rest[p : p + q], rest[p + q + P :])
        return mean, ar, ma

    def residuals(theta: np.ndarray) -> np.ndarray:
        mean, ar, ma = split(theta)
        errors = lfilter(ar, ma, w - mean)[skip:]
        return np.where(np.isfinite(errors), errors, 1e10)

    def jacobian(theta: np.ndarray) -> np.ndarray:
        """Exact derivatives of the residuals: each is the data or the residuals passed through
        another linear filter and lagged (zero pre-sample, as in the residuals themselves)."""
        mean, ar, ma = split(theta)
        rest = theta[int(constant) :]
        phi, theta_ma = rest[:p], rest[p : p + q]
        seasonal_phi, seasonal_theta = rest[p + q : p + q + P], rest[p + q + P :]
        x = w - mean
        errors = lfilter(ar, ma, x)
        matrix = np.zeros((w.size, theta.size))
        if constant:
            matrix[:, 0] = -lfilter(ar, ma, np.ones_like(w))
        lagged = []  # (filtered series, its lags), one per parameter group
        if p:
            lagged.append((lfilter(ar_build(np.zeros(p), -seasonal_phi), ma, x), range(1, p + 1)))
        if q:
            lagged.append((lfilter(ma_build(np.zeros(q), seasonal_theta), ma, errors), range(1, q + 1)))
        if P:
            lagged.append((lfilter(ar_build(-phi, np.zeros(P)), ma, x), range(lag, lag * P + 1, lag)))
        if Q:
            lagged.append((lfilter(ma_build(theta_ma, np.zeros(Q)), ma, errors), range(lag, lag * Q + 1, lag)))
        column = int(constant)
        for values, lags in lagged:
            for by in lags:
                matrix[by:, column] = -values[: max(w.size - by, 0)]
                column += 1
        matrix = matrix[skip:]
        return np.where(np.isfinite(matrix), matrix, 0.0)

    return split, residuals, jacobian


def _levenberg_marquardt(
    residuals: Any, jacobian: Any, start: np.ndarray, *, tol: float = 1e-5, max_steps: int = 200
) -> np.ndarray:
    """The parameters minimising the sum of squared ``residuals`` from ``start``: Levenberg-Marquardt
    steps with Marquardt's diagonal scaling and Nielsen's damping update. Stops when a step's
    actual and predicted reductions are both below ``tol`` of the sum, or it moves the scaled
    parameters by less than ``tol`` of their norm.

    Not scipy's ``least_squares(method="lm")``: its C MINPACK (scipy 1.17) reads one value past
    the end of its Jacobian buffer in ``qrfac`` whenever a column's norm collapses in the
    pivoted QR (``enorm(m-j, ...)`` where the Fortran's 1-based ``m-j`` is ``m-j-1``). That
    happens at the search's start, where the AR and MA columns are equal, so its steps depended
    on leftover heap memory and two identical fits could end apart (issue 10, item 15). The
    sums over the series here are numpy's own, never a BLAS reduction whose order could follow
    the thread count, so the result depends on the inputs alone."""
    theta = np.array(start, dtype=np.float64)
    r = residuals(theta)
    cost = float(np.sum(r * r))
    damping, growth = 1e-3, 2.0
    for _ in range(max_steps):
        J = jacobian(theta)
        gradient = np.sum(J * r[:, None], axis=0)
        normal = np.sum(J[:, :, None] * J[:, None, :], axis=0)
        scale = np.diag(normal).copy()
        scale = np.maximum(scale, 1e-12 * scale.max() + np.finfo(float).tiny)
        while True:
            step = np.linalg.solve(normal + np.diag(damping * scale), -gradient)
            candidate = theta + step
            candidate_r = residuals(candidate)
            candidate_cost = float(np.sum(candidate_r * candidate_r))
            predicted = float(np.sum(step * (damping * scale * step - gradient)))
            gain = (cost - candidate_cost) / predicted if predicted > 0 else -1.0
            if gain > 0:
                break
            damping, growth = damping * growth, growth * 2
            if damping > 1e16:
                return theta
        small_gain = cost - candidate_cost <= tol * cost and predicted <= tol * cost
        step_size, size = np.sqrt(np.sum(scale * step * step)), np.sqrt(np.sum(scale * candidate * candidate))
        converged = small_gain or step_size <= tol * (size + tol)
        theta, r, cost = candidate, candidate_r, candidate_cost
        if converged:
            break
        damping, growth = max(damping * max(1 / 3, 1 - (2 * gain - 1) ** 3), 1e-10), 2.0
    return theta


def css_score(
    w: np.ndarray, p: int, q: int, P: int, Q: int, m: int, constant: bool, *, exact: bool = True
) -> tuple[float, np.ndarray | None]:
    """AICc of ARMA(p,q)(P,Q)m (+ mean) on the differenced series ``w``, and its parameters in
    statsmodels SARIMAX order (intercept, AR, MA, seasonal AR, seasonal MA, variance).

    Parameters come from conditional sum of squares (fast: residuals by a linear filter). With
    ``exact``, the AICc comes from one exact Gaussian likelihood evaluation at them
    (statsmodels' Kalman filter); without, from the CSS variance alone, ``n (log 2 pi s2 + 1)``
    on the ``n`` values of ``w`` for every candidate (R's auto.arima with ``approximation``):
    no Kalman filter, whose cost grows with the square of the seasonal state (m = 24: 50 and
    more). Non-stationary or non-invertible estimates score infinity, as in R."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    n_params = p + q + P + Q + int(constant)
    skip = p + P * max(m, 1)
    if w.size - skip <= n_params + 2:
        return np.inf, None

    split, residuals, jacobian = css_problem(w, p, q, P, Q, m, constant)
    start = np.zeros(n_params)
    if constant:
        start[0] = np.mean(w)
    # CSS only ranks the candidates, so the default (loose) tolerance is enough
    theta = _levenberg_marquardt(residuals, jacobian, start) if n_params else start
    mean, ar, ma = split(theta)
    if not (_stable(ar) and _stable(ma)):
        return np.inf, None
    sigma2 = float(np.mean(residuals(theta) ** 2))
    rest = theta[int(constant) :]
    intercept = [mean * ar.sum()] if constant else []  # statsmodels' trend 'c' is the intercept form
    params = np.r_[intercept, rest[:p], rest[p : p + q], rest[p + q : p + q + P], rest[p + q + P :], sigma2]
    k, n = n_params + 1, w.size
    if exact:
        model = SARIMAX(
            w, order=(p, 0, q), seasonal_order=(P, 0, Q, m) if m else (0, 0, 0, 0), trend="c" if constant else "n"
        )  # the estimates are stationary (checked above), so the exact stationary initialisation applies
        loglike = float(model.loglike(params))
    else:
        loglike = -0.5 * n * (np.log(2 * np.pi * max(sigma2, np.finfo(float).tiny)) + 1)
    if not np.isfinite(loglike) or n - k - 1 <= 0:
        return np.inf, None
    return -2 * loglike + 2 * k + 2 * k * (k + 1) / (n - k - 1), params


LONG_SEASON = 12
"""Seasons longer than this (hourly m = 24 and up) rank candidates by the CSS approximation and
default to seasonal orders of at most 1."""
LONG_SERIES = 150
"""Series longer than this rank candidates by the CSS approximation (R's rule)."""


def _constant_allowed(constant: bool, differences: int) -> bool:
    """A constant is required without differencing, optional (a drift) with one difference,
    excluded with more."""
    if differences == 0:
        return constant
    return differences == 1 or not constant


class ARIMA(LocalForecaster):
    """SARIMA(p,d,q)(P,D,Q)m with a given order, fit by exact maximum likelihood (statsmodels
    SARIMAX). ``trend`` (on the differenced series, as in statsmodels): ``n`` none, ``c``
    constant (a drift when d + D = 1), ``t`` linear, ``ct`` both. Intervals are the model's
    own (Gaussian, from the state-space forecast); ``conformal_windows`` > 0 gives conformal
    intervals instead (see ``LocalForecaster``)."""

    name = "ARIMA"

    def __init__(
        self,
        *,
        order: Order = (1, 0, 0),
        seasonal_order: tuple[int, int, int] = (0, 0, 0),
        trend: str = "n",
        season_length: int | None = None,
        fallback: str | None = "auto",
        n_jobs: int = 1,
        conformal_windows: int = 0,
        alias: str | None = None,
    ) -> None:
        self.order = order
        self.seasonal_order = seasonal_order
        self.trend = trend
        self.season_length = season_length
        self.fallback = fallback
        self.n_jobs = n_jobs
        self.conformal_windows = conformal_windows
        self.alias = alias

    def _check_params(self) -> None:
        for name in ("order", "seasonal_order"):
            value = getattr(self, name)
            if not (len(value) == 3 and all(isinstance(v, (int, np.integer)) and v >= 0 for v in value)):
                raise ConfigError(f"{name}={value!r} is not allowed: three whole numbers >= 0, e.g. (1, 1, 1).")
        if self.trend not in ("n", "c", "t", "ct"):
            raise ConfigError(f"trend={self.trend!r} is not allowed: one of n, c, t, ct.")

    def _seasonal(self) -> tuple[int, int, int, int]:
        P, D, Q = self.seasonal_order
        return (P, D, Q, self.season_length_) if self.season_length_ > 1 and any(self.seasonal_order) else (0, 0, 0, 0)

    def _min_length(self) -> int:
        p, d, q = self.order
        P, D, Q, m = self._seasonal()
        return max(p + d + q + (P + D + Q) * m + 2, 3)

    def _fit_series(self, y: np.ndarray) -> dict[str, Any]:
        result = _sarimax(y, tuple(self.order), self._seasonal(), self.trend).fit(disp=False)
        return {
            "order": tuple(self.order),
            "seasonal": self._seasonal(),
            "trend": self.trend,
            "params": np.asarray(result.params),
        }

    def _forecast_series(self, state: dict[str, Any], y: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        return _forecast(_filtered(state, y), h, levels)

    def _fitted_series(self, state: dict[str, Any], y: np.ndarray) -> np.ndarray:
        """The Kalman filter's one-step predictions at the fitted parameters; NaN for the first
        d + D m values, which come before the differenced series begins (the filter's values
        there are only its diffuse prior)."""
        fitted = np.array(_filtered(state, y).fittedvalues, dtype=np.float64)
        fitted[: state["order"][1] + state["seasonal"][1] * state["seasonal"][3]] = np.nan
        return fitted


class AutoARIMA(ARIMA):
    """ARIMA with automatic order selection (stepwise Hyndman-Khandakar search by AICc; see the
    module documentation for exactly what it does and how it differs from R's auto.arima).

    ``max_P``, ``max_Q``: None is 2 (R's default), or 1 on seasons over 12: on the hourly
    benchmark (m = 24) allowing 2 took 1.6 times the time (0.48 against 0.30 CPU s a series)
    for the same accuracy (MASE 1.143 against 1.137).
    ``approximation``: None ranks candidates by the CSS approximation on seasons over 12 and
    series of over 150 values, as R's auto.arima."""

    name = "AutoARIMA"

    def __init__(
        self,
        *,
        max_p: int = 5,
        max_q: int = 5,
        max_P: int | None = None,
        max_Q: int | None = None,
        max_d: int = 2,
        max_D: int = 1,
        max_models: int = 94,
        method: str = "css",
        approximation: bool | None = None,
        season_length: int | None = None,
        fallback: str | None = "auto",
        n_jobs: int = 1,
        conformal_windows: int = 0,
        alias: str | None = None,
    ) -> None:
        self.max_p, self.max_q, self.max_P, self.max_Q = max_p, max_q, max_P, max_Q
        self.max_d, self.max_D, self.max_models = max_d, max_D, max_models
        self.method = method
        self.approximation = approximation
        self.season_length = season_length
        self.fallback = fallback
        self.n_jobs = n_jobs
        self.conformal_windows = conformal_windows
        self.alias = alias

    def _check_params(self) -> None:
        if self.approximation not in (None, True, False):
            raise ConfigError(f"approximation={self.approximation!r} is not allowed: None (automatic), True or False.")
        for name in ("max_p", "max_q", "max_P", "max_Q", "max_d", "max_D"):
            value = getattr(self, name)
            if value is None and name in ("max_P", "max_Q"):
                continue
            if not (isinstance(value, (int, np.integer)) and value >= 0):
                raise ConfigError(f"{name}={value!r} is not allowed: a whole number >= 0.")
        if not (isinstance(self.max_models, (int, np.integer)) and self.max_models >= 1):
            raise ConfigError(f"max_models={self.max_models!r} is not allowed: a whole number >= 1.")
        if self.method not in ("css", "ml"):
            raise ConfigError(f"method={self.method!r} is not allowed: 'css' or 'ml'.")

    def _min_length(self) -> int:
        return 6

    def seasonal_differences(self, y: np.ndarray) -> int:
        """D: 1 when STL's seasonal strength exceeds 0.64 (and max_D allows), else 0."""
        m = self.season_length_
        if self.max_D < 1 or m < 2 or y.size < 2 * m + 1:
            return 0
        from statsmodels.tsa.seasonal import STL

        fit = STL(y, period=m, robust=True).fit()
        remainder, seasonal = fit.resid, fit.seasonal
        denominator = np.var(seasonal + remainder)
        strength = 0.0 if denominator == 0 else max(0.0, 1 - np.var(remainder) / denominator)
        return int(strength > 0.64)

    def differences(self, y: np.ndarray) -> int:
        """d: KPSS tests at 5% on successive differences (R's short lag choice), up to max_d."""
        from statsmodels.tsa.stattools import kpss

        d, x = 0, y
        while d < self.max_d and x.size > 3 and np.ptp(x) > 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                p_value = kpss(x, regression="c", nlags=int(3 * np.sqrt(x.size) / 13))[1]
            if p_value >= 0.05:
                break
            d, x = d + 1, np.diff(x)
        return d

    def _fit_series(self, y: np.ndarray) -> dict[str, Any]:
        m = self.season_length_
        D = self.seasonal_differences(y)
        x = y[m:] - y[:-m] if D else y
        d = self.differences(x)
        w = np.diff(x, n=d) if d else x
        default = 1 if m > LONG_SEASON else 2
        max_P = default if self.max_P is None else self.max_P
        max_Q = default if self.max_Q is None else self.max_Q
        seasonal = m > 1 and D + max_P + max_Q > 0 and y.size >= 2 * m + 1
        approximate = self.approximation
        if approximate is None:
            approximate = m > LONG_SEASON or y.size > LONG_SERIES
        allow_constant = d + D <= 1
        scores: dict[tuple[int, int, int, int, bool], tuple[float, np.ndarray | None]] = {}

        def score(p: int, q: int, P: int, Q: int, constant: bool) -> float:
            key = (p, q, P, Q, constant)
            if key in scores:
                return scores[key][0]
            if min(key[:4]) < 0 or p > self.max_p or q > self.max_q or max_P < P or max_Q < Q:
                return np.inf
            if len(scores) >= self.max_models or not _constant_allowed(constant, d + D):
                return np.inf
            scores[key] = css_score(w, p, q, P, Q, m if seasonal else 0, constant, exact=not approximate)
            return scores[key][0]

        first = 1 if seasonal else 0
        for p, q, P, Q in ((2, 2, first, first), (0, 0, 0, 0), (1, 0, first, 0), (0, 1, 0, first)):
            score(p, q, P, Q, allow_constant)
        best = min(scores, key=lambda key: scores[key][0])
        improved = True
        while improved and len(scores) < self.max_models:
            improved = False
            p, q, P, Q, c = best
            moves = ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, 1))
            neighbours = [(p + a, q + b, P, Q, c) for a, b in moves]
            if seasonal:
                neighbours += [(p, q, P + a, Q + b, c) for a, b in moves]
            neighbours.append((p, q, P, Q, not c))
            for candidate in neighbours:
                if score(*candidate) < scores[best][0]:
                    best, improved = candidate, True
        if not np.isfinite(scores[best][0]):
            raise ValueError("no stationary and invertible ARIMA candidate was found")
        p, q, P, Q, constant = best
        order, seasonal_order = (p, d, q), (P, D, Q, m) if seasonal else (0, 0, 0, 0)
        trend, params = _trend(constant), scores[best][1]
        if self.method == "ml":
            params = np.asarray(_sarimax(y, order, seasonal_order, trend).fit(start_params=params, disp=False).params)
        return {"order": order, "seasonal": seasonal_order, "trend": trend, "params": params, "aicc": scores[best][0]}

    def chosen_models(self) -> dict[Any, str]:
        """The chosen order of each series, e.g. ``ARIMA(0,1,1)(0,1,1)[12]``."""
        self._check_fitted()
        names = {}
        for uid, (kind, state) in self.states_.items():
            if kind != "own":
                names[uid] = "fallback"
                continue
            p, d, q = state["order"]
            P, D, Q, m = state["seasonal"]
            seasonal_part = f"({P},{D},{Q})[{m}]" if m else ""
            drift = " with constant" if state["trend"] != "n" else ""
            names[uid] = f"ARIMA({p},{d},{q}){seasonal_part}{drift}"
        return names
