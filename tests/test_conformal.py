"""Conformal prediction intervals of the recurrent forecasters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecastrnn.errors import ConfigError, DataError, ModelFileError
from forecastrnn.models import LSTMForecaster
from forecastrnn.models._conformal import calibration_scores, halfwidths, series_scales

TINY = {"hidden_size": 8, "max_steps": 60, "batch_size": 16, "n_models": 1, "device": "cpu"}


def ar1_panel(n_series: int, length: int, seed: int = 0, phi: float = 0.6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = np.zeros((n_series, length))
    for t in range(1, length):
        values[:, t] = phi * values[:, t - 1] + rng.normal(0, 1, n_series)
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i}" for i in range(n_series)], length),
            "ds": np.tile(np.arange(length), n_series),
            "y": 50 + values.ravel(),
        }
    )


def test_conformal_quantiles_by_hand():
    scores = np.array([[4.0, 0.5], [1.0, 0.5], [3.0, np.nan], [2.0, 0.5]])
    # step 1: 4 scores; 50%: the ceil(5 * 0.5) = 3rd smallest; 95%: rank 5 > 4, so the largest
    # step 2: 3 finite scores (the NaN of a missing forecast is left out)
    np.testing.assert_array_equal(halfwidths(scores, (50, 95), 2), [[3.0, 0.5], [4.0, 0.5]])


def test_series_scales_are_the_mase_scale_and_never_zero():
    values = np.array([1.0, 3.0, 2.0, 6.0, 5.0, 5.0, 5.0, 0.0, 0.0])
    offsets = np.array([0, 4, 7, 9])
    # series 1 (1, 3, 2, 6), lag 2: |2-1|, |6-3| -> 2; series 2 flat: mean |y| = 5; series 3 all zero: 1
    np.testing.assert_allclose(series_scales(values, offsets, 2), [2.0, 5.0, 1.0])


def test_calibration_sees_nothing_after_each_window_origin():
    panel = ar1_panel(4, 60)
    later = panel.copy()
    last = later.groupby("unique_id").cumcount() >= 54  # the second window's targets
    later.loc[last, "y"] += 100.0
    first = calibration_scores(
        LSTMForecaster(horizon=6, input_size=12, **TINY), panel, n_windows=2, h=6, season_length=1
    )
    moved = calibration_scores(
        LSTMForecaster(horizon=6, input_size=12, **TINY), later, n_windows=2, h=6, season_length=1
    )
    np.testing.assert_array_equal(first[:4], moved[:4])  # window 1: fit and forecast before its origin
    assert not np.allclose(first[4:], moved[4:])


def test_short_series_score_the_windows_they_have():
    panel = pd.concat([ar1_panel(3, 60), ar1_panel(1, 12, seed=9).assign(unique_id="short")], ignore_index=True)
    scores = calibration_scores(
        LSTMForecaster(horizon=6, input_size=12, **TINY), panel, n_windows=2, h=6, season_length=1
    )
    # the long series score both windows (2 x 3 rows); "short" (12 values) only the second: 6 values before it
    assert scores.shape == (7, 6)
    assert np.isfinite(scores).all()
    with pytest.raises(DataError, match="calibrate intervals"):
        calibration_scores(LSTMForecaster(**TINY), ar1_panel(2, 13), n_windows=2, h=6, season_length=1)


def test_intervals_cover_about_their_level_on_ar1_data():
    full = ar1_panel(40, 106, seed=3)
    position = full.groupby("unique_id").cumcount()
    train, future = full[position < 100], full[position >= 100]
    model = LSTMForecaster(horizon=6, input_size=12, conformal_windows=3, **dict(TINY, max_steps=200)).fit(train)
    forecast = model.predict(6, level=(80, 95)).merge(future, on=["unique_id", "ds"])
    for level, low, high in ((80, 0.68, 0.92), (95, 0.86, 1.0)):
        inside = (forecast["y"] >= forecast[f"LSTM-lo-{level}"]) & (forecast["y"] <= forecast[f"LSTM-hi-{level}"])
        assert low <= inside.mean() <= high
    assert (forecast["LSTM-lo-95"] <= forecast["LSTM-lo-80"]).all()
    assert (forecast["LSTM-hi-80"] <= forecast["LSTM-hi-95"]).all()


def test_intervals_from_a_newer_history_surround_its_forecast():
    panel = ar1_panel(6, 80)
    model = LSTMForecaster(horizon=6, input_size=12, conformal_windows=2, **TINY).fit(panel)
    cut = panel[panel.groupby("unique_id").cumcount() < 70]
    base = model.predict(6, level=(90,), history=cut)
    assert list(base.columns) == ["unique_id", "ds", "LSTM", "LSTM-lo-90", "LSTM-hi-90"]
    assert (base["LSTM-lo-90"] < base["LSTM"]).all()
    assert (base["LSTM"] < base["LSTM-hi-90"]).all()
    np.testing.assert_array_equal(base, model.predict(6, level=(90,), history=cut.copy()))


def test_a_non_negative_series_gets_no_negative_lower_bound():
    panel = ar1_panel(5, 80).assign(y=lambda f: (f["y"] - 50).abs())
    model = LSTMForecaster(horizon=6, input_size=12, conformal_windows=2, **TINY).fit(panel)
    forecast = model.predict(6, level=(95,))
    assert (forecast["LSTM-lo-95"] >= 0).all()


def test_intervals_need_calibration_and_a_calibrated_horizon():
    panel = ar1_panel(3, 60)
    plain = LSTMForecaster(horizon=6, input_size=12, **TINY).fit(panel)
    assert not plain.supports_intervals
    with pytest.raises(ConfigError, match="conformal_windows=1"):
        plain.predict(6, level=(80,))
    recursive = LSTMForecaster(horizon=3, input_size=12, strategy="recursive", conformal_windows=2, **TINY).fit(panel)
    with pytest.raises(ConfigError, match="calibrated for"):
        recursive.predict(6, level=(80,))
    with pytest.raises(ConfigError, match="conformal_windows"):
        LSTMForecaster(conformal_windows=-1).fit(panel)


def test_save_and_load_keep_the_intervals(tmp_path):
    panel = ar1_panel(4, 70)
    model = LSTMForecaster(horizon=6, input_size=12, conformal_windows=2, **TINY).fit(panel)
    model.save(tmp_path / "m")
    loaded = LSTMForecaster.load(tmp_path / "m")
    pd.testing.assert_frame_equal(loaded.predict(6, level=(80, 95)), model.predict(6, level=(80, 95)))


def test_auto_windows_are_chosen_at_fit_from_the_training_panel(tmp_path):
    short = ar1_panel(1, 30)  # one series: 5 windows wanted, (30 - 2) // 6 = 4 fit in it
    model = LSTMForecaster(horizon=6, input_size=8, conformal_windows="auto", **TINY).fit(short)
    assert model.conformal_windows_ == 4
    assert model.conformal_scores_.shape[1] == 6
    wide = LSTMForecaster(horizon=6, input_size=8, conformal_windows="auto", **TINY).fit(ar1_panel(20, 30))
    assert wide.conformal_windows_ == 1
    model.save(tmp_path / "m")
    loaded = LSTMForecaster.load(tmp_path / "m")
    assert loaded.conformal_windows == "auto"
    assert loaded.conformal_windows_ == 4
    pd.testing.assert_frame_equal(loaded.predict(6, level=(80,)), model.predict(6, level=(80,)))
    with pytest.raises(ConfigError, match="or 'auto'"):
        LSTMForecaster(conformal_windows="some").fit(short)


def test_a_model_file_with_scores_but_no_calibration_is_rejected(tmp_path):
    import json

    panel = ar1_panel(4, 70)
    LSTMForecaster(horizon=6, input_size=12, conformal_windows=2, **TINY).fit(panel).save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    config["params"]["conformal_windows"] = 0
    (tmp_path / "m" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="conformal"):
        LSTMForecaster.load(tmp_path / "m")


def test_learned_quantiles_never_cross():
    import torch

    from forecastrnn.models._network import monotone_quantiles

    raw = torch.randn(64, 6, 5, generator=torch.Generator().manual_seed(0)) * 5
    quantiles = monotone_quantiles(raw)
    assert (quantiles.diff(dim=-1) >= 0).all()
    torch.testing.assert_close(quantiles[..., 2], raw[..., 2])  # the middle output is the median


def test_a_quantile_network_gives_its_levels_and_keeps_them_on_load(tmp_path):
    full = ar1_panel(30, 86, seed=4)
    position = full.groupby("unique_id").cumcount()
    train, future = full[position < 80], full[position >= 80]
    params = dict(TINY, max_steps=300, hidden_size=32, loss="quantile", quantile_levels=(80,))
    model = LSTMForecaster(horizon=6, input_size=12, **params).fit(train)
    assert model.supports_intervals
    forecast = model.predict(6, level=(80,))
    assert (forecast["LSTM-lo-80"] <= forecast["LSTM"]).all()
    assert (forecast["LSTM"] <= forecast["LSTM-hi-80"]).all()
    scored = forecast.merge(future, on=["unique_id", "ds"])
    inside = (scored["y"] >= scored["LSTM-lo-80"]) & (scored["y"] <= scored["LSTM-hi-80"])
    assert 0.6 <= inside.mean() <= 0.95
    with pytest.raises(ConfigError, match="other than its quantile_levels"):
        model.predict(6, level=(95,))
    model.save(tmp_path / "q")
    pd.testing.assert_frame_equal(LSTMForecaster.load(tmp_path / "q").predict(6, level=(80,)), forecast)
    with pytest.raises(ConfigError, match="'direct' when the network learns quantiles"):
        LSTMForecaster(loss="quantile", strategy="recursive").fit(train)


def test_default_windows_give_about_19_scores_per_step_and_at_most_five_windows():
    from forecastrnn.models._conformal import default_windows

    assert [default_windows(n) for n in (1, 2, 4, 5, 10, 18, 19, 500)] == [5, 5, 5, 4, 2, 2, 1, 1]
    # no more windows of h = 12 than the longest series holds with 2 values before them; at least one
    assert [default_windows(1, longest, 12) for longest in (100, 62, 61, 20, 5)] == [5, 5, 4, 1, 1]
