"""The backtest report: sections, best model marked, images embedded, atomic writing."""

from __future__ import annotations

import base64
import re

import pytest

from forecastrnn.backtesting import backtest
from forecastrnn.datasets import load
from forecastrnn.errors import ConfigError
from forecastrnn.models import Drift, Naive, SeasonalNaive
from forecastrnn.report import BacktestReport, write_report

LUNGS = load("uk_lung_deaths")
MODELS = [SeasonalNaive(), Naive(), Drift()]


@pytest.fixture(scope="module")
def report():
    cv = backtest(LUNGS, MODELS, h=6, n_windows=2)
    return BacktestReport.build(
        cv,
        LUNGS,
        MODELS,
        season_length=12,
        command="forecastrnn backtest uk_lung_deaths",
        data_name="uk_lung_deaths",
        settings={"horizon": 6, "windows": 2},
    )


def test_headline_has_every_model_and_relative_scores(report):
    table = report.headline()
    assert list(table.index) == ["SeasonalNaive", "Naive", "Drift"]
    assert {"MASE", "sMAPE", "MAE", "RMSE", "MASE vs seasonal naive", "OWA", "seconds"} <= set(table.columns)
    assert table.loc["SeasonalNaive", "MASE vs seasonal naive"] == pytest.approx(1.0)
    assert report.best_model() == (table["MASE"].idxmin(), "MASE")


@pytest.mark.parametrize("suffix", [".html", ".md"])
def test_written_report_has_its_sections_and_images(report, tmp_path, suffix):
    path = tmp_path / f"report{suffix}"
    write_report(report, path)
    text = path.read_text()
    for section in (
        "Data",
        "Models",
        "Backtest",
        "Cutoffs",
        "Accuracy",
        "MASE per series",
        "Forecasts against actuals",
        "Error by horizon step",
        "Versions",
    ):
        assert section in text
    assert "forecastrnn backtest uk_lung_deaths" in text
    assert "1979-06-01" in text  # a cutoff, as a date
    assert "★" in text
    images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", text)
    assert len(images) == 2
    assert all(base64.b64decode(image).startswith(b"\x89PNG") for image in images)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_unknown_report_type(report, tmp_path):
    with pytest.raises(ConfigError, match=r"use a .html or .md file name"):
        write_report(report, tmp_path / "report.pdf")
    assert list(tmp_path.iterdir()) == []


def test_a_panel_of_constant_series_is_ranked_by_smape_not_a_crash():
    """MASE is undefined when every series is constant before its cutoffs (issue 10, item 11)."""
    import pandas as pd

    panel = pd.DataFrame({"unique_id": "flat", "ds": pd.date_range("2000-01-01", periods=30, freq="MS"), "y": 5.0})
    panel.loc[panel.index[-2:], "y"] = [6.0, 7.0]
    models = [SeasonalNaive(), Drift()]
    cv = backtest(panel, models, h=2, n_windows=1)
    report = BacktestReport.build(
        cv, panel, models, season_length=12, command="c", data_name="flat", settings={"horizon": 2}
    )
    model, metric = report.best_model()
    assert metric == "sMAPE"
    assert model == report.headline()["sMAPE"].idxmin()
    assert report.best_text() == f"best by sMAPE {model}"
