"""Metrics against scikit-learn and hand computation; NaN handling; evaluate and summarize."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_absolute_error, mean_absolute_percentage_error, mean_squared_error

from forecastrnn.metrics import (
    coverage,
    error_by_step,
    evaluate,
    interval_score,
    mae,
    mape,
    mase,
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
    assert owa(scores)["SeasonalNaive"] == pytest.approx(1.0)
    steps = error_by_step(cv, ["Good"])
    assert steps["Good"].tolist() == pytest.approx([0.5, 1.0, 0.25, 1.0])


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
