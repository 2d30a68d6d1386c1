"""Partitioned Parquet in, partitioned Parquet out: the same forecasts as the panel in memory."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from forecastrnn.errors import ConfigError, DataError
from forecastrnn.models import ETS, LSTMForecaster, SeasonalNaive
from forecastrnn.partitions import BATCH_BYTES, _batches, _files, forecast_partitions

pytest.importorskip("pyarrow")


def panel(n: int = 6, length: int = 36, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = 50 + rng.normal(0, 1, (n, length)).cumsum(axis=1) + 5 * np.sin(2 * np.pi * np.arange(length) / 12)
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i}" for i in range(n)], length),
            "ds": np.tile(pd.date_range("2016-01-01", periods=length, freq="MS"), n),
            "y": values.ravel(),
        }
    )


def expected(data: pd.DataFrame) -> pd.DataFrame:
    models = [ETS(), SeasonalNaive()]
    first, second = (model.fit(data).predict(4, level=(80,)) for model in models)
    return first.merge(second, on=["unique_id", "ds"], how="outer")


def read_back(path) -> pd.DataFrame:
    found = pd.read_parquet(path)
    return found.sort_values(["unique_id", "ds"]).reset_index(drop=True)


@pytest.mark.parametrize("backend", ["joblib", "dask"])
def test_hive_partitioned_dataset_forecast_batch_by_batch_equals_in_memory(tmp_path, backend):
    if backend == "dask":
        pytest.importorskip("distributed")
        import distributed

        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
        scheduler = distributed.Client(cluster)
    else:
        scheduler = None
    data = panel()
    data.to_parquet(tmp_path / "in", partition_cols=["unique_id"])
    done = []
    try:
        summary = forecast_partitions(
            tmp_path / "in", [ETS(), SeasonalNaive()], 4, tmp_path / "out", level=(80,),
            backend=backend, scheduler=scheduler, batch_bytes=1, callback=lambda *a: done.append(a),
        )  # fmt: skip
    finally:
        if scheduler is not None:
            scheduler.close()
            cluster.close()
    assert summary["series"] == 6
    assert summary["batches"] == 6  # one file per batch at batch_bytes=1
    assert done[-1] == (6, 6)
    assert len(list((tmp_path / "out").glob("part-*.parquet"))) == 6
    pd.testing.assert_frame_equal(read_back(tmp_path / "out"), expected(data), check_dtype=False)


def test_plain_files_with_whole_series_and_a_rerun_replace_the_output(tmp_path):
    data = panel()
    (tmp_path / "in").mkdir()
    data[data["unique_id"] < "s3"].to_parquet(tmp_path / "in" / "a.parquet")
    data[data["unique_id"] >= "s3"].to_parquet(tmp_path / "in" / "b.parquet")
    for _ in range(2):
        summary = forecast_partitions(tmp_path / "in", [ETS(), SeasonalNaive()], 4, tmp_path / "out", level=(80,))
    assert summary["batches"] == 1
    pd.testing.assert_frame_equal(read_back(tmp_path / "out"), expected(data), check_dtype=False)


def test_a_bad_value_is_reported_with_its_file_and_series(tmp_path):
    data = panel()
    data.loc[40, "y"] = np.nan  # series s1
    data.to_parquet(tmp_path / "in", partition_cols=["unique_id"])
    with pytest.raises(DataError, match=r"^unique_id=s1.*series 's1' at 2016-05-01"):
        forecast_partitions(tmp_path / "in", SeasonalNaive(), 4, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in"]  # nothing half-written is left


def test_a_series_split_across_batches_is_refused(tmp_path):
    data = panel()
    (tmp_path / "in").mkdir()
    data.iloc[:50].to_parquet(tmp_path / "in" / "a.parquet")
    data.iloc[50:].to_parquet(tmp_path / "in" / "b.parquet")
    with pytest.raises(DataError, match="series 's1' is split across files"):
        forecast_partitions(tmp_path / "in", SeasonalNaive(), 4, tmp_path / "out", batch_bytes=1)


def test_an_untrained_network_is_refused_with_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="Fit it first"):
        forecast_partitions(tmp_path, LSTMForecaster(horizon=2), 2, tmp_path / "out")


def test_a_fitted_network_forecasts_each_batch_from_its_history(tmp_path):
    data = panel(n=5)
    network = LSTMForecaster(horizon=4, input_size=8, max_steps=20, n_models=1, conformal_windows=1, random_state=0)
    network.fit(data[data["unique_id"] != "s4"])  # s4 is new to it, as series outside a training sample are
    data.to_parquet(tmp_path / "in", partition_cols=["unique_id"])
    summary = forecast_partitions(
        tmp_path / "in", [network, SeasonalNaive()], 4, tmp_path / "out", level=(80,), n_jobs=2, batch_bytes=1
    )  # two processes: the fitted network travels to them
    assert summary["batches"] == 5
    got = read_back(tmp_path / "out")
    want = network.predict(4, level=(80,), history=data).sort_values(["unique_id", "ds"]).reset_index(drop=True)
    assert got["unique_id"].tolist() == want["unique_id"].tolist()
    for column in ("LSTM", "LSTM-lo-80", "LSTM-hi-80"):
        np.testing.assert_allclose(got[column], want[column], rtol=1e-5)
    assert got["SeasonalNaive"].notna().all()


def test_a_request_the_network_cannot_serve_is_refused_before_any_batch(tmp_path):
    data = panel(n=3)
    network = LSTMForecaster(horizon=4, input_size=8, max_steps=5, n_models=1, random_state=0).fit(data)
    data.to_parquet(tmp_path / "in", partition_cols=["unique_id"])
    (tmp_path / "in" / "unique_id=s0" / "broken.parquet").write_text("not parquet")  # a batch would fail on it
    with pytest.raises(ConfigError, match="longer than the horizon"):
        forecast_partitions(tmp_path / "in", network, 6, tmp_path / "out")
    with pytest.raises(ConfigError, match="without prediction intervals"):
        forecast_partitions(tmp_path / "in", [SeasonalNaive(), network], 4, tmp_path / "out", level=(80,))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # no output, no staging folder


PEAK_OF_A_RUN = """
import sys

