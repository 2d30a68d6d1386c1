"""Rolling-origin backtests: cutoffs by hand, windows, refit policies, and no look-ahead."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from forecastrnn.backtesting import backtest, provenance
from forecastrnn.datasets import load
from forecastrnn.errors import ConfigError, DataError
from forecastrnn.models import ETS, AutoARIMA, LSTMForecaster, Naive, SeasonalNaive

LUNGS = load("uk_lung_deaths")


class RecordingNaive(Naive):
    """Naive that remembers the length of every series it was fit on (serial runs only); the
    backtest's warm-up fit on the first cutoff's first series is the first entry, left out here."""

    fits: ClassVar[list[int]] = []

    def _fit_series(self, y):
        RecordingNaive.fits.append(len(y))

    @classmethod
    def timed_fits(cls) -> list[int]:
        return cls.fits[1:]


def steps_panel(length: int = 20) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": "s", "ds": np.arange(1, length + 1), "y": np.arange(1.0, length + 1)})


def test_expanding_cutoffs_by_hand():
    cv = backtest(steps_panel(), [Naive()], h=3, n_windows=3, step=2)
    assert cv["cutoff"].unique().tolist() == [13, 15, 17]
    assert cv["ds"].tolist() == [14, 15, 16, 16, 17, 18, 18, 19, 20]
    assert cv["Naive"].tolist() == [13.0] * 3 + [15.0] * 3 + [17.0] * 3
    assert (cv["y"] == cv["ds"]).all()


def test_per_series_cutoffs_are_set_from_each_series_end():
    panel = pd.concat([steps_panel(20), steps_panel(12).assign(unique_id="t")], ignore_index=True)
    cv = backtest(panel, [Naive()], h=2, n_windows=2, cutoffs="per_series")
    assert cv.groupby("unique_id")["cutoff"].unique().map(list).to_dict() == {"s": [16, 18], "t": [8, 10]}
    assert provenance(cv).mode == "per_series"
    assert provenance(cv).skipped.empty


def test_sliding_windows_fit_on_train_size_values():
    RecordingNaive.fits = []
    backtest(steps_panel(), [RecordingNaive()], h=3, n_windows=3, step=2, window="sliding", train_size=5)
    assert RecordingNaive.timed_fits() == [5, 5, 5]
    RecordingNaive.fits = []
    backtest(steps_panel(), [RecordingNaive()], h=3, n_windows=3, step=2)
    assert RecordingNaive.timed_fits() == [13, 15, 17]


@pytest.mark.parametrize(("refit", "fits"), [(True, [13, 15, 17]), (False, [13]), (2, [13, 17])])
def test_refit_policies(refit, fits):
    RecordingNaive.fits = []
    cv = backtest(steps_panel(), [RecordingNaive()], h=3, n_windows=3, step=2, refit=refit)
    assert RecordingNaive.timed_fits() == fits
    assert cv["Naive"].tolist() == [13.0] * 3 + [15.0] * 3 + [17.0] * 3  # later cutoffs use the newer history


@pytest.mark.parametrize(
    "model",
    [
        SeasonalNaive(),
        ETS(error="add", trend="none", seasonal="add"),
        AutoARIMA(max_P=1, max_Q=1),
        LSTMForecaster(hidden_size=8, max_steps=20, input_size=12, horizon=6, device="cpu"),
    ],
    ids=lambda m: m.name,
)
@pytest.mark.parametrize("refit", [True, False])
def test_no_look_ahead_future_values_do_not_move_a_cutoffs_forecasts(model, refit):
    first_cutoff = pd.Timestamp("1978-12-01")
    later = LUNGS["ds"] > first_cutoff
    noise = np.random.default_rng(0).normal(scale=500, size=int(later.sum()))
    perturbed = LUNGS.copy()
    perturbed.loc[later, "y"] = perturbed.loc[later, "y"] * 3 + noise
    original = backtest(LUNGS, [model], h=6, n_windows=2, refit=refit)
    changed = backtest(perturbed, [model], h=6, n_windows=2, refit=refit)
    at_first = original["cutoff"] == first_cutoff
    assert at_first.sum() == 12
    pd.testing.assert_series_equal(original.loc[at_first, model.name], changed.loc[at_first, model.name])
    assert not np.allclose(original.loc[~at_first, "y"], changed.loc[~at_first, "y"])


def test_intervals_where_models_have_them():
    cv = backtest(
        LUNGS,
        [SeasonalNaive(), LSTMForecaster(hidden_size=4, max_steps=10, input_size=12, horizon=6)],
        h=6,
        level=(80,),
    )
    assert {"SeasonalNaive-lo-80", "SeasonalNaive-hi-80", "LSTM"} <= set(cv.columns)
    assert "LSTM-lo-80" not in cv.columns


def test_errors_name_what_to_change():
    with pytest.raises(DataError, match=r"1 series are too short .*\(need 33\): 's'"):
        backtest(steps_panel(20), [Naive()], h=12, n_windows=2, step=10, min_train_size=11, cutoffs="per_series")
    with pytest.raises(DataError, match=r"no series can be evaluated at any of the 2 cutoff\(s\).*'s'"):
        backtest(steps_panel(20), [Naive()], h=12, n_windows=2, step=10, min_train_size=11)
    with pytest.raises(ConfigError, match=r"cutoffs='calendar' is not allowed"):
        backtest(steps_panel(), [Naive()], h=2, cutoffs="calendar")
    with pytest.raises(ConfigError, match="needs train_size"):
        backtest(steps_panel(), [Naive()], h=2, window="sliding")
    with pytest.raises(ConfigError, match="share an output column"):
        backtest(steps_panel(), [Naive(), Naive()], h=2)
    with pytest.raises(ConfigError, match=r"refit=0 is not allowed"):
        backtest(steps_panel(), [Naive()], h=2, refit=0)


def test_parallel_cutoffs_give_identical_results():
    models = [SeasonalNaive(), ETS(error="add", trend="none", seasonal="add")]
    serial = backtest(LUNGS, models, h=6, n_windows=3, level=(80,))
    parallel = backtest(LUNGS, models, h=6, n_windows=3, level=(80,), n_jobs=2)
    pd.testing.assert_frame_equal(serial, parallel, check_exact=True)


def test_the_top_level_backtest_is_the_function_even_after_its_module_was_imported():
    import forecastrnn
    import forecastrnn.backtesting

    assert callable(forecastrnn.backtest)
    assert forecastrnn.backtest is forecastrnn.backtesting.backtest
