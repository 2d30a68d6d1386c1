"""plot(): a panel's history with forecasts or backtest windows and their interval bands."""

from __future__ import annotations

import matplotlib
import pytest

from forecastrnn import backtest, plot
from forecastrnn.datasets import load
from forecastrnn.errors import ConfigError
from forecastrnn.models import Drift, SeasonalNaive

matplotlib.use("Agg")
PANEL = load("uk_lung_deaths")


def _bands(ax) -> int:
    return sum(type(c).__name__ in ("PolyCollection", "FillBetweenPolyCollection") for c in ax.collections)


def test_forecasts_with_intervals_are_drawn_after_the_history():
    forecast = SeasonalNaive().fit(PANEL).predict(12, level=(80, 95))
    figure = plot(PANEL, forecast)
    axes = figure.axes
    assert len(axes) == PANEL["unique_id"].nunique()
    for ax in axes:
        assert _bands(ax) == 2  # the 80% and the 95% band
        lines = {line.get_label() for line in ax.get_lines()}
        assert {"actual", "SeasonalNaive"} <= lines
        forecast_line = next(line for line in ax.get_lines() if line.get_label() == "SeasonalNaive")
        history_line = next(line for line in ax.get_lines() if line.get_label() == "actual")
        assert forecast_line.get_xdata()[0] > history_line.get_xdata()[-1]


def test_a_backtest_is_drawn_window_by_window_for_chosen_series_and_models():
    cv = backtest(PANEL, [SeasonalNaive(), Drift()], h=6, n_windows=2)
    figure = plot(PANEL, cv, ids=["female"], models=["Drift"])
    (ax,) = figure.axes
    labels = [line.get_label() for line in ax.get_lines()]
    assert ax.get_title(loc="left") == "female"
    assert "Drift" in labels  # the model asked for is drawn
    assert "SeasonalNaive" not in labels
    assert len(ax.get_lines()) == 1 + 2 + 2  # actuals, Drift from each of 2 cutoffs, 2 cutoff markers


def test_unknown_series_or_models_are_clear_errors():
    forecast = SeasonalNaive().fit(PANEL).predict(6)
    with pytest.raises(ConfigError, match="not in the panel"):
        plot(PANEL, forecast, ids=["nobody"])
    with pytest.raises(ConfigError, match="no forecast column 'LSTM'"):
        plot(PANEL, forecast, models=["LSTM"])
    assert len(plot(PANEL).axes) == PANEL["unique_id"].nunique()  # the history alone
