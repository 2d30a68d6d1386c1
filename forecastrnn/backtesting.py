"""Rolling-origin backtests: every model at every cutoff sees only data up to that cutoff.

Cutoffs are calendar-aligned by default (``cutoffs="aligned"``, as statsforecast's and
NeuralForecast's ``cross_validation``): the same timestamps for every series, counted back
from the panel's last timestamp; the last window's test part is the panel's last ``h``
steps, earlier windows start ``step`` steps before each other. At a cutoff, a series that
ends before it, or has fewer than ``min_train_size`` values up to it, is skipped there (and
reported); one that ends inside the test part is evaluated on the values it has (reported
as partial). Because every series is cut at the same time, a global model never trains on
another series' values after the cutoff. ``cutoffs="per_series"`` counts back from each
series' own end instead (every series gets ``n_windows`` full windows; a global model may
then see other series' later values).

At each cutoff a model is fit on the data up to it (``window="expanding"``: all of it;
``"sliding"``: the last ``train_size`` values), or, between refits, forecasts from that
data as ``history`` without training again. What happened inside each fit (fallbacks,
chosen specifications, warnings, training histories, seconds) is kept in a
:class:`Provenance` at ``cv.attrs["provenance"]`` (see :func:`provenance`).
"""

from __future__ import annotations

import itertools
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._backends import open_backend
from .data import format_time, read_panel
from .errors import ConfigError, DataError

__all__ = ["CUTOFF_MODES", "Provenance", "aligned_cutoffs", "backtest", "cutoff_positions", "provenance"]

WINDOWS = ("expanding", "sliding")
CUTOFF_MODES = ("aligned", "per_series")
_SHOWN = 3


def cutoff_positions(length: int, *, h: int, n_windows: int, step: int) -> np.ndarray:
    """Number of training values at each cutoff of a series of ``length`` values, oldest first
    (``cutoffs="per_series"``)."""
    return length - h - step * np.arange(n_windows - 1, -1, -1)


def aligned_cutoffs(last: Any, freq: str | int, *, h: int, n_windows: int, step: int) -> list[tuple[Any, Any]]:
    """``(cutoff, end of its test part)`` for each window, oldest first, counted back from the
    panel's ``last`` timestamp (or integer step) in steps of ``freq``: the last window ends at
    ``last``, earlier ones ``step`` steps before each other."""
    periods = h + step * (n_windows - 1)
    if isinstance(freq, (int, np.integer)):
        grid = pd.Index(int(last) - int(freq) * np.arange(periods, -1, -1))
    else:
        grid = pd.date_range(end=last, periods=periods + 1, freq=freq)
    return [(grid[index * step], grid[index * step + h]) for index in range(n_windows)]


