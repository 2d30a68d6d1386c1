"""Bundled real time series: a registry of small CSV files in long format (``unique_id, ds, y``).

Installed as ``forecastrnn.datasets``. Sources and licences are in this folder's README.md.
Use :func:`list_datasets` to see them and :func:`load` to read one into a validated panel.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from forecastrnn.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Dataset", "dataset_path", "get_dataset", "list_datasets", "load"]


@dataclass(frozen=True)
class Dataset:
    """One bundled dataset: its file, frequency, season length and the usual forecast horizon."""

    name: str
    file: str
    freq: str
    season_length: int
    horizon: int
    description: str


_DATASETS = (
    Dataset(
        "air_passengers",
        "air_passengers.csv",
        "MS",
        12,
        12,
        "International airline passengers, monthly totals in thousands, 1949-1960 (Box & Jenkins).",
    ),
    Dataset("co2", "co2.csv", "MS", 12, 12, "Atmospheric CO2 at Mauna Loa, monthly mean ppm, 1988-2017 (NOAA)."),
    Dataset(
        "electricity_demand_half_hourly",
        "electricity_demand_half_hourly.csv",
        "30min",
        48,
        48,
        "Electricity demand in England and Wales, half-hourly MW, June-August 2000 (Taylor 2003).",
    ),
    Dataset(
        "monthly_classics",
        "monthly_classics.csv",
        "MS",
        12,
        12,
        "16 classic monthly series (travel, health, energy, retail, climate) for global models.",
    ),
    Dataset("nile", "nile.csv", "YS", 1, 10, "Annual flow of the Nile at Aswan, 10^8 m^3, 1871-1970."),
    Dataset(
        "nottingham_temperature",
        "nottingham_temperature.csv",
        "MS",
        12,
        12,
        "Mean monthly air temperature at Nottingham Castle, degrees F, 1920-1939.",
    ),
    Dataset(
        "sunspots",
        "sunspots.csv",
        "YS",
        1,
        10,
        "Yearly mean sunspot numbers, 1700-1988 (an 11-year cycle, no calendar season).",
    ),
    Dataset("uk_gas", "uk_gas.csv", "QS", 4, 8, "UK gas consumption, quarterly, millions of therms, 1960-1986."),
    Dataset(
        "uk_lung_deaths",
        "uk_lung_deaths.csv",
        "MS",
        12,
        12,
        "UK monthly deaths from bronchitis, emphysema and asthma, 1974-1979: two series, male and female.",
    ),
    Dataset(
        "us_accidental_deaths", "us_accidental_deaths.csv", "MS", 12, 12, "US monthly accidental deaths, 1973-1978."
    ),
)
_BY_NAME = {dataset.name: dataset for dataset in _DATASETS}


def list_datasets() -> list[Dataset]:
    """Every bundled dataset, sorted by name."""
    return list(_DATASETS)


def get_dataset(name: str) -> Dataset:
    """The registry entry for ``name``; DataError (with the closest names) when there is none."""
    try:
        return _BY_NAME[name]
    except KeyError:
        close = difflib.get_close_matches(name, _BY_NAME, n=3)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise DataError(f"no bundled dataset named {name!r}.{hint} Bundled: {', '.join(_BY_NAME)}.") from None


def dataset_path(name: str) -> Path:
    """Path of the dataset's CSV file inside the installed package."""
    return Path(str(resources.files(__name__).joinpath(get_dataset(name).file)))


def load(name: str) -> pd.DataFrame:
    """Read a bundled dataset into a validated panel (``unique_id, ds, y``)."""
    from forecastrnn.data import read_panel

    dataset = get_dataset(name)
    return read_panel(dataset_path(name), freq=dataset.freq)
