"""MSTL: statsmodels' decomposition, seasonal naive per season plus ETS/ARIMA of the rest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecastrnn.errors import ConfigError
from forecastrnn.models import ETS, MSTL


def two_seasons(n=120, freq=None, seed=0):
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    y = 30 + 0.05 * t + 4 * np.sin(2 * np.pi * t / 4) + 3 * (t % 12 >= 8) + rng.normal(0, 0.5, n)
    ds = pd.date_range("2020-01-06", periods=n, freq=freq) if freq else np.arange(n)
    return pd.DataFrame({"unique_id": "s", "ds": ds, "y": y})


def test_forecast_is_seasonal_naive_of_each_component_plus_ets_of_the_rest():
    from statsmodels.tsa.seasonal import MSTL as Reference

    panel = two_seasons()
    y = panel["y"].to_numpy()
    model = MSTL(season_lengths=(4, 12)).fit(panel)
    forecast = model.predict(10, level=(80,))
    seasonal = Reference(y, periods=(4, 12)).fit().seasonal
    np.testing.assert_allclose(model.decompose(y, (4, 12)), seasonal)
    steps = np.arange(10)
    future = seasonal[120 - 4 + steps % 4, 0] + seasonal[120 - 12 + steps % 12, 1]
    rest = panel.assign(y=y - seasonal.sum(axis=1))
    ets = ETS(seasonal="none", season_length=1).fit(rest).predict(10, level=(80,))
    np.testing.assert_allclose(forecast["MSTL"], ets["ETS"] + future)
    np.testing.assert_allclose(forecast["MSTL-hi-80"] - forecast["MSTL"], ets["ETS-hi-80"] - ets["ETS"])
    assert model.chosen_models()["s"].startswith("MSTL(4,12) + ETS(")


def test_hourly_data_gets_the_day_and_the_week_when_the_series_holds_them():
    long = two_seasons(n=24 * 7 * 2 + 24, freq="h")
    short = two_seasons(n=24 * 5, freq="h").assign(unique_id="short")
    model = MSTL(trend_forecaster="arima").fit(pd.concat([long, short], ignore_index=True))
    chosen = model.chosen_models()
    assert chosen["s"].startswith("MSTL(24,168) + ARIMA(")
    assert chosen["short"].startswith("MSTL(24) + ARIMA(")
    assert MSTL(season_length=24).fit(short).chosen_models()["short"].startswith("MSTL(24) + ")


def test_history_redecomposes_and_filters_with_the_fitted_trend_model():
    panel = two_seasons()
    model = MSTL(season_lengths=(4, 12)).fit(panel)
    pd.testing.assert_frame_equal(model.predict(6), model.predict(6, history=panel))
    newer = two_seasons(n=132)
    assert model.predict(6, history=newer)["ds"].iloc[0] == 132


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"trend_forecaster": "prophet"}, "trend_forecaster='prophet' is not allowed"),
        ({"season_lengths": (1, 12)}, r"season_lengths=\(1, 12\) is not allowed"),
        ({"season_lengths": 12}, "season_lengths=12 is not allowed"),
    ],
)
def test_parameter_errors(params, message):
    with pytest.raises(ConfigError, match=message):
        MSTL(**params).fit(two_seasons())