@dataclass(frozen=True, eq=False)
class Provenance:
    """What happened inside every fit of a backtest, one tidy frame per kind of event.

    ``window`` numbers the backtest's windows from 1 (oldest); with per-series cutoffs the
    model-level frames (warnings, training, seconds) have no single ``cutoff`` (None).

    - ``fallbacks``: ``model, window, cutoff, unique_id, reason`` (each fitted ``fallbacks_``)
    - ``specs``: ``model, window, cutoff, unique_id, spec`` (e.g. ``ARIMA(0,1,1)(0,1,1)[12]``,
      where the model chooses one)
    - ``warnings``: ``model, window, cutoff, warning, count`` (library warnings in ``warnings_``)
    - ``training``: ``model, window, cutoff, network`` (the ensemble member) and each network's
      history record (``phase``, ``step``, losses, gradient norm before clipping, clipping rate)
    - ``missing``: ``model, cutoff, unique_id, ds``: forecasts a model left missing (NaN)
    - ``skipped``: ``cutoff, unique_id, reason, evaluated``: series left out at a cutoff
      (``evaluated=False``) or evaluated on fewer than ``h`` values (``True``)
    - ``seconds``: ``model, window, cutoff, seconds``: fit and predict time after a warm-up
    - ``mode``: ``"aligned"`` or ``"per_series"``

    The frames are shared, not copied, when pandas copies the cv frame's ``attrs``: treat
    them as read-only.
    """

    fallbacks: pd.DataFrame
    specs: pd.DataFrame
    warnings: pd.DataFrame
    training: pd.DataFrame
    missing: pd.DataFrame
    skipped: pd.DataFrame
    seconds: pd.DataFrame
    mode: str = "aligned"
    seeds: dict[str, int] = field(default_factory=dict)

    def __deepcopy__(self, memo: dict[int, Any]) -> Provenance:
        return self  # immutable record: pandas deep-copies attrs on every operation

    def fallback_lines(self) -> list[str]:
        """One line per model with fallbacks or missing forecasts, e.g. ``LSTM: fallbacks for 3
        series at 2 cutoffs ('a', 'b', 'c'); e.g. 'a': <reason>``."""
        lines = []
        for model, part in self.fallbacks.groupby("model", sort=False):
            ids = list(dict.fromkeys(part["unique_id"]))
            first = part.iloc[0]
            lines.append(
                f"{model}: fallbacks for {len(ids)} series at {part['cutoff'].nunique()} cutoff(s) "
                f"({_shown(ids)}); e.g. {first['unique_id']!r}: {first['reason']}"
            )
        for model, part in self.missing.groupby("model", sort=False):
            ids = list(dict.fromkeys(part["unique_id"]))
            lines.append(
                f"{model}: {len(part)} forecast(s) missing (NaN) for {len(ids)} series at "
                f"{part['cutoff'].nunique()} cutoff(s) ({_shown(ids)}); scored NaN"
            )
        return lines

    def skipped_line(self) -> str | None:
        """One line saying which series were skipped or partly evaluated at which cutoffs, or None."""
        if self.skipped.empty:
            return None
        parts = []
        for evaluated, words in ((False, "skipped"), (True, "evaluated on fewer than h values")):
            part = self.skipped[self.skipped["evaluated"] == evaluated]
            if len(part):
                first = part.iloc[0]
                parts.append(
                    f"{part['unique_id'].nunique()} series {words} at {part['cutoff'].nunique()} cutoff(s) "
                    f"(e.g. {first['unique_id']!r} at {format_time(first['cutoff'])}: {first['reason']})"
                )
        return "Cutoffs: " + "; ".join(parts)


def provenance(cv: pd.DataFrame) -> Provenance:
    """The :class:`Provenance` a :func:`backtest` kept with its cv frame."""
    found = cv.attrs.get("provenance")
    if not isinstance(found, Provenance):
        raise ConfigError("this cv frame has no provenance: make it with forecastrnn.backtest (attrs were dropped).")
    return found


def _shown(ids: list[Any]) -> str:
    return ", ".join(map(repr, ids[:_SHOWN])) + (f" and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else "")


def _refit_here(refit: bool | int, window: int) -> bool:
    if refit is True:
        return True
    if refit is False:
        return window == 0
    return window % int(refit) == 0


def _record(fitted: Any, ids: list[Any], refit_now: bool) -> dict[str, Any]:
    """What a fitted model holds about this cutoff's fit, read through public attributes."""
    wanted = set(ids)
    fallbacks = {uid: why for uid, why in getattr(fitted, "fallbacks_", {}).items() if uid in wanted}
    chosen = getattr(fitted, "chosen_models", None)
    specs = {uid: spec for uid, spec in chosen().items() if uid in wanted} if callable(chosen) else {}
    return {
        "fallbacks": fallbacks,
        "specs": specs,
        "warnings": dict(getattr(fitted, "warnings_", {})) if refit_now else {},
        "history": list(getattr(fitted, "history_", [])) if refit_now else [],
    }


def _predict(fitted: Any, h: int, levels: tuple[int, ...], history: pd.DataFrame | None) -> pd.DataFrame:
    """Forecasts; fallback warnings are not shown one per cutoff but kept in ``fallbacks_``
    (summarised once per model at the end of the backtest)."""
    from .models._plausible import ForecastFallbackWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ForecastFallbackWarning)
        return fitted.predict(h, level=levels, history=history)


