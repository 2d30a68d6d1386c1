"""Theta and AutoTheta: a hand computation, statsmodels as the reference, model choice, intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecastrnn.datasets import load
from forecastrnn.errors import ConfigError
from forecastrnn.models import AutoTheta, Theta
from forecastrnn.models._naive import seasonal_adjustment
from forecastrnn.models._theta import MODELS, fit_theta, theta_forecast, trend_lines


def series(values, freq="MS", uid="s"):
    return pd.DataFrame(
        {"unique_id": uid, "ds": pd.date_range("2000-01-01", periods=len(values), freq=freq), "y": values}
    )


def noisy_level(seed=3, n=80):
    rng = np.random.default_rng(seed)
    return 100 + np.cumsum(rng.normal(0, 1, n)) + rng.normal(0, 2, n)


def test_theta_forecast_by_hand():
    x = np.array([10.0, 12.0, 11.0, 13.0, 12.0, 14.0])
    state = {"model": "theta", "alpha": 0.5, "level0": 10.0, "weight": 0.5, "k": 2}
    mean, sigma = theta_forecast(x, state, 3)
    # SES levels 10, 10, 11, 11, 12, 12 -> 13; OLS slope 11/17.5, half of it 11/35;
    # drift term (h - 1) + (1 - 0.5^6) / 0.5 = h - 1 + 63/32
    np.testing.assert_allclose(mean, 13 + 11 / 35 * (np.arange(3) + 63 / 32))
    assert sigma == pytest.approx(np.sqrt(12 / 4))  # one-step errors 0, 2, 0, 2, 0, 2; two parameters


def test_theta_equals_statsmodels_theta_model_with_its_parameters():
    from statsmodels.tsa.forecasting.theta import ThetaModel

    y = 50 + np.cumsum(np.random.default_rng(0).normal(0.3, 2, 60))
    reference = ThetaModel(y, period=1, deseasonalize=False).fit()
    state = {"model": "theta", "alpha": float(reference.params["alpha"]), "level0": y[0], "weight": 0.5, "k": 2}
    np.testing.assert_allclose(theta_forecast(y, state, 8)[0], reference.forecast(8), rtol=1e-12)

    air = load("air_passengers")["y"].to_numpy()
    seasonal = ThetaModel(air, period=12, use_test=False, method="multiplicative").fit()
    adjusted, factors = seasonal_adjustment(air, 12, 12)
    state = {"model": "theta", "alpha": float(seasonal.params["alpha"]), "level0": adjusted[0], "weight": 0.5, "k": 2}
    np.testing.assert_allclose(theta_forecast(adjusted, state, 12)[0] * factors, seasonal.forecast(12), rtol=1e-12)


def test_ses_part_is_least_squares_as_statsmodels_ets():
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = noisy_level()
    fit = fit_theta(y, "theta", (1e-4, 0.9999))
    reference = ETSModel(pd.Series(y), error="add").fit(disp=False)  # ANN by maximum likelihood: least squares
    assert fit["alpha"] == pytest.approx(reference.params.iloc[0], abs=1e-5)
    assert fit["level0"] == pytest.approx(reference.params.iloc[1], abs=1e-3)
    assert fit["sse"] == pytest.approx(reference.sse, rel=1e-9)


def test_trend_lines_are_least_squares_on_each_prefix():
    x = np.random.default_rng(1).normal(size=12)
    intercepts, slopes = trend_lines(x)
    for k in range(2, 13):
        slope, intercept = np.polyfit(np.arange(1, k + 1), x[:k], 1)
        assert (slopes[k - 1], intercepts[k - 1]) == pytest.approx((slope, intercept), abs=1e-12)
    assert (slopes[0], intercepts[0]) == (0.0, x[0])


def test_the_optimised_theta_model_continues_a_straight_line():
    line = 3 + 2 * np.arange(1, 31.0)
    otm = fit_theta(line, "OTM", (0.1, 0.99))
    np.testing.assert_allclose(theta_forecast(line, otm, 3)[0], [65.0, 67.0, 69.0], atol=1e-6)
    standard = fit_theta(line, "theta", (1e-4, 0.9999))
    assert theta_forecast(line, standard, 2)[0][1] - theta_forecast(line, standard, 2)[0][0] == pytest.approx(1.0)


def test_auto_theta_keeps_the_model_with_the_lowest_mse():
    y = noisy_level(seed=5) + 0.4 * np.arange(80)
    model = AutoTheta(season_length=1).fit(series(y, freq="YS"))
    best = min(MODELS, key=lambda name: fit_theta(y, name, (0.1, 0.99))["sse"])
    assert model.chosen_models()["s"].startswith(f"{best}(alpha=")
    one = AutoTheta(model="DSTM", season_length=1).fit(series(y, freq="YS"))
    assert one.chosen_models()["s"].startswith("DSTM(")
    assert one.chosen_models()["s"].endswith("theta=2)")
    with pytest.raises(ConfigError, match="model='XTM' is not allowed"):
        AutoTheta(model="XTM").fit(series(y, freq="YS"))


def test_seasonal_series_are_adjusted_and_intervals_are_normal():
    air = load("air_passengers")
    model = Theta().fit(air)
    assert model.chosen_models()["AirPassengers"].endswith(", seasonal")
    forecast = model.predict(24, level=(80, 95))
    state = model.states_["AirPassengers"][1]
    adjusted, factors = seasonal_adjustment(air["y"].to_numpy(), 12, 24)
    mean, sigma = theta_forecast(adjusted, state, 24)
    np.testing.assert_allclose(forecast["Theta"], mean * factors)
    half = stats.norm.ppf(0.9) * sigma * np.sqrt(1 + np.arange(24) * state["alpha"] ** 2) * factors
    np.testing.assert_allclose(forecast["Theta-hi-80"] - forecast["Theta"], half)
    assert (forecast["Theta-hi-95"] > forecast["Theta-hi-80"]).all()
    assert (forecast["Theta-lo-95"] < forecast["Theta-lo-80"]).all()


@pytest.mark.parametrize("cls", [Theta, AutoTheta])
def test_history_refilters_with_the_fitted_parameters(cls):
    air = load("air_passengers")
    past = air.iloc[:-12].reset_index(drop=True)
    model = cls().fit(past)
    state = model.states_["AirPassengers"][1]
    adjusted, factors = seasonal_adjustment(air["y"].to_numpy(), 12, 6)
    np.testing.assert_allclose(
        model.predict(6, history=air)[model.name], theta_forecast(adjusted, state, 6)[0] * factors
    )


@pytest.mark.parametrize("cls", [Theta, AutoTheta])
def test_constant_and_short_series(cls):
    panel = pd.concat([series(np.full(30, 7.0), uid="flat"), series([1.0, 2.0, 3.0], uid="short")])
    model = cls().fit(panel)
    forecast = model.predict(4, level=(80,)).set_index("unique_id")
    np.testing.assert_allclose(forecast.loc["flat", model.name], 7.0)
    assert "needs at least 4 observations" in model.fallbacks_["short"]
    assert (forecast.loc["short", model.name] == 3.0).all()  # naive


def fiorucci_by_loop(x, alpha, level0, weight, dynamic, h):
    """Fiorucci et al.'s recursion step by step (trend lines by np.polyfit): SSE and forecasts."""
    values, level, sse = list(x), level0, 0.0

    def line(k):
        if k < 2:
            return values[0], 0.0
        slope, intercept = np.polyfit(np.arange(1, k + 1), values[:k], 1)
        return intercept, slope

    static = line(len(x))
    forecasts = []
    for t in range(1, len(x) + h + 1):
        intercept, slope = line(t - 1) if dynamic else static
        mu = level + weight * ((1 - alpha) ** (t - 1) * intercept + (1 - (1 - alpha) ** t) / alpha * slope)
        if t <= len(x):
            sse += (x[t - 1] - mu) ** 2
            observed = x[t - 1]
        else:
            forecasts.append(mu)
            values.append(mu)
            observed = mu
        level = alpha * observed + (1 - alpha) * level
    return sse, np.array(forecasts)


@pytest.mark.parametrize("model", ["OTM", "DOTM"])
def test_theta_models_follow_fiorucci_et_al_step_by_step(model):
    x = noisy_level(seed=2, n=25) + 0.3 * np.arange(25)
    state = {"model": model, "alpha": 0.4, "level0": 90.0, "weight": 0.6, "k": 3}
    sse, expected = fiorucci_by_loop(x, 0.4, 90.0, 0.6, model == "DOTM", 5)
    mean, sigma = theta_forecast(x, state, 5)
    np.testing.assert_allclose(mean, expected, rtol=1e-10)
    assert sigma**2 * (25 - 3) == pytest.approx(sse, rel=1e-10)
