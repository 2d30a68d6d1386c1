"""Aligned (calendar) cutoffs: by hand on ragged panels, skipped and partial series reported,
and no look-ahead across series for a global model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecastrnn.backtesting import aligned_cutoffs, backtest, provenance
from forecastrnn.datasets import load
from forecastrnn.models import LSTMForecaster, Naive


def steps(uid: str, first: int, last: int) -> pd.DataFrame:
    """A series whose value is its time step, so a naive forecast equals the cutoff."""
    ds = np.arange(first, last + 1)
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": ds.astype(float)})


# a: 1..20 full; b: ends two steps early; c: starts late; d: ends before every cutoff
RAGGED = pd.concat([steps("a", 1, 20), steps("b", 5, 18), steps("c", 15, 20), steps("d", 1, 10)], ignore_index=True)


def test_aligned_cutoffs_count_back_from_the_panels_end():
    assert aligned_cutoffs(20, 1, h=3, n_windows=3, step=2) == [(13, 16), (15, 18), (17, 20)]
    monthly = aligned_cutoffs(pd.Timestamp("2000-12-01"), "MS", h=2, n_windows=2, step=1)
    assert monthly == [
        (pd.Timestamp("2000-09-01"), pd.Timestamp("2000-11-01")),
        (pd.Timestamp("2000-10-01"), pd.Timestamp("2000-12-01")),
    ]


def test_ragged_panel_by_hand():
    cv = backtest(RAGGED, [Naive()], h=3, n_windows=3, step=2)
    assert sorted(cv["cutoff"].unique()) == [13, 15, 17]  # the same three cutoffs for every series
    rows = {(uid, cutoff): part["ds"].tolist() for (uid, cutoff), part in cv.groupby(["unique_id", "cutoff"])}
    assert rows == {
        ("a", 13): [14, 15, 16],
        ("a", 15): [16, 17, 18],
        ("a", 17): [18, 19, 20],
        ("b", 13): [14, 15, 16],
        ("b", 15): [16, 17, 18],
        ("b", 17): [18],  # partial: b ends one step after the cutoff
        ("c", 15): [16, 17, 18],  # one training value (15) is enough with min_train_size=1
        ("c", 17): [18, 19, 20],
    }
    assert (cv["Naive"] == cv["cutoff"]).all()  # each forecast from the value at its cutoff: no look-ahead
    skipped = provenance(cv).skipped.set_index(["unique_id", "cutoff"]).sort_index()
    assert skipped.to_dict("index") == {
        ("b", 17): {"reason": "ends 1 step(s) after the cutoff", "evaluated": True},
        ("c", 13): {"reason": "starts at 15, after the cutoff", "evaluated": False},
        ("d", 13): {"reason": "ends at 10, before the test part", "evaluated": False},
        ("d", 15): {"reason": "ends at 10, before the test part", "evaluated": False},
        ("d", 17): {"reason": "ends at 10, before the test part", "evaluated": False},
    }
    line = provenance(cv).skipped_line()
    assert line.startswith("Cutoffs: 2 series skipped at 3 cutoff(s)")
    assert "1 series evaluated on fewer than h values at 1 cutoff(s)" in line


def test_too_short_at_a_cutoff_is_skipped_there_not_an_error():
    cv = backtest(RAGGED, [Naive()], h=3, n_windows=3, step=2, min_train_size=2)
    assert sorted(cv.loc[cv["unique_id"] == "c", "cutoff"].unique()) == [17]
    skipped = provenance(cv).skipped.set_index(["unique_id", "cutoff"])
    assert skipped.loc[("c", 15), "reason"] == "1 value(s) up to the cutoff, fewer than min_train_size=2"


def test_per_series_mode_keeps_each_series_own_end():
    cv = backtest(RAGGED, [Naive()], h=3, n_windows=1, min_train_size=2, cutoffs="per_series")
    assert cv.groupby("unique_id")["cutoff"].first().to_dict() == {"a": 17, "b": 15, "c": 17, "d": 7}


def test_timestamps_cutoffs_on_real_monthly_series():
    lungs = load("uk_lung_deaths")
    shorter = lungs[~((lungs["unique_id"] == lungs["unique_id"].iloc[0]) & (lungs["ds"] > "1979-03-01"))]
    cv = backtest(shorter, [Naive()], h=6, n_windows=2)
    assert sorted(cv["cutoff"].unique()) == [pd.Timestamp("1978-12-01"), pd.Timestamp("1979-06-01")]
    first = lungs["unique_id"].iloc[0]
    assert len(cv[(cv["unique_id"] == first) & (cv["cutoff"] == pd.Timestamp("1978-12-01"))]) == 3  # partial
    assert first in set(provenance(cv).skipped["unique_id"])


def _network() -> LSTMForecaster:
    return LSTMForecaster(
        hidden_size=4, max_steps=15, input_size=6, horizon=3, n_models=1, device="cpu", random_state=0
    )


def _two_series(short_by: int) -> pd.DataFrame:
    """Two related series, a of 40 monthly values to 2003-04, b ending ``short_by`` months earlier."""
    ds = pd.date_range("2000-01-01", periods=40, freq="MS")
    season = 10 * np.sin(2 * np.pi * np.arange(40) / 12)
    a = pd.DataFrame({"unique_id": "a", "ds": ds, "y": 100 + season + np.arange(40)})
    n = 40 - short_by
    b = pd.DataFrame({"unique_id": "b", "ds": ds[:n], "y": 50 + season[:n] + 0.5 * np.arange(n)})
    return pd.concat([a, b], ignore_index=True)


@pytest.mark.parametrize("refit", [True, False])
def test_a_global_model_never_sees_other_series_after_an_aligned_cutoff(refit):
    panel = _two_series(short_by=2)
    cutoff = pd.Timestamp("2002-10-01")  # first of two cutoffs 3 months apart, counted back from 2003-04
    perturbed = panel.copy()
    after = perturbed["ds"] > cutoff
    perturbed.loc[after, "y"] = perturbed.loc[after, "y"] * 5 + 1000  # every series, after the cutoff
    original = backtest(panel, [_network()], h=3, n_windows=2, refit=refit)
    changed = backtest(perturbed, [_network()], h=3, n_windows=2, refit=refit)
    at_cutoff = original["cutoff"] == cutoff
    assert set(original.loc[at_cutoff, "unique_id"]) == {"a", "b"}
    assert original.loc[~at_cutoff].groupby("unique_id").size().to_dict() == {"a": 3, "b": 1}  # b ends 2 early
    pd.testing.assert_series_equal(original.loc[at_cutoff, "LSTM"], changed.loc[at_cutoff, "LSTM"])


def test_per_series_cutoffs_let_a_global_model_see_another_series_later_values():
    """The contrast: counted from each series' end, b's cutoff (2002-07) is before a's last six
    training values, which the network trains on when forecasting b."""
    panel = _two_series(short_by=6)
    perturbed = panel.copy()
    late_a = (perturbed["unique_id"] == "a") & (perturbed["ds"] > "2002-07-01")
    perturbed.loc[late_a, "y"] = perturbed.loc[late_a, "y"] * 5 + 1000
    original = backtest(panel, [_network()], h=3, cutoffs="per_series")
    changed = backtest(perturbed, [_network()], h=3, cutoffs="per_series")
    b = original["unique_id"] == "b"
    assert original.loc[b, "cutoff"].iloc[0] == pd.Timestamp("2002-07-01")
    assert not np.allclose(original.loc[b, "LSTM"], changed.loc[b, "LSTM"])