@dataclass(frozen=True, eq=False)
class _Task:
    """One model over consecutive windows (a fit, then the windows that reuse it) on the rows of
    some whole series: what a worker needs to cut the training data and run them."""

    model: Any
    panel: pd.DataFrame
    position: np.ndarray
    cuts: list[np.ndarray]
    first: int
    refit: bool | int
    h: int
    levels: tuple[int, ...]
    window: str
    train_size: int | None


def _train_rows(panel: pd.DataFrame, position: np.ndarray, cut: np.ndarray, window: str, size: int | None) -> Any:
    """The rows of ``panel`` before ``cut`` (the last ``size`` of them with a sliding window)."""
    in_train = position < cut
    if window == "sliding":
        in_train &= position >= cut - int(size)
    train = panel[in_train].reset_index(drop=True)
    train.attrs["freq"] = panel.attrs["freq"]
    return train


def _run_task(task: _Task, on_window: Callable[[int, bool], None] | None = None) -> list[tuple[Any, dict, float]]:
    """(forecast or None, record, seconds) for each window of ``task``; the first is a fit."""
    results: list[tuple[Any, dict, float]] = []
    fitted, fit_fallbacks = None, {}
    for offset, cut in enumerate(task.cuts):
        train = _train_rows(task.panel, task.position, cut, task.window, task.train_size)
        refit_now = offset == 0 or _refit_here(task.refit, task.first + offset)
        if not len(train):  # none of this task's series at this cutoff
            results.append((None, _record(None, [], refit_now), 0.0))
            continue
        began = time.perf_counter()
        if refit_now:
            fitted = task.model.clone().fit(train)
            fit_fallbacks = dict(getattr(fitted, "fallbacks_", {}))
        else:
            fitted.fallbacks_ = dict(fit_fallbacks)  # this cutoff's predict notes only, not earlier ones
        forecast = _predict(fitted, task.h, task.levels, None if refit_now else train)
        seconds = time.perf_counter() - began
        results.append((forecast, _record(fitted, list(train["unique_id"].unique()), refit_now), seconds))
        if on_window is not None:
            on_window(task.first + offset, refit_now)
    return results


def _series_parts(panel: pd.DataFrame, present: np.ndarray, count: int) -> list[slice]:
    """Row slices of about ``count`` runs of whole series, each with a series ``present`` at the
    fit (``present``: per row; runs without one join the run before or after)."""
    keys = panel["unique_id"]
    starts = np.flatnonzero(np.r_[True, np.asarray(keys.array[1:] != keys.array[:-1], dtype=bool)])
    ends = np.r_[starts[1:], len(keys)]
    cuts = np.linspace(0, starts.size, min(count, starts.size) + 1).round().astype(int)
    parts = []
    for a, b in itertools.pairwise(cuts.tolist()):
        rows = slice(int(starts[a]), int(ends[b - 1]))
        if parts and not (present[parts[-1]].any() and present[rows].any()):
            parts[-1] = slice(parts[-1].start, rows.stop)
        else:
            parts.append(rows)
    return parts


def _merge(results: list[tuple[Any, dict, float]]) -> tuple[pd.DataFrame, dict, float]:
    """One window's (forecast, record, seconds) from its parts, in series order."""
    forecasts = [forecast for forecast, _, _ in results if forecast is not None]
    records = [record for _, record, _ in results]
    warned: Counter = Counter()
    for record in records:
        warned.update(record["warnings"])
    merged = {
        "fallbacks": {uid: why for record in records for uid, why in record["fallbacks"].items()},
        "specs": {uid: spec for record in records for uid, spec in record["specs"].items()},
        "warnings": dict(warned),
        "history": [entry for record in records for entry in record["history"]],
    }
    forecast = forecasts[0] if len(forecasts) == 1 else pd.concat(forecasts, ignore_index=True)
    return forecast, merged, float(sum(seconds for _, _, seconds in results))


