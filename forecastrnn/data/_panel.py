"""Build a validated panel (``unique_id, ds, y``) from a file or a DataFrame."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ._frequency import Freq, describe_freq, find_gaps, format_time, infer_panel_freq
from ._layout import to_long
from ._missing import FilledValuesWarning, fill_message, fill_missing
from ._origin import ROW, Origin
from ._parse import guess_decimal, parse_numbers, parse_times
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
    ``target_col`` to name them. Delimiter, encoding and decimal comma are sniffed unless given.

    Missing values and missing timestamps are handled by ``missing`` (``error`` by default,
    ``interpolate``, ``ffill``, ``zero``); every filled point is reported through a
    :class:`FilledValuesWarning` whose ``report`` lists them. Dates going backwards within a
    series are an error unless ``sort=True``. The frequency is stored in ``panel.attrs['freq']``.

    Raises DataError with the file, column, line or series at fault and what to do.
    """
    if isinstance(source, pd.DataFrame):
        origin = Origin(name="the DataFrame", is_file=False)
        raw = source.reset_index(drop=True).copy()
        raw.columns = [str(column) for column in raw.columns]
        if raw.empty:
            raise DataError("the DataFrame has no rows.")
        raw[ROW] = np.arange(len(raw))
        default_id, delimiter = "series", None
    else:
        path = Path(source)
        raw, origin, delimiter = read_table(path, sep=sep, encoding=encoding)
        default_id = path.stem
    long = to_long(raw, id_col=id_col, time_col=time_col, target_col=target_col, origin=origin, default_id=default_id)
    if decimal is None:
        decimal = guess_decimal(long["y"], delimiter)
    panel = _typed(long, origin, date_format=date_format, decimal=decimal)
    panel = _ordered(panel, origin, sort=sort)
    inferred = freq is None
    if freq is None:
        freq = infer_panel_freq(panel, origin)
    elif isinstance(panel["ds"].dtype, np.dtype) and panel["ds"].dtype.kind == "i" and not isinstance(freq, int):
        raise DataError(f"{origin.name}: the time column holds integer steps; freq must be an integer, not {freq!r}.")
    gaps = find_gaps(panel, freq, origin, inferred=inferred)
    kind = np.where(panel["y"].isna(), "missing value", "")
    if len(gaps):
        panel = pd.concat([panel, gaps.assign(y=np.nan, **{ROW: -1})], ignore_index=True)
        kind = np.r_[kind, np.full(len(gaps), "missing timestamp")]
        order = np.lexsort((panel["ds"].to_numpy(), panel["unique_id"].to_numpy()))
        panel, kind = panel.iloc[order].reset_index(drop=True), kind[order]
    report = fill_missing(panel, pd.Series(kind), missing, origin)
    if len(report):
        warnings.warn(FilledValuesWarning(fill_message(report, missing, origin), report), stacklevel=2)
    panel = panel[["unique_id", "ds", "y"]]
    panel.attrs["freq"] = freq
    if min_length is not None:
        check_min_length(panel, min_length, origin_name=origin.name)
    return panel


def _typed(long: pd.DataFrame, origin: Origin, *, date_format: str | None, decimal: str) -> pd.DataFrame:
    ids = long["unique_id"]
    no_id = ids.isna()
    if pd.api.types.is_string_dtype(ids):
        no_id |= ids.str.strip().eq("").fillna(False).astype(bool)
    if no_id.any():
        row = int(long.loc[no_id, ROW].iloc[0])
        raise DataError(f"{origin.at(row)}: the series id is empty. Every row needs the id of its series.")
    values = parse_numbers(long, "y", origin, decimal=decimal)
    infinite = np.isinf(values.to_numpy())
    if infinite.any():
        row = int(long.loc[infinite, ROW].iloc[0])
        raise DataError(
            f"{origin.at(row)}: the value is {values[infinite].iloc[0]}; infinite values are not allowed "
            f"({int(infinite.sum())} found). Fix them, or leave the cells empty to mark them missing."
        )
    return pd.DataFrame(
        {
            "unique_id": long["unique_id"],
            "ds": parse_times(long, "ds", origin, date_format=date_format),
            "y": values,
            ROW: long[ROW],
        }
    )


def _ordered(panel: pd.DataFrame, origin: Origin, *, sort: bool) -> pd.DataFrame:
    """Reject duplicate timestamps and (unless ``sort``) dates going backwards; sort by id, time."""
    duplicated = panel.duplicated(["unique_id", "ds"], keep=False).to_numpy()
    if duplicated.any():
        dups = panel.loc[duplicated]
        first = dups.iloc[0]
        rows = dups.loc[(dups["unique_id"] == first["unique_id"]) & (dups["ds"] == first["ds"]), ROW].tolist()
        where = "lines" if origin.is_file else "rows"
        raise DataError(
            f"{origin.name}: series {first['unique_id']!r} has {format_time(first['ds'])} more than once "
            f"({where} {', '.join(map(str, rows[:_SHOWN]))}; {dups[['unique_id', 'ds']].drop_duplicates().shape[0]} "
            "duplicated timestamp(s) in all). Remove the duplicates or aggregate them (e.g. sum or mean) first."
        )
    backwards = panel.groupby("unique_id", sort=False)["ds"].diff() < _zero(panel["ds"])
    if backwards.any() and not sort:
        position = int(np.argmax(backwards.to_numpy()))
        row = panel.iloc[position]
        raise DataError(
            f"{origin.at(int(row[ROW]))}: series {row['unique_id']!r} goes back in time to "
            f"{format_time(row['ds'])} after a later timestamp. Sort the data by time within each series, "
            "or pass sort=True (--sort) to have it sorted."
        )
    return panel.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)


def _zero(times: pd.Series) -> object:
    return pd.Timedelta(0) if pd.api.types.is_datetime64_any_dtype(times) else 0


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
    return infer_panel_freq(panel, Origin(name="the panel", is_file=False))


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
