"""Read a CSV or Parquet file into a DataFrame of raw cells, sniffing encoding and delimiter.

Nothing is interpreted here (no dates, no numbers): parsing happens later, where errors can
name the column and line of the offending value. Cells are kept exactly as written (no blanks
stripped), so that series ids are never altered. For speed the value column is read as floats
when every cell is a plain number or a missing-value marker, and the id and time columns
through pandas' type inference (read again as text when it made numbers of them); the cells
read the same either way.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ._origin import ROW, Origin
from ._parse import MISSING_MARKERS

DELIMITERS = (",", ";", "\t", "|", " ")
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
"""Tried in this order when no encoding is given (UTF-8 with or without BOM first)."""
_SNIFF_LINES = 50
_MISSING = sorted({form for marker in MISSING_MARKERS for form in (marker, marker.upper(), marker.title())})
"""The missing-value markers as written most often, read as NaN in a float column (any other
spelling makes the column text, parsed exactly later)."""
_TOO_MANY = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")

Hints = Callable[[list[str]], tuple[set[str], set[str]]]
"""Column names -> (key columns, value columns), as far as the names tell."""


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number (>= 2) of fields.

    Quotes are respected. At least half of the rows must agree (a malformed row is then
    reported, rather than the whole file read as one column), and the header must have as many
    fields or one fewer (R's ``write.table`` layout, whose rows start with a row name). Among
    those, a header with as many fields wins, then agreement of every row, then most fields,
    then the earlier delimiter; a space only when no other one fits. A file whose lines agree
    on none (a single column) is read as comma-separated.
    """
    lines = [line for line in text.splitlines()[:_SNIFF_LINES] if line.strip()]
    scores = {}
    for delimiter in DELIMITERS:
        counts = [len(fields) for fields in csv.reader(lines, delimiter=delimiter)]
        rows = counts[1:] or counts
        count = max(set(rows), key=lambda value: (rows.count(value), value))
        if count >= 2 and 2 * rows.count(count) >= len(rows) and counts[0] in (count, count - 1):
            scores[delimiter] = (counts[0] == count, rows.count(count) == len(rows), count)
    if len(scores) > 1:
        scores.pop(" ", None)
    return max(scores, key=lambda delimiter: scores[delimiter], default=",")


def _column_name(field: str) -> str:
    """A header field without surrounding blanks and quotes (``ds, "y"`` names ``y``)."""
    name = field.strip()
    return name[1:-1] if len(name) >= 2 and name[0] == name[-1] == '"' else name