def _run_models(
    runner: Any,
    panel: pd.DataFrame,
    position: np.ndarray,
    windows: list[tuple[np.ndarray, pd.DataFrame]],
    models: Sequence[Any],
    *,
    h: int,
    level: tuple[int, ...],
    refit: bool | int,
    window: str,
    train_size: int | None,
    callback: Callable[[dict[str, Any]], None] | None,
) -> tuple[dict[str, list[pd.DataFrame]], dict[str, list[dict[str, Any]]], dict[str, list[float]]]:
    """Every model at every window on ``runner`` (a backend of ``_backends``): per model column,
    the forecasts, records and seconds of each window."""
    n = len(windows)
    firsts = [index for index in range(n) if _refit_here(refit, index)]
    groups = list(zip(firsts, [*firsts[1:], n], strict=True))
    distributed = runner.name == "dask"
    parts_per_group = max(1, -(-4 * runner.workers // (len(models) * len(groups)))) if distributed else 1
    first_train = _train_rows(panel, position, windows[0][0], window, train_size)
    tasks, owners = [], []  # owners: (model number, group number) of each task
    for number, model in enumerate(models):
        levels = level if model.supports_intervals else ()
        if distributed:
            runner.client.run(_warm_up, model, first_train, h)
            if "n_jobs" in model.get_params():
                model = model.clone().set_params(n_jobs=1)  # the cluster is the parallelism
        else:
            _warm_up(model, first_train, h)
        for group, (first, stop) in enumerate(groups):
            cut_list = [cut for cut, _ in windows[first:stop]]
            parts = [slice(0, len(panel))]
            if distributed and parts_per_group > 1 and _is_local(model, levels):
                parts = _series_parts(panel, cut_list[0] >= 0, parts_per_group)
            for rows in parts:
                part = panel.iloc[rows].reset_index(drop=True) if len(parts) > 1 else panel
                part.attrs["freq"] = panel.attrs["freq"]
                cuts = [cut[rows] for cut in cut_list]
                tasks.append(_Task(model, part, position[rows], cuts, first, refit, h, levels, window, train_size))
                owners.append((number, group))

    def report(number: int, index: int, refit_now: bool) -> None:
        if callback is not None:
            callback({"model": models[number].column, "window": index + 1, "n_windows": n, "refit": refit_now})

    if runner.workers == 1:  # in this process: progress after every window
        results = [
            _run_task(task, lambda index, now, number=owner[0]: report(number, index, now))
            for task, owner in zip(tasks, owners, strict=True)
        ]
    else:
        remaining = Counter(owners)

        def done(task_number: int) -> None:
            number, group = owners[task_number]
            remaining[number, group] -= 1
            if remaining[number, group] == 0:
                for index in range(*groups[group]):
                    report(number, index, index == groups[group][0] or _refit_here(refit, index))

        results = runner.map(_run_task, tasks, done)
    by_window: dict[tuple[int, int], list[tuple[Any, dict, float]]] = {}
    for task, owner, result in zip(tasks, owners, results, strict=True):
        for offset, outcome in enumerate(result):
            by_window.setdefault((owner[0], task.first + offset), []).append(outcome)
    forecasts, records, timings = {}, {}, {}
    for number, model in enumerate(models):
        merged = [_merge(by_window[number, index]) for index in range(n)]
        forecasts[model.column] = [forecast for forecast, _, _ in merged]
        records[model.column] = [record for _, record, _ in merged]
        timings[model.column] = [seconds for _, _, seconds in merged]
    return forecasts, records, timings


def _is_local(model: Any, levels: tuple[int, ...]) -> bool:
    """Whether ``model`` forecasts each series from its own values only (so series can be split).
    Not with conformal intervals: series too short for their own scores pool the panel's."""
    from .models._local import LocalForecaster

    return isinstance(model, LocalForecaster) and not (levels and getattr(model, "conformal_windows", 0))


def _warm_up(model: Any, train: pd.DataFrame, h: int) -> None:
    """Fit and predict a throw-away copy once on one series (a network for one step), so that
    the timed runs do not include imports and first-use costs: whichever model runs first
    would otherwise look slow."""
    first = train[train["unique_id"] == train["unique_id"].iloc[0]].reset_index(drop=True)
    first.attrs["freq"] = train.attrs["freq"]
    copy = model.clone()
    cheap = {name: 1 for name in ("max_steps", "n_models", "n_jobs") if name in copy.get_params()}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            copy.set_params(**cheap).fit(first).predict(h)
    except Exception:  # a warm-up that fails costs nothing; the real fit reports it
        pass


def _check(
    h: int, n_windows: int, step: int, window: str, train_size: int | None, refit: bool | int, cutoffs: str
) -> None:
    for name, value in (("h", h), ("n_windows", n_windows), ("step", step)):
        if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1):
            raise ConfigError(f"{name}={value!r} is not allowed: a whole number >= 1.")
    if window not in WINDOWS:
        raise ConfigError(f"window={window!r} is not allowed: 'expanding' or 'sliding'.")
    if window == "sliding" and not (isinstance(train_size, (int, np.integer)) and train_size >= 1):
        raise ConfigError("window='sliding' needs train_size, the number of values each fit sees.")
    if not (isinstance(refit, bool) or (isinstance(refit, (int, np.integer)) and refit >= 1)):
        raise ConfigError(f"refit={refit!r} is not allowed: True, False, or a whole number k >= 1 (every k-th window).")
    if cutoffs not in CUTOFF_MODES:
        raise ConfigError(f"cutoffs={cutoffs!r} is not allowed: 'aligned' (the default) or 'per_series'.")


def _per_series_cuts(
    panel: pd.DataFrame, length: np.ndarray, *, h: int, n_windows: int, step: int, min_train: int
) -> list[tuple[np.ndarray, Any]]:
    """Training values of each row's series at each cutoff, counted from each series' end."""
    first_cut = length - h - step * (n_windows - 1)
    short = panel.loc[first_cut < min_train, "unique_id"].unique()
    if len(short):
        need = h + step * (n_windows - 1) + min_train
        raise DataError(
            f"{len(short)} series are too short for {n_windows} window(s) of {h} steps, {step} apart, after at least "
            f"{min_train} training value(s) (need {need}): {', '.join(map(repr, short[:10]))}. "
            "Use fewer windows, a smaller step or horizon, remove those series, or use aligned cutoffs "
            "(they skip a series at the cutoffs it is too short for)."
        )
    return [(first_cut + step * index, None) for index in range(n_windows)]


def _aligned_cuts(
    panel: pd.DataFrame, freq: str | int, *, h: int, n_windows: int, step: int, min_train: int
) -> tuple[list[tuple[np.ndarray, Any]], pd.DataFrame]:
    """Training values of each row's series at each calendar cutoff (-1: skipped there), and
    the skipped or partly evaluated series with the reason."""
    keys = panel["unique_id"]
    ds = panel["ds"]
    firsts, lasts = ds.groupby(keys, sort=False).first(), ds.groupby(keys, sort=False).last()
    cuts, skipped = [], []
    for cutoff, end in aligned_cutoffs(ds.max(), freq, h=h, n_windows=n_windows, step=step):
        n_train = (ds <= cutoff).groupby(keys, sort=False).sum()
        n_test = ((ds > cutoff) & (ds <= end)).groupby(keys, sort=False).sum()
        for uid in n_train.index:
            if n_test[uid] == 0:
                reason = f"ends at {format_time(lasts[uid])}, before the test part"
            elif n_train[uid] < min_train:
                reason = (
                    f"starts at {format_time(firsts[uid])}, after the cutoff"
                    if n_train[uid] == 0
                    else f"{n_train[uid]} value(s) up to the cutoff, fewer than min_train_size={min_train}"
                )
            elif n_test[uid] < h:
                skipped.append((cutoff, uid, f"ends {n_test[uid]} step(s) after the cutoff", True))
                continue
            else:
                continue
            skipped.append((cutoff, uid, reason, False))
        usable = (n_test > 0) & (n_train >= min_train)
        cut = keys.map(n_train.where(usable, -1)).to_numpy()
        cuts.append((cut, cutoff))
    frame = pd.DataFrame(skipped, columns=["cutoff", "unique_id", "reason", "evaluated"])
    if not any((cut >= 0).any() for cut, _ in cuts):
        first = frame.iloc[0] if len(frame) else None
        raise DataError(
            f"no series can be evaluated at any of the {n_windows} cutoff(s) of {h} steps, {step} apart, counted back "
            f"from {format_time(ds.max())} with at least {min_train} training value(s)"
            + (f" (e.g. {first['unique_id']!r}: {first['reason']})" if first is not None else "")
            + ". Use fewer windows, a smaller step or horizon, or a lower min_train_size."
        )
    return cuts, frame


def backtest(
    panel: pd.DataFrame,
    models: Sequence[Any],
    *,
    h: int,
    n_windows: int = 1,
    step: int | None = None,
    window: str = "expanding",
    train_size: int | None = None,
    refit: bool | int = True,
    level: Sequence[int] = (),
    min_train_size: int = 1,
    cutoffs: str = "aligned",
    n_jobs: int = 1,
    callback: Callable[[dict[str, Any]], None] | None = None,
    backend: str = "joblib",
    scheduler: Any = None,
) -> pd.DataFrame:
    """Forecast ``h`` steps from ``n_windows`` cutoffs, ``step`` apart (default ``h``).

    Returns the cv frame ``unique_id, ds, cutoff, y, <one column per model>`` (and interval
    columns when ``level`` is given and a model supports them). ``cutoffs``: ``"aligned"`` (the
    same calendar cutoffs for every series, counted back from the panel's end; series that end
    earlier or are too short at a cutoff are skipped there and reported) or ``"per_series"``
    (counted back from each series' end). ``refit``: True fits at every cutoff, False only at
    the first (later cutoffs forecast from the newer history), k every k-th. ``callback`` gets
    ``{"model", "window", "n_windows", "refit"}`` after each step. ``cv.attrs["seconds"]``
    holds each model's total fit and predict time (after a warm-up, see :func:`_warm_up`),
    ``cv.attrs["provenance"]`` the :class:`Provenance`. With ``refit=True``, ``n_jobs`` > 1
    runs the cutoffs of each model in parallel (joblib); results are identical.
    ``backend="dask"`` runs the models' fits on a Dask cluster instead (``scheduler``: a
    ``distributed.Client``, an address, or None for a LocalCluster sized to the machine): each
    model's cutoffs between refits are one task, and the local models' series are cut into
    chunks; the cv frame and provenance are identical to the joblib run's.
    """
    step = h if step is None else step
    _check(h, n_windows, step, window, train_size, refit, cutoffs)
    panel = read_panel(panel, freq=panel.attrs.get("freq"), sort=True)
    freq = panel.attrs["freq"]
    columns = [model.column for model in models]
    if len(set(columns)) != len(columns):
        raise ConfigError(f"two models share an output column among {columns}; give one an alias.")

    position = panel.groupby("unique_id", sort=False).cumcount().to_numpy()
    length = panel.groupby("unique_id", sort=False)["y"].transform("size").to_numpy()
    min_train = max(min_train_size, 1)
    if cutoffs == "aligned":
        cuts, skipped = _aligned_cuts(panel, freq, h=h, n_windows=n_windows, step=step, min_train=min_train)
    else:
        cuts = _per_series_cuts(panel, length, h=h, n_windows=n_windows, step=step, min_train=min_train)
        skipped = pd.DataFrame(columns=["cutoff", "unique_id", "reason", "evaluated"])

    windows = []  # (training values of each row's series, cv frame) of each window with a test part
    for cut, cutoff in cuts:
        test = panel[(cut >= 0) & (position >= cut) & (position < cut + h)].reset_index(drop=True)
        if cutoff is None:
            ends = panel[position < cut].groupby("unique_id", sort=False)["ds"].max().rename("cutoff")
            frame = test.merge(ends, left_on="unique_id", right_index=True)[["unique_id", "ds", "cutoff", "y"]]
        else:
            frame = test.assign(cutoff=cutoff)[["unique_id", "ds", "cutoff", "y"]]
        if len(frame):
            windows.append((cut, frame))

    with open_backend(backend, scheduler=scheduler, n_jobs=n_jobs) as runner:
        forecasts, records, timings = _run_models(
            runner,
            panel,
            position,
            windows,
            models,
            h=h,
            level=tuple(level),
            refit=refit,
            window=window,
            train_size=train_size,
            callback=callback,
        )

    results = []
    for index, (_, frame) in enumerate(windows):
        for model in models:
            frame = frame.merge(forecasts[model.column][index], on=["unique_id", "ds"], how="left")
        results.append(frame)
    cv = pd.concat(results, ignore_index=True)
    found = _provenance(cv, [frame for _, frame in windows], records, timings, skipped, cutoffs, models)
    cv.attrs["seconds"] = {column: float(sum(timings[column])) for column in columns}
    cv.attrs["provenance"] = found
    _warn_fallbacks(found)
    return cv


def _provenance(
    cv: pd.DataFrame,
    frames: list[pd.DataFrame],
    records: dict[str, list[dict[str, Any]]],
    timings: dict[str, list[float]],
    skipped: pd.DataFrame,
    mode: str,
    models: Sequence[Any],
) -> Provenance:
    """Gather each model's records per cutoff into tidy frames."""
    fallbacks, specs, warned, training, seconds = [], [], [], [], []
    for column, per_window in records.items():
        for number, (frame, record, spent) in enumerate(zip(frames, per_window, timings[column], strict=True)):
            window = number + 1
            cutoff = frame["cutoff"].iloc[0] if mode == "aligned" else None
            cut_of = frame.groupby("unique_id", sort=False)["cutoff"].first()
            fallbacks += [
                (column, window, cut_of.get(uid, cutoff), uid, why) for uid, why in record["fallbacks"].items()
            ]
            specs += [(column, window, cut_of.get(uid, cutoff), uid, spec) for uid, spec in record["specs"].items()]
            warned += [(column, window, cutoff, text, count) for text, count in record["warnings"].items()]
            training += [_history_row(entry, column, window, cutoff) for entry in record["history"]]
            seconds.append((column, window, cutoff, spent))
    missing = []
    for model in models:
        lost = cv[cv[model.column].isna()]
        missing += list(zip([model.column] * len(lost), lost["cutoff"], lost["unique_id"], lost["ds"], strict=True))
    history = pd.DataFrame(training)
    if len(history):
        first = ["model", "window", "cutoff"]
        history = history[[*first, *[c for c in history.columns if c not in first]]]
    return Provenance(
        fallbacks=pd.DataFrame(fallbacks, columns=["model", "window", "cutoff", "unique_id", "reason"]),
        specs=pd.DataFrame(specs, columns=["model", "window", "cutoff", "unique_id", "spec"]),
        warnings=pd.DataFrame(warned, columns=["model", "window", "cutoff", "warning", "count"]),
        training=history,
        missing=pd.DataFrame(missing, columns=["model", "cutoff", "unique_id", "ds"]),
        skipped=skipped,
        seconds=pd.DataFrame(seconds, columns=["model", "window", "cutoff", "seconds"]),
        mode=mode,
        seeds={m.column: int(m.random_state) for m in models if isinstance(getattr(m, "random_state", None), int)},
    )


def _history_row(entry: dict[str, Any], column: str, window: int, cutoff: Any) -> dict[str, Any]:
    """A network's history record under its model column, window and cutoff; the record's own
    ``model`` (the ensemble member) becomes ``network``."""
    row = {"network" if key == "model" else key: value for key, value in entry.items()}
    return dict(row, model=column, window=window, cutoff=cutoff)


def _warn_fallbacks(found: Provenance) -> None:
    """One warning per model whose fits fell back somewhere (the per-cutoff ones were held back)."""
    from .models._plausible import ForecastFallbackWarning

    for model, part in found.fallbacks.groupby("model", sort=False):
        ids = list(dict.fromkeys(part["unique_id"]))
        line = f"{model}: fallbacks for {len(ids)} series at {part['cutoff'].nunique()} cutoff(s) ({_shown(ids)})"
        warnings.warn(ForecastFallbackWarning(f"{line}; e.g. {part['reason'].iloc[0]}", ids), stacklevel=3)
