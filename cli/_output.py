"""Show a result frame on the terminal, as JSON, or write it atomically by file extension."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from forecastrnn._atomic import atomic_path, check_writable
from forecastrnn.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

WRITERS = (".csv", ".parquet", ".json")
REPORTS = (".html", ".htm", ".md")
_SHOWN_ROWS = 40


def to_records(frame: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: timestamps in ISO form, numpy scalars as Python numbers."""
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def check_output(path: Path | None, option: str = "--output", types: tuple[str, ...] = WRITERS) -> None:
    """Before any work: an output ``path`` (None: none asked for) has a known type and can be
    written. ConfigError (a usage error) for the type, ForecastRNNError for the place."""
    if path is None:
        return
    if path.suffix.lower() not in types:
        raise ConfigError(
            f"{option} {path}: unknown file type {path.suffix or '(none)'}; use one of {', '.join(types)}."
        )
    check_writable(path, name=f"{option} {path}")


def write_frame(frame: pd.DataFrame, path: Path, option: str = "--output") -> None:
    """Write by extension (.csv, .parquet, .json); the target appears whole or not at all."""
    check_output(path, option)
    suffix = path.suffix.lower()
    with atomic_path(path) as temporary:
        if suffix == ".csv":
            frame.to_csv(temporary, index=False)
        elif suffix == ".parquet":
            frame.to_parquet(temporary, index=False)
        else:
            temporary.write_text(json.dumps(to_records(frame), indent=1))


def show_frame(frame: pd.DataFrame, title: str) -> None:
    """A rich table of the first rows on stdout."""
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from forecastrnn.data import format_time

    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column), justify="right" if pd.api.types.is_numeric_dtype(frame[column]) else "left")
    for row in frame.head(_SHOWN_ROWS).itertuples(index=False):
        table.add_row(*[_number_text(value) if isinstance(value, float) else format_time(value) for value in row])
    console = Console()
    console.print(table)
    if len(frame) > _SHOWN_ROWS:
        console.print(f"... {len(frame) - _SHOWN_ROWS} more rows; write them all with --output FILE.")


def emit(frame: pd.DataFrame, *, output: Path | None, as_json: bool, title: str) -> None:
    """The one way commands hand a result to the user."""
    if output is not None:
        write_frame(frame, output)
        typer.echo(f"Wrote {len(frame)} rows to {output}", err=True)
    if as_json:
        typer.echo(json.dumps(to_records(frame)))
    elif output is None:
        show_frame(frame, title)


def _number_text(value: float) -> str:
    """Two decimals with thousands separators; scientific notation for magnitudes the
    separators would make unreadable (>= 1e12) or that two decimals would show as 0."""
    magnitude = abs(value)
    if magnitude >= 1e12 or 0 < magnitude < 0.01:
        return f"{value:.4g}"
    return f"{value:,.2f}"
