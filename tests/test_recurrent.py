"""Recurrent forecasters: every cell x strategy x direction, training behaviour, errors, history."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecastrnn.datasets import load
from forecastrnn.errors import ConfigError, DataError, NotFittedError, TrainingError
from forecastrnn.models import GRUForecaster, LSTMForecaster, RNNForecaster, ShortSeriesWarning
from forecastrnn.models._recurrent import epochs_to_retrain

FAST = {"hidden_size": 8, "max_epochs": 2, "input_size": 12, "horizon": 6, "batch_size": 16, "device": "cpu"}
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
        max_epochs=15,
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


def test_ensemble_averages_its_members():
    model = LSTMForecaster(n_models=2, **FAST).fit(LUNGS)
    assert len(model.networks_) == 2
    assert set(model.training_history["model"]) == {0, 1}
    singles = [LSTMForecaster(random_state=seed, **FAST).fit(LUNGS) for seed in (0, 1)]
    assert model.predict(6)["LSTM"].to_numpy() == pytest.approx(
        np.mean([m.predict(6)["LSTM"].to_numpy() for m in singles], axis=0), rel=1e-6
    )


def test_training_history_reports_gradients_and_phases():
    history = LSTMForecaster(validation_size=6, **FAST).fit(LUNGS).training_history
    assert {"train_loss", "val_loss", "grad_norm_mean", "grad_norm_max", "clipped_fraction", "learning_rate"} <= set(
        history.columns
    )
    assert set(history["phase"]) == {"select", "full"}
    assert history.loc[history["phase"] == "select", "val_loss"].notna().all()
    assert (history["grad_norm_max"] >= history["grad_norm_mean"]).all()


def test_retraining_length_prefers_more_epochs_when_validation_is_flat():
    flat = [{"epoch": e, "val_loss": v} for e, v in enumerate([1.0, 0.9, 0.905, 0.91, 1.2], start=1)]
    assert epochs_to_retrain(flat) == 4  # 0.91 is within 2% of the best 0.9; 1.2 is not


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


def test_short_series_are_named_or_dropped_and_reported():
    short = pd.concat(
        [LUNGS, pd.DataFrame({"unique_id": "tiny", "ds": pd.date_range("1979-01-01", periods=12, freq="MS"), "y": 1.0})]
    )
    with pytest.raises(DataError, match=r"'tiny' \(12\).*drop_short=True"):
        LSTMForecaster(**FAST).fit(short)
    with pytest.warns(ShortSeriesWarning, match=r"left out 1 series shorter than 18 observations.*'tiny'"):
        model = LSTMForecaster(drop_short=True, **FAST).fit(short)
    assert model.dropped_series_ == ["tiny"]
    assert "tiny" not in set(model.predict(6)["unique_id"])


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
    with pytest.raises(TrainingError, match="training loss was not finite in epoch 1"):
        LSTMForecaster(scaler="none", deseasonalize=False, window_normalization="none", **FAST).fit(huge)


def test_no_look_ahead_future_values_do_not_move_a_forecast():
    cutoff = pd.Timestamp("1978-12-01")
    changed = LUNGS.assign(y=np.where(LUNGS["ds"] > cutoff, LUNGS["y"] * 10, LUNGS["y"]))
    forecasts = []
    for panel in (LUNGS, changed):
        past = panel[panel["ds"] <= cutoff].reset_index(drop=True)
        model = LSTMForecaster(**FAST).fit(past)
        forecasts.append(model.predict(6, history=past))
    pd.testing.assert_frame_equal(*forecasts, check_exact=True)
