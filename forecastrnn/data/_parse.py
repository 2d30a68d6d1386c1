"""Turn raw string columns into numbers and timestamps, naming the line of the first bad value."""

from __future__ import annotations

import re

import pandas as pd

from ..errors import DataError
from ._origin import ROW, Origin

MISSING_MARKERS = frozenset({"", "na", "nan", "n/a", "#n/a", "null", "none", "-", "?"})
"""Cell texts (case-insensitive) read as a missing value rather than as bad data."""

_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_TZ_SUFFIX = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_SHOWN = 5


def is_missing(text: pd.Series) -> pd.Series:
    """Which cells hold a missing-value marker (empty, NA, NaN, null, ...)."""
    return text.fillna("").astype(str).str.strip().str.lower().isin(MISSING_MARKERS)


def _lines(frame: pd.DataFrame, mask: pd.Series) -> str:
    rows = frame.loc[mask, ROW].head(_SHOWN).tolist()
    more = int(mask.sum()) - len(rows)
    return ", ".join(str(row) for row in rows) + (f" and {more} more" if more > 0 else "")


def guess_decimal(values: pd.Series, sep: str | None) -> str:
    """',' when the file is not comma-separated and its numbers are written like ``1,5``."""
    if sep == "," or pd.api.types.is_numeric_dtype(values):
        return "."
    text = values.astype(str).str.strip()
    return "," if text.str.match(_DECIMAL_COMMA).any() else "."


def parse_numbers(frame: pd.DataFrame, column: str, origin: Origin, *, decimal: str = ".") -> pd.Series:
    """Float values of a column; missing markers become NaN, anything else unparsable is an error."""
    raw = frame[column]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        return raw.astype("float64")
    text = raw.astype(str).str.strip()
    missing = is_missing(raw)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    values = pd.to_numeric(text.where(~missing), errors="coerce").astype("float64")
    bad = values.isna() & ~missing
    if bad.any():
        first = raw[bad].iloc[0]
        hint = (
            " The file seems to use decimal commas: pass decimal=',' (--decimal , on the command line)."
            if decimal == "." and _DECIMAL_COMMA.match(str(first).strip())
            else " Fix the value, or leave the cell empty to mark it missing."
        )
        raise DataError(
            f"{origin.at(int(frame.loc[bad, ROW].iloc[0]))}: column {column!r} holds {first!r}, "
            f"which is not a number ({int(bad.sum())} such value(s), at {_where(origin)} {_lines(frame, bad)})." + hint
        )
    return values


def _where(origin: Origin) -> str:
    return "lines" if origin.is_file else "rows"


def parse_times(frame: pd.DataFrame, column: str, origin: Origin, *, date_format: str | None) -> pd.Series:
    """Timestamps (or integer steps) of the time column.

    Without ``date_format`` dates must be ISO 8601 (``2020-01-31``, ``2020-01-31 13:00``,
    ``2020-01``); anything else is an error asking for the format, never a guess that could
    swap day and month. A column of whole numbers is read as integer time steps. Timestamps
    with a UTC offset are converted to UTC; mixing them with timestamps without one is an error.
    """
    raw = frame[column]
    if pd.api.types.is_datetime64_any_dtype(raw):
        return raw
    if pd.api.types.is_integer_dtype(raw) and date_format is None:
        return raw.astype("int64")
    text = raw.astype(str).str.strip()
    empty = is_missing(raw)
    if empty.any():
        raise DataError(
            f"{origin.at(int(frame.loc[empty, ROW].iloc[0]))}: the time column {column!r} is empty "
            f"({int(empty.sum())} time(s) missing, at {_where(origin)} {_lines(frame, empty)}). "
            "Every row needs a timestamp; remove those rows or fill in their times."
        )
    if date_format is None and text.str.match(_INTEGER).all():
        return text.astype("int64")
    aware = text.str.contains(_TZ_SUFFIX)
    if aware.any() and not aware.all():
        raise DataError(
            f"{origin.at(int(frame.loc[~aware, ROW].iloc[0]))}: column {column!r} mixes timestamps with a "
            f"UTC offset (e.g. {text[aware].iloc[0]!r}) and without one (e.g. {text[~aware].iloc[0]!r}). "
            "Write all of them with an offset, or none."
        )
    try:
        times = pd.to_datetime(text, format=date_format or "ISO8601", errors="coerce", utc=bool(aware.any()))
    except ValueError as exc:
        raise DataError(f"{origin.name}: column {column!r}: cannot parse times with {date_format!r}: {exc}") from None
    bad = times.isna()
    if bad.any():
        expected = f"the format {date_format!r}" if date_format else "ISO 8601 form (YYYY-MM-DD[ HH:MM[:SS]])"
        raise DataError(
            f"{origin.at(int(frame.loc[bad, ROW].iloc[0]))}: column {column!r} holds {text[bad].iloc[0]!r}, "
            f"which is not a date in {expected} ({int(bad.sum())} such value(s), at {_where(origin)} "
            f"{_lines(frame, bad)}). Pass date_format (e.g. '%d/%m/%Y') to read other formats."
        )
    return times
