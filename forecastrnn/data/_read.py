"""Read a CSV or Parquet file into a DataFrame of raw strings, sniffing encoding and delimiter.

Nothing is interpreted here (no dates, no numbers): parsing happens later, where errors can
name the column and line of the offending value.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from ..errors import DataError
from ._origin import ROW, Origin

DELIMITERS = (",", ";", "\t", "|")
_SNIFF_LINES = 50


def decode(raw: bytes, encoding: str | None, name: str) -> str:
    """Decode file bytes: the given encoding, else UTF-8 (with or without BOM), cp1252, latin-1."""
    if encoding is not None:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(
                f"{name}: cannot decode the file as {encoding!r} ({exc}). "
                "Pass the file's real encoding, or leave encoding unset to detect it."
            ) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict")
    for candidate in ("utf-8", "cp1252", "latin-1"):
        try:
            return raw.decode(candidate)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number (>= 1) of extra fields.

    Among consistent candidates the one with most fields wins; a file whose lines agree on
    none (a single column) is read as comma-separated.
    """
    lines = [line for line in text.splitlines()[:_SNIFF_LINES] if line.strip()]
    best, best_count = ",", 0
    for delimiter in DELIMITERS:
        counts = {line.count(delimiter) for line in lines}
        if len(counts) == 1:
            count = counts.pop()
            if count > best_count:
                best, best_count = delimiter, count
    return best


def read_text_table(text: str, *, sep: str, origin: Origin) -> pd.DataFrame:
    """Parse delimited text into strings; adds the private ``ROW`` column with line numbers."""
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            skipinitialspace=True,
        )
    except pd.errors.ParserError as exc:
        raise DataError(f"{origin.name}: cannot split the file into columns with delimiter {sep!r}: {exc}") from None
    frame.columns = [str(column).strip() for column in frame.columns]
    frame[ROW] = frame.index + 2  # line 1 is the header
    blank = frame.drop(columns=ROW).apply(lambda column: column.str.strip().eq("")).all(axis=1)
    frame = frame.loc[~blank].reset_index(drop=True)
    if frame.empty:
        raise DataError(f"{origin.name}: the file has a header but no data rows.")
    return frame


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


def read_table(path: Path, *, sep: str | None, encoding: str | None) -> tuple[pd.DataFrame, Origin, str | None]:
    """Read CSV/TSV (any extension but .parquet/.pq) or Parquet into a raw table.

    Returns the table, its origin and the delimiter used (``None`` for Parquet).
    """
    origin = Origin(name=path.name, is_file=True)
    if not path.exists():
        raise DataError(f"{path}: no such file. Check the path, or give the name of a bundled dataset.")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a data file.")
    if path.suffix.lower() in (".parquet", ".pq"):
        return read_parquet_table(path, origin), origin, None
    text = decode(path.read_bytes(), encoding, origin.name)
    if not text.strip():
        raise DataError(f"{origin.name}: the file is empty. Give a file with a header line and data rows.")
    sep = sep or sniff_delimiter(text)
    return read_text_table(text, sep=sep, origin=origin), origin, sep
