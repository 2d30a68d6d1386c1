"""Options shared by the commands that read data and build models (Annotated, for reuse)."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ._models import MODEL_HELP


class Missing(str, Enum):
    error = "error"
    interpolate = "interpolate"
    ffill = "ffill"
    zero = "zero"


class Strategy(str, Enum):
    direct = "direct"
    recursive = "recursive"
    seq2seq = "seq2seq"


class BackendChoice(str, Enum):
    joblib = "joblib"
    dask = "dask"


def _positive(value: float | None) -> float | None:
    if value is not None and not value > 0:
        raise typer.BadParameter(f"{value} is not allowed: give a number > 0.")
    return value


def _device(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", value):
        raise typer.BadParameter(f"{value!r} is not a device: give auto, cpu, cuda, cuda:N or mps.")
    return value


READ_OPTIONS = ("id_col", "time_col", "target_col", "freq", "date_format", "sep", "decimal", "sort")


def read_options(values: dict) -> dict:
    """The data-reading options among a command's arguments (its ``locals()``), for read_panel."""
    return {name: values[name] for name in READ_OPTIONS} | {"missing": values["missing"].value}


DATA_PANEL = "Data"
NETWORK_PANEL = "Recurrent networks"

Data = Annotated[
    str,
    typer.Argument(
        help="CSV/TSV/Parquet file, or the name of a bundled dataset (forecast also takes a directory: a "
        "partitioned Parquet dataset, forecast a batch of files at a time)."
    ),
]
Models = Annotated[
    list[str],
    typer.Option(
        "--model", "-m", help="Model(s), one column each: " + "; ".join(f"{k}: {v}" for k, v in MODEL_HELP.items())
    ),
]
Horizon = Annotated[
    int | None,
    typer.Option(
        "--horizon", "-H", min=1, help="Steps to forecast (default: the dataset's usual horizon, or one season)."
    ),
]
Levels = Annotated[
    list[int], typer.Option("--level", min=1, max=99, help="Prediction interval level in percent (repeatable).")
]
ConformalWindows = Annotated[
    int | None,
    typer.Option(
        "--conformal-windows",
        min=1,
        help="With --level: conformal intervals from N rolling windows of the horizon on the training data, for "
        "every model (without it the statistical models give their own intervals, and the networks calibrate on 1 "
        "window, up to 5 on panels of fewer than 19 series, no more than the longest training series holds).",
    ),
]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write the result to .csv, .parquet or .json.")]
IdCol = Annotated[str | None, typer.Option(help="Series id column (long format).", rich_help_panel=DATA_PANEL)]
TimeCol = Annotated[str | None, typer.Option(help="Time column.", rich_help_panel=DATA_PANEL)]
TargetCol = Annotated[str | None, typer.Option(help="Value column.", rich_help_panel=DATA_PANEL)]
Freq = Annotated[
    str | None,
    typer.Option(help="Frequency alias (MS, D, h, 30min, ...) (default: inferred).", rich_help_panel=DATA_PANEL),
]
DateFormat = Annotated[
    str | None,
    typer.Option(help="strftime format of the dates, e.g. %d/%m/%Y (default: ISO 8601).", rich_help_panel=DATA_PANEL),
]
Sep = Annotated[str | None, typer.Option(help="Field delimiter (default: sniffed).", rich_help_panel=DATA_PANEL)]
Decimal = Annotated[
    str | None, typer.Option(help="Decimal mark of the values, . or , (default: detected).", rich_help_panel=DATA_PANEL)
]
MissingOption = Annotated[
    Missing,
    typer.Option(
        "--missing", help="Missing values and timestamps: fail, or fill and report.", rich_help_panel=DATA_PANEL
    ),
]
Sort = Annotated[
    bool,
    typer.Option("--sort", help="Sort rows by time within each series instead of failing.", rich_help_panel=DATA_PANEL),
]
SeasonLength = Annotated[int | None, typer.Option(min=1, help="Season length (default: from the frequency).")]
InputSize = Annotated[
    int | None,
    typer.Option(min=1, help="Window length (default: 3 seasons or 3 horizons).", rich_help_panel=NETWORK_PANEL),
]
HiddenSize = Annotated[
    int | None, typer.Option(min=1, help="Hidden units (default: 64).", rich_help_panel=NETWORK_PANEL)
]
Layers = Annotated[
    int | None, typer.Option(min=1, help="Recurrent layers (default: 1).", rich_help_panel=NETWORK_PANEL)
]
Dropout = Annotated[
    float | None,
    typer.Option(min=0.0, max=0.99, help="Dropout between layers (default: 0).", rich_help_panel=NETWORK_PANEL),
]
Bidirectional = Annotated[
    bool, typer.Option("--bidirectional", help="Bidirectional encoder over the window.", rich_help_panel=NETWORK_PANEL)
]
StrategyOption = Annotated[
    Strategy | None,
    typer.Option("--strategy", help="direct (default), recursive or seq2seq.", rich_help_panel=NETWORK_PANEL),
]
MaxSteps = Annotated[
    int | None,
    typer.Option(
        "--max-steps",
        min=1,
        help="Training steps of --batch-size sampled windows (default: 6000); cost does not grow with the data.",
        rich_help_panel=NETWORK_PANEL,
    ),
]
BatchSize = Annotated[int | None, typer.Option(min=1, help="Batch size (default: 32).", rich_help_panel=NETWORK_PANEL)]
LearningRate = Annotated[
    float | None,
    typer.Option("--lr", callback=_positive, help="Learning rate (default: 0.001).", rich_help_panel=NETWORK_PANEL),
]
Device = Annotated[
    str | None,
    typer.Option(callback=_device, help="auto, cpu, cuda or mps (default: auto).", rich_help_panel=NETWORK_PANEL),
]
Ensemble = Annotated[
    int | None,
    typer.Option(min=1, help="Networks per model, forecasts averaged (default: 1).", rich_help_panel=NETWORK_PANEL),
]
Seed = Annotated[int, typer.Option(min=0, help="Random seed of the networks.")]
Jobs = Annotated[int, typer.Option("--n-jobs", help="Parallel workers for the statistical models.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]
Json = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
BackendOption = Annotated[
    BackendChoice,
    typer.Option(
        "--backend",
        help="Where the statistical models' per-series work and the backtest's fits run: joblib (this machine, "
        "--n-jobs) or dask (a cluster: --scheduler, else a LocalCluster sized to this machine; needs "
        "pip install forecastrnn\\[dask]).",
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option("--scheduler", help="Address of a running Dask scheduler, e.g. tcp://host:8786 (--backend dask)."),
]
