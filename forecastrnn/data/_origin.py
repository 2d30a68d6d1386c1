"""Where a value came from, so that every data error can point at it."""

from __future__ import annotations

from dataclasses import dataclass

ROW = "__row__"
"""Private column carried through reading: the file line (or DataFrame row) of each value."""


@dataclass(frozen=True)
class Origin:
    """The source of a panel: a file (rows are line numbers) or an in-memory DataFrame."""

    name: str
    is_file: bool

    def at(self, row: int) -> str:
        """Human-readable location of one row, e.g. ``sales.csv, line 17``."""
        unit = "line" if self.is_file else "row"
        return f"{self.name}, {unit} {row}"
