"""``forecastrnn backtest`` and ``forecastrnn benchmark``: rolling-origin evaluation and report."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from forecastrnn.errors import ConfigError
from forecastrnn.models._registry import benchmark_models

from . import _options as o
from ._errors import handle_errors
from ._models import NetworkOptions, set_conformal
from ._output import REPORTS, check_output, emit, write_frame
from ._progress import model_progress
from ._run import command_line, prepare

BENCHMARK_MODELS = benchmark_models()


class Window(str, Enum):
    expanding = "expanding"
    sliding = "sliding"


class Cutoffs(str, Enum):
    aligned = "aligned"
    per_series = "per-series"


Windows = Annotated[int, typer.Option("--windows", min=1, help="Number of forecast origins (cutoffs) per series.")]
CutoffsOption = Annotated[
    Cutoffs,
    typer.Option(
        "--cutoffs",
        help="aligned: the same calendar cutoffs for every series, counted back from the panel's end (series "
        "that end earlier are skipped where they have no values, and reported); per-series: counted back from "
        "each series' own end.",
    ),
]
Step = Annotated[int | None, typer.Option(min=1, help="Steps between cutoffs (default: the horizon).")]
Refit = Annotated[str, typer.Option(help="Refit at every cutoff (yes), only the first (no), or every k-th (k).")]
WindowOption = Annotated[Window, typer.Option("--window", help="Training window: expanding or sliding.")]
TrainSize = Annotated[int | None, typer.Option(min=1, help="Values per fit with --window sliding.")]
Report = Annotated[Path | None, typer.Option("--report", help="Write a report: report.html or report.md.")]
Scores = Annotated[
    Path | None,
    typer.Option("--scores", help="Write scores per series, cutoff, model, metric (.csv, .json, .parquet)."),
]


def parse_refit(text: str) -> bool | int:
    """yes/true/always -> True, no/false/never -> False, a whole number k -> k."""
    lowered = text.strip().lower()
    if lowered in ("yes", "true", "always"):
        return True
    if lowered in ("no", "false", "never"):
        return False
    if lowered.isdigit() and int(lowered) >= 1:
        return int(lowered)
    raise ConfigError(f"--refit {text!r} is not allowed: yes, no, or a whole number k >= 1 (every k-th cutoff).")


def run_backtest(
    data: str,
    model_names: list[str],
    *,
    horizon: int | None,
    level: list[int],
    windows: int,
    conformal_windows: int | None = None,
    step: int | None,
    refit: str,
    window: Window,
    train_size: int | None,
    cutoffs: Cutoffs,
    report: Path | None,
    scores: Path | None,
    output: Path | None,
    season_length: int | None,
    seed: int,
    n_jobs: int,
    network: NetworkOptions,
    read_options: dict[str, Any],
    quiet: bool,
    as_json: bool,
    backend: o.BackendChoice = o.BackendChoice.joblib,
    scheduler: str | None = None,
) -> None:
    """Backtest, print the aggregate table, write what was asked for."""
    from forecastrnn._backends import check_backend
    from forecastrnn.backtesting import backtest
    from forecastrnn.data import season_length_for
    from forecastrnn.report import BacktestReport, write_report

    refit_policy = parse_refit(refit)
    check_output(report, "--report", REPORTS)
    check_output(scores, "--scores")
    check_output(output)
    check_backend(backend.value, scheduler)
    panel, horizon, models = prepare(
        data,
        model_names,
        horizon=horizon,
        season_length=season_length,
        seed=seed,
        n_jobs=n_jobs,
        network=network,
        read_options=read_options,
    )
    set_conformal(models, model_names, level, conformal_windows)
    season = season_length or season_length_for(panel.attrs["freq"])
    with model_progress(len(models) * windows, quiet) as update:
        cv = backtest(
            panel,
            models,
            h=horizon,
            n_windows=windows,
            step=step,
            window=window.value,
            train_size=train_size,
            refit=refit_policy,
            level=tuple(level),
            cutoffs=cutoffs.value.replace("-", "_"),
            n_jobs=n_jobs,
            backend=backend.value,
            scheduler=scheduler,
            callback=lambda event: update(f"{event['model']}: cutoff {event['window']}/{event['n_windows']}", 1),
        )
    settings = {
        "horizon": horizon,
        "windows": windows,
        "step": step or horizon,
        "window": window.value,
        "refit": refit_policy,
        "cutoffs": cutoffs.value,
        "seed": seed,
        "season_length": season,
    }
    if window is Window.sliding:
        settings["train_size"] = train_size
    summary = BacktestReport.build(
        cv,
        panel,
        models,
        season_length=season,
        command=command_line(),
        data_name=data,
        settings=settings,
        level=tuple(level),
        filled=panel.attrs["filled"],
    )
    _note_skipped(cv, cutoffs)
    if report is not None:
        write_report(summary, report)
        typer.echo(f"Wrote the report to {report}", err=True)
    if scores is not None:
        write_frame(summary.scores, scores, "--scores")
        typer.echo(f"Wrote the scores to {scores}", err=True)
    if output is not None:
        write_frame(cv, output)
        typer.echo(f"Wrote the forecasts at every cutoff to {output}", err=True)
    headline = summary.headline().reset_index().rename(columns={"model": "model"})
    emit(
        headline.round(4),
        output=None,
        as_json=as_json,
        title=f"Backtest of {data}: {summary.best_text()}",
    )


def _note_skipped(cv: Any, cutoffs: Cutoffs) -> None:
    """One stderr line when series were skipped or partly evaluated at some cutoffs. (Fallbacks
    are one warning line per model from the backtest itself; missing forecasts one from the
    scoring.)"""
    from forecastrnn.backtesting import provenance

    line = provenance(cv).skipped_line()
    if line:
        hint = (
            " Use --cutoffs per-series to count back from each series' own end." if cutoffs is Cutoffs.aligned else ""
        )
        typer.echo(f"Note: {line}.{hint}", err=True)


@handle_errors
def backtest_command(
    data: o.Data,
    model: o.Models = ["lstm", "snaive"],  # noqa: B006 - typer reads the default, never mutates it
    horizon: o.Horizon = None,
    windows: Windows = 3,
    step: Step = None,
    refit: Refit = "yes",
    window: WindowOption = Window.expanding,
    train_size: TrainSize = None,
    cutoffs: CutoffsOption = Cutoffs.aligned,
    level: o.Levels = [],  # noqa: B006
    conformal_windows: o.ConformalWindows = None,
    report: Report = None,
    scores: Scores = None,
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
    """Rolling-origin backtest of the models on DATA: every model at every cutoff sees only the
    data up to it. Prints mean MASE and sMAPE per model (MAE and RMSE for a single series), MASE
    relative to seasonal naive and OWA against Naive2 (M4); --report writes tables and plots.

    Examples:

      forecastrnn backtest air_passengers --model lstm --model arima --model snaive --horizon 12 --windows 3

      forecastrnn backtest sales.csv -m gru -m ets --windows 5 --step 1 --refit no --report report.html
    """
    arguments = locals()
    run_backtest(
        data,
        model,
        horizon=horizon,
        level=level,
        windows=windows,
        conformal_windows=conformal_windows,
        step=step,
        refit=refit,
        window=window,
        train_size=train_size,
        cutoffs=cutoffs,
        report=report,
        scores=scores,
        output=output,
        season_length=season_length,
        seed=seed,
        n_jobs=n_jobs,
        network=NetworkOptions.pick(arguments),
        read_options=o.read_options(arguments),
        quiet=quiet,
        as_json=as_json,
        backend=backend,
        scheduler=scheduler,
    )


@handle_errors
def benchmark_command(
    data: o.Data,
    horizon: o.Horizon = None,
    windows: Windows = 1,
    cutoffs: CutoffsOption = Cutoffs.aligned,
    level: o.Levels = [],  # noqa: B006
    conformal_windows: o.ConformalWindows = None,
    report: Report = None,
    scores: Scores = None,
    season_length: o.SeasonLength = None,
    max_steps: o.MaxSteps = None,
    seed: o.Seed = 0,
    n_jobs: o.Jobs = 1,
    backend: o.BackendOption = o.BackendChoice.joblib,
    scheduler: o.Scheduler = None,
    quiet: o.Quiet = False,
    as_json: o.Json = False,
) -> None:
    """The standard comparison: RNN, LSTM and GRU against AutoARIMA, ETS, seasonal naive and
    naive, on the last HORIZON values of every series (--windows for more cutoffs); --level
    adds interval scores (the networks' intervals are conformal).

    Example:

      forecastrnn benchmark air_passengers --report report.html
    """
    run_backtest(
        data,
        BENCHMARK_MODELS,
        horizon=horizon,
        level=level,
        conformal_windows=conformal_windows,
        windows=windows,
        step=None,
        refit="yes",
        window=Window.expanding,
        train_size=None,
        cutoffs=cutoffs,
        report=report,
        scores=scores,
        output=None,
        season_length=season_length,
        seed=seed,
        n_jobs=n_jobs,
        network=NetworkOptions(max_steps=max_steps),
        read_options={},
        quiet=quiet,
        as_json=as_json,
        backend=backend,
        scheduler=scheduler,
    )
