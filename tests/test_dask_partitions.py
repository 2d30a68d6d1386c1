"""Partitioned Parquet in, partitioned Parquet out: the same forecasts as the panel in memory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecastrnn.errors import ConfigError, DataError
from forecastrnn.models import ETS, LSTMForecaster, SeasonalNaive
from forecastrnn.partitions import forecast_partitions

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


def test_networks_are_refused_with_the_reason(tmp_path):
    with pytest.raises(ConfigError, match="only the statistical"):
        forecast_partitions(tmp_path, LSTMForecaster(horizon=2), 2, tmp_path / "out")
