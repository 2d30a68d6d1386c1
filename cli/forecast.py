"""``forecastrnn forecast``: fit the chosen models on DATA and forecast the next steps."""

from __future__ import annotations

from pathlib import Path

import typer

from . import _options as o
from ._dataset import forecast_dataset
from ._errors import handle_errors
from ._models import RECURRENT, NetworkOptions, report_fallbacks, set_conformal
from ._output import check_output, emit
from ._progress import model_progress
from ._run import prepare


@handle_errors
def forecast_command(
    data: o.Data,
    model: o.Models = ["lstm"],  # noqa: B006 - typer reads the default list, never mutates it
    horizon: o.Horizon = None,
    level: o.Levels = [],  # noqa: B006
    conformal_windows: o.ConformalWindows = None,
    output: o.Output = None,
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
    n_jobs: o.Jobs = 1,
    backend: o.BackendOption = o.BackendChoice.joblib,
    scheduler: o.Scheduler = None,
    quiet: o.Quiet = False,
    as_json: o.Json = False,
) -> None:
    """Fit the models on DATA and forecast HORIZON steps after the end of every series.

    Examples:

      forecastrnn forecast air_passengers --model lstm --model ets --horizon 12

      forecastrnn forecast sales.csv --id-col store --time-col week --target-col units -o forecast.csv

      forecastrnn forecast sales.parquet -m ets -m arima --backend dask --scheduler tcp://host:8786

      forecastrnn forecast sales_dataset/ -m ets --horizon 12 -o forecasts/   (a Parquet dataset, batch by batch)
    """
    import pandas as pd

    from forecastrnn._backends import check_backend, parallel_backend

    arguments = locals()
    network, read_options = NetworkOptions.pick(arguments), o.read_options(arguments)
    check_backend(backend.value, scheduler)
    if Path(data).is_dir():
        forecast_dataset(
            data,
            model,
            horizon=horizon,
            level=level,
            conformal_windows=conformal_windows,
            season_length=season_length,
            seed=seed,
            n_jobs=n_jobs,
            backend=backend.value,
            scheduler=scheduler,
            output=output,
            read_options=read_options,
            quiet=quiet,
        )
        return
    check_output(output)
    panel, horizon, models = prepare(
        data,
        model,
        horizon=horizon,
        season_length=season_length,
        seed=seed,
        n_jobs=n_jobs,
        network=network,
        read_options=read_options,
    )
    set_conformal(models, model, level, conformal_windows)
    forecasts = None
    with (
        parallel_backend(backend.value, scheduler=scheduler, n_jobs=n_jobs),
        model_progress(len(models), quiet) as update,
    ):
        for number, (name, estimator) in enumerate(zip(model, models, strict=True), start=1):
            update(f"fitting {estimator.column} ({number}/{len(models)})")
            if name.lower() in RECURRENT:
                estimator.fit(panel, callback=lambda record, label=estimator.column: update(step_text(label, record)))
            else:
                estimator.fit(panel)
            report_fallbacks(estimator)
            levels = tuple(level) if estimator.supports_intervals else ()
            if level and not levels:
                typer.echo(f"Note: {estimator.column} gives point forecasts only (no --level intervals yet).", err=True)
            result = estimator.predict(horizon, level=levels)
            forecasts = result if forecasts is None else forecasts.merge(result, on=["unique_id", "ds"], how="outer")
            update(f"fitted {estimator.column}", advance=1)
    assert isinstance(forecasts, pd.DataFrame)
    emit(forecasts, output=output, as_json=as_json, title=f"Forecast of {data}, {horizon} steps")


def step_text(label: str, record: dict) -> str:
    """Progress line of a network's training from its callback record."""
    member = f" network {record['model'] + 1}/{record['n_models']}," if record.get("n_models", 1) > 1 else ""
    return f"fitting {label}:{member} step {record['step']}/{record['max_steps']}, loss {record['train_loss']:.4f}"
