"""Recognise a table's layout (long, one series, or wide) and bring it to long format.

Long: an id column, a time column and a target column. One series: a time column and one
value column. Wide: a time column and one value column per series. Cells stay raw here.
"""

from __future__ import annotations

import pandas as pd

from ..errors import DataError
from ._origin import ROW, Origin
from ._parse import is_missing

TIME_NAMES = ("ds", "date", "datetime", "timestamp", "time", "period", "month", "week", "day", "year")
"""Column names taken as the time column, in this order, when none is given."""


def _find_column(columns: list[str], name: str, origin: Origin, role: str, option: str) -> str:
    if name in columns:
        return name
    lowered = {column.lower(): column for column in columns}
    if name.lower() in lowered:
        return lowered[name.lower()]
    raise DataError(
        f"{origin.name}: no {role} column {name!r}; the columns are {', '.join(map(repr, columns))}. "
        f"Pass {option} with one of them."
    )


def _detect_time_column(columns: list[str]) -> str:
    lowered = {column.lower(): column for column in columns}
    for name in TIME_NAMES:
        if name in lowered:
            return lowered[name]
    return columns[0]


def _looks_textual(values: pd.Series) -> bool:
    """True when most non-missing cells are not numbers (an id column, not a value column)."""
    if pd.api.types.is_numeric_dtype(values):
        return False
    present = values[~is_missing(values)].astype(str).str.strip()
    if present.empty:
        return False
    numeric = pd.to_numeric(present.str.replace(",", ".", regex=False), errors="coerce").notna()
    return numeric.mean() < 0.5


def to_long(
    frame: pd.DataFrame,
    *,
    id_col: str | None,
    time_col: str | None,
    target_col: str | None,
    origin: Origin,
    default_id: str,
) -> pd.DataFrame:
    """Columns ``unique_id, ds, y, ROW`` with raw cells, whatever the input layout."""
    columns = [column for column in frame.columns if column != ROW]
    if len(set(columns)) != len(columns):
        repeated = sorted({column for column in columns if columns.count(column) > 1})
        raise DataError(f"{origin.name}: column name(s) {', '.join(map(repr, repeated))} appear more than once.")
    if len(columns) < 2:
        raise DataError(
            f"{origin.name}: found one column ({columns[0]!r}); a time column and a value column are needed. "
            "If the file has more columns, its delimiter may not be one of , ; tab | : pass sep."
        )
    time = _find_column(columns, time_col, origin, "time", "time_col") if time_col else _detect_time_column(columns)
    others = [column for column in columns if column != time]

    if id_col is None and "unique_id" in others:
        id_col = "unique_id"
    if id_col is None and target_col is None and len(others) == 2:
        keys = [column for column in others if _looks_textual(frame[column]) and frame[column].duplicated().any()]
        if len(keys) == 1:
            id_col = keys[0]

    if id_col is not None:
        series = _find_column(columns, id_col, origin, "id", "id_col")
        values = [column for column in others if column != series]
        if target_col:
            target = _find_column(columns, target_col, origin, "target", "target_col")
        elif "y" in values:
            target = "y"
        elif len(values) == 1:
            target = values[0]
        else:
            raise DataError(
                f"{origin.name}: cannot tell which column holds the values among "
                f"{', '.join(map(repr, values))}. Pass target_col."
            )
        return pd.DataFrame({"unique_id": frame[series], "ds": frame[time], "y": frame[target], ROW: frame[ROW]})

    if target_col:
        target = _find_column(columns, target_col, origin, "target", "target_col")
        others = [target]
    if len(others) == 1:
        name = others[0]
        series_id = default_id if name.lower() in ("y", "value", "values") else name
        return pd.DataFrame({"unique_id": series_id, "ds": frame[time], "y": frame[name], ROW: frame[ROW]})

    textual = [column for column in others if _looks_textual(frame[column])]
    if textual:
        raise DataError(
            f"{origin.name}: read as wide format (column {time!r} for time, one column per series), but "
            f"column {textual[0]!r} does not hold numbers. If the file is in long format, pass id_col "
            "(the series key), time_col and target_col."
        )
    long = frame.melt(id_vars=[time, ROW], value_vars=others, var_name="unique_id", value_name="y")
    return long.rename(columns={time: "ds"})[["unique_id", "ds", "y", ROW]]