def _header(text: str, sep: str) -> tuple[list[str], int]:
    """The header's fields and its line number: the first line that is not blank."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    for fields in reader:
        if any(field.strip() for field in fields):
            return [_column_name(field) for field in fields], reader.line_num
    return [], 0


def _blank(column: pd.Series) -> np.ndarray:
    """Which cells of a column as read are empty or blank."""
    if pd.api.types.is_float_dtype(column.dtype):
        return column.isna().to_numpy()
    return (column.eq("") | column.str.isspace()).to_numpy(dtype=bool)


def _numbers_rows(column: pd.Series, start: int) -> bool:
    """Whether a column holds the row numbers ``start, start + 1, ...`` (an index written out)."""
    expected = np.arange(start, start + len(column)).astype(str)
    return bool(np.array_equal(column.astype(str).str.strip().to_numpy(dtype=str), expected))


def _misaligned(line: int, fields: int | None, header: list[str], sep: str, origin: Origin) -> DataError:
    count = f"{fields} fields but the header has" if fields else "more fields than the header's"
    return DataError(
        f"{origin.at(line)}: the row has {count} {len(header)} ({', '.join(map(repr, header))}). "
        f"Quote values that contain the delimiter {sep!r}, or remove the extra fields."
    )


def _table(frame: pd.DataFrame, header: list[str], first_line: int, sep: str, origin: Origin) -> pd.DataFrame:
    """The cells under the header's names, with ``ROW`` (line numbers), from rows read with
    one field more than the header has (or as many); rows whose cells are all blank are dropped.

    An empty extra field (a delimiter at the end of the line) is dropped. When every row has
    the extra field and their first fields number the rows 1, 2, 3, ..., they are R's row names
    (``write.table`` writes one name fewer in the header than fields in the rows) and are
    dropped. Any other row with an extra field is an error naming its line. A column without a
    name is dropped when it is empty (delimiters at the end of the lines) or, first, numbers
    the rows from 0 or 1 (pandas' ``to_csv``, R's ``write.csv``); otherwise it is an error.
    """
    cells = list(frame.columns[: len(header)])
    extra = ~_blank(frame.iloc[:, -1]) if frame.shape[1] > len(header) else np.zeros(len(frame), dtype=bool)
    if extra.any():
        blank = np.logical_and.reduce([_blank(frame[column]) for column in cells]) & ~extra
        if not (extra | blank).all() or not _numbers_rows(frame.iloc[:, 0][~blank], 1):
            row = frame.index[0] if extra.all() else frame.index[extra][0]
            raise _misaligned(int(row) + first_line, len(header) + 1, header, sep, origin)
        cells = list(frame.columns[1:])
    kept = [(name, frame[column]) for name, column in zip(header, cells, strict=True)]
    for position, (name, column) in enumerate(kept):
        if name or _blank(column).all():
            continue
        if not (position == 0 and (_numbers_rows(column, 0) or _numbers_rows(column, 1))):
            raise DataError(
                f"{origin.name}: column {position + 1} has no name in the header but holds values. "
                "Give it a name (e.g. unique_id, ds or y), or remove it."
            )
    kept = [(name, column) for name, column in kept if name]  # trailing delimiters, row numbers
    rows = np.arange(first_line, first_line + len(frame), dtype=np.int32)
    table = pd.DataFrame({i: column for i, (_, column) in enumerate(kept)} | {len(kept): rows}, copy=False)
    table.columns = [*(name for name, _ in kept), ROW]
    floats = [i for i, (_, column) in enumerate(kept) if pd.api.types.is_float_dtype(column.dtype)]
    if len(kept) and _blank(table.iloc[:, (floats or [0])[0]]).any():  # a float column is quickest to check
        blank = np.logical_and.reduce([_blank(table.iloc[:, i]) for i in range(len(kept))])
        table = table.loc[~blank].reset_index(drop=True)
    if table.empty:
        raise DataError(f"{origin.name}: the file has a header but no data rows.")
    return table


class _Ragged(Exception):
    """A row has more fields than the header: read the file again, carefully."""


def _read_csv(
    path: Path,
    *,
    careful: bool,
    sep: str,
    encoding: str,
    header: list[str],
    header_line: int,
    keys: set[str],
    numbers: set[str],
) -> pd.DataFrame:
    """The rows after the header: one column per header field, plus (``careful``) one for an
    extra field; rows with fewer fields are padded with empty cells.

    Numbers are read as floats (missing-value markers NaN), everything else as text. Keys are
    left to pandas' type inference, much faster than asking for text, and read again as text
    when pandas made numbers of them ('001' -> 1). Raises ValueError when a number column
    holds anything else, UnicodeDecodeError for the wrong encoding, and for rows with too many
    fields :class:`_Ragged` (not careful) or DataError naming the line (careful).
    """
    width = len(header) + careful
    floats = [i for i, name in enumerate(header) if name in numbers]
    inferred = [i for i, name in enumerate(header) if name in keys and i not in floats]
    # skiprows is slow (checked on every line): the fast reading lets pandas skip the header
    placement = {"header": None, "skiprows": header_line} if careful else {"header": header_line - 1}
    options = {"sep": sep, "names": range(width), "index_col": False, "keep_default_na": False, "encoding": encoding}
    options |= {"skip_blank_lines": False, **placement}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # the first row is too long
            frame = pd.read_csv(
                path,
                dtype={i: "float64" if i in floats else str for i in range(width) if i not in inferred},
                na_values=dict.fromkeys(floats, _MISSING),
                **options,
            )
        converted = [i for i in inferred if not pd.api.types.is_string_dtype(frame[i].dtype)]
        if converted:
            text = pd.read_csv(path, usecols=converted, dtype=str, **options)
            frame[converted] = text[converted]
        return frame
    except pd.errors.ParserWarning:
        if not careful:
            raise _Ragged from None
        raise _misaligned(header_line + 1, None, header, sep, Origin(path.name, True)) from None
    except pd.errors.ParserError as exc:
        found = _TOO_MANY.search(str(exc))
        if found is None:
            raise DataError(f"{path.name}: cannot split the file into columns with delimiter {sep!r}: {exc}") from None
        if not careful:
            raise _Ragged from None
        raise _misaligned(int(found[2]), int(found[3]), header, sep, Origin(path.name, True)) from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path.name}: the file has a header but no data rows.") from None


def _read_cells(path: Path, options: dict, numbers: set[str]) -> pd.DataFrame:
    """:func:`_read_csv` with ``numbers`` as floats; all as text when one of them holds
    something else; carefully (as text) when a row has more fields than the header."""
    try:
        try:
            return _read_csv(path, **options, careful=False, numbers=numbers)
        except (DataError, UnicodeDecodeError, _Ragged):
            raise
        except (ValueError, TypeError):
            return _read_csv(path, **options, careful=False, numbers=set())
    except _Ragged:
        return _read_csv(path, **options, careful=True, numbers=set())


def read_parquet_table(path: Path, origin: Origin) -> pd.DataFrame:
    """Read a Parquet file as-is; adds the ``ROW`` column (1-based row numbers)."""
    try:
        frame = pd.read_parquet(path)
    except ImportError:
        raise DataError(
            f"{origin.name}: reading Parquet needs pyarrow. Install it with `pip install pyarrow`, "
            "or save the data as CSV."
        ) from None
    except Exception as exc:  # pyarrow raises many types for a corrupt file
        raise DataError(f"{origin.name}: cannot read the Parquet file: {exc}") from None
    if frame.empty:
        raise DataError(f"{origin.name}: the Parquet file has no rows.")
    frame = frame.reset_index(drop=True)
    frame[ROW] = frame.index + 1
    return frame


def _head(path: Path) -> bytes:
    """The file's first lines: up to the first ``_SNIFF_LINES`` that are not blank."""
    lines, filled = [], 0
    with path.open("rb") as handle:
        for line in handle:
            lines.append(line)
            filled += bool(line.strip())
            if filled == _SNIFF_LINES:
                break
    return b"".join(lines)


