"""The naive family computed for all series at once: the same numbers, fallbacks and flags as
series by series (a subclass that overrides ``_fit_series`` runs the per-series path)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecastrnn.errors import DataError
from forecastrnn.models import Drift, HistoricAverage, LocalForecaster, Naive, SeasonalNaive, WindowAverage
from forecastrnn.models._local import SeriesArrays, _block_bands
from forecastrnn.models._plausible import ForecastFallbackWarning, plausible_bands

LENGTHS = {"a": 30, "b": 12, "c": 13, "d": 30, "e": 5, "f": 48, "g": 2}


def panel(lengths=LENGTHS, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for uid, n in lengths.items():
        y = 100 + np.cumsum(rng.normal(0, 3, n)) + 10 * np.sin(np.arange(n) * 2 * np.pi / 4)
        frames.append(pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2001-01-01", periods=n, freq="QS"), "y": y}))
    result = pd.concat(frames, ignore_index=True)
    if "f" in lengths:
        result.loc[result.index[result["unique_id"] == "f"][-2], "y"] = 1e6  # seasonal naive: implausible
    return result


def per_series(cls):
    """The same model run series by series (its per-series core overridden, unchanged)."""

    class PerSeries(cls):
        def _fit_series(self, y):
            return super()._fit_series(y)

    PerSeries.__name__ = cls.__name__
    return PerSeries


MODELS = [
    (SeasonalNaive, {}),
    (Naive, {}),
    (Drift, {}),
    (HistoricAverage, {}),
    (WindowAverage, {"window": 2}),
]


@pytest.mark.parametrize(("cls", "params"), MODELS, ids=lambda value: getattr(value, "__name__", ""))
def test_all_at_once_equals_series_by_series(cls, params):
    data = panel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ForecastFallbackWarning)
        fast = cls(**params).fit(data)
        slow = per_series(cls)(**params).fit(data)
        assert fast._fit_panel.__func__ is not LocalForecaster._fit_panel
        assert fast.states_ == slow.states_
        assert fast.fallbacks_ == slow.fallbacks_
        for h, level in ((1, ()), (9, (80, 95))):
            pd.testing.assert_frame_equal(fast.predict(h, level=level), slow.predict(h, level=level), check_exact=True)
        assert fast.fallbacks_ == slow.fallbacks_
        newer = panel({"a": 34, "z": 9, "b": 12}, seed=1)
        pd.testing.assert_frame_equal(
            fast.predict(5, level=(90,), history=newer), slow.predict(5, level=(90,), history=newer), check_exact=True
        )


def test_fallbacks_at_fit_and_flags_at_predict():
    data = panel()
    last = data.groupby("unique_id")["y"].last()
    fitted = SeasonalNaive(season_length=4).fit(data)
    assert set(fitted.fallbacks_) == {"f", "g"}
    assert fitted.fallbacks_["g"] == "DataError: needs at least 4 observations, has 2; Naive used instead"
    assert fitted.fallbacks_["f"].startswith("implausible forecast (outside [")
    assert fitted.fallbacks_["f"].endswith("]); Naive used instead")
    forecast = fitted.predict(3).set_index("unique_id")["SeasonalNaive"]
    assert (forecast[["f", "g"]] == last[["f", "f", "f", "g", "g", "g"]].to_numpy()).all()
    mean = HistoricAverage().fit(data)
    assert mean.fallbacks_ == {}
    with pytest.warns(ForecastFallbackWarning, match=r"HistoricAverage: 1 series had an implausible forecast \('f'\)"):
        kept = mean.predict(2).set_index("unique_id")["HistoricAverage"]
    assert mean.fallbacks_["f"].endswith("at h=2; kept but flagged")
    assert kept["f"].tolist() == [data.loc[data["unique_id"] == "f", "y"].mean()] * 2


def test_too_short_a_series_without_fallback_names_the_series():
    with pytest.raises(DataError, match=r"Drift: series 'g': DataError: needs at least 2 observations, has 1"):
        Drift().fit(panel({"a": 10, "g": 1}))
    with pytest.raises(DataError, match=r"WindowAverage: series 'e': .*needs at least 12 observations, has 5"):
        WindowAverage().fit(panel({"a": 30, "e": 5}))


def test_an_equal_length_panel_is_read_as_one_block_without_copies():
    arrays = SeriesArrays.from_panel(panel({"a": 8, "b": 8, "c": 8}))
    ((rows, block),) = arrays.blocks()
    assert rows.tolist() == [0, 1, 2]
    assert np.shares_memory(block, arrays.values)
    mixed = SeriesArrays.from_panel(panel({"a": 8, "b": 5, "c": 8}))
    assert [(rows.tolist(), block.shape) for rows, block in mixed.blocks()] == [([1], (1, 5)), ([0, 2], (2, 8))]


@pytest.mark.parametrize("length", [1, 2, 3, 20, 21, 599, 601])
def test_block_bands_equal_plausible_bands(length):
    rng = np.random.default_rng(length)
    block = np.round(rng.gamma(2.0, 50.0, (8, length)), 1)
    block[0] = 7.0  # constant
    block[1] = np.where(rng.random(length) < 0.93, 3.0, block[1])  # flat on most points
    block[2] *= 1e300  # huge
    block[3] = np.arange(length)  # trend
    low, high = _block_bands(block)
    expected_low, expected_high = plausible_bands(block)
    assert np.array_equal(low, expected_low)
    assert np.array_equal(high, expected_high)


def test_no_step_runs_once_per_series(monkeypatch):
    def refuse(*args):
        raise AssertionError("a per-series step ran")

    monkeypatch.setattr(LocalForecaster, "_fit_one", refuse)
    monkeypatch.setattr(LocalForecaster, "_forecast_one", refuse)
    monkeypatch.setattr(LocalForecaster, "_forecast_series", refuse)
    for cls, params in MODELS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ForecastFallbackWarning)
            cls(**params).fit(panel()).predict(4, level=(80,), history=panel({"a": 31, "new": 40}))