import pyarrow.parquet

from forecastrnn.models import SeasonalNaive
from forecastrnn.partitions import forecast_partitions


def memory(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith(field))


idle = memory("VmRSS:")
forecast_partitions(sys.argv[1], SeasonalNaive(), 7, sys.argv[2])
print((memory("VmHWM:") - idle) // 2**20)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the peak (VmHWM) from /proc")
def test_a_default_batch_of_float_series_needs_far_less_than_a_1_gib_worker(tmp_path):
    # Such a batch takes 10-16x its size on disk in memory: the old default (64 MiB) peaked at ~700 MiB above an
    # idle process (909 MiB in a Dask worker, 89% of 1 GiB: paused); 16 MiB at ~200 MiB above it.
    (tmp_path / "in").mkdir()
    length, per_file = 500, 400
    rng = np.random.default_rng(0)
    written, number = 0, 0
    while written <= BATCH_BYTES:  # a full default batch, and some
        first = number * per_file
        pd.DataFrame(
            {
                "unique_id": np.repeat([f"s{i:05d}" for i in range(first, first + per_file)], length),
                "ds": np.tile(pd.date_range("2020-01-01", periods=length, freq="D"), per_file),
                "y": 50 + rng.normal(0, 1, (per_file, length)).cumsum(axis=1).ravel(),
            }
        ).to_parquet(tmp_path / "in" / f"part-{number:03d}.parquet", index=False)
        written += (tmp_path / "in" / f"part-{number:03d}.parquet").stat().st_size
        number += 1
    first_batch = _batches(_files(tmp_path / "in"), BATCH_BYTES)[0]
    assert sum(path.stat().st_size for path in first_batch) > 0.8 * BATCH_BYTES  # a full default batch
    run = subprocess.run(
        [sys.executable, "-c", PEAK_OF_A_RUN, str(tmp_path / "in"), str(tmp_path / "out")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert int(run.stdout.split()[-1]) < 450  # MiB above the idle process
