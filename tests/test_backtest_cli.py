"""The backtest command: --cutoffs, and one stderr line per model with fallbacks and for
skipped series."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from forecastrnn.cli import app

runner = CliRunner()


def ragged_csv(tmp_path) -> str:
    """Two monthly series to 2003-12 and one, 'short', that ends a year earlier and is 8 values long."""
    ds = pd.date_range("2000-01-01", periods=48, freq="MS")
    y = 100 + 10 * np.sin(2 * np.pi * np.arange(48) / 12) + np.arange(48)
    frames = [
        pd.DataFrame({"unique_id": "a", "ds": ds, "y": y}),
        pd.DataFrame({"unique_id": "b", "ds": ds, "y": 2 * y}),
        pd.DataFrame({"unique_id": "short", "ds": ds[28:36], "y": y[28:36]}),
    ]
    path = tmp_path / "ragged.csv"
    pd.concat(frames).to_csv(path, index=False)
    return str(path)


def run(*args: str):
    return runner.invoke(app, ["backtest", *args, "-H", "3", "--windows", "2", "--json"])


def test_aligned_cutoffs_skip_the_series_that_ended_and_say_so(tmp_path):
    result = run(ragged_csv(tmp_path), "-m", "snaive", "-m", "naive")
    assert result.exit_code == 0, result.output
    assert "Note: Cutoffs: 1 series skipped at 2 cutoff(s) (e.g. 'short' at 2003-06-01: ends at 2002-12-01" in (
        result.stderr
    )
    assert "Use --cutoffs per-series" in result.stderr
    assert [row["model"] for row in json.loads(result.stdout)] == ["SeasonalNaive", "Naive"]


def test_per_series_cutoffs_evaluate_every_series_with_fallbacks_on_one_line(tmp_path):
    output = tmp_path / "cv.csv"
    result = run(ragged_csv(tmp_path), "-m", "snaive", "--cutoffs", "per-series", "--output", str(output))
    assert result.exit_code == 0, result.output
    cv = pd.read_csv(output)
    assert cv.groupby("unique_id")["cutoff"].nunique().to_dict() == {"a": 2, "b": 2, "short": 2}
    lines = [line for line in result.stderr.splitlines() if "fallbacks for" in line]
    assert lines == [
        "Warning: SeasonalNaive: fallbacks for 1 series at 2 cutoff(s) ('short'); e.g. DataError: needs at least "
        "12 observations, has 2; Naive used instead"
    ]
    assert "Note: Cutoffs" not in result.stderr


def test_an_unknown_cutoffs_mode_is_a_usage_error(tmp_path):
    result = run(ragged_csv(tmp_path), "-m", "naive", "--cutoffs", "calendar")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
