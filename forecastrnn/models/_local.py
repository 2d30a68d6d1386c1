"""Local (per-series) models: one core on 1-D arrays, mapped over a panel's series in parallel.

A subclass implements ``_fit_series(y) -> state`` and ``_forecast_series(state, y, h, levels)
-> {"mean": ..., "lo-80": ..., "hi-80": ...}``. This base validates the panel, runs the cores
(joblib, ``n_jobs``; serial and parallel give identical results), falls back to a simpler
model for series whose fit fails or whose forecast is not usable, records which and why, and
collects library warnings into a summary instead of the console.

The series travel as :class:`SeriesArrays` (one float64 array and offsets). A model that can
compute every series at once (the naive family) overrides the panel-level steps ``_fit_panel``
and ``_forecast_panel`` instead of paying Python's cost once per series.

Two services every local model gets from this base:

- In-sample fitted values, ``predict_insample()``: a subclass implements
  ``_fitted_series(state, y)``, the one-step-ahead fitted value of each ``y[t]`` (the forecast
  of step 1 made at ``t - 1``, with the parameters fitted on the whole series; NaN where the
  method has no forecast yet). A series that fell back at fit gets its fallback's values.
- Conformal intervals, ``conformal_windows`` > 0: ``predict(h, level=...)`` gives intervals
  from the model's own rolling-origin errors on the training series instead of its own
  (model-based) intervals; see :meth:`LocalForecaster._conformal_intervals`.
"""

from __future__ import annotations

import copy
import warnings
from collections import Counter
from collections.abc import Iterator
from functools import cached_property, partial
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..data import Freq, forecast_times, panel_freq, read_panel, season_length_for, step_numbers
from ..errors import ConfigError, DataError
from ._base import BaseForecaster
from ._conformal import series_halfwidths, series_scales
from ._plausible import (
    PLAUSIBLE_SPREADS,
    ForecastFallbackWarning,
    band_text,
    implausible,
    plausible_bands,
    with_notes,
)

Forecast = dict[str, np.ndarray]

_PANEL_STATE = ("series_", "states_", "ids_", "fallbacks_", "warnings_", "conformal_scores_")
"""Fitted attributes that grow with the panel: left out of the copy shipped to workers."""


def normal_interval(mean: np.ndarray, sigma: np.ndarray, levels: tuple[int, ...]) -> Forecast:
    """``mean`` with symmetric normal intervals ``mean -/+ z * sigma`` for each level."""
    out: Forecast = {"mean": mean}
    for level in levels:
        z = stats.norm.ppf(0.5 + level / 200)
        out[f"lo-{level}"], out[f"hi-{level}"] = mean - z * sigma, mean + z * sigma
    return out


def usable(forecast: Forecast, band: tuple[float, float] | None, *, intervals: bool = True) -> str | None:
    """Why a forecast cannot be used (non-finite values, in the intervals too unless
    ``intervals=False``; a mean outside the series' plausible ``band``, see ``_plausible``,
    unless ``band`` is None), or None."""
    checked = forecast.values() if intervals else [forecast["mean"]]
    if not all(np.isfinite(values).all() for values in checked):
        return "non-finite forecast"
    if band is not None and implausible(forecast["mean"], band):
        return f"implausible forecast (outside {band_text(band)})"
    return None


