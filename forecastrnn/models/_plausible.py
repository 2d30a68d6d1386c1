"""The band a point forecast must stay within to be believed: the safety net against silent
wrong numbers (a spike that drives a fit to zero, a trend that explodes, an overflow).

The band of a series is built from its history ``y`` (finite values only):

- the core is ``[min(q05, last), max(q95, last)]``: the 5% and 95% quantiles, widened to take
  in the last value (a level shift or a trend at the end is plausible);
- it is widened on each side by ``PLAUSIBLE_SPREADS`` (10) times the spread ``q95 - q05``
  (for a series that is constant on more than 90% of its points, its largest deviation from
  the median; for a constant series, its absolute level, at least 1).

Quantiles rather than the minimum and maximum keep one spike from stretching the band; ten
spreads leave room for any trend the history itself supports (a series that doubled over its
history may double again). A forecast with any value outside the band is *implausible*: the
model's forecast is replaced by its named fallback where it has one, else flagged, and either
way recorded in ``fallbacks_``.
"""

from __future__ import annotations

import numpy as np

PLAUSIBLE_SPREADS = 10.0


def plausible_bands(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) per row of a 2-D array of histories (NaN where not observed, e.g. the
    left padding of short series); a row with no value gets (-inf, inf)."""
    values = np.atleast_2d(np.asarray(rows, dtype=np.float64))
    values = np.where(np.isfinite(values), values, np.nan)
    observed = ~np.isnan(values)
    empty = ~observed.any(axis=1)
    values[empty] = 0.0
    low, high = np.nanquantile(values, [0.05, 0.95], axis=1)
    last_position = values.shape[1] - 1 - np.argmax(observed[:, ::-1], axis=1)
    last = values[np.arange(values.shape[0]), last_position]
    spread = high - low
    deviation = np.nanmax(np.abs(values - np.nanmedian(values, axis=1, keepdims=True)), axis=1)
    spread = np.where(spread == 0, deviation, spread)
    spread = np.where(spread == 0, np.maximum(np.abs(last), 1.0), spread)
    with np.errstate(over="ignore"):
        margin = PLAUSIBLE_SPREADS * spread
        lows, highs = np.minimum(low, last) - margin, np.maximum(high, last) + margin
    return np.where(empty, -np.inf, lows), np.where(empty, np.inf, highs)


def implausible(forecast: np.ndarray, band: tuple[float, float]) -> bool:
    """Whether any value of a point forecast is non-finite or outside ``band``."""
    forecast = np.asarray(forecast, dtype=np.float64)
    return bool(not np.isfinite(forecast).all() or forecast.min() < band[0] or forecast.max() > band[1])


def band_text(band: tuple[float, float]) -> str:
    """The band for a message, e.g. ``[-246, 446]``."""
    return f"[{band[0]:.4g}, {band[1]:.4g}]"


class ForecastFallbackWarning(UserWarning):
    """Issued when forecasts were not finite or not plausible for some series and were replaced
    by a fallback's (or flagged); ``series`` names them."""

    def __init__(self, message: str, series: list) -> None:
        super().__init__(message)
        self.series = series


def with_notes(fallbacks: dict, notes: dict) -> dict:
    """``fallbacks`` (series id -> reason) with ``notes`` added; a series already there keeps
    its earlier reason, followed by the new one."""
    merged = dict(fallbacks)
    for uid, note in notes.items():
        merged[uid] = f"{merged[uid]}; then {note}" if uid in merged and note not in merged[uid] else note
    return merged
