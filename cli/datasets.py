"""``forecastrnn datasets list | show NAME | export NAME``: the bundled real series."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ._errors import handle_errors

datasets_app = typer.Typer(help="List, inspect and export the bundled datasets.", no_args_is_help=True)


@datasets_app.command("list")
@handle_errors
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON on stdout."),
) -> None:
    """List the bundled datasets with their frequency, season length and usual horizon."""
    from forecastrnn.datasets import list_datasets

    rows = [
        {
            "name": d.name,
            "freq": d.freq,
            "season_length": d.season_length,
            "horizon": d.horizon,
            "description": d.description,
        }
        for d in list_datasets()
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Bundled datasets")
    for column in ("name", "freq", "season", "horizon", "description"):
        table.add_column(column, overflow="fold", justify="right" if column in ("season", "horizon") else "left")
    for row in rows:
        table.add_row(row["name"], row["freq"], str(row["season_length"]), str(row["horizon"]), row["description"])
    Console().print(table)


@datasets_app.command("show")
@handle_errors
def show_command(
    name: str = typer.Argument(..., help="Dataset name, as `forecastrnn datasets list` prints it."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON on stdout."),
) -> None:
    """Describe one dataset: its series, lengths, span, and first and last rows."""
    from forecastrnn.data import describe_panel
    from forecastrnn.datasets import get_dataset, load

    dataset = get_dataset(name)
    panel = load(name)
    summary = {
        "name": dataset.name,
        "description": dataset.description,
        "season_length": dataset.season_length,
        "horizon": dataset.horizon,
        **describe_panel(panel),
        "series_ids": [str(uid) for uid in panel["unique_id"].unique()],
    }
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    from rich.console import Console

    console = Console()
    console.print(f"[bold]{dataset.name}[/bold]: {dataset.description}")
    for key in (
        "series",
        "observations",
        "min_length",
        "max_length",
        "start",
        "end",
        "freq",
        "season_length",
        "horizon",
    ):
        console.print(f"  {key.replace('_', ' ')}: {summary[key]}")
    ids = summary["series_ids"]
    console.print(f"  series ids: {', '.join(ids[:20])}{' ...' if len(ids) > 20 else ''}")
    console.print(panel.head(3).to_string(index=False))
    console.print("...")
    console.print(panel.tail(3).to_string(index=False, header=False))


@datasets_app.command("export")
@handle_errors
def export_command(
    name: str = typer.Argument(..., help="Dataset name."),
    output: Path = typer.Option(None, "--output", "-o", help="File to write (CSV); default NAME.csv here."),
) -> None:
    """Write a dataset as a long-format CSV (unique_id, ds, y), a template for your own data."""
    import shutil

    from forecastrnn._atomic import atomic_path
    from forecastrnn.datasets import dataset_path, get_dataset

    from ._output import check_output

    target = output or Path(f"{get_dataset(name).name}.csv")
    check_output(target, types=(".csv",))
    with atomic_path(target) as temporary:
        shutil.copyfile(dataset_path(name), temporary)
    typer.echo(f"Wrote {target}", err=True)
