"""Build a validated panel (``unique_id, ds, y``) from a file or a DataFrame."""

from __future__ import annotations

import warnings
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ._frequency import Freq, describe_freq, find_gaps, format_time, infer_panel_freq, series_bounds
from ._layout import column_hints, to_long
from ._missing import FilledValuesWarning, fill_message, fill_missing
from ._origin import ROW, Origin
from ._parse import factorize, parse_numbers, parse_times
from ._read import read_table

_SHOWN = 5


def read_panel(
    source: str | Path | pd.DataFrame,
    *,
    id_col: str | None = None,
    time_col: str | None = None,
    target_col: str | None = None,
    freq: Freq | None = None,
    date_format: str | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    decimal: str | None = None,
    missing: str = "error",
    sort: bool = False,
    min_length: int | None = None,
) -> pd.DataFrame:
    """Read and validate data into a panel: columns ``unique_id, ds, y``, sorted, one frequency.

    ``source`` is a CSV/TSV/Parquet path or a DataFrame, in long format (id, time, target),
    one series (time, value) or wide format (time, one column per series). Column roles
    default to ``unique_id``/``ds``/``y`` or are detected; pass ``id_col``/``time_col``/
    ``target_col`` to name them. Delimiter, encoding and decimal mark are detected unless given
    (``decimal`` is ``'.'`` or ``','``; the other mark is read only as a thousands separator,
    and a number that reads two ways, like ``1,023``, is an error asking which). Series ids are
    kept exactly as written; ids that differ only by blanks around them are an error. Whole
    numbers that are all valid ``YYYYMMDD`` dates are dates, other whole numbers time steps.
    R's ``write.table``/``write.csv`` row names and pandas' index column are dropped; any other
    row with more fields than the header is an error naming its line.

    Missing values and missing timestamps are handled by ``missing`` (``error`` by default,
    ``interpolate``, ``ffill``, ``zero``); every filled point is reported through a
    :class:`FilledValuesWarning` whose ``report`` lists them. Dates going backwards within a
    series are an error unless ``sort=True``. The frequency is stored in ``panel.attrs['freq']``.

    Raises DataError with the file, column, line or series at fault and what to do.
    """
    if isinstance(source, pd.DataFrame):
        origin = Origin(name="the DataFrame", is_file=False)
        raw = source.reset_index(drop=True)
        raw.columns = [str(column) for column in raw.columns]
        if raw.empty:
            raise DataError("the DataFrame has no rows.")
        raw[ROW] = np.arange(len(raw))
        default_id, delimiter = "series", None
    else:
        path = Path(source)
        hints = partial(
            column_hints, id_col=id_col, time_col=time_col, target_col=target_col, numbers=decimal in (None, ".")
        )
        raw, origin, delimiter = read_table(path, sep=sep, encoding=encoding, hints=hints)
        default_id = path.stem
    long = to_long(raw, id_col=id_col, time_col=time_col, target_col=target_col, origin=origin, default_id=default_id)
    del raw  # from here only ``long`` holds the raw cells, and _typed drops them as it parses them
    panel, series = _typed(long, origin, date_format=date_format, decimal=decimal, sep=delimiter)
    del long
    panel, bounds = _ordered(panel, series, origin, sort=sort)
    inferred = freq is None
    if freq is None:
        freq = infer_panel_freq(panel, origin, bounds)
    elif isinstance(panel["ds"].dtype, np.dtype) and panel["ds"].dtype.kind == "i" and not isinstance(freq, int):
        raise DataError(f"{origin.name}: the time column holds integer steps; freq must be an integer, not {freq!r}.")
    gaps = find_gaps(panel, freq, origin, inferred=inferred, bounds=bounds)
    inserted = np.zeros(len(panel), dtype=bool)
    if len(gaps):
        numbers = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
        ids = pd.Index(panel["unique_id"].iloc[bounds[:-1]])
        numbers = np.r_[numbers, ids.get_indexer(gaps["unique_id"])]
        panel = pd.concat([panel, gaps.assign(y=np.nan, **{ROW: -1})], ignore_index=True)
        inserted = np.r_[inserted, np.ones(len(gaps), dtype=bool)]
        order = np.lexsort((_ticks(panel["ds"]), numbers))
        panel, inserted = panel.take(order).reset_index(drop=True), inserted[order]
    report = fill_missing(panel, inserted, missing, origin)
    if len(report):
        warnings.warn(FilledValuesWarning(fill_message(report, missing, origin), report), stacklevel=2)
    panel = panel[["unique_id", "ds", "y"]]
    panel.attrs["freq"] = freq
    if min_length is not None:
        check_min_length(panel, min_length, origin_name=origin.name)
    return panel


