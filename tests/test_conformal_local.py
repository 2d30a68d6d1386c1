"""Conformal intervals of the local (statistical) models: ``conformal_windows`` > 0."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from forecastrnn.backtesting import backtest
from forecastrnn.cli import app
from forecastrnn.errors import ConfigError, DataError
from forecastrnn.models import ARIMA, ETS, AutoARIMA, Naive, SeasonalNaive
from forecastrnn.models._conformal import OWN_SCORES, halfwidths, series_halfwidths, series_scales


def steps_panel(*values: list[float]) -> pd.DataFrame:
    """Series on integer steps (season length 1)."""
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i}" for i in range(len(values))], [len(v) for v in values]),
            "ds": np.concatenate([np.arange(len(v)) for v in values]),
            "y": np.concatenate(values).astype(float),
        }
    )


def ar1_panel(n_series: int, length: int, seed: int, phi: float = 0.6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = np.zeros((n_series, length))
    for t in range(1, length):
        values[:, t] = phi * values[:, t - 1] + rng.normal(0, 1, n_series)
    scale = rng.uniform(1, 20, n_series)[:, None]  # series of different scales
    return steps_panel(*(50 * scale + scale * values))


def bounds(frame: pd.DataFrame, column: str, level: int) -> tuple[np.ndarray, np.ndarray]:
    return frame[f"{column}-lo-{level}"].to_numpy(), frame[f"{column}-hi-{level}"].to_numpy()


def test_conformal_quantile_of_naive_by_hand():
    data = steps_panel([10, 11, 13, 12, 15, 14, 18])
    forecast = Naive(conformal_windows=2).fit(data).predict(2, level=(30, 80))
    # window 1: history 10 11 13 (scale: mean |diff| 1.5), forecasts 13 13, actuals 12 15 -> errors 1 2
    # window 2: history 10 11 13 12 15 (scale 1.75), forecasts 15 15, actuals 14 18 -> errors 1 3
    # scores: step 1 {1/1.5, 1/1.75}, step 2 {2/1.5, 3/1.75}; n = 2 per step
    # 30%: rank ceil(3 x 0.3) = 1, the smallest; 80%: rank 3 > 2, the largest
    # final scale: the whole series' mean |diff| = 12 / 6 = 2; the forecast is 18
    lo30, hi30 = bounds(forecast, "Naive", 30)
    lo80, hi80 = bounds(forecast, "Naive", 80)
    np.testing.assert_allclose(hi30 - 18, [2 / 1.75, 2 * 2 / 1.5])
    np.testing.assert_allclose(hi80 - 18, [2 / 1.5, 2 * 3 / 1.75])
    np.testing.assert_allclose(18 - lo80, hi80 - 18)
    np.testing.assert_allclose(18 - lo30, hi30 - 18)


def test_series_with_enough_windows_use_their_own_scores_the_rest_the_pool():
    own = np.arange(1, OWN_SCORES + 2) / 10  # series 0: 20 scores 0.1 .. 2.0
    scores = np.r_[own, 100.0, 200.0, 300.0][:, None]  # series 1: 3 scores
    owners = np.r_[np.zeros(own.size, dtype=int), 1, 1, 1]
    half = series_halfwidths(scores, owners, np.array([0, 1, -1]), (80, 95), 1)
    # own (n = 20): 80% rank ceil(21 x 0.8) = 17 -> 1.7; 95% rank 20 -> 2.0
    # pooled (n = 23): 80% rank ceil(24 x 0.8) = 20 -> 2.0; 95% rank 23 -> 300
    np.testing.assert_allclose(half[:, :, 0], [[1.7, 2.0, 2.0], [2.0, 300.0, 300.0]])
    fewer = series_halfwidths(scores[1:], owners[1:], np.array([0]), (80,), 1)  # 19 of its own: still its own
    assert fewer[0, 0, 0] == pytest.approx(halfwidths(scores[1:20], (80,), 1)[0, 0])
    too_few = series_halfwidths(scores[2:], owners[2:], np.array([0]), (80,), 1)  # 18: the pool
    assert too_few[0, 0, 0] == pytest.approx(halfwidths(scores[2:], (80,), 1)[0, 0])


def test_a_long_series_is_calibrated_on_its_own_windows():
    rng = np.random.default_rng(1)
    long = 100 + np.cumsum(rng.normal(0, 1, 40))
    data = steps_panel(long, [5.0, 6.0, 4.0, 7.0, 5.0])
    forecast = Naive(conformal_windows=OWN_SCORES).fit(data).predict(1, level=(80,))
    cuts = np.arange(long.size - OWN_SCORES, long.size)
    own = [abs(long[c] - long[c - 1]) / np.mean(np.abs(np.diff(long[:c]))) for c in cuts]
    expected = np.sort(own)[int(np.ceil((OWN_SCORES + 1) * 0.8)) - 1] * np.mean(np.abs(np.diff(long)))
    lo, hi = bounds(forecast, "Naive", 80)
    assert hi[0] - long[-1] == pytest.approx(expected)
    assert long[-1] - lo[0] == pytest.approx(expected)


def test_conformal_replaces_the_models_own_intervals_and_waits_for_a_level():
    data = ar1_panel(6, 40, seed=2)
    model = Naive(conformal_windows=3).fit(data)
    plain = model.predict(4)
    assert model.conformal_scores_ == {}  # nothing calibrated without a level
    conformal = model.predict(4, level=(80,))
    own = Naive().fit(data).predict(4, level=(80,))
    np.testing.assert_array_equal(conformal["Naive"], plain["Naive"])
    assert not np.allclose(bounds(conformal, "Naive", 80)[1], bounds(own, "Naive", 80)[1])
    assert list(model.conformal_scores_) == [4]
    assert model.conformal_scores_[4][0].shape == (6 * 3, 4)


@pytest.mark.parametrize("model", [ARIMA(order=(1, 0, 0), trend="c"), AutoARIMA()], ids=["ARIMA", "AutoARIMA"])
def test_arima_takes_conformal_intervals_too(model):
    data = ar1_panel(4, 50, seed=7)
    own = model.clone().fit(data).predict(4, level=(80,))
    conformal = model.clone().set_params(conformal_windows=2).fit(data).predict(4, level=(80,))
    column = model.column
    np.testing.assert_array_equal(conformal[column], own[column])
    lo, hi = bounds(conformal, column, 80)
    assert (lo <= conformal[column]).all()
    assert (conformal[column] <= hi).all()
    assert not np.allclose(hi, bounds(own, column, 80)[1])


def test_intervals_never_see_values_after_the_origin():
    data = ar1_panel(5, 60, seed=3)
    cutoff_of = {"refit": True, "no refit": False}
    for name, refit in cutoff_of.items():
        model = ETS(error="add", trend="none", seasonal="none", conformal_windows=3)
        first = backtest(data, [model], h=5, n_windows=2, level=(80, 95), refit=refit)
        later = data.copy()
        origin = first["cutoff"].min()
        later.loc[later["ds"] > origin, "y"] += 1000.0 * (later["ds"] - origin)
        moved = backtest(later, [model], h=5, n_windows=2, level=(80, 95), refit=refit)
        at_first = first["cutoff"] == origin
        columns = [f"ETS-{side}-{level}" for side in ("lo", "hi") for level in (80, 95)]
        pd.testing.assert_frame_equal(first.loc[at_first, columns], moved.loc[at_first, columns], obj=name)
        assert not np.allclose(first.loc[~at_first, columns], moved.loc[~at_first, columns]), name


def test_coverage_near_nominal_on_ar1_data():
    data = ar1_panel(300, 60, seed=4)
    cv = backtest(data, [Naive(conformal_windows=4)], h=6, n_windows=2, level=(80, 95))
    assert cv["Naive"].notna().all()
    assert len(cv) == 300 * 2 * 6
    for level, tolerance in ((80, 4.0), (95, 2.5)):
        lo, hi = bounds(cv, "Naive", level)
        coverage = 100 * np.mean((cv["y"] >= lo) & (cv["y"] <= hi))
        assert abs(coverage - level) < tolerance, (level, coverage)
        assert (lo <= cv["Naive"]).all()
        assert (cv["Naive"] <= hi).all()


def test_newer_history_reuses_the_scores_with_its_own_scale():
    data = ar1_panel(4, 40, seed=5)
    model = SeasonalNaive(season_length=1, conformal_windows=3).fit(data)
    fitted = model.predict(3, level=(80,))
    scores = model.conformal_scores_[3]
    newer = pd.concat([data, steps_panel([50.0, 52.0, 51.0, 55.0]).assign(unique_id="new")], ignore_index=True)
    newer.loc[newer["unique_id"] == "s0", "y"] *= 3.0  # three times the scale
    forecast = model.predict(3, level=(80,), history=newer)
    assert model.conformal_scores_[3] is scores

    def widths(frame):
        lo, hi = bounds(frame, "SeasonalNaive", 80)
        return pd.Series(hi - lo).groupby(frame["unique_id"].to_numpy()).apply(np.asarray)

    before, after = widths(fitted), widths(forecast)
    np.testing.assert_allclose(after["s0"], 3 * before["s0"])
    for uid in ("s1", "s2", "s3"):
        np.testing.assert_allclose(after[uid], before[uid])
    new_scale = series_scales(np.array([50.0, 52.0, 51.0, 55.0]), np.array([0, 4]), 1)[0]
    np.testing.assert_allclose(after["new"], 2 * new_scale * halfwidths(scores[0], (80,), 3)[0])  # the pool


@pytest.mark.parametrize("windows", [-1, 1.5, True, "3"])
def test_bad_conformal_windows_are_refused_at_fit(windows):
    with pytest.raises(ConfigError, match="conformal_windows="):
        Naive(conformal_windows=windows).fit(steps_panel([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("model", [ETS(conformal_windows=3), Naive(conformal_windows=3)], ids=["ETS", "Naive"])
def test_too_short_to_calibrate_says_what_to_do(model):
    model.fit(steps_panel([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))
    model.predict(2, level=(80,))  # no values before the first window: the last two windows only
    with pytest.raises(DataError, match=r"lower conformal_windows \(--conformal-windows\) or h"):
        model.predict(5, level=(80,))  # 1 value before the last window


def test_cli_conformal_windows_for_a_statistical_model(tmp_path):
    path = tmp_path / "panel.csv"
    ar1_panel(3, 40, seed=6).to_csv(path, index=False)
    runner = CliRunner()
    args = ["forecast", str(path), "-m", "naive", "-H", "3", "--level", "80", "--json"]
    own = runner.invoke(app, args)
    conformal = runner.invoke(app, [*args, "--conformal-windows", "3"])
    assert own.exit_code == 0, own.output
    assert conformal.exit_code == 0, conformal.output
    expected = Naive(conformal_windows=3).fit(pd.read_csv(path)).predict(3, level=(80,))
    got = pd.DataFrame(json.loads(conformal.stdout))
    np.testing.assert_allclose(got["Naive-hi-80"], expected["Naive-hi-80"])
    assert not np.allclose(pd.DataFrame(json.loads(own.stdout))["Naive-hi-80"], expected["Naive-hi-80"])