class SeriesArrays:
    """The series of a validated panel as one float64 array with offsets: series ``i`` is
    ``values[starts[i] : starts[i] + lengths[i]]`` (a view, never a copy per series). The series
    lie side by side from position 0 (``offsets``). ``last_times`` is None for series cut
    before their end (:meth:`heads`), which are for computing on, not for frames."""

    def __init__(
        self, ids: np.ndarray, values: np.ndarray, starts: np.ndarray, lengths: np.ndarray, last_times: pd.Index | None
    ) -> None:
        self.ids, self.values, self.starts, self.lengths, self.last_times = ids, values, starts, lengths, last_times

    @classmethod
    def from_panel(cls, panel: pd.DataFrame) -> SeriesArrays:
        """The series of a validated panel (sorted by id and time)."""
        keys = panel["unique_id"]
        changes = np.asarray(keys.array[1:] != keys.array[:-1], dtype=bool)  # no object per row (arrow text)
        starts = np.flatnonzero(np.r_[True, changes])
        ends = np.r_[starts[1:], len(keys)]
        return cls(
            keys.iloc[starts].to_numpy(),
            panel["y"].to_numpy(dtype=np.float64),
            starts,
            ends - starts,
            pd.Index(panel["ds"].to_numpy()[ends - 1]),
        )

    def __len__(self) -> int:
        return self.starts.size

    @property
    def ends(self) -> np.ndarray:
        return self.starts + self.lengths

    @property
    def offsets(self) -> np.ndarray:
        """Series boundaries: series ``i`` is ``values[offsets[i] : offsets[i + 1]]``."""
        return np.r_[0, np.cumsum(self.lengths)]

    def series(self) -> list[np.ndarray]:
        """Each series' values (views)."""
        return [self.values[a:b] for a, b in zip(self.starts.tolist(), self.ends.tolist(), strict=True)]

    def _gather(self, rows: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(values, starts) of the first ``lengths`` values of the series at ``rows``, side by side."""
        new_starts = (np.cumsum(lengths) - lengths).astype(np.int64)
        gather = np.repeat(self.starts[rows] - new_starts, lengths) + np.arange(lengths.sum())
        return self.values[gather], new_starts

    def take(self, rows: np.ndarray) -> SeriesArrays:
        """The series at positions ``rows``, in that order, in a new contiguous array."""
        lengths = self.lengths[rows]
        values, starts = self._gather(rows, lengths)
        lasts = None if self.last_times is None else self.last_times[rows]
        return SeriesArrays(self.ids[rows], values, starts, lengths, lasts)

    def heads(self, rows: np.ndarray, lengths: np.ndarray) -> SeriesArrays:
        """The first ``lengths[k]`` values of the series at ``rows[k]`` (the history before an
        origin), in a new contiguous array."""
        values, starts = self._gather(rows, lengths)
        return SeriesArrays(self.ids[rows], values, starts, lengths, None)

    def times(self, freq: Freq) -> pd.Index:
        """Every value's timestamp (or integer step), series after series: each series ends at
        its ``last_times`` and steps back on the grid of ``freq`` (validated panels have no gaps)."""
        back = np.repeat(self.offsets[1:] - 1, self.lengths) - np.arange(self.lengths.sum())  # steps before the end
        if isinstance(freq, int):
            return pd.Index(
                np.asarray(self.last_times, dtype=np.int64)[np.repeat(np.arange(len(self)), self.lengths)]
                - freq * back,
                dtype="int64",
            )
        lasts = pd.DatetimeIndex(self.last_times)
        steps = step_numbers(lasts, freq)
        gap = steps.max() - steps  # grid steps from each series' end to the latest end
        periods = int((gap + self.lengths).max())
        grid = pd.date_range(end=lasts[int(np.argmax(steps))], periods=periods, freq=freq).as_unit(lasts.unit)
        return grid[periods - 1 - np.repeat(gap, self.lengths) - back]

    def blocks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(rows, block) for each length: the positions of the series of that length and their
        values as one (series, length) array, a view when they lie side by side. Row-wise numpy
        on a block gives the same numbers as on each series alone."""
        order = np.argsort(self.lengths, kind="stable")
        cuts = np.flatnonzero(np.diff(self.lengths[order])) + 1
        for rows in np.split(order, cuts):
            length = int(self.lengths[rows[0]])
            if rows[-1] - rows[0] == rows.size - 1:  # adjacent (order is stable, so ascending)
                first = self.starts[rows[0]]
                yield rows, self.values[first : first + rows.size * length].reshape(rows.size, length)
            else:
                yield rows, self.values[self.starts[rows, None] + np.arange(length)]

    @cached_property
    def bands(self) -> tuple[np.ndarray, np.ndarray]:
        """(low, high): each series' plausible band (see ``_plausible``), computed a block of
        equal-length series at a time; equal to ``plausible_bands`` row by row."""
        low, high = np.empty(len(self)), np.empty(len(self))
        finite = bool(np.isfinite(self.values).all())
        for rows, block in self.blocks():
            low[rows], high[rows] = _block_bands(block) if finite else plausible_bands(block)
        return low, high


def _block_bands(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``plausible_bands`` of rows without missing values: the same numbers, from one sort of
    the block (numpy's sort is several times faster than its quantile along an axis)."""
    ordered = np.sort(block, axis=1)
    low, high = _sorted_quantile(ordered, 0.05), _sorted_quantile(ordered, 0.95)
    last = block[:, -1]
    spread = high - low
    flat = np.flatnonzero(spread == 0)
    if flat.size:
        rows = block[flat]
        spread[flat] = np.max(np.abs(rows - np.median(rows, axis=1, keepdims=True)), axis=1)
    spread = np.where(spread == 0, np.maximum(np.abs(last), 1.0), spread)
    with np.errstate(over="ignore"):
        margin = PLAUSIBLE_SPREADS * spread
        return np.minimum(low, last) - margin, np.maximum(high, last) + margin


def _sorted_quantile(ordered: np.ndarray, q: float) -> np.ndarray:
    """The ``q`` quantile of each row of ``ordered`` (rows sorted ascending), by the arithmetic of
    ``np.quantile``'s default method: index (n - 1) q, and its two-sided linear interpolation."""
    n = ordered.shape[1]
    virtual = (n - 1) * q
    below = int(np.floor(virtual))
    if virtual >= n - 1:
        return ordered[:, -1].copy()
    gamma = virtual - below
    a, b = ordered[:, below], ordered[:, below + 1]
    return b - (b - a) * (1 - gamma) if gamma >= 0.5 else a + (b - a) * gamma


class LocalForecaster(BaseForecaster):
    """Base of the per-series models. Subclasses define ``__init__`` with their own keyword-only
    parameters, among them ``season_length``, ``n_jobs``, ``fallback``, ``conformal_windows``
    and ``alias``.

    ``conformal_windows`` > 0 (a model that takes it) makes ``predict(h, level=...)`` give
    conformal intervals in place of the model's own: calibrated, at the first ``predict`` for
    each ``h``, on that many windows of ``h`` steps at the end of the training series, each
    forecast by the model fit on the data before it (one more fit per window; see
    :meth:`_conformal_intervals`).
    """

    def _check_params(self) -> None:
        """Subclasses check their own parameters here (called at ``fit``)."""

    def _fit_series(self, y: np.ndarray) -> Any:
        raise NotImplementedError

    def _forecast_series(self, state: Any, y: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        raise NotImplementedError

    def _min_length(self) -> int:
        return 1

    # ---- in-sample fitted values ----

    def _fitted_series(self, state: Any, y: np.ndarray) -> np.ndarray:
        """One-step-ahead in-sample fitted values of ``y`` from the fitted ``state`` (same length,
        NaN where undefined). Models that give them override this."""
        raise NotImplementedError

    def _gives_fitted(self) -> bool:
        """Whether this model has in-sample fitted values (implements ``_fitted_series``)."""
        return type(self)._fitted_series is not LocalForecaster._fitted_series

    def _fitted_one(self, fitted: tuple[str, Any], y: np.ndarray) -> np.ndarray:
        """The fitted values of one series, from its fallback where it fell back at fit."""
        kind, state = fitted
        fallback = self._fallback_model(len(y))
        model = self if kind == "own" or fallback is None else fallback
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return np.asarray(model._fitted_series(state, y), dtype=np.float64)

    def _fitted_panel(self, states: list[tuple[str, Any]], series: SeriesArrays) -> np.ndarray:
        """Fitted values of every series, aligned with ``series.values``: ``_fitted_one``
        mapped over the series."""
        results = self._map("_fitted_one", list(zip(states, series.series(), strict=True)))
        return np.concatenate(results) if results else np.empty(0)

    def predict_insample(self) -> pd.DataFrame:
        """One-step-ahead in-sample fitted values over the training series: columns
        ``unique_id``, ``ds``, ``y`` and the model's column (as in ``predict``). Each fitted
        value is the model's forecast of that step from the values before it, with the
        parameters fitted on the whole series (NaN where there is none yet, e.g. the first
        value). Series that fell back at fit (``fallbacks_``) get their fallback's values.
        ConfigError for a model that does not give them."""
        self._check_fitted()
        if not self._gives_fitted():
            raise ConfigError(f"{type(self).__name__} does not give in-sample fitted values (predict_insample).")
        series = self.series_
        frame = pd.DataFrame(
            {
                "unique_id": np.repeat(series.ids.astype(object), series.lengths),
                "ds": series.times(self.freq_),
                "y": series.values,
            }
        )
        frame[self.column] = self._fitted_panel(list(self.states_.values()), series)
        return frame

    # ---- fallback ----

    def _fallback_model(self, n: int) -> LocalForecaster | None:
        choice = getattr(self, "fallback", "auto")
        if choice is None:
            return None
        from ._naive import Naive, SeasonalNaive

        if choice == "auto":
            seasonal = self.season_length_ > 1 and n >= self.season_length_
            model: LocalForecaster = SeasonalNaive(season_length=self.season_length_) if seasonal else Naive()
        elif choice in ("naive", "snaive"):
            model = SeasonalNaive(season_length=self.season_length_) if choice == "snaive" else Naive()
        else:
            raise ConfigError(f"fallback={choice!r} is not allowed: 'auto', 'naive', 'snaive' or None.")
        model.season_length_ = self.season_length_
        return model

    def _fit_one(self, uid: Any, y: np.ndarray, band: tuple[float, float]) -> tuple[str, Any, str | None, list[str]]:
        """(which model, its state, why it fell back or None, warnings), never raising for data
        problems when a fallback is configured; ``band``: the series' plausible band."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            reason = None
            try:
                if len(y) < self._min_length():
                    raise DataError(f"needs at least {self._min_length()} observations, has {len(y)}")
                state = self._fit_series(y)
                forecast = self._forecast_series(state, y, max(self.season_length_, 2), ())
                # a model without a fallback (the naive family) is what it is: flagged at predict
                reason = usable(forecast, band if self._fallback_model(len(y)) is not None else None)
            except (ValueError, np.linalg.LinAlgError, ArithmeticError, DataError) as exc:
                reason = f"{type(exc).__name__}: {exc}"
            if reason is None:
                return "own", state, None, [_warning_text(w) for w in caught]
            fallback = self._fallback_model(len(y))
            if fallback is None:
                hint = (
                    "Set a fallback (fallback='auto')."
                    if "fallback" in self._param_names()
                    else "Remove the series or give it more data."
                )
                raise DataError(f"{self.column}: series {uid!r}: {reason}. {hint}")
            note = f"{reason}; {fallback.column} used instead"
            return "fallback", fallback._fit_series(y), note, [_warning_text(w) for w in caught]

    def _forecast_one(
        self, fitted: tuple[str, Any], y: np.ndarray, h: int, levels: tuple[int, ...], band: tuple[float, float]
    ) -> tuple[Forecast, str | None]:
        """The forecast, and why it was replaced by the fallback's or flagged (None if neither):
        the model's own forecast for these ``h`` steps must be usable (see :func:`usable`) within
        the series' plausible ``band``."""
        kind, state = fitted
        fallback = self._fallback_model(len(y))
        model = self if kind == "own" or fallback is None else fallback
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            forecast = model._forecast_series(state, y, h, levels)
            reason = usable(forecast, band, intervals=False) if kind == "own" else None
            if reason is None:
                return forecast, None
            if fallback is None:
                return forecast, f"{reason} at h={h}; kept but flagged"
            return fallback._forecast_series(fallback._fit_series(y), y, h, levels), (
                f"{reason} at h={h}; {fallback.column} used instead"
            )

    # ---- the panel-level contract ----

    def _map(self, method: str, items: list[tuple[Any, ...]]) -> list[Any]:
        """``self.<method>(*item)`` for each item, in order: in this process, or on the backend in
        effect (joblib with ``n_jobs``, or Dask under ``parallel_backend``) in a few contiguous
        chunks per worker, each shipped with a copy of this model without its fitted panel."""
        from .._backends import chunks, current_backend

        backend = current_backend(getattr(self, "n_jobs", 1))
        if backend.workers == 1 or len(items) < 2:
            return [getattr(self, method)(*item) for item in items]
        task = partial(_run_chunk, self._shell(), method)
        return [result for part in backend.map(task, chunks(items, backend.workers)) for result in part]

    def _shell(self) -> LocalForecaster:
        """A copy that runs the per-series core serially, without the panel-sized fitted state."""
        shell = copy.copy(self)
        for name in _PANEL_STATE:
            shell.__dict__.pop(name, None)
        if "n_jobs" in shell.__dict__:
            shell.n_jobs = 1
        return shell

    def _fit_panel(self, series: SeriesArrays) -> tuple[list[tuple[str, Any]], dict[Any, str], Counter]:
        """Per series (kind, state) with kind "own" or "fallback", the reasons of the fallbacks
        by series id, and the library warnings: ``_fit_one`` mapped over the series."""
        bands = list(zip(*series.bands, strict=True))  # all at once: per series it cost ~0.5 ms
        results = self._map("_fit_one", list(zip(series.ids, series.series(), bands, strict=True)))
        states = [(kind, state) for kind, state, _, _ in results]
        fallbacks = {uid: why for uid, (_, _, why, _) in zip(series.ids, results, strict=True) if why}
        return states, fallbacks, Counter(text for *_, texts in results for text in texts)

    def _forecast_panel(
        self, states: list[tuple[str, Any]], series: SeriesArrays, h: int, levels: tuple[int, ...]
    ) -> tuple[Forecast, dict[Any, str]]:
        """The forecasts as (series, h) arrays by column ("mean", "lo-80", ...), and what was
        replaced or flagged by series id: ``_forecast_one`` mapped over the series."""
        bands = zip(*series.bands, strict=True)
        items = zip(states, series.series(), [h] * len(series), [levels] * len(series), bands, strict=True)
        results = self._map("_forecast_one", list(items))
        forecast = {key: np.stack([f[key] for f, _ in results]) for key in results[0][0]}
        return forecast, {uid: why for uid, (_, why) in zip(series.ids, results, strict=True) if why}

    def fit(self, panel: pd.DataFrame) -> LocalForecaster:
        """Fit one model per series of ``panel``; returns ``self``."""
        self._check_params()
        panel = read_panel(panel, freq=panel.attrs.get("freq"), sort=True)
        self.freq_ = panel_freq(panel)
        season = getattr(self, "season_length", None)
        if season is not None and not (isinstance(season, (int, np.integer)) and season >= 1):
            raise ConfigError(
                f"season_length={season!r} is not allowed: None (from the frequency) or a whole number >= 1."
            )
        self.season_length_ = int(season or season_length_for(self.freq_))
        self._fallback_model(self.season_length_)  # rejects an unknown fallback choice before any work
        windows = getattr(self, "conformal_windows", 0)
        if isinstance(windows, (bool, np.bool_)) or not (isinstance(windows, (int, np.integer)) and windows >= 0):
            raise ConfigError(
                f"conformal_windows={windows!r} is not allowed: a whole number >= 0 (0: the model's own intervals)."
            )
        self.conformal_scores_: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.series_ = SeriesArrays.from_panel(panel)
        states, self.fallbacks_, self.warnings_ = self._fit_panel(self.series_)
        self.ids_ = list(self.series_.ids)
        self.states_ = dict(zip(self.ids_, states, strict=True))
        self.is_fitted_ = True
        return self

    def predict(
        self, h: int, *, level: tuple[int, ...] | list[int] = (), history: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """Forecast ``h`` steps after each series' end (of ``history`` when given: fitted series
        are filtered with their fitted parameters, new series are fitted on their history).
        ``level``: the model's own intervals, or conformal ones with ``conformal_windows`` > 0."""
        self._check_fitted()  # h and level were checked by the base class (check_horizon, check_levels)
        levels = tuple(level)
        if history is None:
            series, states = self.series_, list(self.states_.values())
        else:
            series = SeriesArrays.from_panel(read_panel(history, freq=self.freq_, sort=True))
            unseen = np.flatnonzero([uid not in self.states_ for uid in series.ids])
            fitted = iter(self._fit_panel(series.take(unseen))[0] if unseen.size else [])
            states = [self.states_[uid] if uid in self.states_ else next(fitted) for uid in series.ids]
        conformal = bool(levels) and bool(getattr(self, "conformal_windows", 0))
        forecast, flagged = self._forecast_panel(states, series, int(h), () if conformal else levels)
        if conformal:
            forecast |= self._conformal_intervals(forecast["mean"], series, int(h), levels)
        self._record_forecast_fallbacks(flagged)
        frame = pd.DataFrame(
            {
                "unique_id": np.repeat(series.ids.astype(object), h),
                "ds": forecast_times(series.last_times, self.freq_, h),
            }
        )
        frame[self.column] = forecast["mean"].ravel()
        for lvl in levels:
            for side in ("lo", "hi"):
                frame[f"{self.column}-{side}-{lvl}"] = forecast[f"{side}-{lvl}"].ravel()
        return frame

    # ---- conformal intervals ----

    def _conformal_intervals(self, mean: np.ndarray, series: SeriesArrays, h: int, levels: tuple[int, ...]) -> Forecast:
        """Conformal intervals around ``mean`` (series, h), the method of ``_conformal`` for local
        models: the point forecast plus and minus a conformal quantile of scaled absolute errors,
        times the series' scale (the MASE scale of ``series``, the history forecast from).

        The scores (:meth:`_calibrate`) come from the training series only, computed once per
        ``h``; a forecast from a newer ``history`` reuses them. Which quantile: a series with at
        least ``OWN_SCORES`` (19) scores at a step, enough for its own 95% quantile, is
        calibrated on its own scores there; every other series on the scores pooled across
        series (see ``_conformal.series_halfwidths``). What it promises: if the scaled errors of
        the future are exchangeable with the calibration ones, coverage of the L% interval is
        at least L% for each series calibrated on its own, and pooled over the series and steps
        for the rest (not for each one of them)."""
        scores, owners = self._calibration(h)
        targets = pd.Index(self.ids_).get_indexer(series.ids)  # -1: not a training series
        half = series_halfwidths(scores, owners, targets, levels, h)
        scale = series_scales(series.values, series.offsets, self.season_length_)[:, None]
        out: Forecast = {}
        for row, level in enumerate(levels):
            out[f"lo-{level}"], out[f"hi-{level}"] = mean - scale * half[row], mean + scale * half[row]
        return out

    def _calibration(self, h: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, owners) for ``h`` steps, computed once per ``h`` after each fit."""
        if h not in self.conformal_scores_:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")  # the calibration's fallbacks are not the user's forecast
                self.conformal_scores_[h] = self._calibrate(h)
        return self.conformal_scores_[h]

    def _calibrate(self, h: int) -> tuple[np.ndarray, np.ndarray]:
        """Scaled absolute errors (rows: series and windows; columns: steps 1..h) and the
        training series (position in ``series_``) of each row.

        With n = ``conformal_windows``, the last n x h values of each training series are n
        windows of h steps; for each window the model is fit on the values before it and
        forecasts it (a rolling-origin backtest with a refit at each origin, the way the final
        model is fit up to its own origin: one fit per window, fitting once and filtering on
        left the earlier windows' forecasts worse than the final model's and the intervals too
        wide). A series takes part in every window it has at least 2 values before (the fewest
        the fallbacks need; a model without a fallback needs its own minimum). Each error is
        divided by the series' MASE scale on the values before its window. Nothing after a
        window's origin is used for it."""
        series, windows = self.series_, int(self.conformal_windows)
        lengths = series.lengths
        need = 2 if self._fallback_model(self.season_length_) is not None else max(2, self._min_length())
        scores, owners = [], []
        for window in range(windows):
            cut = lengths - (windows - window) * h
            rows = np.flatnonzero(cut >= need)
            if not rows.size:
                continue
            history = series.heads(rows, cut[rows])
            mean = self._forecast_panel(self._fit_panel(history)[0], history, h, ())[0]["mean"]
            actual = series.values[series.starts[rows, None] + cut[rows, None] + np.arange(h)]
            scale = series_scales(history.values, history.offsets, self.season_length_)
            scores.append(np.abs(actual - mean) / scale[:, None])
            owners.append(rows)
        if not scores:
            raise DataError(
                f"{self.column}: no series is long enough to calibrate conformal intervals on {windows} window(s) of "
                f"{h} steps (at least one needs {windows * h + need} values); lower conformal_windows "
                "(--conformal-windows) or h."
            )
        return np.vstack(scores), np.concatenate(owners)

    def _record_forecast_fallbacks(self, flagged: dict[Any, str]) -> None:
        """Add what ``predict`` replaced or flagged to ``fallbacks_``, with a warning."""
        if not flagged:
            return
        self.fallbacks_ = with_notes(self.fallbacks_, flagged)
        shown = ", ".join(map(repr, list(flagged)[:5])) + (" ..." if len(flagged) > 5 else "")
        warnings.warn(
            ForecastFallbackWarning(
                f"{self.column}: {len(flagged)} series had an implausible forecast ({shown}); e.g. "
                f"{next(iter(flagged.values()))}.",
                list(flagged),
            ),
            stacklevel=4,
        )


def _run_chunk(model: LocalForecaster, method: str, items: list[tuple[Any, ...]]) -> list[Any]:
    """``model.<method>(*item)`` for each item of a chunk (one task on a worker)."""
    function = getattr(model, method)
    return [function(*item) for item in items]


def _warning_text(record: warnings.WarningMessage) -> str:
    return f"{record.category.__name__}: {str(record.message).splitlines()[0][:200]}"
