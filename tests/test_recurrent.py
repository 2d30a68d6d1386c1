"""Recurrent forecasters: every cell x strategy x direction, training behaviour, errors, history."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from forecastrnn import backtest
from forecastrnn.datasets import load
from forecastrnn.errors import ConfigError, DataError, NotFittedError, TrainingError
from forecastrnn.models import (
    ForecastFallbackWarning,
    GRUForecaster,
    LSTMForecaster,
    RNNForecaster,
    ScalingChangeWarning,
)
from forecastrnn.models._recurrent import steps_to_retrain

FAST = {
    "hidden_size": 8,
    "max_steps": 40,
    "eval_every": 10,
    "input_size": 12,
    "horizon": 6,
    "batch_size": 16,
    "n_models": 1,
    "device": "cpu",
}
LUNGS = load("uk_lung_deaths")


def sine_panel(n: int = 120, ids: tuple[str, ...] = ("a", "b")) -> pd.DataFrame:
    t = np.arange(n)
    frames = [
        pd.DataFrame(
            {
                "unique_id": uid,
                "ds": pd.date_range("2000-01-01", periods=n, freq="D"),
                "y": 10 + k + np.sin(2 * np.pi * t / 7 + k),
            }
        )
        for k, uid in enumerate(ids)
    ]
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("cls", [RNNForecaster, LSTMForecaster, GRUForecaster])
@pytest.mark.parametrize("strategy", ["direct", "recursive", "seq2seq"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_every_cell_strategy_and_direction_forecasts_the_next_dates(cls, strategy, bidirectional):
    model = cls(strategy=strategy, bidirectional=bidirectional, num_layers=2, dropout=0.1, **FAST).fit(LUNGS)
    forecast = model.predict(6)
    assert list(forecast.columns) == ["unique_id", "ds", cls.name]
    assert forecast["unique_id"].tolist() == ["female"] * 6 + ["male"] * 6
    assert forecast["ds"].iloc[:6].tolist() == list(pd.date_range("1980-01-01", periods=6, freq="MS"))
    assert np.isfinite(forecast[cls.name]).all()


def test_relu_rnn_and_its_checks():
    RNNForecaster(nonlinearity="relu", **FAST).fit(LUNGS)
    with pytest.raises(ConfigError, match=r"nonlinearity='relu' is not allowed: tanh \(only RNN takes relu\)"):
        LSTMForecaster(nonlinearity="relu", **FAST).fit(LUNGS)


def test_loss_falls_on_a_clean_sine():
    model = LSTMForecaster(
        hidden_size=16,
        input_size=14,
        horizon=7,
        max_steps=300,
        eval_every=30,
        loss_weight="none",
        validation_size=0,
        scaler="standard",
        deseasonalize=False,
        window_normalization="none",
        learning_rate=3e-3,
        device="cpu",
    ).fit(sine_panel())
    losses = model.training_history["train_loss"].to_numpy()
    assert losses[-1] < 0.3 * losses[0]


def test_same_seed_same_forecast_bit_for_bit():
    first = GRUForecaster(random_state=3, **FAST).fit(LUNGS).predict(6)
    second = GRUForecaster(random_state=3, **FAST).fit(LUNGS).predict(6)
    other = GRUForecaster(random_state=4, **FAST).fit(LUNGS).predict(6)
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    assert not np.array_equal(first["GRU"], other["GRU"])


def test_ensemble_averages_its_members_alternating_front_ends():
    params = dict(FAST, n_models=2)
    model = LSTMForecaster(**params).fit(LUNGS)
    assert len(model.networks_) == 2
    assert set(model.training_history["model"]) == {0, 1}
    singles = [
        LSTMForecaster(**dict(FAST, random_state=0, deseasonalize=True)).fit(LUNGS),
        LSTMForecaster(**dict(FAST, random_state=1, deseasonalize=False)).fit(LUNGS),
    ]
    assert model.predict(6)["LSTM"].to_numpy() == pytest.approx(
        np.mean([m.predict(6)["LSTM"].to_numpy() for m in singles], axis=0), rel=1e-6
    )
    same_front_end = LSTMForecaster(**dict(params, deseasonalize=True)).fit(LUNGS)
    assert not np.allclose(same_front_end.predict(6)["LSTM"], model.predict(6)["LSTM"])


def test_training_history_reports_gradients_and_phases():
    history = LSTMForecaster(validation_size=6, **FAST).fit(LUNGS).training_history
    assert {"train_loss", "val_loss", "grad_norm_mean", "grad_norm_max", "clipped_fraction", "learning_rate"} <= set(
        history.columns
    )
    assert set(history["phase"]) == {"select", "full"}
    assert history.loc[history["phase"] == "select", "val_loss"].notna().all()
    assert (history["grad_norm_max"] >= history["grad_norm_mean"]).all()


def test_retraining_length_prefers_more_steps_when_validation_is_flat():
    flat = [{"step": 10 * e, "val_loss": v} for e, v in enumerate([1.0, 0.9, 0.905, 0.91, 1.2], start=1)]
    assert steps_to_retrain(flat) == 40  # 0.91 is within 2% of the best 0.9; 1.2 is not


def test_without_retraining_the_best_weights_are_kept():
    history = LSTMForecaster(validation_size=6, retrain_full=False, **FAST).fit(LUNGS).training_history
    assert set(history["phase"]) == {"train"}
    assert history["val_loss"].notna().all()
    default = LSTMForecaster(**FAST).fit(LUNGS).training_history
    assert set(default["phase"]) == {"train"}
    assert default["val_loss"].isna().all()  # early stopping is off by default


def test_history_forecasts_new_and_unseen_series_without_training():
    model = LSTMForecaster(**FAST).fit(LUNGS)
    newer = pd.concat([LUNGS, LUNGS[LUNGS["unique_id"] == "female"].assign(unique_id="copy")], ignore_index=True)
    forecast = model.predict(6, history=newer)
    assert sorted(forecast["unique_id"].unique()) == ["copy", "female", "male"]
    same = forecast.groupby("unique_id")["LSTM"].apply(list)
    assert same["copy"] == pytest.approx(same["female"])
    pd.testing.assert_frame_equal(model.predict(6, history=LUNGS), model.predict(6))


def _with_series(panel: pd.DataFrame, uid: str, n: int, position: int) -> pd.DataFrame:
    """``panel`` with a series of ``n`` values ending with the others, inserted as series number ``position``."""
    end = panel["ds"].max()
    extra = pd.DataFrame(
        {"unique_id": uid, "ds": pd.date_range(end=end, periods=n, freq="MS"), "y": 1500.0 + 100 * np.arange(n) % 7}
    )
    groups = [group for _, group in panel.groupby("unique_id", sort=False)]
    groups.insert(position, extra)
    return pd.concat(groups, ignore_index=True)


@pytest.mark.parametrize("position", [0, 1, 2])
@pytest.mark.parametrize("n", [1, 2, 5, 17])
def test_short_series_anywhere_in_a_panel_are_forecast_and_reported(position, n):
    panel = _with_series(LUNGS, "short", n, position)
    model = LSTMForecaster(**FAST).fit(panel)
    forecast = model.predict(6)
    assert forecast.groupby("unique_id").size().to_dict() == {"female": 6, "male": 6, "short": 6}
    assert np.isfinite(forecast["LSTM"]).all()
    assert list(model.fallbacks_) == ["short"]
    assert f"{n} observation" in model.fallbacks_["short"]


def test_a_panel_of_only_single_values_is_a_clear_error():
    single = LUNGS.groupby("unique_id").head(1)
    with pytest.raises(DataError, match="every series has a single observation"):
        LSTMForecaster(**FAST).fit(single)


def test_short_series_do_not_change_the_windows_of_long_ones():
    model = LSTMForecaster(**FAST).fit(_with_series(LUNGS, "short", 9, 1))
    assert model.fallbacks_ == {
        "short": "9 observations, fewer than input_size 12 + horizon 6: windows left-padded (masked)"
    }


def test_dates_in_year_one_train_without_nan():
    old = LUNGS.assign(ds=LUNGS["ds"].dt.as_unit("s") - pd.DateOffset(years=1973))
    assert old["ds"].min().year == 1
    model = LSTMForecaster(**FAST).fit(old)
    forecast = model.predict(6)
    assert np.isfinite(model.training_history["train_loss"]).all()
    assert np.isfinite(forecast["LSTM"]).all()
    assert forecast["ds"].iloc[0] == pd.Timestamp("0007-01-01")
    assert np.abs(model.front_end_.seasonal_).sum() > 0  # seasonal positions were found, not all in one


def test_a_zero_in_newer_history_changes_only_that_series():
    model = LSTMForecaster(**FAST).fit(LUNGS)
    assert model.front_end_.log_.all()
    zero = LUNGS.copy()
    zero.loc[zero.index[(zero["unique_id"] == "male").to_numpy()][-20], "y"] = 0.0
    with pytest.warns(ScalingChangeWarning, match=r"1 series log-scaled in training .* 'male'"):
        changed = model.predict(6, history=zero)
    same = model.predict(6, history=LUNGS)
    female = changed["unique_id"] == "female"
    np.testing.assert_array_equal(changed.loc[female, "LSTM"], same.loc[female, "LSTM"])
    assert np.isfinite(changed["LSTM"]).all()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lengths=st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=4),
    scale=st.sampled_from([1e-6, 1.0, 1e6]),
    shift=st.sampled_from([-1.0, 0.0, 1.0]),
    seed=st.integers(min_value=0, max_value=2**16),
)
@example(lengths=[8, 2], scale=1e-6, shift=1.0, seed=61281)  # a 2-value series whose forecast falls back
def test_training_on_any_finite_panel_gives_finite_forecasts(lengths, scale, shift, seed):
    rng = np.random.default_rng(seed)
    lengths[0] = max(lengths[0], 2)
    panel = pd.concat(
        [
            pd.DataFrame(
                {
                    "unique_id": f"s{i}",
                    "ds": pd.date_range("2000-01-01", periods=n, freq="MS"),
                    "y": scale * (shift + rng.standard_normal(n).cumsum()),
                }
            )
            for i, n in enumerate(lengths)
        ],
        ignore_index=True,
    )
    model = LSTMForecaster(**dict(FAST, max_steps=10)).fit(panel)
    assert np.isfinite(model.training_history["train_loss"]).all()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        forecast = model.predict(6)
    assert np.isfinite(forecast["LSTM"]).all()
    assert len(forecast) == 6 * len(lengths)
    for warning in caught:  # a fallback is allowed (a 2-value series' band is narrow), but only recorded ones
        assert issubclass(warning.category, ForecastFallbackWarning), warning.message
        assert set(warning.message.series) <= set(model.fallbacks_)


def test_recursive_prediction_normalises_each_window_as_in_training():
    model = GRUForecaster(strategy="recursive", deseasonalize=False, **FAST).fit(LUNGS)
    assert model.front_end_.log_.all()  # log scaling without seasonal indices: no statistics to re-estimate
    three = model.predict(3)
    history = LUNGS.copy()
    for step in range(3):
        one = model.predict(1, history=history)
        expected = three.groupby("unique_id").nth(step)
        np.testing.assert_allclose(one["GRU"].to_numpy(), expected["GRU"].to_numpy(), rtol=1e-5)
        history = pd.concat([history, one.rename(columns={"GRU": "y"})], ignore_index=True)


def test_validation_shorter_than_the_horizon_still_stops_early():
    model = LSTMForecaster(validation_size=3, **FAST).fit(LUNGS)
    select = model.training_history.query("phase == 'select'")
    assert select["val_loss"].notna().all()
    with pytest.raises(ConfigError, match="validation_size=80 leaves no series with a validation window"):
        LSTMForecaster(**dict(FAST, validation_size=80)).fit(LUNGS.groupby("unique_id").head(60))


def test_the_budget_stops_at_the_step_count():
    history = LSTMForecaster(**dict(FAST, max_steps=35, eval_every=10)).fit(LUNGS).training_history
    assert history["step"].tolist() == [10, 20, 30, 35]


def test_a_time_budget_ends_training_early():
    history = LSTMForecaster(**dict(FAST, max_steps=10**6, eval_every=5, time_budget=0.5)).fit(LUNGS).training_history
    assert history["step"].iloc[-1] < 10**6
    assert history["seconds"].iloc[-1] < 30


def test_errors_before_and_at_fit():
    with pytest.raises(NotFittedError):
        LSTMForecaster().predict(3)
    with pytest.raises(ConfigError, match=r"hidden_size=0 is not allowed: a whole number >= 1"):
        LSTMForecaster(hidden_size=0).fit(LUNGS)
    with pytest.raises(ConfigError, match=r"strategy='mimo' is not allowed: one of direct, recursive, seq2seq"):
        LSTMForecaster(strategy="mimo").fit(LUNGS)
    model = LSTMForecaster(**FAST).fit(LUNGS)
    with pytest.raises(ConfigError, match=r"h=7 is longer than the horizon this model was trained for \(6\)"):
        model.predict(7)
    with pytest.raises(ConfigError, match="prediction intervals"):
        model.predict(6, level=(80,))


def test_recursive_and_seq2seq_run_past_their_horizon():
    for strategy in ("recursive", "seq2seq"):
        forecast = LSTMForecaster(strategy=strategy, **FAST).fit(LUNGS).predict(9)
        assert len(forecast) == 18


def test_a_loss_that_is_never_finite_is_a_clear_error():
    huge = LUNGS.assign(y=LUNGS["y"] * 1e36)
    with pytest.raises(TrainingError, match="training loss was not finite in the first 10 steps"):
        LSTMForecaster(scaler="none", deseasonalize=False, window_normalization="none", **FAST).fit(huge)


def test_no_look_ahead_future_values_do_not_move_a_forecast():
    """The whole panel goes in; values after the first cutoff are changed; the forecasts made
    at that cutoff (front end, windows and validation fit on data up to it only) must not move."""
    cutoff = pd.Timestamp("1978-12-01")
    changed = LUNGS.assign(y=np.where(LUNGS["ds"] > cutoff, LUNGS["y"] * 10, LUNGS["y"]))
    results = []
    for panel in (LUNGS, changed):
        model = LSTMForecaster(validation_size=6, **FAST)
        cv = backtest(panel, [model], h=6, n_windows=2, step=6, refit=True)
        results.append(cv[cv["cutoff"] == cutoff].reset_index(drop=True))
    assert len(results[0]) == 12
    pd.testing.assert_series_equal(results[0]["LSTM"], results[1]["LSTM"], check_exact=True)
    assert not np.allclose(results[0]["y"], results[1]["y"])  # the future was indeed changed


def test_an_implausible_network_forecast_gets_seasonal_naive_and_is_recorded():
    model = LSTMForecaster(**FAST).fit(LUNGS)
    with torch.no_grad():
        model.networks_[0].head.bias.fill_(50.0)  # on the log scale: far beyond any plausible value
    with pytest.warns(ForecastFallbackWarning, match=r"not finite or not plausible for 2 series"):
        forecast = model.predict(6)
    for uid in ("female", "male"):
        history = LUNGS.loc[LUNGS["unique_id"] == uid, "y"].to_numpy()
        np.testing.assert_allclose(forecast.loc[forecast["unique_id"] == uid, "LSTM"], history[-12:-6])
        assert model.fallbacks_[uid].startswith("implausible forecast at h=6; seasonal naive")


def test_long_windows_are_read_in_segments_of_at_most_64_steps():
    settings = {**FAST, "input_size": 130, "horizon": 2}
    model = GRUForecaster(**settings).fit(sine_panel(200))
    assert model.segment_length_ == 3  # 130 values: 3 per step, 44 recurrent steps
    assert model.networks_[0].encoder.input_size == 6
    assert np.isfinite(model.predict(2)[model.column]).all()
    assert GRUForecaster(**{**settings, "input_size": 64}).fit(sine_panel(200)).segment_length_ == 1
    chosen = GRUForecaster(**{**settings, "segment_length": 13}).fit(sine_panel(200))
    assert chosen.segment_length_ == 13
    with pytest.raises(ConfigError, match=r"segment_length=0 is not allowed"):
        GRUForecaster(**{**settings, "segment_length": 0}).fit(sine_panel(200))


def test_in_sample_fitted_values_are_one_step_forecasts_from_the_values_before():
    model = LSTMForecaster(**{**FAST, "deseasonalize": False}).fit(LUNGS)  # log scaling only: nothing estimated
    fitted = model.predict_insample(LUNGS)
    assert list(fitted.columns) == ["unique_id", "ds", "y", "LSTM"]
    assert len(fitted) == len(LUNGS)
    firsts = fitted.groupby("unique_id").head(1)
    assert firsts["LSTM"].isna().all()
    assert fitted.drop(firsts.index)["LSTM"].notna().all()
    for t in (1, 5, 30, 71):  # a window padded from one value, a short one, a full one, the last value
        before = LUNGS.groupby("unique_id").head(t)
        expected = model.predict(1, history=before)["LSTM"].to_numpy()
        got = fitted.groupby("unique_id")["LSTM"].nth(t).to_numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-6)
