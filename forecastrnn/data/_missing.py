"""Apply the missing-value policy: fail (the default) or fill, and report every filled point."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ._frequency import format_time
from ._origin import Origin

MISSING_POLICIES = ("error", "interpolate", "ffill", "zero")
"""``error``: refuse; ``interpolate``: linear between neighbours; ``ffill``: last value carried
forward; ``zero``: 0."""

_SHOWN = 3


class FilledValuesWarning(UserWarning):
    """Issued when a missing-value policy filled values; ``report`` lists each filled point."""

    def __init__(self, message: str, report: pd.DataFrame) -> None:
        super().__init__(message)
        self.report = report


def _per_series(points: pd.DataFrame) -> str:
    parts = []
    for uid, group in points.groupby("unique_id", sort=False):
        shown = ", ".join(format_time(ds) for ds in group["ds"].head(_SHOWN))
        more = f" and {len(group) - _SHOWN} more" if len(group) > _SHOWN else ""
        parts.append(f"series {uid!r} at {shown}{more}")
        if len(parts) == _SHOWN:
            break
    n_series = points["unique_id"].nunique()
    if n_series > _SHOWN:
        parts.append(f"and {n_series - _SHOWN} more series")
    return "; ".join(parts)


def _counts(points: pd.DataFrame) -> str:
    values = int((points["kind"] == "missing value").sum())
    stamps = len(points) - values
    return f"{values} missing value(s) and {stamps} missing timestamp(s)"


def fill_missing(panel: pd.DataFrame, inserted: np.ndarray, policy: str, origin: Origin) -> pd.DataFrame:
    """Fill NaN targets of a sorted panel per ``policy``; returns the report of filled points.

    ``inserted`` marks the rows added for missing timestamps (the other NaN rows are missing
    values). The panel's ``y`` is filled in place. Raises DataError for ``error`` and for points a
    policy cannot fill (leading values for ``interpolate``/``ffill``, trailing for ``interpolate``).
    """
    if policy not in MISSING_POLICIES:
        raise DataError(f"missing={policy!r} is not a policy; choose one of {', '.join(MISSING_POLICIES)}.")
    nan = panel["y"].isna().to_numpy()
    points = panel.loc[nan, ["unique_id", "ds"]].assign(
        kind=np.where(inserted[nan], "missing timestamp", "missing value")
    )
    if points.empty:
        return points.assign(value=pd.Series(dtype="float64"))
    if policy == "error":
        raise DataError(
            f"{origin.name}: {_counts(points)}: {_per_series(points)}. Fill them in the data, or choose a "
            "missing-value policy: missing='interpolate', 'ffill' or 'zero' (--missing on the command line)."
        )
    grouped = panel.groupby("unique_id", sort=False)["y"]
    if policy == "zero":
        filled = panel["y"].fillna(0.0)
    elif policy == "ffill":
        filled = grouped.ffill()
    else:
        filled = grouped.transform(lambda y: y.interpolate(method="linear", limit_area="inside"))
    unfilled = filled.isna().to_numpy()
    if unfilled.any():
        rest = panel.loc[unfilled, ["unique_id", "ds"]]
        where = "at the start" if policy == "ffill" else "at the start or end"
        raise DataError(
            f"{origin.name}: {policy} cannot fill missing values {where} of a series: {_per_series(rest)}. "
            "Remove those rows from the data, or choose missing='zero'."
        )
    panel["y"] = filled.to_numpy()
    return points.assign(value=panel.loc[nan, "y"].to_numpy()).reset_index(drop=True)


def fill_message(report: pd.DataFrame, policy: str, origin: Origin) -> str:
    """One line saying what was filled, how, and where."""
    return f"{origin.name}: filled {_counts(report)} by {policy}: {_per_series(report)}."
