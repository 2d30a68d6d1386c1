"""Exponential smoothing (ETS) state-space models with automatic choice by AICc; the engine
(recursion, likelihood, fit, intervals) is ``_ets_core``, checked against statsmodels."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..errors import ConfigError
from ._ets_core import Fit, Spec, fit, forecast, run
from ._local import Forecast, LocalForecaster

ERRORS, TRENDS, SEASONALS = ("add", "mul"), ("none", "add", "damped"), ("none", "add", "mul")


class ETS(LocalForecaster):
    """ETS(error, trend, seasonal) with statsmodels' ``ETSModel`` equations, fit by maximum likelihood.

    Each component is fixed (``error`` ``add``/``mul``, ``trend`` ``none``/``add``/``damped``,
    ``seasonal`` ``none``/``add``/``mul``) or ``"auto"``: every admissible combination is fit and
    the one with the lowest AICc kept, as R's ``forecast::ets`` does over the same set
    (multiplicative trends are left out; multiplicative error or season need positive data;
    additive error with multiplicative season is excluded as numerically unstable; a season
    needs ``season_length`` > 1 and at least two full seasons plus one value).
    Prediction intervals are analytic for additive errors with no or an additive season and
    simulated (seeded) otherwise; ``conformal_windows`` > 0 gives conformal intervals instead
    (see ``LocalForecaster``). In-sample fitted values (``predict_insample``) are the one-step
    predictions of the state recursion with the fitted parameters and initial states (those
    the likelihood is computed from; statsmodels' ``fittedvalues``). See ``_ets_core`` for the
    engine.
    """

    name = "ETS"

    def __init__(
        self,
        *,
        error: str = "auto",
        trend: str = "auto",
        seasonal: str = "auto",
        season_length: int | None = None,
        fallback: str | None = "auto",
        n_jobs: int = 1,
        conformal_windows: int = 0,
        alias: str | None = None,
    ) -> None:
        self.error = error
        self.trend = trend
        self.seasonal = seasonal
        self.season_length = season_length
        self.fallback = fallback
        self.n_jobs = n_jobs
        self.conformal_windows = conformal_windows
        self.alias = alias

    def _check_params(self) -> None:
        for name, allowed in (("error", ERRORS), ("trend", TRENDS), ("seasonal", SEASONALS)):
            value = getattr(self, name)
            if value != "auto" and value not in allowed:
                raise ConfigError(f"{name}={value!r} is not allowed: 'auto' or one of {', '.join(allowed)}.")

    def _min_length(self) -> int:
        return 4

    def candidates(self, y: np.ndarray) -> list[tuple[str, str, str]]:
        """The (error, trend, seasonal) combinations considered for this series."""
        positive = bool((y > 0).all())
        m = self.season_length_
        seasonal_ok = m > 1 and y.size >= 2 * m + 1
        errors = ERRORS if self.error == "auto" else (self.error,)
        trends = TRENDS if self.trend == "auto" else (self.trend,)
        seasonals = SEASONALS if self.seasonal == "auto" else (self.seasonal,)
        chosen = []
        for error, trend, seasonal in itertools.product(errors, trends, seasonals):
            if seasonal != "none" and not seasonal_ok:
                continue
            if "mul" in (error, seasonal) and not positive:
                continue
            if self.error == "auto" and self.seasonal == "auto" and error == "add" and seasonal == "mul":
                continue
            chosen.append((error, trend, seasonal))
        if not chosen:
            raise ValueError("no ETS model fits these settings and data (multiplicative parts need positive values)")
        return chosen

    def _spec(self, error: str, trend: str, seasonal: str) -> Spec:
        return Spec(error, trend, seasonal, self.season_length_ if seasonal != "none" else 1)

    def _fit_series(self, y: np.ndarray) -> dict[str, Any]:
        best: Fit | None = None
        for error, trend, seasonal in self.candidates(y):
            try:
                result = fit(y, self._spec(error, trend, seasonal))
            except (ValueError, np.linalg.LinAlgError):
                continue
            if np.isfinite(result.aicc) and (best is None or result.aicc < best.aicc):
                best = result
        if best is None:
            raise ValueError("no ETS candidate could be fit")
        return {"spec": (best.spec.error, best.spec.trend, best.spec.seasonal), "fit": best, "aicc": best.aicc}

    def _forecast_series(self, state: dict[str, Any], y: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        return forecast(state["fit"], y, h, levels)

    def _fitted_series(self, state: dict[str, Any], y: np.ndarray) -> np.ndarray:
        fitted: Fit = state["fit"]
        return run(fitted.spec, fitted.theta[None], fitted.x0[None], y)[0][0]

    def chosen_models(self) -> dict[Any, str]:
        """The ETS(error, trend, seasonal) chosen for each series, e.g. ``ETS(mul,damped,mul)``."""
        self._check_fitted()
        return {
            uid: f"ETS({','.join(state['spec'])})" if kind == "own" else "fallback"
            for uid, (kind, state) in self.states_.items()
        }