def _series_ids(long: pd.DataFrame, origin: Origin) -> tuple[pd.Series, np.ndarray]:
    """The ids, unaltered, and each row's series number in the sorted order of the ids.

    Empty ids, ids that differ only by blanks around them (``'a'`` and ``' a'``) and ids of
    different types that read the same as text (``1`` and ``'1'``) are errors. Ids of mixed
    types (``1`` and ``'a'``) that read differently as text become text.
    """
    ids = long["unique_id"]
    codes, uniques = factorize(ids, runs=True)
    text = uniques.astype(str) if uniques.dtype == object else uniques
    empty = np.zeros(len(uniques), dtype=bool)
    if pd.api.types.is_string_dtype(text.dtype):
        stripped = text.str.strip()
        empty = stripped.eq("").to_numpy()
        twins = np.flatnonzero(stripped.duplicated(keep=False).to_numpy())
        if len(twins) and not empty.any():
            pair = twins[stripped.iloc[twins].to_numpy() == stripped.iat[twins[0]]][:2]
            (row_a, a), (row_b, b) = sorted((_row_of(long, codes, code), uniques.iat[code]) for code in pair)
            unit = _where(origin)[:-1]
            raise DataError(
                f"{origin.name}: series ids {a!r} ({unit} {row_a}) and {b!r} ({unit} {row_b}) "
                + (
                    "are different values that read the same as text. Give the series distinct ids."
                    if str(a) == str(b)
                    else "differ only by blanks around them. Remove the blanks if they are one series, "
                    "or give them distinct ids."
                )
            )
    if empty.any() or (codes < 0).any():
        row = int(long.loc[(codes < 0) | empty[codes], ROW].iloc[0])
        raise DataError(f"{origin.at(row)}: the series id is empty. Every row needs the id of its series.")
    if isinstance(ids.dtype, pd.CategoricalDtype):  # categorical ids (a DataFrame's) as plain values
        ids = pd.Series(uniques.array.take(codes), index=ids.index)
    try:
        order = np.argsort(uniques.to_numpy(), kind="stable")
    except TypeError:  # ids of types that do not compare, e.g. 1 and 'a': compared as text
        ids, uniques = pd.Series(text.to_numpy()[codes], index=ids.index), text
        order = np.argsort(uniques.to_numpy(), kind="stable")
    small = np.min_scalar_type(len(uniques))  # a stable sort of 16-bit numbers is a fast radix sort
    if np.array_equal(order, np.arange(len(uniques))):  # ids first seen in sorted order (a sorted file)
        return ids, codes.astype(small)
    rank = np.empty(len(uniques), dtype=small)
    rank[order] = np.arange(len(uniques))
    return ids, rank[codes]


def _row_of(long: pd.DataFrame, codes: np.ndarray, code: int) -> int:
    return int(long[ROW].iloc[int(np.argmax(codes == code))])


def _where(origin: Origin) -> str:
    return "lines" if origin.is_file else "rows"


def _typed(
    long: pd.DataFrame, origin: Origin, *, date_format: str | None, decimal: str | None, sep: str | None
) -> tuple[pd.DataFrame, np.ndarray]:
    """The long table with parsed ids, times and values; and each row's series number.

    Parsed columns are dropped from ``long`` as soon as they are read, to keep memory low.
    """
    values = parse_numbers(long, "y", origin, decimal=decimal, sep=sep)
    infinite = np.isinf(values.to_numpy())
    if infinite.any():
        row = int(long.loc[infinite, ROW].iloc[0])
        raise DataError(
            f"{origin.at(row)}: the value is {values[infinite].iloc[0]}; infinite values are not allowed "
            f"({int(infinite.sum())} found). Fix them, or leave the cells empty to mark them missing."
        )
    del long["y"]
    times = parse_times(long, "ds", origin, date_format=date_format)
    del long["ds"]
    ids, series = _series_ids(long, origin)
    return pd.DataFrame({"unique_id": ids, "ds": times, "y": values, ROW: long[ROW]}, copy=False), series


def _ticks(times: pd.Series) -> np.ndarray:
    """Times as int64 (UTC for timestamps with a zone), ordered as the times."""
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        times = times.dt.tz_convert(None)
    return times.to_numpy().view(np.int64) if times.dtype.kind == "M" else times.to_numpy(dtype=np.int64)


