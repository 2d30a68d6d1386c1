"""Steps shared by the commands that fit models: read DATA, settle the horizon, build models."""

from __future__ import annotations

import shlex
import sys
from typing import Any

from ._data import load_panel
from ._models import NetworkOptions, build_models


def command_line() -> str:
    """The command as typed, for reports that can be made again."""
    return "forecastrnn " + " ".join(shlex.quote(arg) for arg in sys.argv[1:])


def default_horizon(data: str, panel: Any, season_length: int | None) -> int:
    """A bundled dataset's usual horizon, else one season (at least one step)."""
    from forecastrnn.data import season_length_for
    from forecastrnn.datasets import get_dataset, list_datasets

    if data in {dataset.name for dataset in list_datasets()}:
        return get_dataset(data).horizon
    return max(season_length or season_length_for(panel.attrs["freq"]), 1)


def prepare(
    data: str,
    model_names: list[str],
    *,
    horizon: int | None,
    season_length: int | None,
    seed: int,
    n_jobs: int,
    network: NetworkOptions,
    read_options: dict[str, Any],
) -> tuple[Any, int, list[Any]]:
    """(panel, horizon, models) for a command."""
    panel = load_panel(data, **read_options)
    horizon = horizon or default_horizon(data, panel, season_length)
    models = build_models(
        model_names, horizon=horizon, season_length=season_length, seed=seed, n_jobs=n_jobs, network=network
    )
    return panel, horizon, models
