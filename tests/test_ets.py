"""The ETS engine (``_ets_core``) against statsmodels' ``ETSModel``: the same recursion and
likelihood at the same parameters, at least statsmodels' likelihood when fitting, the same
analytic intervals, and simulated intervals close to its simulated ones."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecastrnn.datasets import load
from forecastrnn.models import ETS
from forecastrnn.models._ets_core import Fit, Spec, fit, forecast, heuristic_start, loglik, run

FORMS = [
    ("add", "none", "none"),
    ("add", "add", "none"),
    ("add", "damped", "add"),
    ("add", "add", "add"),
    ("mul", "none", "mul"),
    ("mul", "add", "add"),
    ("mul", "damped", "mul"),
    ("mul", "damped", "none"),
]


def air() -> np.ndarray:
    return load("air_passengers")["y"].to_numpy()


def reference(y: np.ndarray, error: str, trend: str, seasonal: str):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    return ETSModel(
        pd.Series(y),
        error=error,
        trend=None if trend == "none" else "add",
        damped_trend=trend == "damped",
        seasonal=None if seasonal == "none" else seasonal,
        seasonal_periods=12 if seasonal != "none" else None,
    )


def statsmodels_params(fitted: Fit) -> np.ndarray:
    """Our (theta, x0) in statsmodels' parameter order (its seasonals run backwards in time)."""
    spec, (alpha, beta, gamma, phi) = fitted.spec, fitted.theta
    smoothing = [alpha] + [alpha * beta] * spec.has_trend + [(1 - alpha) * gamma] * spec.has_season
    states = [fitted.x0[0]] + [fitted.x0[1]] * spec.has_trend + list(fitted.x0[2:][::-1]) * spec.has_season
    return np.array(smoothing + [phi] * spec.damped + states)


def spec_of(error: str, trend: str, seasonal: str) -> Spec:
    return Spec(error, trend, seasonal, 12 if seasonal != "none" else 1)


@pytest.mark.parametrize("form", FORMS, ids="-".join)
def test_recursion_and_likelihood_equal_statsmodels_at_the_same_parameters(form):
    y = air()
    spec = spec_of(*form)
    theta = np.array([0.3, 0.2, 0.4, 0.9 if spec.damped else 1.0]) * [1, spec.has_trend, spec.has_season, 1]
    x0 = heuristic_start(y, spec)
    given = Fit(spec, theta, x0, np.nan, np.nan)
    yhat, state, season = run(spec, theta[None], x0[None], y)
    result = reference(y, *form).smooth(statsmodels_params(given))
    np.testing.assert_allclose(yhat[0], result.fittedvalues, rtol=1e-10)
    np.testing.assert_allclose(state[0, 0], result.level.iloc[-1], rtol=1e-10)
    if spec.has_trend:
        np.testing.assert_allclose(state[0, 1], result.slope.iloc[-1], rtol=1e-8)
    if spec.has_season:
        last = np.arange(y.size - 12, y.size)
        np.testing.assert_allclose(season[0, last % 12], result.season.iloc[last], rtol=1e-10)
    assert loglik(spec, y, yhat[0]) == pytest.approx(result.llf, rel=1e-10)
    np.testing.assert_allclose(forecast(given, y, 15)["mean"], result.forecast(15), rtol=1e-10)


@pytest.mark.parametrize("form", FORMS, ids="-".join)
def test_fit_reaches_statsmodels_likelihood_and_forecasts(form):
    y = air()[-120:]
    ours = fit(y, spec_of(*form))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = reference(y, *form).fit(disp=False)
    assert ours.loglik >= theirs.llf - 0.05
    assert ours.aicc == pytest.approx(theirs.aicc, abs=max(0.1, 2 * (ours.loglik - theirs.llf) + 0.1))
    np.testing.assert_allclose(forecast(ours, y, 12)["mean"], theirs.forecast(12), rtol=0.02)


def test_start_values_are_statsmodels_heuristic():
    from statsmodels.tsa.exponential_smoothing.initialization import _initialization_heuristic

    y = air()
    for seasonal in ("add", "mul"):
        level, trend, season = _initialization_heuristic(y, trend="add", seasonal=seasonal, seasonal_periods=12)
        ours = heuristic_start(y, Spec("add", "add", seasonal, 12))
        first = season[0]
        np.testing.assert_allclose(ours[0], level * first if seasonal == "mul" else level + first)
        np.testing.assert_allclose(ours[1], trend)
        np.testing.assert_allclose(ours[2:], season / first if seasonal == "mul" else season - first, atol=1e-12)


@pytest.mark.parametrize(
    "form", [("add", "none", "none"), ("add", "damped", "none"), ("add", "add", "add")], ids="-".join
)
def test_analytic_intervals_equal_statsmodels(form):
    y = air()[-100:]
    ours = fit(y, spec_of(*form))
    result = reference(y, *form).smooth(statsmodels_params(ours))
    frame = result.get_prediction(start=y.size, end=y.size + 17).summary_frame(alpha=0.2)
    ahead = forecast(ours, y, 18, (80,))
    np.testing.assert_allclose(ahead["lo-80"], frame["pi_lower"], rtol=1e-8)
    np.testing.assert_allclose(ahead["hi-80"], frame["pi_upper"], rtol=1e-8)


def test_simulated_intervals_are_close_to_statsmodels_and_seeded():
    y = air()
    ours = fit(y, Spec("mul", "damped", "mul", 12))
    result = reference(y, "mul", "damped", "mul").smooth(statsmodels_params(ours))
    prediction = result.get_prediction(start=y.size, end=y.size + 11, rng=np.random.default_rng(1))
    frame = prediction.summary_frame(alpha=0.05)
    ahead = forecast(ours, y, 12, (95,))
    width, their_width = ahead["hi-95"] - ahead["lo-95"], (frame["pi_upper"] - frame["pi_lower"]).to_numpy()
    np.testing.assert_allclose(width, their_width, rtol=0.2)
    assert (ahead["lo-95"] < ahead["mean"]).all()
    assert (ahead["mean"] < ahead["hi-95"]).all()
    np.testing.assert_array_equal(forecast(ours, y, 12, (95,))["hi-95"], ahead["hi-95"])


def test_history_is_filtered_with_the_fitted_parameters():
    panel = load("air_passengers")
    model = ETS(error="add", trend="damped", seasonal="add").fit(panel.iloc[:-12].reset_index(drop=True))
    fitted = model.states_["AirPassengers"][1]["fit"]
    later = model.predict(6, history=panel)["ETS"].to_numpy()
    np.testing.assert_allclose(later, forecast(fitted, panel["y"].to_numpy(), 6)["mean"])
    result = reference(panel["y"].to_numpy(), "add", "damped", "add").smooth(statsmodels_params(fitted))
    np.testing.assert_allclose(later, result.forecast(6), rtol=1e-10)
