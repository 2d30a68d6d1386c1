"""The Typer application: parses arguments, calls the library, prints. No forecasting logic here."""

from __future__ import annotations

import typer

from forecastrnn import __version__

from ._errors import options
from .backtest import backtest_command, benchmark_command
from .datasets import datasets_app
from .forecast import forecast_command
from .train import predict_command, train_command

app = typer.Typer(
    name="forecastrnn",
    help=(
        "Forecast time series from CSV files with recurrent networks (RNN, LSTM, GRU) and "
        "statistical baselines.\n\n"
        "Examples:\n\n"
        "  forecastrnn benchmark air_passengers --report report.html\n\n"
        "  forecastrnn forecast air_passengers --model lstm --model ets --horizon 12\n\n"
        "  forecastrnn backtest air_passengers -m lstm -m arima -m snaive --windows 3\n\n"
        "  forecastrnn datasets list\n\n"
        "  forecastrnn datasets show air_passengers\n\n"
        "  forecastrnn datasets export air_passengers --output air.csv"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("forecast")(forecast_command)
app.command("backtest")(backtest_command)
app.command("benchmark")(benchmark_command)
app.command("train")(train_command)
app.command("predict")(predict_command)
app.add_typer(datasets_app, name="datasets")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"forecastrnn {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    verbose: bool = typer.Option(False, "--verbose", help="Show tracebacks of errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Forecast time series from CSV files."""
    options["verbose"] = verbose


def main() -> None:
    """Console-script entry point."""
    app(prog_name="forecastrnn")
