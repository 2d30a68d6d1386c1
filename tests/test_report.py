"""The backtest report: sections, best model marked, images embedded, atomic writing; scale-free
headline, OWA against Naive2, chosen series, interval bands, provenance and training curves."""

from __future__ import annotations

import base64
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from forecastrnn.backtesting import backtest
from forecastrnn.datasets import load
from forecastrnn.errors import ConfigError
from forecastrnn.metrics import error_by_step, evaluate, naive2_forecasts, owa
from forecastrnn.models import ETS, Drift, LSTMForecaster, Naive, Naive2, SeasonalNaive
from forecastrnn.models._plausible import ForecastFallbackWarning
from forecastrnn.plotting import draw_series
from forecastrnn.report import BacktestReport, write_report

LUNGS = load("uk_lung_deaths")
MODELS = [SeasonalNaive(), Naive(), Drift()]


def build(cv, panel, models, **kwargs):
    return BacktestReport.build(
        cv,
        panel,
        models,
        season_length=12,
        command="forecastrnn backtest uk_lung_deaths",
        data_name="uk_lung_deaths",
        settings={"horizon": 6, "windows": 2},
        **kwargs,
    )


@pytest.fixture(scope="module")
def report():
    return build(backtest(LUNGS, MODELS, h=6, n_windows=2), LUNGS, MODELS)


def test_headline_is_scale_free_for_several_series(report):
    table = report.headline()
    assert list(table.index) == ["SeasonalNaive", "Naive", "Drift"]
    assert list(table.columns) == ["MASE", "sMAPE", "MASE vs seasonal naive", "OWA", "seconds"]
    assert table.loc["SeasonalNaive", "MASE vs seasonal naive"] == pytest.approx(1.0)
    assert report.best_model() == (table["MASE"].idxmin(), "MASE")
    assert (table["seconds"] >= 0).all()


def test_mae_and_rmse_in_the_headline_for_one_series():
    single = LUNGS[LUNGS["unique_id"] == "male"].reset_index(drop=True)
    single.attrs["freq"] = "MS"
    one = build(backtest(single, MODELS, h=6, n_windows=2), single, MODELS)
    assert {"MAE", "RMSE"} <= set(one.headline().columns)


def test_owa_is_against_naive2_computed_when_not_run(report):
    cv = backtest(LUNGS, MODELS, h=6, n_windows=2)
    reference = cv[["unique_id", "ds", "cutoff", "y"]].assign(Naive2=naive2_forecasts(cv, LUNGS, season_length=12))
    scores = pd.concat(
        [
            evaluate(cv, LUNGS, season_length=12, metrics=("smape", "mase")),
            evaluate(reference, LUNGS, season_length=12, metrics=("smape", "mase")),
        ]
    )
    expected = owa(scores)
    for model in ("SeasonalNaive", "Naive", "Drift"):
        assert report.owa[model] == pytest.approx(expected[model])
    assert report.owa["SeasonalNaive"] != pytest.approx(1.0)  # no longer relative to seasonal naive
    with_naive2 = [*MODELS, Naive2()]
    ran = build(backtest(LUNGS, with_naive2, h=6, n_windows=2), LUNGS, with_naive2)
    assert ran.owa["Naive2"] == pytest.approx(1.0)
    assert ran.owa["Drift"] == pytest.approx(expected["Drift"])  # the same Naive2, run or computed


def test_error_by_step_is_scaled_and_pooled(report):
    cv = backtest(LUNGS, MODELS, h=6, n_windows=2)
    pd.testing.assert_frame_equal(
        report.by_step, error_by_step(cv, ["SeasonalNaive", "Naive", "Drift"], LUNGS, season_length=12)
    )
    assert report.points == {"points": 24, "series": 2, "cutoffs": 2, "windows": 4, "h": 6, "missing": 0}


@pytest.mark.parametrize("suffix", [".html", ".md"])
def test_written_report_has_its_sections_and_images(report, tmp_path, suffix):
    path = tmp_path / f"report{suffix}"
    write_report(report, path)
    text = path.read_text()
    for section in (
        "Summary",
        "Accuracy",
        "Forecasts against actuals",
        "Error by horizon step",
        "MASE per series",
        "MAE per series",
        "Fallbacks and chosen models",
        "Data",
        "Models",
        "Backtest",
        "Cutoffs",
        "Metric definitions",
        "Versions",
    ):
        assert section in text
    assert text.index("Summary") < text.index("Accuracy") < text.index("Data")  # summary first
    assert "forecastrnn backtest uk_lung_deaths" in text
    assert "1979-06-01" in text  # a cutoff, as a date
    assert (
        "Evaluated on 24 forecast points: 4 forecast windows (2 series, 2 cutoff date(s)), up to 6 steps each." in text
    )
    assert "against Naive2 (below 1 beats it)" in text
    assert "★" in text
    images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", text)
    assert len(images) == 2  # forecasts of the chosen series (both series here) and error by step
    assert all(base64.b64decode(image).startswith(b"\x89PNG") for image in images)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_unknown_report_type(report, tmp_path):
    with pytest.raises(ConfigError, match=r"use a .html or .md file name"):
        write_report(report, tmp_path / "report.pdf")
    assert list(tmp_path.iterdir()) == []


