"""``forecast`` on a partitioned Parquet dataset (a directory): a batch of files at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from forecastrnn.errors import ConfigError

from ._models import RECURRENT, NetworkOptions, build_models, set_conformal
from ._output import WRITERS
from ._progress import model_progress

_FILE_ONLY = ("id_col", "time_col", "target_col", "date_format", "sep", "decimal", "sort")
"""Reading options of single files; a dataset's files hold ``unique_id``, ``ds`` and ``y``."""


def forecast_dataset(
    data: str,
    model_names: list[str],
    *,
    horizon: int | None,
    level: list[int],
    conformal_windows: int | None,
    season_length: int | None,
    seed: int,
    n_jobs: int,
    backend: str,
    scheduler: str | None,
    output: Path | None,
    read_options: dict[str, Any],
    quiet: bool,
) -> None:
    """Forecast every series of the dataset at ``data`` with local models (see
    :func:`forecastrnn.partitions.forecast_partitions`) and write a Parquet dataset to ``output``."""
    networks = [name for name in model_names if name.lower() in RECURRENT]
    if networks:
        raise ConfigError(
            f"{data} is a directory (a partitioned Parquet dataset), forecast a batch of files at a time, which only "
            f"the statistical models can do; --model {networks[0]} trains on the whole panel: give it one file, or "
            "train it on a file (train --save DIR) and forecast the dataset with predict --model-dir DIR."
        )
    given = [name for name in _FILE_ONLY if read_options.get(name)]
    if given:
        flag = "--" + given[0].replace("_", "-")
        raise ConfigError(f"{flag} applies to a single file; the files of a dataset hold unique_id, ds and y columns.")
    if horizon is None:
        raise ConfigError(f"{data} is a directory (a partitioned Parquet dataset): give --horizon.")
    check_dataset_output(data, output)
    models = build_models(
        model_names, horizon=horizon, season_length=season_length, seed=seed, n_jobs=n_jobs, network=NetworkOptions()
    )
    set_conformal(models, model_names, level, conformal_windows)
    run_partitions(
        data, models, horizon, output, level=level, read_options=read_options, backend=backend,
        scheduler=scheduler, n_jobs=n_jobs, quiet=quiet,
    )  # fmt: skip


def check_dataset_output(data: str, output: Path | None) -> None:
    """A dataset's forecasts need an output directory (checked before any work)."""
    if output is None or output.suffix.lower() in WRITERS or output.is_file():
        raise ConfigError(
            f"{data} is a directory (a partitioned Parquet dataset): give --output DIR, a directory for the "
            "forecasts (written as a Parquet dataset)."
        )


def run_partitions(
    data: str,
    models: list[Any],
    horizon: int,
    output: Path,
    *,
    level: list[int],
    read_options: dict[str, Any],
    backend: str,
    scheduler: str | None,
    n_jobs: int,
    quiet: bool,
) -> None:
    """Forecast the dataset at ``data`` batch by batch with progress, then report fallbacks and
    where the forecasts went."""
    from forecastrnn.partitions import forecast_partitions

    with model_progress(1, quiet) as update:
        update("forecasting the first batch of files")

        def progress(done: int, total: int) -> None:
            update(f"forecast {done}/{total} batches of files")

        summary = forecast_partitions(
            data,
            models,
            horizon,
            output,
            level=level,
            freq=read_options.get("freq"),
            missing=read_options.get("missing", "error"),
            backend=backend,
            scheduler=scheduler,
            n_jobs=n_jobs,
            callback=progress,
        )
        update("done", advance=1)
    for column, fallbacks in summary["fallbacks"].items():
        if fallbacks:
            shown = ", ".join(map(repr, list(fallbacks)[:5])) + (" ..." if len(fallbacks) > 5 else "")
            typer.echo(f"Note: {column}: {len(fallbacks)} series handled specially ({shown}).", err=True)
    if not quiet:
        typer.echo(
            f"Forecast {summary['series']} series ({summary['batches']} batches of files), {horizon} steps: "
            f"written to {summary['output']}",
            err=True,
        )