def _ordered(panel: pd.DataFrame, series: np.ndarray, origin: Origin, *, sort: bool) -> tuple[pd.DataFrame, np.ndarray]:
    """Reject duplicate timestamps and (unless ``sort``) dates going backwards; sort by id, time.

    Rows in order stay as they are; series interleaved but each in time order (a file sorted by
    date) are grouped by a stable sort of the series numbers; only with ``sort`` are the
    timestamps sorted too. Returns the sorted panel and its series bounds.
    """
    ticks = _ticks(panel["ds"])
    if np.all((series[1:] > series[:-1]) | ((series[1:] == series[:-1]) & (ticks[1:] > ticks[:-1]))):
        return panel.reset_index(drop=True), series_bounds(series)
    order = np.argsort(series, kind="stable")
    grouped, grouped_ticks = series[order], ticks[order]
    backwards = (grouped[1:] == grouped[:-1]) & (grouped_ticks[1:] < grouped_ticks[:-1])
    if backwards.any() and not sort:
        position = int(order[1:][backwards].min())
        raise DataError(
            f"{origin.at(int(panel[ROW].iat[position]))}: series {panel['unique_id'].iat[position]!r} goes back in "
            f"time to {format_time(panel['ds'].iat[position])} after a later timestamp. Sort the data by time "
            "within each series, or pass sort=True (--sort) to have it sorted."
        )
    if backwards.any():
        order = np.lexsort((ticks, series))
        grouped, grouped_ticks = series[order], ticks[order]
    same = (grouped[1:] == grouped[:-1]) & (grouped_ticks[1:] == grouped_ticks[:-1])
    if same.any():
        duplicated = np.zeros(len(panel), dtype=bool)
        duplicated[order[1:][same]] = duplicated[order[:-1][same]] = True
        first = int(np.argmax(duplicated))
        rows = panel.loc[duplicated & (series == series[first]) & (ticks == ticks[first]), ROW].tolist()
        where = "lines" if origin.is_file else "rows"
        raise DataError(
            f"{origin.name}: series {panel['unique_id'].iat[first]!r} has {format_time(panel['ds'].iat[first])} "
            f"more than once ({where} {', '.join(map(str, rows[:_SHOWN]))}; "
            f"{int(np.count_nonzero(same & ~np.r_[False, same[:-1]]))} duplicated timestamp(s) in all). "
            "Remove the duplicates or aggregate them (e.g. sum or mean) first."
        )
    return panel.take(order).reset_index(drop=True), series_bounds(grouped)


def check_min_length(panel: pd.DataFrame, min_length: int, *, reason: str = "", origin_name: str = "data") -> None:
    """Raise DataError naming every series shorter than ``min_length`` (with its length)."""
    lengths = panel.groupby("unique_id", sort=False).size()
    short = lengths[lengths < min_length]
    if short.empty:
        return
    shown = ", ".join(f"{uid!r} ({n})" for uid, n in short.head(10).items())
    more = f" and {len(short) - 10} more" if len(short) > 10 else ""
    why = f" for {reason}" if reason else ""
    raise DataError(
        f"{origin_name}: {len(short)} series have fewer than {min_length} observations{why}: {shown}{more}. "
        "Use a shorter window or horizon, or remove those series."
    )


def panel_freq(panel: pd.DataFrame) -> Freq:
    """The panel's frequency: the one recorded by :func:`read_panel`, else inferred again."""
    freq = panel.attrs.get("freq")
    if freq is not None:
        return freq
    series = pd.factorize(panel["unique_id"])[0]
    if (np.diff(series) < 0).any():
        order = np.argsort(series, kind="stable")
        panel, series = panel.iloc[order], series[order]
    return infer_panel_freq(panel, Origin(name="the panel", is_file=False), series_bounds(series))


def describe_panel(panel: pd.DataFrame) -> dict[str, object]:
    """Counts a person wants first: series, observations, length range, span and frequency."""
    lengths = panel.groupby("unique_id", sort=False).size()
    freq = panel_freq(panel)
    return {
        "series": int(lengths.size),
        "observations": len(panel),
        "min_length": int(lengths.min()),
        "max_length": int(lengths.max()),
        "start": format_time(panel["ds"].min()),
        "end": format_time(panel["ds"].max()),
        "freq": describe_freq(freq),
    }
