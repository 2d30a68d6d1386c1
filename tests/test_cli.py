"""The command line: datasets commands, errors as one line with exit code 1, a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from forecastrnn import __version__
from forecastrnn.cli import app

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"forecastrnn {__version__}"


def test_datasets_list_json_parses():
    result = runner.invoke(app, ["datasets", "list", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert {row["name"] for row in rows} >= {"air_passengers", "uk_lung_deaths"}
    assert {"freq", "season_length", "horizon"} <= set(rows[0])


def test_datasets_show_json():
    result = runner.invoke(app, ["datasets", "show", "uk_lung_deaths", "--json"])
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["series"] == 2
    assert summary["series_ids"] == ["female", "male"]


def test_unknown_dataset_is_one_line_exit_1(tmp_path):
    result = runner.invoke(app, ["datasets", "show", "air_pasengers"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no bundled dataset named 'air_pasengers'. Did you mean 'air_passengers'")
    assert "Traceback" not in result.output


def test_export_writes_the_file_and_nothing_else(tmp_path):
    target = tmp_path / "out" / "air.csv"
    result = runner.invoke(app, ["datasets", "export", "air_passengers", "--output", str(target)])
    assert result.exit_code == 0
    assert target.read_text().startswith("unique_id,ds,y\nAirPassengers,1949-01-01,112\n")
    assert [p.name for p in target.parent.iterdir()] == ["air.csv"]


def test_failed_export_leaves_an_existing_file_untouched(tmp_path):
    target = tmp_path / "keep.csv"
    target.write_text("precious")
    result = runner.invoke(app, ["datasets", "export", "no_such_set", "--output", str(target)])
    assert result.exit_code == 1
    assert target.read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.csv"]


def test_usage_error_is_exit_2():
    result = runner.invoke(app, ["datasets", "show"])
    assert result.exit_code == 2


def test_real_subprocess_help_and_error():
    command = [sys.executable, "-c", "from forecastrnn.cli import main; main()"]
    help_run = subprocess.run([*command, "--help"], capture_output=True, text=True, check=False)
    assert help_run.returncode == 0
    assert "datasets" in help_run.stdout
    error_run = subprocess.run([*command, "datasets", "show", "nope"], capture_output=True, text=True, check=False)
    assert error_run.returncode == 1
    assert error_run.stderr.startswith("Error: no bundled dataset named 'nope'")
    assert "Traceback" not in error_run.stderr
