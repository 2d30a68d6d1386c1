"""Local (per-series) models: one core on 1-D arrays, mapped over a panel's series in parallel.

A subclass implements ``_fit_series(y) -> state`` and ``_forecast_series(state, y, h, levels)
-> {"mean": ..., "lo-80": ..., "hi-80": ...}``. This base validates the panel, runs the cores
(joblib, ``n_jobs``; serial and parallel give identical results), falls back to a simpler
model for series whose fit fails or whose forecast is not usable, records which and why, and
collects library warnings into a summary instead of the console.
"""

from __future__ import annotations

import warnings
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..data import forecast_times, panel_freq, read_panel, season_length_for
from ..errors import ConfigError, DataError
from ._base import BaseForecaster
from ._plausible import ForecastFallbackWarning, band_text, implausible, plausible_band, with_notes

Forecast = dict[str, np.ndarray]


def normal_interval(mean: np.ndarray, sigma: np.ndarray, levels: tuple[int, ...]) -> Forecast:
    """``mean`` with symmetric normal intervals ``mean -/+ z * sigma`` for each level."""
    out: Forecast = {"mean": mean}
    for level in levels:
        z = stats.norm.ppf(0.5 + level / 200)
        out[f"lo-{level}"], out[f"hi-{level}"] = mean - z * sigma, mean + z * sigma
    return out


def usable(forecast: Forecast, y: np.ndarray, *, intervals: bool = True, band: bool = True) -> str | None:
    """Why a forecast cannot be used (non-finite values, in the intervals too unless
    ``intervals=False``; with ``band``, a mean outside the series' plausible band, see
    ``_plausible``), or None."""
    checked = forecast.values() if intervals else [forecast["mean"]]
    if not all(np.isfinite(values).all() for values in checked):
        return "non-finite forecast"
    if not band:
        return None
    band = plausible_band(y)
    if implausible(forecast["mean"], band):
        return f"implausible forecast (outside {band_text(band)})"
    return None


class LocalForecaster(BaseForecaster):
    """Base of the per-series models. Subclasses define ``__init__`` with their own keyword-only
    parameters, among them ``season_length``, ``n_jobs``, ``fallback`` and ``alias``."""

    def _check_params(self) -> None:
        """Subclasses check their own parameters here (called at ``fit``)."""

    def _fit_series(self, y: np.ndarray) -> Any:
        raise NotImplementedError

    def _forecast_series(self, state: Any, y: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        raise NotImplementedError

    def _min_length(self) -> int:
        return 1

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

    def _fit_one(self, uid: Any, y: np.ndarray) -> tuple[str, Any, str | None, list[str]]:
        """(which model, its state, why it fell back or None, warnings), never raising for data
        problems when a fallback is configured."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            reason = None
            try:
                if len(y) < self._min_length():
                    raise DataError(f"needs at least {self._min_length()} observations, has {len(y)}")
                state = self._fit_series(y)
                forecast = self._forecast_series(state, y, max(self.season_length_, 2), ())
                # a model without a fallback (the naive family) is what it is: flagged at predict
                reason = usable(forecast, y, band=self._fallback_model(len(y)) is not None)
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
        self, fitted: tuple[str, Any], y: np.ndarray, h: int, levels: tuple[int, ...]
    ) -> tuple[Forecast, str | None]:
        """The forecast, and why it was replaced by the fallback's or flagged (None if neither):
        the model's own forecast for these ``h`` steps must be usable (see :func:`usable`)."""
        kind, state = fitted
        fallback = self._fallback_model(len(y))
        model = self if kind == "own" or fallback is None else fallback
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            forecast = model._forecast_series(state, y, h, levels)
            reason = usable(forecast, y, intervals=False) if kind == "own" else None
            if reason is None:
                return forecast, None
            if fallback is None:
                return forecast, f"{reason} at h={h}; kept but flagged"
            return fallback._forecast_series(fallback._fit_series(y), y, h, levels), (
                f"{reason} at h={h}; {fallback.column} used instead"
            )

    # ---- the panel-level contract ----

    def _map(self, function: Any, items: list[Any]) -> list[Any]:
        n_jobs = getattr(self, "n_jobs", 1)
        if n_jobs in (None, 1) or len(items) < 2:
            return [function(*item) for item in items]
        from joblib import Parallel, delayed

        return Parallel(n_jobs=n_jobs)(delayed(function)(*item) for item in items)

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
        series = _split(panel)
        results = self._map(self._fit_one, [(uid, y) for uid, y, _ in series])
        self.ids_ = [uid for uid, _, _ in series]
        self.y_ = {uid: y for uid, y, _ in series}
        self.last_times_ = pd.Index([last for _, _, last in series])
        self.states_ = {uid: (kind, state) for uid, (kind, state, _, _) in zip(self.ids_, results, strict=True)}
        self.fallbacks_ = {uid: why for uid, (_, _, why, _) in zip(self.ids_, results, strict=True) if why}
        self.warnings_ = Counter(text for *_, texts in results for text in texts)
        self.is_fitted_ = True
        return self

    def predict(
        self, h: int, *, level: tuple[int, ...] | list[int] = (), history: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """Forecast ``h`` steps after each series' end (of ``history`` when given: fitted series
        are filtered with their fitted parameters, new series are fitted on their history)."""
        self._check_fitted()  # h and level were checked by the base class (check_horizon, check_levels)
        levels = tuple(level)
        if history is None:
            ids, ys, lasts, states = self.ids_, [self.y_[uid] for uid in self.ids_], self.last_times_, self.states_
        else:
            panel = read_panel(history, freq=self.freq_, sort=True)
            series = _split(panel)
            ids, ys, lasts = [s[0] for s in series], [s[1] for s in series], pd.Index([s[2] for s in series])
            unseen = [(uid, y) for uid, y in zip(ids, ys, strict=True) if uid not in self.states_]
            fitted = iter(self._map(self._fit_one, unseen))
            states = {uid: self.states_[uid] if uid in self.states_ else next(fitted)[:2] for uid in ids}
        results = self._map(
            self._forecast_one, [(states[uid], y, int(h), levels) for uid, y in zip(ids, ys, strict=True)]
        )
        forecasts = [forecast for forecast, _ in results]
        self._record_forecast_fallbacks({uid: why for uid, (_, why) in zip(ids, results, strict=True) if why})
        frame = pd.DataFrame(
            {"unique_id": np.repeat(np.asarray(ids, dtype=object), h), "ds": forecast_times(lasts, self.freq_, h)}
        )
        frame[self.column] = np.concatenate([f["mean"] for f in forecasts])
        for lvl in levels:
            for side in ("lo", "hi"):
                frame[f"{self.column}-{side}-{lvl}"] = np.concatenate([f[f"{side}-{lvl}"] for f in forecasts])
        return frame

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


def _split(panel: pd.DataFrame) -> list[tuple[Any, np.ndarray, Any]]:
    """(id, values, last time) of each series of a validated panel."""
    keys = panel["unique_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    values, times = panel["y"].to_numpy(dtype=np.float64), panel["ds"].to_numpy()
    return [(keys[a], values[a:b], times[b - 1]) for a, b in zip(starts, ends, strict=True)]


def _warning_text(record: warnings.WarningMessage) -> str:
    return f"{record.category.__name__}: {str(record.message).splitlines()[0][:200]}"
