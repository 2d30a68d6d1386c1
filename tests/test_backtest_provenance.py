"""What happened inside each fit travels with the cv frame: fallbacks, specifications, warnings,
training histories, missing forecasts and timings."""

from __future__ import annotations

import time
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from forecastrnn.backtesting import Provenance, backtest, provenance
from forecastrnn.datasets import load
from forecastrnn.errors import ConfigError
from forecastrnn.models import ETS, AutoARIMA, LSTMForecaster, Naive
from forecastrnn.models._plausible import ForecastFallbackWarning

LUNGS = load("uk_lung_deaths")


def with_short_series() -> pd.DataFrame:
    """The two lung-deaths series and a third of their last 6 months: with cutoffs 1979-08 and
    1979-09 it has 2 and 3 values, fewer than ETS's 4."""
    short = LUNGS[LUNGS["unique_id"] == "male"].tail(6).assign(unique_id="short")
    return pd.concat([LUNGS, short], ignore_index=True)


def test_a_forced_fallback_is_recorded_per_cutoff_and_warned_once():
    model = ETS(error="add", trend="none", seasonal="none")
    with pytest.warns(ForecastFallbackWarning, match=r"ETS: fallbacks for 1 series at 2 cutoff\(s\) \('short'\)"):
        cv = backtest(with_short_series(), [model], h=3, n_windows=2, step=1)
    found = provenance(cv)
    assert found.fallbacks["unique_id"].tolist() == ["short", "short"]
    assert found.fallbacks["cutoff"].tolist() == sorted(cv["cutoff"].unique())
    assert found.fallbacks["reason"].str.contains("needs at least 4 observations, has 2").iloc[0]
    assert found.fallbacks["reason"].str.contains("Naive used instead").all()
    specs = found.specs.set_index(["unique_id", "cutoff"])["spec"]
    assert specs.loc[("short", cv["cutoff"].min())] == "fallback"
    assert set(specs.drop("short", level=0)) == {"ETS(add,none,none)"}
    assert found.fallback_lines()[0].startswith("ETS: fallbacks for 1 series at 2 cutoff(s) ('short'); e.g. 'short':")
    assert cv["ETS"].notna().all()


def test_chosen_arima_orders_per_series_and_cutoff():
    cv = backtest(LUNGS, [AutoARIMA(max_P=1, max_Q=1)], h=6, n_windows=2)
    specs = provenance(cv).specs
    assert len(specs) == 4  # two series x two cutoffs
    assert specs["spec"].str.match(r"ARIMA\(\d,\d,\d\)").all()


def test_warnings_are_counted_at_refits_only():
    class Warns(Naive):
        def _fit_series(self, y):
            import warnings

            warnings.warn("convergence trouble", RuntimeWarning, stacklevel=1)

    cv = backtest(LUNGS, [Warns(alias="W")], h=6, n_windows=3, refit=2)
    table = provenance(cv).warnings
    assert table["count"].tolist() == [2, 2]  # two series at the 1st and 3rd cutoffs
    assert table["cutoff"].tolist() == sorted(cv["cutoff"].unique())[::2]
    assert table["warning"].iloc[0] == "RuntimeWarning: convergence trouble"


def test_training_histories_of_networks_per_cutoff():
    model = LSTMForecaster(hidden_size=4, max_steps=20, eval_every=10, input_size=12, horizon=6, device="cpu")
    cv = backtest(LUNGS, [model], h=6, n_windows=2)
    history = provenance(cv).training
    assert {"model", "cutoff", "train_loss", "grad_norm_mean", "clipped_fraction"} <= set(history.columns)
    assert history["cutoff"].nunique() == 2
    assert (history["model"] == "LSTM").all()
    assert np.isfinite(history["train_loss"]).all()
    assert provenance(cv).seeds == {"LSTM": 0}


def test_missing_forecasts_are_recorded_with_their_timestamps():
    class Loses(Naive):
        def predict(self, h, **kwargs):
            forecast = super().predict(h, **kwargs)
            return forecast[~((forecast["unique_id"] == "female") & (forecast.index % h == 0))]

    lost = Loses(alias="Lossy")
    cv = backtest(LUNGS, [lost, Naive()], h=6, n_windows=2)
    missing = provenance(cv).missing
    assert missing["model"].unique().tolist() == ["Lossy"]
    assert missing["unique_id"].unique().tolist() == ["female"]
    assert missing["ds"].tolist() == sorted(cv.loc[cv["Lossy"].isna(), "ds"])
    assert len(missing) == 2  # the first step at each cutoff
    assert (
        "Lossy: 2 forecast(s) missing (NaN) for 1 series at 2 cutoff(s) ('female')"
        in provenance(cv).fallback_lines()[0]
    )


def test_timings_per_cutoff_add_up_and_survive_pandas_copies():
    cv = backtest(LUNGS, [Naive()], h=6, n_windows=3)
    found = provenance(cv)
    assert len(found.seconds) == 3
    assert cv.attrs["seconds"]["Naive"] == pytest.approx(found.seconds["seconds"].sum())
    subset = cv[cv["unique_id"] == "male"]
    assert provenance(subset) is found  # shared, not deep-copied, by pandas' attrs propagation
    both = pd.concat([cv, cv])
    assert isinstance(both.attrs.get("provenance"), Provenance)


def test_a_frame_without_provenance_says_so():
    with pytest.raises(ConfigError, match="no provenance"):
        provenance(pd.DataFrame({"unique_id": [], "ds": [], "cutoff": [], "y": []}))


def test_parallel_cutoffs_record_the_same_provenance():
    data = with_short_series()
    model = ETS(error="add", trend="none", seasonal="none")
    with pytest.warns(ForecastFallbackWarning):
        serial = provenance(backtest(data, [model], h=3, n_windows=2, step=1))
    with pytest.warns(ForecastFallbackWarning):
        parallel = provenance(backtest(data, [model], h=3, n_windows=2, step=1, n_jobs=2))
    pd.testing.assert_frame_equal(serial.fallbacks, parallel.fallbacks)
    pd.testing.assert_frame_equal(serial.specs, parallel.specs)


def test_first_use_costs_are_paid_in_an_untimed_warm_up():
    class SlowFirst(Naive):
        """Naive whose first fit in the process is slow, as a first import would be."""

        warmed: ClassVar[list[bool]] = []

        def _fit_series(self, y):
            if not SlowFirst.warmed:
                SlowFirst.warmed.append(True)
                time.sleep(0.4)

    cv = backtest(LUNGS, [SlowFirst(alias="Slow")], h=6, n_windows=2)
    assert SlowFirst.warmed == [True]
    assert cv.attrs["seconds"]["Slow"] < 0.3