def test_a_panel_of_constant_series_is_ranked_by_smape_not_a_crash():
    """MASE is undefined when every series is constant before its cutoffs (issue 10, item 11)."""
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


def scaled_panel() -> pd.DataFrame:
    """Seven seasonal series of very different scales and noise, 48 months each."""
    rng = np.random.default_rng(3)
    t = np.arange(48)
    frames = []
    for number, (scale, noise) in enumerate([(1, 0.5), (10, 1), (100, 2), (1000, 5), (5, 4), (50, 3), (2, 0.1)]):
        y = scale * (10 + np.sin(2 * np.pi * t / 12)) + scale * rng.normal(0, noise, t.size)
        frames.append(
            pd.DataFrame({"unique_id": f"s{number}", "ds": pd.date_range("2010-01-01", periods=48, freq="MS"), "y": y})
        )
    return pd.concat(frames, ignore_index=True)


def test_chosen_series_are_best_median_and_worst_by_the_best_models_mase():
    panel = scaled_panel()
    models = [SeasonalNaive(), Naive()]
    cv = backtest(panel, models, h=6, n_windows=2)
    report = build(cv, panel, models)
    best = report.best_model()[0]
    ranked = report.per_series[best].sort_values()
    assert report.chosen == {"best": ranked.index[0], "median": ranked.index[3], "worst": ranked.index[-1]}
    assert "all_series" in report.figures  # every series in a collapsible section
    assert "MAE" not in report.headline().columns


def test_interval_bands_are_drawn_where_interval_columns_exist():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cv = backtest(LUNGS, [SeasonalNaive()], h=6, n_windows=2, level=(80, 95))
    fig, ax = plt.subplots()
    draw_series(ax, "male", cv, LUNGS, ["SeasonalNaive"], {"SeasonalNaive": "C0"}, 12)
    bands = [c.get_label() for c in ax.collections if c.get_label() and not c.get_label().startswith("_")]
    plt.close(fig)
    assert bands == ["SeasonalNaive 95% interval", "SeasonalNaive 80% interval"]


def test_a_forced_fallback_and_missing_forecasts_appear_in_the_report(tmp_path):
    short = LUNGS[LUNGS["unique_id"] == "male"].tail(6).assign(unique_id="short")
    panel = pd.concat([LUNGS, short], ignore_index=True)

    class Loses(Naive):
        def predict(self, h, **kwargs):
            forecast = super().predict(h, **kwargs)
            return forecast[forecast.index != 0]

    models = [ETS(error="add", trend="none", seasonal="none"), Loses(alias="Lossy")]
    with pytest.warns(ForecastFallbackWarning):
        cv = backtest(panel, models, h=3, n_windows=2, step=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the missing forecast's warning is tested in test_metrics
        report = build(cv, panel, models)
    path = tmp_path / "r.md"
    write_report(report, path)
    text = path.read_text()
    assert "ETS: fallbacks for 1 series at 2 cutoff(s) ('short')" in text
    assert "needs at least 4 observations, has 2; Naive used instead" in text
    assert "| ETS | ETS(add,none,none) | 4 |" in text  # the chosen specification, two series x two cutoffs
    assert "Lossy: 2 forecast(s) missing (NaN)" in text
    assert "(2 missing forecasts, scored NaN)" in text


def test_training_curves_and_seed_for_networks(tmp_path):
    models = [
        LSTMForecaster(hidden_size=4, max_steps=20, eval_every=5, input_size=12, horizon=6, device="cpu"),
        SeasonalNaive(),
    ]
    cv = backtest(LUNGS, models, h=6, n_windows=1)
    report = build(cv, LUNGS, models)
    assert report.seeds == {"LSTM": 0}
    assert report.figures["training:LSTM"].startswith(b"\x89PNG")
    path = tmp_path / "r.html"
    write_report(report, path)
    text = path.read_text()
    assert "Training of the networks" in text
    assert "Neural networks (LSTM seed 0): their accuracy varies with the random seed" in text


def test_a_cv_frame_made_elsewhere_gets_a_report_without_provenance(tmp_path):
    cv = backtest(LUNGS, MODELS, h=6, n_windows=1)
    cv.attrs = {}
    report = build(cv, LUNGS, MODELS)
    path = tmp_path / "r.md"
    write_report(report, path)
    assert "Not recorded (the cv frame was not made by forecastrnn.backtest)." in path.read_text()
    assert report.headline()["seconds"].isna().all()
