"""Turn raw string columns into numbers and timestamps, naming the line of the first bad value.

Numbers are read one way per column: decimal point or decimal comma, with or without thousands
separators (``1,234.5``, ``1.234,5``). A column whose numbers could be read two ways (``1,023``
is 1023 or 1.023) is an error asking which, never a guess. Times are ISO 8601 dates (or a
given format), ``YYYYMMDD`` whole numbers, or integer steps.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import DataError
from ._origin import ROW, Origin

MISSING_MARKERS = frozenset({"", "na", "nan", "+nan", "-nan", "n/a", "#n/a", "null", "none", "-", "?"})
"""Cell texts (case-insensitive) read as a missing value rather than as bad data."""

_PLAIN = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d*,\d+$")
_GROUPED = {  # thousands separator -> a number grouped by it (the other mark, if any, is the decimal)
    ",": re.compile(r"^[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d*)?$"),
    ".": re.compile(r"^[+-]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d*)?$"),
}
_ONE_GROUP = {",": re.compile(r"^[+-]?[1-9]\d{0,2},\d{3}$"), ".": re.compile(r"^[+-]?[1-9]\d{0,2}\.\d{3}$")}
_OTHER = {",": ".", ".": ","}
_INTEGER = re.compile(r"^[+-]?\d+$")
_YYYYMMDD = re.compile(r"^\d{8}$")
_YEARS = (1800, 2200)
_TZ_SUFFIX = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_SHOWN = 5


def is_missing(text: pd.Series) -> pd.Series:
    """Which cells hold a missing-value marker (empty, NA, NaN, null, ...)."""
    return text.fillna("").astype(str).str.strip().str.lower().isin(MISSING_MARKERS)


def looks_numeric(text: pd.Series) -> pd.Series:
    """Which (stripped) cells are numbers in some style: ``1.5``, ``1,5``, ``1,234.5``, ``1.234,5``."""
    style = text.str.match(_PLAIN) | text.str.match(_COMMA_DECIMAL)
    return (
        style
        | text.str.match(_GROUPED[","])
        | text.str.match(_GROUPED["."])
        | pd.to_numeric(text, errors="coerce").notna()
    )


def factorize(values: pd.Series, *, runs: bool = False) -> tuple[np.ndarray, pd.Series]:
    """Each cell's code (-1 for a missing one) and the distinct values (a categorical's as plain
    values), in order of first appearance. With ``runs``, values that come in runs (series ids
    of a file sorted by series) are factorized by the first cell of each run."""
    if runs and len(values) > 1 and not isinstance(values.dtype, pd.CategoricalDtype):
        try:
            changes = np.asarray(values.array[1:] != values.array[:-1], dtype=bool)
        except (TypeError, ValueError):  # missing values that do not compare (pd.NA)
            changes = np.ones(len(values) - 1, dtype=bool)
        heads = np.flatnonzero(np.r_[True, changes])
        if 2 * len(heads) <= len(values):
            codes, uniques = pd.factorize(values.iloc[heads])
            return np.repeat(codes, np.diff(np.r_[heads, len(values)])), pd.Series(uniques)
    codes, uniques = pd.factorize(values)
    return codes, pd.Series(np.asarray(uniques) if isinstance(values.dtype, pd.CategoricalDtype) else uniques)


def _lines(frame: pd.DataFrame, mask: pd.Series | np.ndarray) -> str:
    """The first lines (or rows) selected by ``mask``, each once (a wide file's line holds many cells)."""
    rows = pd.unique(frame.loc[mask, ROW])
    more = len(rows) - _SHOWN
    return ", ".join(str(row) for row in rows[:_SHOWN]) + (f" and {more} more" if more > 0 else "")


def _label(frame: pd.DataFrame, column: str, position: int) -> str:
    """The name, in the data, of the column of the cell at ``position``: ``frame.attrs['columns']``
    maps the long table's columns to the data's (for a wide file's values: the series' column)."""
    names = frame.attrs.get("columns", {})
    if column in names:
        return repr(names[column] or str(frame["unique_id"].iloc[position]))
    return repr(column)


def _where(origin: Origin) -> str:
    return "lines" if origin.is_file else "rows"


def _first(frame: pd.DataFrame, text: pd.Series, mask: pd.Series) -> tuple[str, str]:
    """The location and text of the first cell selected by ``mask``."""
    position = int(np.argmax(mask.to_numpy()))
    return f"{frame[ROW].iloc[position]}", repr(text.iloc[position])


def _number_style(frame: pd.DataFrame, column: str, text: pd.Series, origin: Origin, sep: str | None) -> str:
    """The decimal mark (``'.'`` or ``','``) that reads every number of the column one way.

    The other mark may only separate thousands. Raises DataError when the column mixes styles,
    when a number could be read both ways, and for decimal commas in a comma-separated file.
    """
    comma, dot = text.str.contains(",", regex=False), text.str.contains(".", regex=False)
    point = (dot & ~comma & text.str.match(_PLAIN) & ~text.str.match(_ONE_GROUP["."])) | (
        text.str.match(_GROUPED[","]) & (dot | text.str.count(",").gt(1))
    )
    decimal_comma = (comma & ~dot & text.str.match(_COMMA_DECIMAL) & ~text.str.match(_ONE_GROUP[","])) | (
        text.str.match(_GROUPED["."]) & (comma | text.str.count(r"\.").gt(1))
    )
    if point.any() and decimal_comma.any():
        (row_a, value_a), (row_b, value_b) = _first(frame, text, point), _first(frame, text, decimal_comma)
        label = _label(frame, column, int(np.argmax(decimal_comma.to_numpy())))
        raise DataError(
            f"{origin.at(int(row_b))}: column {label} holds {value_b}, a number with a decimal comma, but "
            f"{_where(origin)[:-1]} {row_a} holds {value_a}, with a decimal point. Write all numbers of the "
            "column one way, or pass decimal ('.' or ',') to say which mark is the decimal one."
        )
    if decimal_comma.any():
        if sep == ",":
            row, value = _first(frame, text, decimal_comma)
            label = _label(frame, column, int(np.argmax(decimal_comma.to_numpy())))
            raise DataError(
                f"{origin.at(int(row))}: column {label} holds {value}: the file seems to use decimal commas. "
                "Pass decimal=',' (--decimal , on the command line) to read them."
            )
        return ","
    ambiguous = text.str.match(_ONE_GROUP[","])
    if sep == ";":
        ambiguous |= _thousands_dots(text)
    if ambiguous.any() and not point.any():
        _ambiguous(frame, column, text, ambiguous, origin)
    return "."


def _thousands_dots(text: pd.Series) -> pd.Series:
    """Cells written like ``1.023``: in a ';'-separated file (the European convention) they may
    mean 1023."""
    return text.str.match(_ONE_GROUP["."])


def _ambiguous(frame: pd.DataFrame, column: str, text: pd.Series, mask: pd.Series, origin: Origin) -> None:
    """Raise the DataError for the first cell selected by ``mask``, whose number reads two ways."""
    position = int(np.argmax(mask.to_numpy()))
    value = text.iloc[position]
    if "," in value:
        as_point, as_comma = value.replace(",", ""), value.replace(",", ".")
    else:
        as_point, as_comma = value, value.replace(".", "")
    raise DataError(
        f"{origin.at(int(frame[ROW].iloc[position]))}: column {_label(frame, column, position)} holds {value!r}, "
        f"which reads as {as_point} if '.' is the decimal mark and as {as_comma} if ',' is. Pass "
        "decimal='.' or decimal=',' to say which (--decimal on the command line); the other mark is then "
        "read only between groups of thousands."
    )


def _arrow_floats(raw: pd.Series) -> pd.Series | None:
    """Fast path: pyarrow's cast of a string column with plain numbers only, else ``None``."""
    if raw.dtype == object or not pd.api.types.is_string_dtype(raw.dtype):
        return None
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return None
    try:
        values = pc.cast(pa.array(raw), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        return None
    return pd.Series(values.to_numpy(zero_copy_only=False), index=raw.index, dtype="float64")


def parse_numbers(
    frame: pd.DataFrame, column: str, origin: Origin, *, decimal: str | None = None, sep: str | None = None
) -> pd.Series:
    """Float values of a column; missing markers become NaN, anything else unparsable is an error.

    ``decimal`` is the decimal mark (``'.'`` or ``','``), detected when ``None``; the other mark
    is accepted only between groups of three digits (thousands). ``sep`` is the file's
    delimiter (decimal commas are not detected in a comma-separated file).
    """
    raw = frame[column]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        return raw.astype("float64")
    fast = _arrow_floats(raw) if decimal in (None, ".") else None
    if fast is not None:
        if decimal is None and sep == ";":  # plain numbers, but 1.023 may mean 1023 here
            text = raw.str.strip()
            dots = _thousands_dots(text)
            if dots.any() and not (text.str.contains(".", regex=False) & ~dots).any():
                _ambiguous(frame, column, text, dots, origin)
        return fast
    text = raw.astype(str).str.strip()
    missing = is_missing(raw)
    if decimal is None:
        marked = text.str.contains(",", regex=False) | text.str.contains(".", regex=False)
        decimal = _number_style(frame.loc[marked], column, text[marked], origin, sep)
    thousands = _OTHER[decimal]
    grouped = text.str.match(_GROUPED[thousands])
    cleaned = text.where(~grouped, text.str.replace(thousands, "", regex=False))
    cleaned = cleaned.str.replace(decimal, ".", regex=False).where(
        ~missing & (grouped | ~text.str.contains(thousands, regex=False))
    )
    values = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    bad = values.isna() & ~missing
    if bad.any():
        position = int(np.argmax(bad.to_numpy()))
        style = f"{decimal!r} as decimal mark and {thousands!r} only between thousands"
        raise DataError(
            f"{origin.at(int(frame[ROW].iloc[position]))}: column {_label(frame, column, position)} holds "
            f"{raw.iloc[position]!r}, "
            f"which is not a number ({int(bad.sum())} such value(s), at {_where(origin)} {_lines(frame, bad)}). "
            f"Numbers are read with {style}; fix the value, or leave the cell empty to mark it missing."
        )
    return values


def _steps(frame: pd.DataFrame, column: str, text: pd.Series, codes: np.ndarray, origin: Origin) -> pd.Index:
    """Whole numbers as integer time steps, or as dates when all are valid ``YYYYMMDD`` dates.

    When most of them are such dates but some are not (a typo), that is an error naming one.
    """
    if text.str.match(_YYYYMMDD).all():
        dates = pd.DatetimeIndex(pd.to_datetime(text, format="%Y%m%d", errors="coerce"))
        valid = ~dates.isna() & (dates.year >= _YEARS[0]) & (dates.year <= _YEARS[1])
        if valid.all():
            return dates
        if 2 * valid.sum() >= len(valid):
            bad = ~valid[codes]
            raise DataError(
                f"{origin.at(int(frame.loc[bad, ROW].iloc[0]))}: column {_label(frame, column, 0)} holds dates "
                f"written YYYYMMDD (e.g. {text[valid].iloc[0]!r}), but {text[codes[np.argmax(bad)]]!r} is not a "
                f"valid date ({frame.loc[bad, ROW].nunique()} such line(s): {_lines(frame, bad)}). Fix those values."
            )
    try:
        return pd.Index(text.astype("int64"))
    except (OverflowError, ValueError):
        huge = text.map(lambda value: not -(2**63) <= int(value) < 2**63).to_numpy()[codes]
        raise DataError(
            f"{origin.at(int(frame.loc[huge, ROW].iloc[0]))}: column {_label(frame, column, 0)} holds "
            f"{text[codes[np.argmax(huge)]]!r}, too large for an integer time step. Write dates, or smaller steps."
        ) from None


def parse_times(frame: pd.DataFrame, column: str, origin: Origin, *, date_format: str | None) -> pd.Series:
    """Timestamps (or integer steps) of the time column.

    Without ``date_format`` dates must be ISO 8601 (``2020-01-31``, ``2020-01-31 13:00``,
    ``2020-01``); anything else is an error asking for the format, never a guess that could
    swap day and month. Whole numbers that are all valid ``YYYYMMDD`` dates (years 1800-2200)
    are dates; other whole numbers are integer time steps. Timestamps with a UTC offset are
    converted to UTC; mixing them with timestamps without one is an error. Each distinct text
    is parsed once.
    """
    raw = frame[column]
    if pd.api.types.is_datetime64_any_dtype(raw):
        return raw
    codes, uniques = factorize(raw)
    text = uniques.astype(object).astype(str).str.strip()
    empty = np.append(is_missing(text).to_numpy(), True)[codes]
    if empty.any():
        raise DataError(
            f"{origin.at(int(frame.loc[empty, ROW].iloc[0]))}: the time column {_label(frame, column, 0)} is empty "
            f"({frame.loc[empty, ROW].nunique()} time(s) missing, at {_where(origin)} {_lines(frame, empty)}). "
            "Every row needs a timestamp; remove those rows or fill in their times."
        )
    if date_format is None and text.str.match(_INTEGER).all():
        return pd.Series(_steps(frame, column, text, codes, origin).take(codes), index=raw.index)
    aware = text.str.contains(_TZ_SUFFIX).to_numpy()
    if aware.any() and not aware.all():
        naive_rows = ~aware[codes]
        raise DataError(
            f"{origin.at(int(frame.loc[naive_rows, ROW].iloc[0]))}: column {_label(frame, column, 0)} mixes "
            "timestamps with a "
            f"UTC offset (e.g. {text[codes[np.argmin(naive_rows)]]!r}) and without one (e.g. "
            f"{text[codes[np.argmax(naive_rows)]]!r}). Write all of them with an offset, or none."
        )
    try:
        times = pd.to_datetime(text, format=date_format or "ISO8601", errors="coerce", utc=bool(aware.any()))
    except ValueError as exc:
        label = _label(frame, column, 0)
        raise DataError(f"{origin.name}: column {label}: cannot parse times with {date_format!r}: {exc}") from None
    bad = times.isna().to_numpy()[codes]
    if bad.any():
        expected = f"the format {date_format!r}" if date_format else "ISO 8601 form (YYYY-MM-DD[ HH:MM[:SS]])"
        raise DataError(
            f"{origin.at(int(frame.loc[bad, ROW].iloc[0]))}: column {_label(frame, column, 0)} holds "
            f"{text[codes[np.argmax(bad)]]!r}, which is not a date in {expected} ({int(bad.sum())} such value(s), "
            f"at {_where(origin)} {_lines(frame, bad)}). Pass date_format (e.g. '%d/%m/%Y') to read other formats."
        )
    return pd.Series(pd.DatetimeIndex(times).take(codes), index=raw.index)
