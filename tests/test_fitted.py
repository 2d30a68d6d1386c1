"""In-sample fitted values (``predict_insample``) of the local models: hand-checked values for
the naive family, statsmodels' ETS ``fittedvalues`` as the reference, shapes, timestamps, NaN
rules and fallback series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecastrnn.datasets import load
from forecastrnn.errors import ConfigError, NotFittedError
from forecastrnn.models import ETS, MSTL, AutoTheta, Drift, HistoricAverage, Naive, SeasonalNaive, Theta, WindowAverage
from forecastrnn.models._ets_core import run
from forecastrnn.models._local import LocalForecaster
from forecastrnn.models._naive import Naive2, seasonal_adjustment

NAN = np.nan


def panel(*values, freq="MS", start="2000-01-01"):
    frames = [
        pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range(start, periods=len(v), freq=freq), "y": v})
        for i, v in enumerate(values)
    ]
    return pd.concat(frames, ignore_index=True)


def fitted_of(model, data):
    frame = model.fit(data).predict_insample()
    return [part[model.column].to_numpy() for _, part in frame.groupby("unique_id", sort=False)]


Y = [1.0, 3.0, 2.0, 6.0, 5.0]
Z = [4.0, 4.0, 8.0, 2.0, 6.0, 0.0, 3.0]


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (Naive(), [NAN, 1, 3, 2, 6]),
        (SeasonalNaive(season_length=2), [NAN, NAN, 1, 3, 2]),
        (HistoricAverage(), [NAN, 1, 2, 2, 3]),  # mean of the values before each step
        (Drift(), [NAN, NAN, 3 + 2 / 1, 2 + 1 / 2, 6 + 5 / 3]),  # y[t-1] + (y[t-1] - y[0]) / (t - 1)
        (WindowAverage(window=2), [NAN, NAN, 2, 2.5, 4]),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, LocalForecaster) else "",
)
def test_naive_family_by_hand(model, expected):
    first, second = fitted_of(model, panel(Y, Z))
    np.testing.assert_allclose(first, expected)
    assert second.size == len(Z)


def test_every_naive_member_is_its_own_one_step_forecast_from_the_past():
    """The value at t is what the model forecasts for one step from y[:t] (where it has one)."""
    data = panel(Z)
    for model in (Naive(), SeasonalNaive(season_length=3), HistoricAverage(), Drift(), WindowAverage(window=3)):
        (fitted,) = fitted_of(model, data)
        for t in range(1, len(Z)):
            if np.isnan(fitted[t]):
                continue
            past = data.iloc[:t].copy()
            past.attrs["freq"] = "MS"
            assert fitted[t] == pytest.approx(model.clone().fit(past).predict(1)[model.column].iloc[0])
        assert np.isnan(fitted[0])


def test_frame_columns_rows_and_timestamps_match_the_training_panel():
    data = panel(Y, Z)
    frame = Naive(alias="Last").fit(data).predict_insample()
    assert list(frame.columns) == ["unique_id", "ds", "y", "Last"]
    pd.testing.assert_frame_equal(frame[["unique_id", "ds", "y"]], data, check_dtype=False)


@pytest.mark.parametrize("freq", ["MS", "QS-OCT", "D", "h", "W-SUN", "B", "YE"])
def test_timestamps_of_series_ending_at_different_times(freq):
    times = pd.date_range("2001-01-01", periods=40, freq=freq)
    data = pd.concat(
        [
            pd.DataFrame({"unique_id": "a", "ds": times[3:25], "y": np.arange(22.0)}),
            pd.DataFrame({"unique_id": "b", "ds": times[:40], "y": np.arange(40.0)}),
            pd.DataFrame({"unique_id": "c", "ds": times[10:12], "y": [1.0, 2.0]}),
        ],
        ignore_index=True,
    )
    frame = Naive().fit(data).predict_insample()
    np.testing.assert_array_equal(frame["ds"].to_numpy(), data["ds"].to_numpy())


def test_integer_steps():
    data = pd.DataFrame({"unique_id": np.repeat(["a", "b"], [4, 3]), "ds": [5, 6, 7, 8, 0, 1, 2], "y": np.arange(7.0)})
    frame = Naive().fit(data).predict_insample()
    assert frame["ds"].tolist() == [5, 6, 7, 8, 0, 1, 2]


def test_vectorised_naive_family_equals_the_series_by_series_path():
    data = panel(Y, Z, [2.0, 7.0], list(np.arange(1.0, 12.0) ** 1.5))
    for model in (Naive(), SeasonalNaive(season_length=3), HistoricAverage(), Drift(), WindowAverage(window=2)):
        model.fit(data)
        states = list(model.states_.values())
        pairs = zip(states, model.series_.series(), strict=True)
        one_by_one = np.concatenate([model._fitted_one(state, y) for state, y in pairs])
        np.testing.assert_array_equal(model._fitted_panel(states, model.series_), one_by_one)


def test_fallback_series_get_their_fallbacks_fitted_values():
    data = panel(Z, [3.0, 5.0])  # the second is shorter than a season of 3
    model = SeasonalNaive(season_length=3).fit(data)
    assert list(model.fallbacks_) == ["s1"]
    first, second = fitted_of(model, data)
    np.testing.assert_array_equal(second, [NAN, 3.0])  # naive
    np.testing.assert_array_equal(first[3:], Z[:4])
    ets = ETS(season_length=1).fit(data)  # 2 values: too short for ETS, naive instead
    assert "s1" in ets.fallbacks_
    np.testing.assert_array_equal(fitted_of(ets, data)[1], [NAN, 3.0])


def statsmodels_fitted(y, fitted_state):
    """statsmodels' ETSModel fittedvalues at our fitted parameters and initial states."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    spec, (alpha, beta, gamma, phi) = fitted_state.spec, fitted_state.theta
    smoothing = [alpha] + [alpha * beta] * spec.has_trend + [(1 - alpha) * gamma] * spec.has_season
    x0 = fitted_state.x0
    states = [x0[0]] + [x0[1]] * spec.has_trend + list(x0[2:][::-1]) * spec.has_season  # seasonals backwards
    reference = ETSModel(
        pd.Series(y),
        error=spec.error,
        trend=None if spec.trend == "none" else "add",
        damped_trend=spec.damped,
        seasonal=None if spec.seasonal == "none" else spec.seasonal,
        seasonal_periods=spec.m if spec.has_season else None,
    )
    return reference.smooth(np.array(smoothing + [phi] * spec.damped + states)).fittedvalues.to_numpy()


