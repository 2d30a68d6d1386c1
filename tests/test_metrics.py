"""Metrics against scikit-learn and hand computation; NaN handling; evaluate and summarize."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_absolute_error, mean_absolute_percentage_error, mean_squared_error

from forecastrnn.metrics import (
    MissingForecastWarning,
    coverage,
    error_by_step,
    evaluate,
    interval_score,
    mae,
    mape,
    mase,
    missing_forecasts,
    naive2_forecasts,
    owa,
    rmse,
    rmsse,
    smape,
    summarize,
)

ACTUAL = np.array([10.0, 12.0, 9.0, 15.0])
FORECAST = np.array([11.0, 10.0, 9.5, 13.0])
HISTORY = np.array([8.0, 9.0, 11.0, 10.0, 9.0, 12.0])


def test_point_metrics_match_scikit_learn():
    assert mae(ACTUAL, FORECAST) == pytest.approx(mean_absolute_error(ACTUAL, FORECAST))
    assert rmse(ACTUAL, FORECAST) == pytest.approx(np.sqrt(mean_squared_error(ACTUAL, FORECAST)))
    assert mape(ACTUAL, FORECAST) == pytest.approx(100 * mean_absolute_percentage_error(ACTUAL, FORECAST))


def test_smape_by_hand_on_the_0_200_scale():
    expected = np.mean([200 * 1 / 21, 200 * 2 / 22, 200 * 0.5 / 18.5, 200 * 2 / 28])
    assert smape(ACTUAL, FORECAST) == pytest.approx(expected)
    assert smape(np.array([0.0, 1.0]), np.array([0.0, -1.0])) == pytest.approx(100.0)


def test_scaled_metrics_by_hand():
    seasonal_errors = HISTORY[2:] - HISTORY[:-2]  # 3, 1, -2, 2 with season length 2
    assert mase(ACTUAL, FORECAST, history=HISTORY, season_length=2) == pytest.approx(1.375 / 2.0)
    expected = np.sqrt(np.mean((ACTUAL - FORECAST) ** 2) / np.mean(seasonal_errors**2))
    assert rmsse(ACTUAL, FORECAST, history=HISTORY, season_length=2) == pytest.approx(expected)


def test_undefined_values_are_nan_not_zero_or_a_crash():
    constant = np.full(6, 4.0)
    assert np.isnan(mase(ACTUAL, FORECAST, history=constant, season_length=2))
    assert np.isnan(rmsse(ACTUAL, FORECAST, history=constant, season_length=2))
    assert np.isnan(mape(np.zeros(3), np.ones(3)))
    assert mape(np.array([0.0, 10.0]), np.array([5.0, 11.0])) == pytest.approx(10.0)  # zero actual skipped


def test_interval_metrics_by_hand():
    lower, upper = np.array([9.0, 11.0, 10.0, 12.0]), np.array([11.0, 13.0, 12.0, 14.0])
    assert coverage(ACTUAL, FORECAST, lower=lower, upper=upper) == pytest.approx(50.0)
    # widths 2 each; 9 is 1 below 10 and 15 is 1 above 14, penalised by 2 / 0.2
    expected = np.mean([2, 2, 2 + 10 * 1, 2 + 10 * 1])
    assert interval_score(ACTUAL, FORECAST, lower=lower, upper=upper, level=80) == pytest.approx(expected)


def _cv_and_panel():
    panel = pd.DataFrame(
        {
            "unique_id": ["a"] * 8 + ["k"] * 8,
            "ds": list(range(1, 9)) * 2,
            "y": [8.0, 9.0, 11.0, 10.0, 10.0, 12.0, 9.0, 15.0] + [4.0] * 8,
        }
    )
    cv = pd.DataFrame(
        {
            "unique_id": ["a"] * 4 + ["k"] * 4,
            "ds": list(range(5, 9)) * 2,
            "cutoff": 4,
            "y": [10.0, 12.0, 9.0, 15.0] + [4.0] * 4,
            "Good": [11.0, 10.0, 9.5, 13.0] + [4.0] * 4,
            "SeasonalNaive": [11.0, 10.0, 11.0, 10.0] + [4.0] * 4,
        }
    )
    return cv, panel


def test_evaluate_and_summarize_report_nan_scales():
    cv, panel = _cv_and_panel()
    scores = evaluate(cv, panel, season_length=2, metrics=("mae", "mase"))
    assert set(scores.columns) == {"unique_id", "cutoff", "model", "metric", "value"}
    good_a = scores.query("unique_id == 'a' and model == 'Good' and metric == 'mase'")["value"].item()
    assert good_a == pytest.approx(
        mase(
            cv["y"][:4].to_numpy(), cv["Good"][:4].to_numpy(), history=np.array([8.0, 9.0, 11.0, 10.0]), season_length=2
        )
    )
    assert np.isnan(scores.query("unique_id == 'k' and metric == 'mase'")["value"]).all()
    summary = summarize(scores).set_index(["model", "metric"])
    assert summary.loc[("Good", "mase"), "n_nan"] == 1
    assert summary.loc[("Good", "mase"), "mean"] == pytest.approx(good_a)  # the NaN is left out
    assert summary.loc[("SeasonalNaive", "mae"), "relative_to_SeasonalNaive"] == pytest.approx(1.0)
    assert summary.loc[("Good", "mae"), "rank"] == 1


def test_owa_and_error_by_step():
    cv, panel = _cv_and_panel()
    scores = evaluate(cv, panel, season_length=2, metrics=("smape", "mase"))
    assert owa(scores, benchmark="SeasonalNaive")["SeasonalNaive"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="OWA needs smape and mase scores of the benchmark model 'Naive2'"):
        owa(scores)
    steps = error_by_step(cv, ["Good"])
    assert steps["Good"].tolist() == pytest.approx([0.5, 1.0, 0.25, 1.0])  # mean of a's and k's (zero) errors


def test_error_by_step_scaled_pools_series_of_different_scales():
    cv, panel = _cv_and_panel()
    steps = error_by_step(cv, ["Good"], panel, season_length=1)
    # a's naive in-sample MAE up to the cutoff: |9-8|, |11-9|, |10-11| -> 4/3; k is constant: left out
    assert steps["Good"].tolist() == pytest.approx([0.75, 1.5, 0.375, 1.5])
    big = cv.assign(unique_id=cv["unique_id"] + "2")
    big[["y", "Good"]] *= 1000
    pooled = pd.concat([cv, big], ignore_index=True)
    both = pd.concat([panel, panel.assign(unique_id=panel["unique_id"] + "2", y=panel["y"] * 1000)])
    assert error_by_step(pooled, ["Good"], both, season_length=1)["Good"].tolist() == pytest.approx(
        steps["Good"].tolist()
    )  # the scale of a series does not weigh it


def test_owa_is_the_ratio_of_panel_means_as_in_m4():
    """M4: OWA = (sMAPE / sMAPE_Naive2 + MASE / MASE_Naive2) / 2, each the mean over the panel's
    series, not a mean of per-series ratios."""
    rows = [
        ("s1", 0, "M", "smape", 10.0),
        ("s1", 0, "Naive2", "smape", 20.0),
        ("s2", 0, "M", "smape", 30.0),
        ("s2", 0, "Naive2", "smape", 10.0),
        ("s1", 0, "M", "mase", 1.0),
        ("s1", 0, "Naive2", "mase", 2.0),
        ("s2", 0, "M", "mase", 1.0),
        ("s2", 0, "Naive2", "mase", 2.0),
    ]
    scores = pd.DataFrame(rows, columns=["unique_id", "cutoff", "model", "metric", "value"])
    result = owa(scores)
    assert result["M"] == pytest.approx(0.5 * (40 / 30 + 2 / 4))  # not 0.5 * ((0.5 + 3) / 2 + 0.5)
    assert result["Naive2"] == pytest.approx(1.0)
    lost = scores.copy()
    lost.loc[(lost["unique_id"] == "s2") & (lost["model"] == "M"), "value"] = np.nan
    assert owa(lost)["M"] == pytest.approx(0.5 * (10 / 20 + 1 / 2))  # compared on the windows both have


def test_naive2_by_its_m4_definition_against_statsmodels():
    """Naive2 for a seasonal quarterly series: the 90% autocorrelation test (from statsmodels'
    acf) finds seasonality, the series is divided by its classical multiplicative seasonal
    factors (statsmodels' seasonal_decompose), forecast by its last adjusted value, reseasonalised."""
    from statsmodels.tsa.seasonal import seasonal_decompose
    from statsmodels.tsa.stattools import acf

    m, n, h = 4, 24, 4
    t = np.arange(n + h)
    values = (100 + 2 * t) * np.tile([0.8, 1.1, 1.3, 0.8], (n + h) // m) + np.random.default_rng(1).normal(0, 2, n + h)
    panel = pd.DataFrame({"unique_id": "q", "ds": t, "y": values})
    history = values[:n]
    r = acf(history, nlags=m, fft=False)[1:]
    assert abs(r[m - 1]) > 1.645 * np.sqrt((1 + 2 * np.sum(r[: m - 1] ** 2)) / n)  # seasonal by the M4 test
    factors = seasonal_decompose(history, model="multiplicative", period=m).seasonal
    expected = history[-1] / factors[-1] * factors[t[n : n + h] % m]
    cv = pd.DataFrame({"unique_id": "q", "ds": t[n:], "cutoff": n - 1, "y": values[n:]})
    forecast = naive2_forecasts(cv, panel, season_length=m)
    np.testing.assert_allclose(forecast.to_numpy(), expected, rtol=1e-10)

    flat = panel.assign(y=100 + np.random.default_rng(2).normal(0, 1, n + h))  # no seasonality: plain naive
    assert (naive2_forecasts(cv, flat, season_length=m) == flat["y"].iloc[n - 1]).all()


def test_missing_forecasts_are_scored_nan_and_named():
    actual = np.array([10.0, 12.0, 9.0])
    holes = np.array([11.0, np.nan, 9.0])
    for metric in (mae, rmse, mape, smape):
        assert np.isnan(metric(actual, holes)), metric.__name__
    assert np.isnan(mase(actual, holes, history=HISTORY, season_length=2))
    assert np.isnan(rmsse(actual, holes, history=HISTORY, season_length=2))
    assert np.isnan(smape(np.array([0.0]), np.array([np.nan])))  # never the perfect 0 of 0/0
    assert smape(np.array([0.0, 2.0]), np.array([0.0, 2.0])) == 0.0
    assert np.isnan(coverage(actual, holes, lower=holes - 1, upper=holes + 1))

    cv, panel = _cv_and_panel()
    cv.loc[1, "Good"] = np.nan
    with pytest.warns(MissingForecastWarning, match=r"1 forecast\(s\) missing .*Good for 'a' after cutoff 4 at 6"):
        scores = evaluate(cv, panel, season_length=2, metrics=("mae", "smape"))
    assert scores.query("model == 'Good' and unique_id == 'a'")["value"].isna().all()
    assert scores.query("model == 'SeasonalNaive'")["value"].notna().all()
    missing = missing_forecasts(cv)
    assert missing.to_dict("records") == [{"model": "Good", "unique_id": "a", "cutoff": 4, "ds": 6}]


def test_squared_scores_do_not_overflow_on_huge_values():
    """Values near 1e290 gave RMSE inf with numpy overflow warnings (issue 10, item 5)."""
    actual, forecast = np.array([1.0, 2.0, 4.0]), np.array([1.5, 1.0, 5.0])
    assert rmse(actual, forecast) == pytest.approx(np.sqrt(mean_squared_error(actual, forecast)))
    with np.errstate(all="raise"):
        huge = rmse(actual * 1e290, forecast * 1e290)
        scaled = rmsse(actual * 1e290, forecast * 1e290, history=np.arange(1.0, 30.0) * 1e290, season_length=1)
    assert huge == pytest.approx(1e290 * rmse(actual, forecast))
    assert scaled == pytest.approx(rmse(actual, forecast))
    assert rmse(actual, actual) == 0.0


def test_scaled_interval_metrics_by_hand():
    from forecastrnn.metrics import msis, scaled_pinball, scaled_width

    history = np.array([1.0, 3.0, 2.0, 6.0])  # seasonal naive (lag 2) errors 1 and 3: MASE scale 2
    actual = np.array([4.0, 10.0])
    lower, upper = np.array([3.0, 5.0]), np.array([5.0, 7.0])
    context = {"lower": lower, "upper": upper, "history": history, "season_length": 2}
    # widths 2 and 2; the second actual is 3 above its interval: 2 / 0.2 * 3 = 30 -> (2 + 32) / 2 = 17, scaled 8.5
    assert msis(actual, actual, level=80, **context) == pytest.approx(8.5)
    assert scaled_width(actual, actual, **context) == pytest.approx(1.0)
    # pinball at 0.1 (lower): 0.1 * 1 and 0.1 * 5 -> 0.3; at 0.9 (upper): 0.1 * 1 and 0.9 * 3 -> 1.4; mean 0.85 / 2
    assert scaled_pinball(actual, actual, level=80, **context) == pytest.approx(0.425)
