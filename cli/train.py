"""``forecastrnn train`` (fit and save a network) and ``forecastrnn predict`` (forecast with it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forecastrnn.errors import ConfigError

from . import _options as o
from ._data import load_panel
from ._dataset import check_dataset_output, run_partitions
from ._errors import handle_errors
from ._models import RECURRENT, NetworkOptions, report_fallbacks
from ._output import check_output, emit
from ._progress import model_progress
from ._run import prepare
from .forecast import step_text

SaveDir = Annotated[Path, typer.Option("--save", help="Directory to save the trained model in.")]
ModelDir = Annotated[Path, typer.Option("--model-dir", help="Directory of a model saved by `forecastrnn train`.")]
NewData = Annotated[
    str | None,
    typer.Argument(
        help="Newer data to forecast from (file, bundled name, or a directory: a partitioned Parquet dataset); "
        "default: the training data."
    ),
]


@handle_errors
def train_command(
    data: o.Data,
    save: SaveDir,
    model: Annotated[str, typer.Option("--model", "-m", help="rnn, lstm or gru.")] = "lstm",
    horizon: o.Horizon = None,
    id_col: o.IdCol = None,
    time_col: o.TimeCol = None,
    target_col: o.TargetCol = None,
    freq: o.Freq = None,
    date_format: o.DateFormat = None,
    sep: o.Sep = None,
    decimal: o.Decimal = None,
    missing: o.MissingOption = o.Missing.error,
    sort: o.Sort = False,
    season_length: o.SeasonLength = None,
    input_size: o.InputSize = None,
    hidden_size: o.HiddenSize = None,
    layers: o.Layers = None,
    dropout: o.Dropout = None,
    bidirectional: o.Bidirectional = False,
    strategy: o.StrategyOption = None,
    max_steps: o.MaxSteps = None,
    batch_size: o.BatchSize = None,
    lr: o.LearningRate = None,
    device: o.Device = None,
    ensemble: o.Ensemble = None,
    seed: o.Seed = 0,
    intervals: Annotated[
        bool,
        typer.Option(
            "--intervals",
            help="Calibrate conformal prediction intervals so that `predict --level` works (trains one more copy).",
        ),
    ] = False,
    quiet: o.Quiet = False,
) -> None:
    """Train a recurrent model on DATA and save it (JSON + safetensors) for `forecastrnn predict`.

    Example:

      forecastrnn train monthly_classics --model gru --horizon 12 --save models/gru
    """
    from forecastrnn._atomic import check_writable
    from forecastrnn.models._persistence import check_save_target

    if model.lower() not in RECURRENT:
        raise ConfigError(f"--model {model!r}: only rnn, lstm and gru models can be trained and saved.")
    check_writable(save, folder=True, name=f"--save {save}")
    check_save_target(save)
    arguments = locals()
    network, read_options = NetworkOptions.pick(arguments), o.read_options(arguments)
    panel, _, (estimator,) = prepare(
        data,
        [model],
        horizon=horizon,
        season_length=season_length,
        seed=seed,
        n_jobs=1,
        network=network,
        read_options=read_options,
    )
    if intervals:
        estimator.set_params(conformal_windows="auto")
    evaluations = -(-estimator.max_steps // estimator.eval_every) * estimator.n_models
    with model_progress(evaluations, quiet) as update:
        estimator.fit(panel, callback=lambda record: update(step_text(estimator.column, record), 1))
    report_fallbacks(estimator)
    estimator.save(save)
    typer.echo(
        f"Saved {estimator.column} (horizon {estimator.horizon_}, {len(estimator.ids_)} series) to {save}", err=True
    )


@handle_errors
def predict_command(
    model_dir: ModelDir,
    data: NewData = None,
    horizon: o.Horizon = None,
    level: o.Levels = [],  # noqa: B006
    output: o.Output = None,
    as_json: o.Json = False,
    n_jobs: o.Jobs = 1,
    backend: o.BackendOption = o.BackendChoice.joblib,
    scheduler: o.Scheduler = None,
    quiet: o.Quiet = False,
) -> None:
    """Forecast with a saved model, from its training data or from newer DATA (no retraining);
    --level needs a model trained with --intervals. DATA may be a directory (a partitioned
    Parquet dataset): forecast a batch of files at a time (--backend dask: on a cluster) and
    written as a Parquet dataset to --output DIR.

    Example:

      forecastrnn predict --model-dir models/gru newer.csv --horizon 12 -o forecast.csv
    """
    from forecastrnn._backends import check_backend
    from forecastrnn.models import load_model

    check_backend(backend.value, scheduler)
    if data is not None and Path(data).is_dir():
        if as_json:
            raise ConfigError(f"{data} is a directory: its forecasts are written as a Parquet dataset, not --json.")
        check_dataset_output(data, output)
        model = load_model(model_dir)
        if level and not model.supports_intervals:
            raise ConfigError(
                f"{model_dir} was trained without intervals: train it again with --intervals for --level."
            )
        run_partitions(
            data, [model], horizon or model.horizon_, output, level=level, read_options={"freq": model.freq_},
            backend=backend.value, scheduler=scheduler, n_jobs=n_jobs, quiet=quiet,
        )  # fmt: skip
        return
    check_output(output)
    model = load_model(model_dir)
    history = None
    if data is not None:
        history = load_panel(data, freq=model.freq_)
    forecast = model.predict(horizon or model.horizon_, level=tuple(level), history=history)
    emit(forecast, output=output, as_json=as_json, title=f"Forecast by {model_dir}")