@pytest.mark.parametrize(
    ("data", "form"),
    [
        ("air_passengers", ("mul", "damped", "mul")),
        ("air_passengers", ("add", "add", "add")),
        ("uk_lung_deaths", ("add", "none", "add")),
        ("uk_lung_deaths", ("mul", "add", "none")),
    ],
    ids=lambda value: value if isinstance(value, str) else "-".join(value),
)
def test_ets_fitted_values_equal_statsmodels_at_the_fitted_parameters(data, form):
    series = load(data)
    series = series[series["unique_id"] == series["unique_id"].iloc[0]].reset_index(drop=True)
    error, trend, seasonal = form
    model = ETS(error=error, trend=trend, seasonal=seasonal).fit(series)
    (fitted,) = [part[model.column].to_numpy() for _, part in model.predict_insample().groupby("unique_id")]
    _, state = next(iter(model.states_.values()))
    np.testing.assert_allclose(fitted, statsmodels_fitted(series["y"].to_numpy(), state["fit"]), rtol=1e-9)
    assert np.isfinite(fitted).all()


def test_theta_fitted_values_are_ses_by_hand_and_give_the_fitted_sse():
    rng = np.random.default_rng(4)
    y = 50 + np.cumsum(rng.normal(0, 1, 40))
    model = Theta(season_length=1).fit(panel(list(y)))
    (fitted,) = fitted_of(model, panel(list(y)))
    _, state = model.states_["s0"]
    level = state["level0"]
    for t in range(y.size):  # SES: the prediction of y[t] is the level after y[t-1]
        assert fitted[t] == pytest.approx(level)
        level = state["alpha"] * y[t] + (1 - state["alpha"]) * level
    assert np.sum((y - fitted) ** 2) == pytest.approx(state["sse"], rel=1e-9)


@pytest.mark.parametrize("which", ["STM", "OTM", "DSTM", "DOTM"])
def test_autotheta_fitted_values_are_those_it_was_fit_to(which):
    rng = np.random.default_rng(5)
    y = 80 + 0.5 * np.arange(48) + np.cumsum(rng.normal(0, 1, 48))
    model = AutoTheta(model=which, season_length=1).fit(panel(list(y)))
    (fitted,) = fitted_of(model, panel(list(y)))
    _, state = model.states_["s0"]
    assert np.sum((y - fitted) ** 2) == pytest.approx(state["sse"], rel=1e-9)


def test_seasonal_theta_and_naive2_put_the_season_back():
    air = load("air_passengers")
    y = air["y"].to_numpy()
    adjusted, _ = seasonal_adjustment(y, 12, 1)
    factors = y / adjusted
    theta = Theta().fit(air)
    (fitted,) = fitted_of(theta, air)
    _, state = theta.states_["AirPassengers"]
    assert state["seasonal"]
    assert np.sum((adjusted - fitted / factors) ** 2) == pytest.approx(state["sse"], rel=1e-9)
    (naive2,) = fitted_of(Naive2(), air)
    np.testing.assert_allclose(naive2[1:], adjusted[:-1] * factors[1:])
    assert np.isnan(naive2[0])


def test_mstl_fitted_values_are_the_seasons_plus_the_trend_models():
    data = load("air_passengers")
    model = MSTL(season_lengths=[12]).fit(data)
    (fitted,) = fitted_of(model, data)
    _, state = model.states_["AirPassengers"]
    season = state["seasonal"].sum(axis=1)
    ets = state["trend"]["fit"]
    trend = run(ets.spec, ets.theta[None], ets.x0[None], data["y"].to_numpy() - season)[0][0]
    np.testing.assert_allclose(fitted, trend + season)


class _NoFitted(LocalForecaster):
    name = "NoFitted"

    def __init__(self, *, season_length: int | None = None) -> None:
        self.season_length = season_length

    def _fit_series(self, y):
        return None

    def _forecast_series(self, state, y, h, levels):
        return {"mean": np.full(h, y[-1])}


def test_models_without_fitted_values_and_unfitted_models_say_so():
    with pytest.raises(NotFittedError):
        Naive().predict_insample()
    with pytest.raises(ConfigError, match="_NoFitted does not give in-sample fitted values"):
        _NoFitted().fit(panel(Y)).predict_insample()