def read_table(
    path: Path, *, sep: str | None, encoding: str | None, hints: Hints | None = None
) -> tuple[pd.DataFrame, Origin, str | None]:
    """Read CSV/TSV (any extension but .parquet/.pq) or Parquet into a raw table.

    The encoding is the given one, else UTF-16 for a file that starts with its byte-order
    mark, else the first of :data:`ENCODINGS` that decodes the whole file. ``hints`` maps the
    column names to the likely key and value columns (read fast; cells keep their text
    either way). Returns the table, its origin and the delimiter used (``None`` for Parquet).
    """
    origin = Origin(name=path.name, is_file=True)
    sep = "\t" if sep == "\\t" else sep
    if sep is not None and len(sep) != 1:
        raise DataError(f"sep={sep!r}: the delimiter must be one character, e.g. ',' ';' '|' or a tab ('\\t').")
    if not path.exists():
        raise DataError(f"{path}: no such file. Check the path, or give the name of a bundled dataset.")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a data file.")
    if path.suffix.lower() in (".parquet", ".pq"):
        return read_parquet_table(path, origin), origin, None
    head = _head(path)
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))  # Excel's "Unicode text"
    candidates = (encoding,) if encoding else ("utf-16",) if utf16 else ENCODINGS
    for candidate in candidates:
        try:  # a guess must decode the first lines; a given encoding is checked on the whole file
            sample = head.decode(candidate, errors="strict" if candidates == ENCODINGS else "replace")
        except UnicodeDecodeError:
            continue
        except LookupError as exc:
            raise DataError(f"{origin.name}: unknown encoding {encoding!r} ({exc}).") from None
        if not sample.strip():
            raise DataError(f"{origin.name}: the file is empty. Give a file with a header line and data rows.")
        sep = sep or sniff_delimiter(sample)
        header, header_line = _header(sample, sep)
        if not header:
            raise DataError(f"{origin.name}: found no column names in the first lines. The first line needs them.")
        keys, numbers = hints(header) if hints else (set(), set())
        numbers = set() if sep == ";" else numbers  # may write 1.023 for 1023: read as text, checked later
        options = {"sep": sep, "encoding": candidate, "header": header, "header_line": header_line, "keys": keys}
        try:
            frame = _read_cells(path, options, numbers)
        except UnicodeDecodeError as exc:
            if encoding:
                raise DataError(
                    f"{origin.name}: cannot decode the file as {encoding!r} ({exc}). "
                    "Pass the file's real encoding, or leave encoding unset to detect it."
                ) from None
            continue
        return _table(frame, header, header_line + 1, sep, origin), origin, sep
    raise DataError(f"{origin.name}: cannot decode the file as {encoding!r}. Pass the file's real encoding.")
