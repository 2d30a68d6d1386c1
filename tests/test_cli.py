"""The command line: datasets commands, errors as one line with exit code 1, a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecastrnn import __version__
from forecastrnn.cli import app

runner = CliRunner()


def _flat(text: str) -> str:
    """Text without the box that typer draws around usage errors, on one line."""
    return " ".join(text.replace("│", " ").split())


def _one_error_line(result) -> str:
    """The single ``Error:`` line of a failed command (exit 1), checked to be alone."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


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


def test_forecast_json_on_a_bundled_dataset():
    result = runner.invoke(app, ["forecast", "uk_lung_deaths", "-m", "snaive", "-m", "naive", "-H", "3", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 6
    assert set(rows[0]) == {"unique_id", "ds", "SeasonalNaive", "Naive"}
    assert rows[0]["ds"].startswith("1980-01-01")


def test_forecast_writes_csv_with_intervals(tmp_path):
    target = tmp_path / "forecast.csv"
    result = runner.invoke(app, ["forecast", "air_passengers", "-m", "drift", "--level", "80", "-o", str(target), "-q"])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(target)
    assert list(written.columns) == ["unique_id", "ds", "Drift", "Drift-lo-80", "Drift-hi-80"]
    assert len(written) == 12


def test_forecast_with_a_network_gives_conformal_intervals():
    args = [
        "forecast",
        "uk_lung_deaths",
        "-m",
        "lstm",
        "-H",
        "3",
        "--max-steps",
        "1",
        "--hidden-size",
        "4",
        "--input-size",
        "12",
        "--level",
        "90",
        "--json",
        "--device",
        "cpu",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = pd.DataFrame(json.loads(result.stdout))
    assert list(rows.columns) == ["unique_id", "ds", "LSTM", "LSTM-lo-90", "LSTM-hi-90"]
    assert (rows["LSTM-lo-90"] <= rows["LSTM"]).all()
    assert (rows["LSTM"] <= rows["LSTM-hi-90"]).all()


BAD_FILES = {
    "empty.csv": ("", "the file is empty"),
    "header.csv": ("ds,y\n", "header but no data rows"),
    "one.csv": ("y\n1\n2\n", "found one column ('y')"),
    "text.csv": ("ds,y\n2020-01-01,1\n2020-02-01,abc\n2020-03-01,3\n", "line 3: column 'y' holds 'abc'"),
    "dup.csv": ("ds,y\n2020-01-01,1\n2020-01-01,2\n2020-02-01,3\n", "more than once"),
    "unsorted.csv": ("ds,y\n2020-01-01,1\n2020-03-01,3\n2020-02-01,2\n", "goes back in time"),
    "gap.csv": ("ds,y\n2020-01-01,1\n2020-02-01,2\n2020-04-01,4\n2020-05-01,5\n", "1 missing timestamp(s)"),
    "nan.csv": ("ds,y\n2020-01-01,1\n2020-02-01,NaN\n2020-03-01,3\n", "1 missing value(s)"),
    "inf.csv": ("ds,y\n2020-01-01,1\n2020-02-01,inf\n2020-03-01,3\n", "infinite values are not allowed"),
    "mixed.csv": (
        "unique_id,ds,y\nm,2020-01-01,1\nm,2020-02-01,2\nm,2020-03-01,3\nd,2020-01-01,1\n"
        "d,2020-01-02,2\nd,2020-01-03,3\nd,2020-01-04,4\n",
        "others have",
    ),
    "irregular.csv": ("ds,y\n2020-01-01,1\n2020-01-03,2\n2020-01-04,3\n2020-01-09,4\n", "cannot infer a frequency"),
    "single.csv": ("ds,y\n2020-01-01,1\n", "cannot infer the frequency from 1 timestamp"),
    "noid.csv": ("unique_id,ds,y\nA,2020-01-01,1\n,2020-01-02,2\n", "the series id is empty"),
    "notime.csv": ("ds,y\n2020-01-01,1\n,2\n", "the time column 'ds' is empty"),
    "dates.csv": ("ds,y\n31/01/2020,1\n29/02/2020,2\n", "is not a date in ISO 8601 form"),
    "eu.csv": ('ds,y\n2020-01-01,"1,5"\n2020-02-01,"2,5"\n', "decimal commas"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_data_is_one_line_exit_1_and_writes_nothing(tmp_path, name):
    text, message = BAD_FILES[name]
    (tmp_path / name).write_text(text)
    target = tmp_path / "out.csv"
    result = runner.invoke(app, ["forecast", str(tmp_path / name), "-m", "naive", "-H", "2", "-o", str(target)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {name}")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not target.exists()


def test_missing_policy_fills_and_says_so(tmp_path):
    (tmp_path / "gap.csv").write_text(BAD_FILES["gap.csv"][0])
    result = runner.invoke(
        app, ["forecast", str(tmp_path / "gap.csv"), "-m", "naive", "-H", "1", "--missing", "interpolate", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert "Note: gap.csv: filled 0 missing value(s) and 1 missing timestamp(s) by interpolate" in result.stderr


def test_a_missing_column_is_named(tmp_path):
    (tmp_path / "cols.csv").write_text("ds,y\n2020-01-01,1\n2020-02-01,2\n2020-03-01,3\n")
    result = runner.invoke(app, ["forecast", str(tmp_path / "cols.csv"), "-m", "naive", "--target-col", "sales"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cols.csv: no target column 'sales'; the columns are 'ds', 'y'")


def test_unknown_model_and_output_type_are_usage_errors():
    assert runner.invoke(app, ["forecast", "nile", "-m", "prophet"]).exit_code == 2
    result = runner.invoke(app, ["forecast", "nile", "-m", "naive", "-o", "x.xlsx"])
    assert result.exit_code == 2
    assert "unknown file type .xlsx" in _flat(result.stderr)


def test_backtest_prints_scores_and_writes_report_and_scores(tmp_path):
    report, scores = tmp_path / "r.html", tmp_path / "s.csv"
    args = [
        "backtest",
        "uk_lung_deaths",
        "-m",
        "snaive",
        "-m",
        "drift",
        "-H",
        "6",
        "--windows",
        "2",
        "--report",
        str(report),
        "--scores",
        str(scores),
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [row["model"] for row in rows] == ["SeasonalNaive", "Drift"]
    assert report.read_text().startswith("<!DOCTYPE html>")
    written = pd.read_csv(scores)
    assert set(written["metric"]) >= {"mase", "smape", "mae", "rmse"}
    assert written["cutoff"].nunique() == 2


def test_backtest_refit_option_is_checked():
    result = runner.invoke(app, ["backtest", "nile", "-m", "naive", "--refit", "sometimes"])
    assert result.exit_code == 2
    assert "--refit 'sometimes' is not allowed" in _flat(result.stderr)


def test_benchmark_runs_the_standard_models_with_intervals():
    args = ["benchmark", "us_accidental_deaths", "--max-steps", "1", "--json", "-q", "--level", "80"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert all(0 <= row["cov 80%"] <= 100 for row in rows), rows
    assert all(row["MSIS 80"] > 0 for row in rows), rows
    assert [row["model"] for row in rows] == [
        "RNN",
        "LSTM",
        "GRU",
        "AutoARIMA",
        "ETS",
        "SeasonalNaive",
        "Naive",
    ]


def test_train_then_predict_round_trip(tmp_path):
    folder = tmp_path / "gru"
    train = [
        "train",
        "uk_lung_deaths",
        "-m",
        "gru",
        "-H",
        "6",
        "--max-steps",
        "1",
        "--hidden-size",
        "4",
        "--input-size",
        "12",
        "--save",
        str(folder),
        "--device",
        "cpu",
        "-q",
    ]
    result = runner.invoke(app, train)
    assert result.exit_code == 0, result.output
    assert (folder / "weights.safetensors").is_file()
    saved = runner.invoke(app, ["predict", "--model-dir", str(folder), "--json"])
    newer = runner.invoke(app, ["predict", "--model-dir", str(folder), "uk_lung_deaths", "-H", "3", "--json"])
    assert saved.exit_code == 0, saved.output
    assert newer.exit_code == 0, newer.output
    assert len(json.loads(saved.stdout)) == 12
    assert json.loads(newer.stdout)[:3] == json.loads(saved.stdout)[:3]  # same history, same forecast
    no_intervals = runner.invoke(app, ["predict", "--model-dir", str(folder), "--level", "80"])
    assert no_intervals.exit_code == 2
    assert "train --intervals" in _flat(no_intervals.stderr)
    calibrated = tmp_path / "calibrated"
    result = runner.invoke(app, [*train[:-4], str(calibrated), "--device", "cpu", "-q", "--intervals"])
    assert result.exit_code == 0, result.output
    with_intervals = runner.invoke(app, ["predict", "--model-dir", str(calibrated), "--level", "80", "--json"])
    assert with_intervals.exit_code == 0, with_intervals.output
    assert {"GRU-lo-80", "GRU-hi-80"} <= set(json.loads(with_intervals.stdout)[0])


def test_only_networks_can_be_trained_and_saved(tmp_path):
    result = runner.invoke(app, ["train", "nile", "-m", "ets", "--save", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "only rnn, lstm and gru" in _flat(result.stderr)
    missing = runner.invoke(app, ["predict", "--model-dir", str(tmp_path / "nothing")])
    assert missing.exit_code == 1
    assert "is not a saved forecastrnn model" in missing.stderr


def test_the_report_says_what_was_filled(tmp_path):
    (tmp_path / "gap.csv").write_text(
        "ds,y\n"
        + "".join(f"2020-{m:02d}-01,{m}\n" for m in range(1, 13) if m != 5)
        + "".join(f"2021-{m:02d}-01,{m + 12}\n" for m in range(1, 13))
    )
    report = tmp_path / "r.md"
    args = [
        "backtest",
        str(tmp_path / "gap.csv"),
        "-m",
        "naive",
        "-H",
        "3",
        "--windows",
        "1",
        "--missing",
        "ffill",
        "--report",
        str(report),
        "-q",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "filled 0 missing value(s) and 1 missing timestamp(s) by ffill" in report.read_text()


def test_ctrl_c_exits_130_cleanly(monkeypatch, tmp_path):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("forecastrnn.cli.forecast.prepare", interrupted)
    result = runner.invoke(app, ["forecast", "nile", "-m", "naive", "-o", str(tmp_path / "f.csv")])
    assert result.exit_code == 130
    assert result.stderr.strip() == "Interrupted."
    assert list(tmp_path.iterdir()) == []


def test_forecast_with_a_short_series_succeeds_and_says_what_was_done(tmp_path):
    t = pd.date_range("1990-01-01", periods=60, freq="MS")
    long = pd.DataFrame({"unique_id": "long", "ds": t, "y": 100 + (t.month % 12) * 3.0})
    short = pd.DataFrame({"unique_id": "short", "ds": t[-7:], "y": [5.0, 6, 7, 6, 5, 6, 7]})
    data = tmp_path / "panel.csv"
    pd.concat([long, short]).to_csv(data, index=False)
    out = tmp_path / "forecast.csv"
    args = ["forecast", str(data), "--model", "lstm", "--horizon", "6", "--max-steps", "20", "-q", "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "LSTM: 1 series handled specially ('short')" in result.stderr
    forecast = pd.read_csv(out)
    assert forecast.groupby("unique_id").size().to_dict() == {"long": 6, "short": 6}


def _no_work(monkeypatch):
    """Make fitting impossible: a check that is meant to come first must end the command."""

    def work(*args, **kwargs):
        raise AssertionError("the command started working before checking its outputs")

    for module in ("forecast", "backtest", "train"):
        monkeypatch.setattr(f"forecastrnn.cli.{module}.prepare", work)


UNWRITABLE = {
    "a folder as the file": (lambda tmp: tmp / "folder", "it is a folder; give a file name"),
    "a file as the folder": (lambda tmp: tmp / "file.txt" / "out", "is a file, so no folder can be made in it"),
    "/proc": (lambda tmp: "/proc/out", "no file can be created in /proc"),
}
COMMANDS = {
    "forecast": (["forecast", "nile", "-m", "naive", "--output"], ".csv"),
    "backtest --report": (["backtest", "nile", "-m", "naive", "--report"], ".md"),
    "backtest --scores": (["backtest", "nile", "-m", "naive", "--scores"], ".csv"),
    "backtest --output": (["backtest", "nile", "-m", "naive", "--output"], ".json"),
    "benchmark --report": (["benchmark", "nile", "--report"], ".html"),
    "predict": (["predict", "--model-dir", "nowhere", "--output"], ".parquet"),
    "datasets export": (["datasets", "export", "nile", "--output"], ".csv"),
    "train --save": (["train", "nile", "--save"], ""),
}


@pytest.mark.parametrize("place", UNWRITABLE)
@pytest.mark.parametrize("command", COMMANDS)
def test_an_unwritable_output_is_one_line_before_any_work(tmp_path, monkeypatch, command, place):
    _no_work(monkeypatch)
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "folder.md").mkdir()
    (tmp_path / "folder.json").mkdir()
    (tmp_path / "folder.html").mkdir()
    (tmp_path / "folder.parquet").mkdir()
    (tmp_path / "file.txt").write_text("x")
    args, suffix = COMMANDS[command]
    make, message = UNWRITABLE[place]
    target = f"{make(tmp_path)}{suffix}"
    if command == "train --save" and place == "a folder as the file":
        (tmp_path / "folder").write_text("a file")
        message = "it is a file, not a folder"
    line = _one_error_line(runner.invoke(app, [*args, target]))
    assert line.startswith(f"Error: cannot write {args[-1]} {target}: ")
    assert message in line


def test_a_missing_output_folder_is_created(tmp_path):
    target = tmp_path / "results" / "march" / "forecast.csv"
    result = runner.invoke(app, ["forecast", "nile", "-m", "naive", "-H", "2", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(target)) == 2


@pytest.mark.parametrize(
    "args",
    [
        ["forecast", "nile", "-m", "lstm", "--lr", "0"],
        ["forecast", "nile", "-m", "lstm", "--lr", "-0.1"],
        ["forecast", "nile", "-m", "lstm", "--seed", "-1"],
        ["forecast", "nile", "-m", "lstm", "--device", "gpu"],
        ["forecast", "nile", "-m", "lstm", "--dropout", "1"],
        ["forecast", "nile", "-m", "drift", "--level", "0"],
        ["forecast", "nile", "-m", "drift", "--level", "100"],
        ["forecast", "nile", "-m", "drift", "-H", "0"],
        ["forecast", "nile", "-m", "naive", "-m", "naive"],
        ["backtest", "nile", "-m", "naive", "--refit", "0"],
        ["backtest", "nile", "-m", "naive", "--windows", "0"],
        ["backtest", "nile", "-m", "naive", "--window", "sliding"],
        ["backtest", "nile", "-m", "naive", "--report", "report.pdf"],
        ["backtest", "nile", "-m", "naive", "--scores", "scores.txt"],
        ["train", "nile", "-m", "lstm", "--save", "m", "--ensemble", "0"],
        ["predict", "--model-dir", "m", "-o", "forecast.xlsx"],
        ["datasets", "export", "nile", "-o", "nile.parquet"],
    ],
)
def test_option_values_that_are_not_allowed_are_usage_errors_exit_2(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Usage: " in result.stderr
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    from forecastrnn.datasets import load
    from forecastrnn.models import GRUForecaster

    folder = tmp_path_factory.mktemp("saved") / "gru"
    GRUForecaster(hidden_size=4, max_steps=2, input_size=12, horizon=6, device="cpu").fit(load("uk_lung_deaths")).save(
        folder
    )
    return folder


def _copy(folder, tmp_path):
    import shutil

    return shutil.copytree(folder, tmp_path / "model")


def _edit_tensor(folder, key, edit):
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(folder / "weights.safetensors"))
    edit(tensors[key])
    save_file(tensors, str(folder / "weights.safetensors"))


def test_predict_with_a_forecast_that_falls_back_says_so_in_one_line(saved_model, tmp_path):
    folder = _copy(saved_model, tmp_path)
    _edit_tensor(folder, "network0.head.bias", lambda bias: bias.fill_(1e4))  # finite, but exp(1e4) is not
    result = runner.invoke(app, ["predict", "--model-dir", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Warning: GRUForecaster: ")
    assert "'female', 'male'" in line
    rows = json.loads(result.stdout)
    assert len(rows) == 12
    assert all(isinstance(row["GRU"], float) for row in rows)


@pytest.mark.parametrize(
    ("tensor", "message"),
    [
        ("network0.encoder.weight_hh_l0", "tensor network0.encoder.weight_hh_l0 holds values that are not finite"),
        ("tail_values", "tensor tail_values holds values that are not finite"),
    ],
)
def test_predict_with_nan_in_the_saved_model_is_one_line_exit_1(saved_model, tmp_path, tensor, message):
    folder = _copy(saved_model, tmp_path)
    _edit_tensor(folder, tensor, lambda values: values.fill_(float("nan")))
    line = _one_error_line(runner.invoke(app, ["predict", "--model-dir", str(folder), "-o", str(tmp_path / "f.csv")]))
    assert f"{folder / 'weights.safetensors'}: {message}" in line
    assert not (tmp_path / "f.csv").exists()


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("params", "hidden_size", 10**6, "params.hidden_size is 1000000, more than"),
        ("params", "num_layers", 10**4, "are too few for params.num_layers = 10000"),
        ("state", "input_size", 10**9, "state.input_size is 1000000000, not between"),
        ("params", "hidden_size", -1, "params hold a value that is not allowed"),
        ("params", "hidden_size", "64", "params.hidden_size is '64', not of type int"),
        ("state", "ids", None, "state.ids is missing"),
        ("params", "hidden_size", 5, "has shape [12, 2], but the configuration needs [15, 2]"),
    ],
)
def test_predict_with_a_tampered_configuration_is_one_line_exit_1(saved_model, tmp_path, section, key, value, message):
    folder = _copy(saved_model, tmp_path)
    config = json.loads((folder / "config.json").read_text())
    if value is None:
        del config[section][key]
    else:
        config[section][key] = value
    (folder / "config.json").write_text(json.dumps(config))
    line = _one_error_line(runner.invoke(app, ["predict", "--model-dir", str(folder)]))
    assert message in line


def test_train_never_replaces_a_folder_with_other_files(tmp_path, monkeypatch):
    _no_work(monkeypatch)
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "config.json").write_text('{"port": 8080}')
    (folder / "index.html").write_text("<html>")
    line = _one_error_line(runner.invoke(app, ["train", "nile", "--save", str(folder)]))
    assert f"{folder} is not empty and is not a saved forecastrnn model" in line
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "index.html"]


def test_backtest_scores_network_intervals(tmp_path):
    scores = tmp_path / "scores.csv"
    args = ["backtest", "uk_lung_deaths", "-m", "lstm", "-m", "snaive", "-H", "3", "--windows", "2", "--level", "80"]
    args += ["--max-steps", "1", "--hidden-size", "4", "--input-size", "12", "--device", "cpu", "-q"]
    result = runner.invoke(app, [*args, "--scores", str(scores)])
    assert result.exit_code == 0, result.output
    metrics = set(pd.read_csv(scores).query("model == 'LSTM'")["metric"])
    assert {"coverage_80", "msis_80", "width_80", "pinball_80"} <= metrics
    assert "cov 80%" in result.stdout


def test_backtest_network_intervals_fit_a_sliding_training_window():
    # each fit chooses its calibration windows from its own training part: 40 values hold 3
    # windows of 12, not the 5 a single series would want
    args = ["backtest", "air_passengers", "-m", "lstm", "-H", "12", "--windows", "2", "--level", "80"]
    args += ["--window", "sliding", "--train-size", "40", "--max-steps", "1", "--hidden-size", "4", "--device", "cpu"]
    result = runner.invoke(app, [*args, "--input-size", "12", "-q", "--json"])
    assert result.exit_code == 0, result.output
    assert 0 <= json.loads(result.stdout)[0]["cov 80%"] <= 100
