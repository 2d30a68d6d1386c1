"""The recurrent models' front end: seasonal profiles chosen per series on sub-daily data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecastrnn.data import season_lengths_for
from forecastrnn.models import LSTMForecaster
from forecastrnn.models._frontend import choose_profile, last_cycle, seasonal_profile

WEEK = 168


def hourly(values: np.ndarray, uid: str = "a") -> pd.DataFrame:
    return pd.DataFrame(
        {"unique_id": uid, "ds": pd.date_range("2024-01-01", periods=values.size, freq="h"), "y": values}
    )


def timetable(weeks: int, seed: int = 0) -> np.ndarray:
    """Departures by the hour: busy days on weekdays, a quiet weekend, nothing at night."""
    rng = np.random.default_rng(seed)
    day = np.r_[np.zeros(6), np.full(16, 20.0), np.zeros(2)]
    week = np.concatenate([day] * 5 + [0.3 * day] * 2)
    return np.tile(week, weeks) + rng.poisson(1.0, weeks * WEEK) * (np.tile(week, weeks) > 0)


def test_sub_daily_data_has_a_day_and_a_week():
    assert season_lengths_for("h") == (24, 168)
    assert season_lengths_for("30min") == (48, 336)
    assert season_lengths_for("MS") == (12,)
    assert season_lengths_for("D") == (7,)
    assert season_lengths_for(1) == (1,)


def test_last_cycle_is_the_last_values_less_their_mean_by_position():
    values = np.array([9.0, 1.0, 2.0, 3.0, 6.0])
    table = last_cycle(values, np.arange(5), 3)
    # the last 3 values sit at positions 2, 0, 1 of the season; their mean is 11/3
    np.testing.assert_allclose(table, [3 - 11 / 3, 6 - 11 / 3, 2 - 11 / 3])
    np.testing.assert_array_equal(last_cycle(values[:2], np.arange(2), 3), np.zeros(3))


def test_each_series_gets_the_profile_that_describes_it():
    rng = np.random.default_rng(1)
    steps = np.arange(5 * WEEK)
    assert choose_profile(timetable(5), steps, (24, WEEK)).endswith(str(WEEK))
    daily = 10 * np.sin(2 * np.pi * steps / 24) + rng.normal(0, 1, steps.size)
    assert choose_profile(daily, steps, (24, WEEK)) == "mean 24"
    assert choose_profile(rng.normal(0, 1, steps.size), steps, (24, WEEK)) == "none"
    # one season only, or too short to hold a week out: the mean profile, as before
    assert choose_profile(daily, steps, (24,)) == "mean 24"
    assert choose_profile(daily[:400], steps[:400], (24, WEEK)) == "mean 24"


def test_a_profile_is_widened_to_the_longest_season():
    steps = np.arange(3 * WEEK)
    daily = np.sin(2 * np.pi * steps / 24)
    table = seasonal_profile(daily, steps, "mean 24", WEEK)
    assert table.shape == (WEEK,)
    np.testing.assert_allclose(table[:24], table[24:48])


def test_hourly_timetables_are_forecast_from_their_week_and_profiles_are_frozen():
    panel = pd.concat([hourly(timetable(5, seed), f"s{seed}") for seed in range(3)], ignore_index=True)
    model = LSTMForecaster(horizon=24, hidden_size=8, max_steps=30, batch_size=8, device="cpu").fit(panel)
    assert model.season_lengths_ == (24, WEEK)
    assert model._deseasonalizes(1)  # a 72-hour window cannot see the week: both members deseasonalise
    assert all(profile.endswith(str(WEEK)) for profile in model.front_end_.profiles_)
    forecast = model.predict(24)["LSTM"].to_numpy().reshape(3, 24)
    last_week = panel.groupby("unique_id")["y"].apply(lambda y: y.to_numpy()[-WEEK:][:24])
    weekend_next = np.stack(last_week.to_numpy())
    assert np.abs(forecast - weekend_next).mean() < 0.2 * np.abs(weekend_next).mean()
    assert (forecast[weekend_next == 0] == 0).all()  # hours without departures in every week: exactly zero
    assert (forecast >= 0).all()  # a series never negative gets no negative forecast
    # a newer history re-estimates the profiles' values but keeps their kinds
    noisy = panel.assign(y=panel["y"] + np.random.default_rng(5).normal(0, 8, len(panel)).clip(0))
    front = model._from_history(noisy)[1]
    assert front.profiles_ == model.front_end_.profiles_


@pytest.mark.parametrize("profile", ["mean 24", "last 168", "none"])
def test_profiles_survive_save_and_load(tmp_path, profile):
    panel = hourly(timetable(4))
    model = LSTMForecaster(horizon=12, hidden_size=8, max_steps=10, n_models=1, device="cpu").fit(panel)
    model.front_end_.profiles_ = [profile]
    model.save(tmp_path / "m")
    loaded = LSTMForecaster.load(tmp_path / "m")
    assert loaded.front_end_.profiles_ == [profile]
    assert loaded.season_lengths_ == (24, WEEK)
    pd.testing.assert_frame_equal(loaded.predict(12), model.predict(12))
