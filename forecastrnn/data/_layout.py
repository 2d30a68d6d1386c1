"""Recognise a table's layout (long, one series, or wide) and bring it to long format.

Long: an id column, a time column and a target column. One series: a time column and one
value column. Wide: a time column and one value column per series. Cells stay raw here.
"""

from __future__ import annotations

import pandas as pd

from ..errors import DataError
from ._origin import ROW, Origin
from ._parse import is_missing, looks_numeric

TIME_NAMES = ("ds", "date", "datetime", "timestamp", "time", "period", "month", "week", "day", "year")
"""Column names taken as the time column, in this order, when none is given."""


def _where(origin: Origin) -> str:
    return "lines" if origin.is_file else "rows"


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


def column_hints(
    columns: list[str], *, id_col: str | None, time_col: str | None, target_col: str | None, numbers: bool
) -> tuple[set[str], set[str]]:
    """The columns that :func:`to_long` will take as keys (time, series id) and, if ``numbers``
    (plain numbers are read as they are), as values, as far as their names tell before any cell
    is read: a hint for a fast reading."""
    lowered = {column.lower(): column for column in columns}

    def named(name: str | None) -> str | None:
        return None if name is None else name if name in columns else lowered.get(name.lower())

    time = named(time_col) if time_col else _detect_time_column(columns)
    series = named(id_col) if id_col else ("unique_id" if "unique_id" in columns else None)
    others = [column for column in columns if column not in (time, series)]
    target = named(target_col)
    if target is None and not target_col and (series is not None or len(others) == 1):
        target = "y" if "y" in others else others[0] if len(others) == 1 else None
    return {column for column in (time, series) if column}, ({target} - {None, time, series}) if numbers else set()


def _looks_textual(values: pd.Series) -> bool:
    """True when most non-missing cells are not numbers (an id column, not a value column)."""
    if pd.api.types.is_numeric_dtype(values):
        return False
    present = values[~is_missing(values)].astype(str).str.strip()
    if present.empty:
        return False
    return looks_numeric(present).mean() < 0.5


def _series_key(frame: pd.DataFrame, candidates: list[str], time: str) -> str | None:
    """The one candidate column that holds series ids in a long file, if exactly one does.

    An id column repeats its values. A textual one qualifies on that alone. A numeric one
    (store numbers) only as the file's first column (long files start with the key, wide ones
    with the time), holding few values (at least two rows per id) that explain every repeated
    timestamp (never one timestamp twice for the same id). On a tie the textual column wins.
    """
    times_repeat = frame[time].duplicated().any()
    textual = {column for column in candidates if _looks_textual(frame[column])}
    keys = []
    for column in candidates:
        values = frame[column]
        if not values.duplicated().any():
            continue
        if column in textual or (
            column == frame.columns[0]
            and times_repeat
            and values.nunique() * 2 <= len(values)
            and not frame.duplicated([column, time]).any()
        ):
            keys.append(column)
    if len(keys) > 1:
        keys = [column for column in keys if column in textual]
    return keys[0] if len(keys) == 1 else None


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
            "If the file has more columns, its delimiter may not be one of , ; tab | space: pass sep."
        )
    time = _find_column(columns, time_col, origin, "time", "time_col") if time_col else _detect_time_column(columns)
    others = [column for column in columns if column != time]

    if id_col is None and "unique_id" in others:
        id_col = "unique_id"
    if id_col is None and target_col is None and len(others) == 2:
        id_col = _series_key(frame, others, time)

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
        columns = {"unique_id": frame[series], "ds": frame[time], "y": frame[target], ROW: frame[ROW]}
        return _named(pd.DataFrame(columns, copy=False), series, time, target)

    if target_col:
        target = _find_column(columns, target_col, origin, "target", "target_col")
        others = [target]
    if len(others) == 1:
        name = others[0]
        series_id = default_id if name.lower() in ("y", "value", "values") else name
        long = pd.DataFrame({"unique_id": series_id, "ds": frame[time], "y": frame[name], ROW: frame[ROW]}, copy=False)
        return _named(long, None, time, name)

    textual = [column for column in others if _looks_textual(frame[column])]
    if textual:
        raise DataError(
            f"{origin.name}: read as wide format (column {time!r} for time, one column per series), but "
            f"column {textual[0]!r} does not hold numbers. If the file is in long format, pass id_col "
            "(the series key), time_col and target_col."
        )
    repeated = frame[time].duplicated(keep=False)
    if repeated.any():
        rows = frame.loc[repeated & frame[time].eq(frame.loc[repeated, time].iloc[0]), ROW].head(5).tolist()
        raise DataError(
            f"{origin.name}: read as wide format (column {time!r} for time, one column per series), but "
            f"{frame.loc[repeated, time].iloc[0]!r} appears more than once in {time!r} (at {_where(origin)} "
            f"{', '.join(map(str, rows))}). If the file is in long format, pass id_col (--id-col on the command "
            "line) naming the series key column, and target_col for the values."
        )
    long = frame.melt(id_vars=[time, ROW], value_vars=others, var_name="unique_id", value_name="y")
    return _named(long.rename(columns={time: "ds"})[["unique_id", "ds", "y", ROW]], None, time, None)


def _named(long: pd.DataFrame, series: str | None, time: str, target: str | None) -> pd.DataFrame:
    """``long`` with ``attrs['columns']``: the data's names of its columns, for error messages
    (``None`` for the values of a wide table: each series' own column)."""
    long.attrs["columns"] = {"unique_id": series, "ds": time, "y": target}
    return long
