"""``forecastrnn forecast DIR``: a partitioned Parquet dataset forecast batch by batch from the CLI."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from forecastrnn.cli import app
from forecastrnn.models import SeasonalNaive

pytest.importorskip("pyarrow")
runner = CliRunner()


def write_dataset(path) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    length = 30
    data = pd.DataFrame(
        {
            "unique_id": np.repeat(["a", "b", "c"], length),
            "ds": np.tile(pd.date_range("2019-01-01", periods=length, freq="MS"), 3),
            "y": 20 + rng.normal(0, 1, 3 * length).cumsum(),
        }
    )
    data.to_parquet(path, partition_cols=["unique_id"])
    return data


def test_a_directory_is_forecast_as_a_parquet_dataset(tmp_path):
    data = write_dataset(tmp_path / "sales")
    result = runner.invoke(
        app, ["forecast", str(tmp_path / "sales"), "-m", "snaive", "-H", "4", "-o", str(tmp_path / "fc")]
    )
    assert result.exit_code == 0, result.output
    assert "Forecast 3 series" in result.stderr
    found = pd.read_parquet(tmp_path / "fc").sort_values(["unique_id", "ds"]).reset_index(drop=True)
    expected = SeasonalNaive().fit(data).predict(4)
    pd.testing.assert_frame_equal(found[expected.columns], expected, check_dtype=False, check_categorical=False)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["-m", "lstm", "-H", "4", "-o", "fc"],
            r"only the statistical models can do; --model lstm trains on the whole.*predict --model-dir",
        ),
        (["-m", "ets", "-o", "fc"], r"give --horizon"),
        (["-m", "ets", "-H", "4"], r"give --output DIR"),
        (["-m", "ets", "-H", "4", "-o", "fc.csv"], r"give --output DIR"),
        (["-m", "ets", "-H", "4", "-o", "fc", "--id-col", "store"], r"--id-col applies to a single file"),
    ],
)
def test_what_a_dataset_cannot_take_is_a_one_line_usage_error(tmp_path, monkeypatch, arguments, message):
    write_dataset(tmp_path / "sales")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["forecast", "sales", *arguments])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert re.search(message, " ".join(result.stderr.replace("│", " ").split()))
    assert not (tmp_path / "fc").exists()


def test_a_saved_network_forecasts_a_dataset_batch_by_batch(tmp_path):
    data = write_dataset(tmp_path / "sales")
    data.to_csv(tmp_path / "sales.csv", index=False)
    model = tmp_path / "lstm"
    options = ["-H", "4", "--max-steps", "2", "--hidden-size", "4", "--input-size", "6", "--device", "cpu", "-q"]
    trained = runner.invoke(app, ["train", str(tmp_path / "sales.csv"), "-m", "lstm", *options, "--save", str(model)])
    assert trained.exit_code == 0, trained.output
    result = runner.invoke(
        app, ["predict", "--model-dir", str(model), str(tmp_path / "sales"), "-o", str(tmp_path / "fc")]
    )
    assert result.exit_code == 0, result.output
    assert "Forecast 3 series" in result.stderr
    found = pd.read_parquet(tmp_path / "fc").sort_values(["unique_id", "ds"]).reset_index(drop=True)
    single = runner.invoke(app, ["predict", "--model-dir", str(model), str(tmp_path / "sales.csv"), "--json"])
    expected = pd.DataFrame(json.loads(single.stdout))
    assert found["unique_id"].astype(str).tolist() == expected["unique_id"].tolist()
    np.testing.assert_allclose(found["LSTM"], expected["LSTM"], rtol=1e-5)
    asked = runner.invoke(
        app,
        ["predict", "--model-dir", str(model), str(tmp_path / "sales"), "-o", str(tmp_path / "fc2"), "--level", "80"],
    )
    assert asked.exit_code != 0
    assert "trained without intervals" in asked.stderr
    assert not (tmp_path / "fc2").exists()
