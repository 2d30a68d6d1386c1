"""The ETS engine: state recursion, likelihood, fit and forecasts of exponential smoothing
models in numpy, with statsmodels' ``ETSModel`` equations, parameters, bounds and likelihood
(statsmodels stays the reference the tests compare with), about ten times faster.

Equations (Holt-Winters form, as statsmodels; ``a``/``b``/``g`` are alpha, beta* = beta/alpha
and gamma* = gamma/(1 - alpha), ``p`` is phi, 1 when the trend is not damped)::

    pred_t = l_{t-1} + p b_{t-1}
    yhat_t = pred_t + s_{t-m}                    (additive season; pred_t * s_{t-m} multiplicative)
    l_t    = a u_t + (1 - a) pred_t,   u_t = y_t - s_{t-m}   (y_t / s_{t-m})
    b_t    = b (l_t - l_{t-1}) + (1 - b) p b_{t-1}
    s_t    = g (y_t - l_t) + (1 - g) s_{t-m}     (g y_t / l_t + (1 - g) s_{t-m})

Why it is fast without a compiled kernel: within one season (``m`` steps) every ``s_{t-m}`` is
already known, so ``u`` is known and (level, trend) is a linear time-invariant system driven by
``u``. One season of states is then one matrix product with a (3m x (m + 2)) matrix built once
per parameter vector; the Python loop runs over seasons, not steps, and over a batch of
parameter vectors at once (the finite-difference Jacobian is one pass). Non-seasonal models use
blocks of ``BLOCK`` steps the same way.

Fit: maximum likelihood with the scale concentrated out, written as least squares (for
multiplicative errors the residuals ``(y - yhat) / yhat`` are multiplied by the geometric mean
of ``|yhat|``, which makes the sum of squares a monotone function of the likelihood), solved by
``scipy.optimize.least_squares`` (trust region reflective) with statsmodels' box bounds:
alpha, beta*, gamma* in [1e-4, 1 - 1e-4], phi in [0.8, 0.98]; the initial states are free
parameters (the first season's first seasonal is fixed at 0, or 1 when multiplicative), started
from statsmodels' heuristic. The number of parameters in the AICc is statsmodels' (every
seasonal initial value counted, plus the scale), so the model choice is made as before.

Intervals: analytic normal variance for additive errors with additive or no season (the
classes where it is exact); otherwise seeded simulation of 1000 paths through the same
recursion and their quantiles (as statsmodels).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import optimize

LOWER, UPPER = 1e-4, 1 - 1e-4
PHI_BOUNDS = (0.8, 0.98)
START = {"alpha": 0.1, "beta": 0.1, "gamma": 0.01, "phi": 0.97}
GRID = {"alpha": (0.05, 0.2, 0.5, 0.8, 0.99), "beta": (0.01, 0.1, 0.3), "phi": (0.9, 0.97)}
BLOCK = 24  # steps per matrix product for non-seasonal models
TOLERANCE = 1e-6  # least_squares' ftol and xtol: 1e-8 costs a fifth more time for ~0.01 of log-likelihood
REPETITIONS = 1000  # simulated paths for intervals of multiplicative models


@dataclass(frozen=True)
class Spec:
    """One ETS form: error ``add``/``mul``, trend ``none``/``add``/``damped``, seasonal
    ``none``/``add``/``mul``, season length ``m`` (1 when there is no season)."""

    error: str
    trend: str
    seasonal: str
    m: int

    @property
    def has_trend(self) -> bool:
        return self.trend != "none"

    @property
    def damped(self) -> bool:
        return self.trend == "damped"

    @property
    def has_season(self) -> bool:
        return self.seasonal != "none"

    @cached_property
    def smoothing(self) -> list[str]:
        """The smoothing parameters estimated, in order."""
        names = ["alpha"] + ["beta"] * self.has_trend + ["gamma"] * self.has_season
        return names + ["phi"] * self.damped

    @property
    def n_states(self) -> int:
        """Initial states estimated (level, trend, seasonals but the first)."""
        return 1 + self.has_trend + (self.m - 1) * self.has_season

    @property
    def n_params(self) -> int:
        """Parameters counted in the AICc as statsmodels counts them: smoothing, every initial
        state (all ``m`` seasonals) and the scale."""
        return len(self.smoothing) + 1 + self.has_trend + self.m * self.has_season + 1


@dataclass
class Fit:
    """A fitted ETS model: ``theta`` = (alpha, beta*, gamma*, phi), ``x0`` = (level, trend,
    seasonals of the first season in time order), the log-likelihood and AICc."""

    spec: Spec
    theta: np.ndarray
    x0: np.ndarray
    loglik: float
    aicc: float


# ---- the recursion ----


def _block_matrices(theta: np.ndarray, size: int) -> np.ndarray:
    """For each row of ``theta`` (alpha, beta*, gamma*, phi), the (3 size, 2 + size) matrix
    that maps (l, b) before a block and the block's inputs u to its predictions
    l + phi b, levels and trends."""
    alpha, beta, phi = theta[:, 0], theta[:, 1], theta[:, 3]
    batch = theta.shape[0]
    transition = np.empty((batch, 2, 2))
    transition[:, 0, 0] = 1 - alpha
    transition[:, 0, 1] = (1 - alpha) * phi
    transition[:, 1, 0] = -alpha * beta
    transition[:, 1, 1] = phi * (1 - alpha * beta)
    gain = np.stack([alpha, alpha * beta], axis=1)
    powers = np.empty((size + 1, batch, 2, 2))  # A^0 ... A^size, by doubling
    powers[0], powers[1] = np.eye(2), transition
    done = 2
    while done < size + 1:
        take = min(done, size + 1 - done)
        powers[done : done + take] = (powers[done - 1] @ transition)[None] @ powers[:take]
        done += take
    impulse = (powers[:size] @ gain[None, :, :, None])[..., 0].transpose(1, 0, 2)  # A^j c: (batch, size, 2)
    lag = np.arange(size)[:, None] - np.arange(size)[None, :]  # j - i
    on = lag >= 0
    level_t = np.where(on, impulse[:, np.clip(lag, 0, None), 0], 0.0)
    trend_t = np.where(on, impulse[:, np.clip(lag, 0, None), 1], 0.0)
    pred_impulse = impulse[:, :, 0] + phi[:, None] * impulse[:, :, 1]
    before = lag >= 1
    pred_t = np.where(before, pred_impulse[:, np.clip(lag - 1, 0, None)], 0.0)
    after = powers[1:].transpose(1, 0, 2, 3)  # A^(j+1): (batch, size, 2, 2)
    now = powers[:size].transpose(1, 0, 2, 3)
    pred_p = now[:, :, 0, :] + phi[:, None, None] * now[:, :, 1, :]
    matrix = np.empty((batch, 3 * size, 2 + size))
    matrix[:, :size, :2], matrix[:, :size, 2:] = pred_p, pred_t
    matrix[:, size : 2 * size, :2], matrix[:, size : 2 * size, 2:] = after[:, :, 0, :], level_t
    matrix[:, 2 * size :, :2], matrix[:, 2 * size :, 2:] = after[:, :, 1, :], trend_t
    return matrix


def run(spec: Spec, theta: np.ndarray, x0: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One-step predictions (batch, n) of ``y`` for each row of ``theta`` (batch, 4) and
    ``x0`` (batch, 2 + m), and the final (level, trend) (batch, 2) and seasonals (batch, m),
    the seasonals by phase ``t % m``."""
    n, m = y.size, spec.m
    size = m if spec.has_season else min(BLOCK, n)
    blocks = -(-n // size)
    padded = np.ones(blocks * size)
    padded[:n] = y
    matrix = _block_matrices(theta, size)
    batch = theta.shape[0]
    gamma = theta[:, 2:3]
    season = x0[:, 2:].copy() if spec.has_season else None
    given = np.empty((batch, 2 + size, 1))  # (l, b) before the block, then its inputs
    given[:, :2, 0] = x0[:, :2]
    yhat = np.empty((batch, blocks * size))
    multiplicative = spec.seasonal == "mul"
    with np.errstate(all="ignore"):
        for k in range(blocks):
            observed = padded[k * size : (k + 1) * size]
            inputs = given[:, 2:, 0]
            if season is None:
                inputs[:] = observed
            elif multiplicative:
                np.divide(observed, season, out=inputs)
            else:
                np.subtract(observed, season, out=inputs)
            out = np.matmul(matrix, given)[:, :, 0]
            pred, level = out[:, :size], out[:, size : 2 * size]
            if season is None:
                yhat[:, k * size : (k + 1) * size] = pred
            elif multiplicative:
                np.multiply(pred, season, out=yhat[:, k * size : (k + 1) * size])
                new = gamma * (observed / level) + (1 - gamma) * season
            else:
                np.add(pred, season, out=yhat[:, k * size : (k + 1) * size])
                new = gamma * (observed - level) + (1 - gamma) * season
            last = min(size, n - k * size) - 1
            given[:, 0, 0], given[:, 1, 0] = level[:, last], out[:, 2 * size + last]
            if season is not None:
                season = new if last == size - 1 else np.where(np.arange(size) <= last, new, season)
    state = given[:, :2, 0].copy()
    if season is None:
        season = np.zeros((theta.shape[0], max(m, 1)))
    return yhat[:, :n], state, season


# ---- likelihood ----


def _scaled_residuals(spec: Spec, y: np.ndarray, yhat: np.ndarray) -> np.ndarray:
    """Residuals whose sum of squares is a monotone function of minus the concentrated
    log-likelihood (rows of ``yhat``)."""
    if spec.error == "add":
        return y - yhat
    size = np.abs(np.where(yhat == 0, 1e-32, yhat))
    return np.exp(np.mean(np.log(size), axis=-1, keepdims=True)) * (y - yhat) / size


def loglik(spec: Spec, y: np.ndarray, yhat: np.ndarray) -> float:
    """statsmodels' concentrated Gaussian log-likelihood of the one-step predictions."""
    if spec.error == "add":
        residuals, jacobian = y - yhat, 0.0
    else:
        size = np.abs(np.where(yhat == 0, 1e-32, yhat))
        residuals, jacobian = (y - yhat) / yhat, float(np.sum(np.log(size)))
    return float(-y.size / 2 * (np.log(2 * np.pi * np.mean(residuals**2)) + 1) - jacobian)


def aicc(value: float, n: int, k: int) -> float:
    """AICc with ``k`` parameters (inf where n - k - 1 <= 0)."""
    dof = n - k - 1
    return -2 * value + 2 * k * n / dof if dof > 0 else np.inf


# ---- start values ----


def heuristic_start(y: np.ndarray, spec: Spec) -> np.ndarray:
    """Initial (level, trend, seasonals by phase) from statsmodels' heuristic (its simple
    rule for short series), the first seasonal normalised to 0 (or 1)."""
    m, n = spec.m, y.size
    season = np.zeros(m) if spec.seasonal != "mul" else np.ones(m)
    if spec.has_season:
        min_obs = 10 + 2 * (m // 2)
        if n < min_obs:
            level = float(np.mean(y[:m]))
            trend = float(np.mean((y[m : 2 * m] - y[:m]) / m))
            season = y[:m] / level if spec.seasonal == "mul" else y[:m] - level
            return _normalised(level, trend, season, spec)
        cycles = max(min(5, n // m), int(np.ceil(min_obs / m)))
        part = y[: m * cycles]
        weights = np.ones(m) / m if m % 2 else np.r_[0.5, np.ones(m - 1), 0.5] / m
        smooth = np.convolve(part, weights, mode="valid")  # centred (2x)m moving average
        offset = (weights.size - 1) // 2
        centre = np.full(part.size, np.nan)
        centre[offset : offset + smooth.size] = smooth
        detrended = part / centre if spec.seasonal == "mul" else part - centre
        table = np.full(cycles * m, np.nan)
        table[: detrended.size] = detrended
        season = np.nanmean(table.reshape(cycles, m), axis=0)
        season = season / season.mean() if spec.seasonal == "mul" else season - season.mean()
        y = smooth
    if y.size >= 10:
        design = np.c_[np.ones(10), np.arange(1.0, 11.0)]
        level, trend = np.linalg.lstsq(design, y[:10], rcond=None)[0]
    else:
        level, trend = y[0], (y[1] - y[0] if y.size > 1 else 0.0)
    return _normalised(float(level), float(trend), season, spec)


def _normalised(level: float, trend: float, season: np.ndarray, spec: Spec) -> np.ndarray:
    season = np.asarray(season, dtype=np.float64)
    if spec.seasonal == "mul":
        level, season = level * season[0], season / season[0]
    elif spec.seasonal == "add":
        level, season = level + season[0], season - season[0]
    return np.r_[level, trend if spec.has_trend else 0.0, season]


# ---- fit ----


class _Problem:
    """Maps the free parameters of one spec to (theta, x0) and evaluates residuals and their
    finite-difference Jacobian, each in one batched pass of the recursion."""

    def __init__(self, spec: Spec, y: np.ndarray, start: np.ndarray) -> None:
        self.spec, self.y = spec, y
        self.slots = [("alpha", "beta", "gamma", "phi").index(name) for name in spec.smoothing]
        self.states = [0] + [1] * spec.has_trend + list(range(3, 2 + spec.m)) * spec.has_season
        self.fixed_theta = np.array([0.0, 0.0, 0.0, 1.0])
        self.fixed_x0 = start.copy()
        low = [PHI_BOUNDS[0] if name == "phi" else LOWER for name in spec.smoothing]
        high = [PHI_BOUNDS[1] if name == "phi" else UPPER for name in spec.smoothing]
        self.bounds = (np.r_[low, np.full(len(self.states), -np.inf)], np.r_[high, np.full(len(self.states), np.inf)])
        scale = max(float(np.mean(np.abs(y))), 1e-8)
        self.typical = np.r_[np.ones(len(self.slots)), np.full(len(self.states), scale)]
        self.start = np.r_[[START[name] for name in spec.smoothing], start[self.states]]

    def best_start(self) -> np.ndarray:
        """Non-seasonal models: the start with the smallest sum of squares on a small grid of
        smoothing parameters (one batched pass), as their likelihood often has two optima (alpha
        near 0 and near 1) and one fixed start finds the worse one on some series. Seasonal
        models start from the fixed values (the grid, judged at the heuristic initial seasonals,
        led to worse optima there)."""
        grid = [(START[name],) if self.spec.has_season else GRID[name] for name in self.spec.smoothing]
        rows = np.tile(self.start, (int(np.prod([len(g) for g in grid])), 1))
        rows[:, : len(grid)] = np.array(np.meshgrid(*grid, indexing="ij")).reshape(len(grid), -1).T
        cost = np.sum(self.residuals_of(rows) ** 2, axis=1)
        if not np.isfinite(cost).any():
            raise ValueError(f"ETS({self.spec.error},{self.spec.trend},{self.spec.seasonal}): no finite start")
        return rows[int(np.nanargmin(np.where(np.isfinite(cost), cost, np.nan)))]

    def unpack(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(theta, x0) rows for rows of free parameters."""
        params = np.atleast_2d(params)
        k = len(self.slots)
        theta = np.tile(self.fixed_theta, (params.shape[0], 1))
        theta[:, self.slots] = params[:, :k]
        x0 = np.tile(self.fixed_x0, (params.shape[0], 1))
        x0[:, self.states] = params[:, k:]
        return theta, x0

    def residuals_of(self, params: np.ndarray) -> np.ndarray:
        theta, x0 = self.unpack(params)
        return _scaled_residuals(self.spec, self.y, run(self.spec, theta, x0, self.y)[0])

    def residuals(self, params: np.ndarray) -> np.ndarray:
        """The residuals at ``params``; the Jacobian there comes from the same pass (the
        optimiser asks for it at almost every point it evaluates)."""
        step = 1e-7 * np.maximum(np.abs(params), self.typical)
        step = np.where(params + step > self.bounds[1], -step, step)
        out = self.residuals_of(np.vstack([params, params + np.diag(step)]))
        jac = ((out[1:] - out[0]) / step[:, None]).T
        self._jacobian = (params.copy(), np.where(np.isfinite(jac), jac, 0.0))
        return out[0] if np.isfinite(out[0]).all() else np.full_like(out[0], 1e100)

    def jacobian(self, params: np.ndarray) -> np.ndarray:
        if not np.array_equal(self._jacobian[0], params):
            self.residuals(params)
        return self._jacobian[1]


def fit(y: np.ndarray, spec: Spec) -> Fit:
    """Maximum-likelihood fit of one spec; raises ValueError when no finite likelihood is
    found."""
    problem = _Problem(spec, y, heuristic_start(y, spec))
    start = problem.best_start()
    result = optimize.least_squares(
        problem.residuals,
        start,
        jac=problem.jacobian,
        bounds=problem.bounds,
        method="trf",
        x_scale="jac",
        ftol=TOLERANCE,
        xtol=TOLERANCE,
    )
    theta, x0 = problem.unpack(result.x)
    yhat = run(spec, theta, x0, y)[0][0]
    value = loglik(spec, y, yhat)
    if not np.isfinite(value):
        raise ValueError(f"ETS({spec.error},{spec.trend},{spec.seasonal}): non-finite likelihood")
    return Fit(spec, theta[0], x0[0], value, aicc(value, y.size, spec.n_params))


# ---- forecasts ----


def forecast(fitted: Fit, y: np.ndarray, h: int, levels: tuple[int, ...] = ()) -> dict[str, np.ndarray]:
    """Point forecasts of the next ``h`` steps after ``y`` (filtered with the fitted
    parameters), and intervals at ``levels`` (percent)."""
    spec, theta = fitted.spec, fitted.theta
    yhat, state, season = run(spec, theta[None], fitted.x0[None], y)
    level, trend, phi = state[0, 0], state[0, 1], theta[3]
    damped = np.cumsum(phi ** np.arange(1, h + 1))
    phases = (y.size + np.arange(h)) % spec.m
    pred = level + damped * trend
    mean = pred * season[0, phases] if spec.seasonal == "mul" else pred + season[0, phases]
    out = {"mean": mean}
    if not levels:
        return out
    residuals = (y - yhat[0]) / yhat[0] if spec.error == "mul" else y - yhat[0]
    sigma2 = float(np.mean(residuals**2))
    if spec.error == "add" and spec.seasonal != "mul":
        from scipy import stats

        alpha, beta, gamma = theta[0], theta[0] * theta[1], (1 - theta[0]) * theta[2]
        j = np.arange(1, h)
        weights = alpha + beta * damped[:-1] + (gamma * (j % spec.m == 0) if spec.has_season else 0.0)
        sd = np.sqrt(sigma2 * (1 + np.r_[0.0, np.cumsum(weights**2)]))
        for value in levels:
            z = stats.norm.ppf(0.5 + value / 200)
            out[f"lo-{value}"], out[f"hi-{value}"] = mean - z * sd, mean + z * sd
        return out
    paths = simulate(fitted, y.size, state[0], season[0], h, np.sqrt(sigma2))
    for value in levels:
        tail = (1 - value / 100) / 2
        out[f"lo-{value}"], out[f"hi-{value}"] = np.quantile(paths, [tail, 1 - tail], axis=1)
    return out


def simulate(fitted: Fit, n: int, state: np.ndarray, season: np.ndarray, h: int, sigma: float) -> np.ndarray:
    """(h, REPETITIONS) seeded sample paths after the end of a series of length ``n``, drawn
    from the model (errors normal with sd ``sigma``, relative for multiplicative errors) and
    carried by the same recursion as the fit."""
    spec, (alpha, beta, gamma, phi) = fitted.spec, fitted.theta
    errors = np.random.default_rng(0).standard_normal((h, REPETITIONS)) * sigma
    level = np.full(REPETITIONS, state[0])
    trend = np.full(REPETITIONS, state[1])
    seasons = np.tile(season, (REPETITIONS, 1))
    paths = np.empty((h, REPETITIONS))
    multiplicative = spec.seasonal == "mul"
    with np.errstate(all="ignore"):
        for t in range(h):
            phase = (n + t) % spec.m
            old = seasons[:, phase]
            pred = level + phi * trend
            point = pred * old if multiplicative else pred + old
            value = point * (1 + errors[t]) if spec.error == "mul" else point + errors[t]
            new_level = alpha * (value / old if multiplicative else value - old) + (1 - alpha) * pred
            trend = beta * (new_level - level) + (1 - beta) * phi * trend
            if spec.has_season:
                fresh = value / new_level if multiplicative else value - new_level
                seasons[:, phase] = gamma * fresh + (1 - gamma) * old
            level = new_level
            paths[t] = value
    return paths
