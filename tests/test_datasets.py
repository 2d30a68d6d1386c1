"""Bundled datasets: every one loads as a valid panel matching its registry entry."""

from __future__ import annotations

import pandas as pd
import pytest

from forecastrnn.data import read_panel
from forecastrnn.datasets import dataset_path, get_dataset, list_datasets, load
from forecastrnn.errors import DataError


@pytest.mark.parametrize("dataset", list_datasets(), ids=lambda d: d.name)
def test_every_dataset_loads_complete_and_regular(dataset):
    panel = load(dataset.name)
    assert list(panel.columns) == ["unique_id", "ds", "y"]
    assert panel["y"].notna().all()
    lengths = panel.groupby("unique_id").size()
    assert lengths.min() >= 2 * dataset.season_length + dataset.horizon
    inferred = read_panel(dataset_path(dataset.name)).attrs["freq"]
    assert pd.tseries.frequencies.to_offset(inferred) == pd.tseries.frequencies.to_offset(dataset.freq)


def test_registry_is_sorted_and_files_exist():
    names = [d.name for d in list_datasets()]
    assert names == sorted(names)
    assert 6 <= len(names) <= 10
    assert all(dataset_path(name).is_file() for name in names)


def test_known_values():
    air = load("air_passengers")
    assert len(air) == 144
    assert air["y"].iloc[[0, -1]].tolist() == [112.0, 432.0]
    lungs = load("uk_lung_deaths")
    assert sorted(lungs["unique_id"].unique()) == ["female", "male"]
    assert len(load("monthly_classics")["unique_id"].unique()) == 16


def test_unknown_name_suggests_the_closest():
    with pytest.raises(DataError, match=r"no bundled dataset named 'air_pasengers'. Did you mean 'air_passengers'"):
        get_dataset("air_pasengers")
