"""--backend dask and --scheduler on the command line: the same output as joblib, clear errors."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from forecastrnn.cli import app

distributed = pytest.importorskip("distributed")
runner = CliRunner()


@pytest.fixture(scope="module")
def address():
    """A running scheduler with two single-threaded workers, as a cluster would offer."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def _json(arguments: list[str]) -> object:
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_forecast_on_a_scheduler_equals_joblib(address):
    command = ["forecast", "air_passengers", "-m", "ets", "-m", "snaive", "-H", "6", "--json", "-q"]
    assert _json([*command, "--backend", "dask", "--scheduler", address]) == _json(command)


def test_backtest_on_a_scheduler_equals_joblib(address):
    command = ["backtest", "air_passengers", "-m", "ets", "-m", "naive", "-H", "6", "--windows", "2", "--json"]
    local = _json([*command, "-q"])
    result = runner.invoke(app, [*command, "--backend", "dask", "--scheduler", address])
    assert result.exit_code == 0, result.output
    remote = json.loads(result.stdout)
    for row in local + remote:
        row.pop("seconds")  # the only column that may differ
    assert remote == local


def test_missing_dask_is_a_usage_error_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    for command in ("forecast", "backtest", "benchmark"):
        result = runner.invoke(app, [command, "air_passengers", "--backend", "dask"])
        assert result.exit_code == 2, result.output
        assert "pip install forecastrnn[dask]" in " ".join(result.output.replace("│", " ").split())
        assert "Traceback" not in result.output


def test_a_scheduler_without_dask_backend_is_refused():
    result = runner.invoke(app, ["forecast", "air_passengers", "-m", "snaive", "--scheduler", "tcp://h:8786"])
    assert result.exit_code == 2
    assert "--backend dask" in " ".join(result.output.replace("│", " ").split())
