"""Statistical baselines: hand-computed naive forecasts and intervals, statsmodels references,
fallbacks, constant and short series (AutoARIMA: tests/test_arima.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecastrnn.datasets import load
from forecastrnn.errors import ConfigError, DataError
from forecastrnn.models import ARIMA, ETS, AutoARIMA, Drift, HistoricAverage, Naive, SeasonalNaive, WindowAverage
from forecastrnn.models._local import _block_bands
from forecastrnn.models._plausible import ForecastFallbackWarning, implausible, plausible_bands

Z80 = stats.norm.ppf(0.9)


def series(values, freq="MS", uid="s"):
    return pd.DataFrame(
        {
            "unique_id": uid,
            "ds": pd.date_range("2000-01-01", periods=len(values), freq=freq),
            "y": np.asarray(values, dtype=float),
        }
    )


Y = [3.0, 5.0, 4.0, 8.0, 6.0, 9.0, 7.0, 11.0]


def test_naive_by_hand():
    forecast = Naive().fit(series(Y)).predict(3, level=(80,))
    sigma = np.sqrt(np.mean(np.diff(Y) ** 2))
    assert forecast["Naive"].tolist() == [11.0] * 3
    np.testing.assert_allclose(forecast["Naive-hi-80"], 11 + Z80 * sigma * np.sqrt([1, 2, 3]))
    np.testing.assert_allclose(forecast["Naive-lo-80"], 11 - Z80 * sigma * np.sqrt([1, 2, 3]))


def test_seasonal_naive_by_hand():
    forecast = SeasonalNaive(season_length=4).fit(series(Y)).predict(6, level=(80,))
    assert forecast["SeasonalNaive"].tolist() == [6.0, 9.0, 7.0, 11.0, 6.0, 9.0]
    residuals = np.array(Y[4:]) - np.array(Y[:4])  # 3, 4, 3, 3
    sigma = np.sqrt(np.mean(residuals**2))
    np.testing.assert_allclose(
        forecast["SeasonalNaive-hi-80"] - forecast["SeasonalNaive"], Z80 * sigma * np.sqrt([1, 1, 1, 1, 2, 2])
    )


def test_drift_by_hand():
    forecast = Drift().fit(series(Y)).predict(2, level=(80,))
    slope = (11 - 3) / 7
    np.testing.assert_allclose(forecast["Drift"], [11 + slope, 11 + 2 * slope])
    sigma = np.sqrt(np.sum((np.diff(Y) - slope) ** 2) / (7 - 1))
    h = np.array([1, 2])
    np.testing.assert_allclose(forecast["Drift-hi-80"] - forecast["Drift"], Z80 * sigma * np.sqrt(h * (1 + h / 7)))


def test_averages_by_hand():
    mean = HistoricAverage().fit(series(Y)).predict(2, level=(80,))
    np.testing.assert_allclose(mean["HistoricAverage"], np.mean(Y))
    np.testing.assert_allclose(mean["HistoricAverage-hi-80"] - np.mean(Y), Z80 * np.std(Y, ddof=1) * np.sqrt(1 + 1 / 8))
    window = WindowAverage(window=3).fit(series(Y)).predict(2)
    np.testing.assert_allclose(window["WindowAverage"], np.mean([9.0, 7.0, 11.0]))


def test_ets_matches_statsmodels_for_a_fixed_model():
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    air = load("air_passengers")
    ours = ETS(error="mul", trend="damped", seasonal="mul").fit(air)
    reference = ETSModel(
        pd.Series(air["y"].to_numpy()), error="mul", trend="add", damped_trend=True, seasonal="mul", seasonal_periods=12
    ).fit(disp=False)
    fitted = ours.states_["AirPassengers"][1]["fit"]
    assert fitted.loglik >= reference.llf - 1e-3  # our own engine (_ets_core) finds at least statsmodels' optimum
    np.testing.assert_allclose(ours.predict(12)["ETS"], reference.forecast(12), rtol=1e-3)
    assert ours.chosen_models() == {"AirPassengers": "ETS(mul,damped,mul)"}


def test_auto_ets_chooses_by_aicc_among_admissible_models():
    positive = ETS(season_length=4)
    positive.season_length_ = 4
    assert ("add", "none", "mul") not in positive.candidates(np.arange(1.0, 30.0))
    assert ("mul", "add", "mul") in positive.candidates(np.arange(1.0, 30.0))
    assert all("mul" not in spec for spec in positive.candidates(np.arange(-5.0, 25.0)))
    assert all(spec[2] == "none" for spec in positive.candidates(np.arange(1.0, 8.0)))  # < two seasons + 1


def test_airline_model_matches_statsmodels():
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    air = load("air_passengers")
    logged = air.assign(y=np.log(air["y"]))
    model = ARIMA(order=(0, 1, 1), seasonal_order=(0, 1, 1)).fit(logged)
    reference = SARIMAX(logged["y"].to_numpy(), order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit(disp=False)
    state = model.states_["AirPassengers"][1]
    np.testing.assert_allclose(state["params"], reference.params, rtol=1e-6)
    forecast = model.predict(12, level=(95,))
    np.testing.assert_allclose(forecast["ARIMA"], reference.forecast(12), rtol=1e-10)
    np.testing.assert_allclose(forecast["ARIMA-lo-95"], reference.get_forecast(12).conf_int(alpha=0.05)[:, 0])
    assert reference.llf == pytest.approx(244.7, abs=0.1)  # the textbook value for the airline model


def test_history_filters_with_the_fitted_parameters():
    air = load("air_passengers")
    past = air.iloc[:-12].reset_index(drop=True)
    model = ARIMA(order=(1, 1, 0), seasonal_order=(0, 1, 0)).fit(past)
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    params = model.states_["AirPassengers"][1]["params"]
    reference = SARIMAX(air["y"].to_numpy(), order=(1, 1, 0), seasonal_order=(0, 1, 0, 12)).filter(params)
    np.testing.assert_allclose(model.predict(6, history=air)["ARIMA"], reference.forecast(6))


@pytest.mark.parametrize(
    "model",
    [Naive(), SeasonalNaive(), Drift(), HistoricAverage(), ETS(), ARIMA(order=(1, 1, 0)), AutoARIMA()],
    ids=lambda m: m.name,
)
def test_constant_series_give_finite_forecasts(model):
    forecast = model.fit(series(np.full(40, 7.0))).predict(5, level=(80,))
    values = forecast.drop(columns=["unique_id", "ds"]).to_numpy()
    assert np.isfinite(values).all()
    np.testing.assert_allclose(forecast[model.name], 7.0, atol=1e-6)


def test_failed_fits_fall_back_and_are_recorded():
    short = pd.concat([series(np.arange(1.0, 50.0), uid="long"), series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], uid="short")])
    model = ARIMA(order=(2, 1, 2), seasonal_order=(1, 1, 1)).fit(short)
    assert set(model.fallbacks_) == {"short"}
    assert "needs at least" in model.fallbacks_["short"]
    assert len(model.predict(3)) == 6
    with pytest.raises(DataError, match=r"series 'short': .*needs at least"):
        ARIMA(order=(2, 1, 2), seasonal_order=(1, 1, 1), fallback=None).fit(short)


def test_seasonal_naive_on_a_series_shorter_than_a_season_uses_naive():
    model = SeasonalNaive().fit(series([1.0, 2.0, 3.0]))
    assert model.fallbacks_ == {"s": "DataError: needs at least 12 observations, has 3; Naive used instead"}
    assert model.predict(2)["SeasonalNaive"].tolist() == [3.0, 3.0]


def test_library_warnings_are_collected_not_shown():
    noisy = load("monthly_classics")
    noisy = noisy[noisy["unique_id"].isin(["gas", "wineind"])].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = ARIMA(order=(3, 1, 3), seasonal_order=(1, 1, 1)).fit(noisy)
    assert sum(model.warnings_.values()) >= 1


def test_parameter_errors():
    with pytest.raises(ConfigError, match=r"trend='multiplicative' is not allowed"):
        ETS(trend="multiplicative").fit(series(Y))
    with pytest.raises(ConfigError, match=r"order=\(1, 1\) is not allowed"):
        ARIMA(order=(1, 1)).fit(series(Y))
    with pytest.raises(ConfigError, match=r"level=150 is not allowed"):
        Naive().fit(series(Y)).predict(2, level=(150,))
    with pytest.raises(ConfigError, match=r"fallback='mean' is not allowed"):
        ETS(fallback="mean").fit(series(Y))


def spike_series() -> pd.DataFrame:
    values = 100 + np.random.default_rng(0).normal(0, 5, 120)
    values[60] = 1e6
    return series(values)


@pytest.mark.parametrize("model", [AutoARIMA(), ETS()], ids=lambda m: m.name)
def test_one_spike_never_drives_a_forecast_far_outside_the_series(model):
    """A spike once made AutoARIMA forecast 0.0 and ETS swing to -7949 (issue 10, item 4)."""
    forecast = model.fit(spike_series()).predict(12)
    assert forecast[model.name].between(50, 150).all()


def test_an_implausible_forecast_without_a_fallback_is_flagged_and_kept():
    model = HistoricAverage().fit(spike_series())
    with pytest.warns(ForecastFallbackWarning, match=r"HistoricAverage: 1 series had an implausible forecast"):
        forecast = model.predict(3)
    assert forecast["HistoricAverage"].iloc[0] == pytest.approx(spike_series()["y"].mean())
    assert "kept but flagged" in model.fallbacks_["s"]


def test_an_implausible_forecast_at_predict_falls_back_and_is_recorded():
    trend = series(np.arange(1.0, 41.0), freq="YS")
    model = Drift().fit(trend)
    model.fallback = "auto"  # Drift has none; give it one to see the replacement
    with pytest.warns(ForecastFallbackWarning):
        forecast = model.predict(2000)  # the drift line leaves the band around step 400
    assert (forecast["Drift"] == 40.0).all()  # naive
    assert model.fallbacks_["s"].startswith("implausible forecast")
    assert "; Naive used instead" in model.fallbacks_["s"]


@pytest.mark.parametrize(
    ("values", "inside", "outside"),
    [
        (spike_series()["y"].to_numpy(), [100.0, 0.0], [-100.0, 8433.0]),  # one spike does not widen the band
        (np.arange(120.0), [119.0, 500.0], [2000.0, -1200.0]),  # a trend may go on
        (np.r_[np.zeros(95), 5.0 * np.ones(5)], [5.0, 0.0, 1.0], [100.0]),  # intermittent
        (np.full(30, 7.0), [7.0, 20.0], [100.0, -70.0]),  # constant: its level sets the scale
        (1e290 * (1 + 0.1 * np.sin(np.arange(60.0))), [1.1e290], [6.5e295]),  # huge values
    ],
)
def test_plausible_band(values, inside, outside):
    low, high = plausible_bands(values[None, :])
    np.testing.assert_array_equal(_block_bands(values[None, :]), (low, high))  # the models' fast path
    band = (float(low[0]), float(high[0]))
    assert not implausible(np.array(inside), band)
    for value in outside:
        assert implausible(np.array([value]), band)
    assert implausible(np.array([np.nan]), band)
