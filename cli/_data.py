"""Resolve DATA (a file or a bundled dataset name) into a validated panel, reporting fills."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import typer

from forecastrnn.errors import DataError


def load_panel(source: str, **read_options: Any) -> Any:
    """A panel from a CSV/Parquet path or a bundled dataset's name. Filled values are
    reported on stderr (one line), never silently, and kept in ``panel.attrs["filled"]`` for
    reports."""
    from forecastrnn.data import FilledValuesWarning, read_panel
    from forecastrnn.datasets import load

    path = Path(source)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FilledValuesWarning)
        if path.exists():
            panel = read_panel(path, **read_options)
        elif path.suffix or "/" in source:
            raise DataError(f"{source}: no such file. Check the path, or give a bundled dataset's name.")
        else:
            panel = load(source)  # an unknown name raises DataError naming the closest bundled ones
    notes = [str(warning.message) for warning in caught if issubclass(warning.category, FilledValuesWarning)]
    for note in notes:
        typer.echo(f"Note: {note}", err=True)
    panel.attrs["filled"] = " ".join(notes) if notes else "nothing was filled"
    return panel
