"""Rolling-origin backtests: every model at every cutoff sees only data up to that cutoff.

Cutoffs are set per series from its end: the last window's test part is the series' last
``h`` values, earlier windows start ``step`` values before each other. At each cutoff a
model is fit on the data up to it (``window="expanding"``: all of it; ``"sliding"``: the
last ``train_size`` values), or, between refits, forecasts from that data as ``history``
without training again. Nothing after a cutoff reaches the models.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .data import read_panel
from .errors import ConfigError, DataError

__all__ = ["backtest", "cutoff_positions"]

WINDOWS = ("expanding", "sliding")


def cutoff_positions(length: int, *, h: int, n_windows: int, step: int) -> np.ndarray:
    """Number of training values at each cutoff of a series of ``length`` values, oldest first."""
    return length - h - step * np.arange(n_windows - 1, -1, -1)


def _refit_here(refit: bool | int, window: int) -> bool:
    if refit is True:
        return True
    if refit is False:
        return window == 0
    return window % int(refit) == 0


def _fit_predict(model: Any, train: pd.DataFrame, h: int, levels: tuple[int, ...]) -> pd.DataFrame:
    return model.clone().fit(train).predict(h, level=levels)


def _report_all(callback: Callable[[dict[str, Any]], None] | None, column: str, n_windows: int) -> None:
    if callback is not None:
        for index in range(n_windows):
            callback({"model": column, "window": index + 1, "n_windows": n_windows, "refit": True})


def _check(h: int, n_windows: int, step: int, window: str, train_size: int | None, refit: bool | int) -> None:
    for name, value in (("h", h), ("n_windows", n_windows), ("step", step)):
        if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1):
            raise ConfigError(f"{name}={value!r} is not allowed: a whole number >= 1.")
    if window not in WINDOWS:
        raise ConfigError(f"window={window!r} is not allowed: 'expanding' or 'sliding'.")
    if window == "sliding" and not (isinstance(train_size, (int, np.integer)) and train_size >= 1):
        raise ConfigError("window='sliding' needs train_size, the number of values each fit sees.")
    if not (isinstance(refit, bool) or (isinstance(refit, (int, np.integer)) and refit >= 1)):
        raise ConfigError(f"refit={refit!r} is not allowed: True, False, or a whole number k >= 1 (every k-th window).")


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
    n_jobs: int = 1,
    callback: Callable[[dict[str, Any]], None] | None = None,
) -> pd.DataFrame:
    """Forecast ``h`` steps from ``n_windows`` cutoffs per series, ``step`` apart (default ``h``).

    Returns the cv frame ``unique_id, ds, cutoff, y, <one column per model>`` (and interval
    columns when ``level`` is given and a model supports them). ``refit``: True fits at every
    cutoff, False only at the first (later cutoffs forecast from the newer history), k every
    k-th. ``callback`` gets ``{"model", "window", "n_windows", "refit"}`` after each step.
    ``cv.attrs["seconds"]`` holds each model's total fit and predict time. With ``refit=True``,
    ``n_jobs`` > 1 runs the cutoffs of each model in parallel (joblib); results are identical.
    """
    step = h if step is None else step
    _check(h, n_windows, step, window, train_size, refit)
    panel = read_panel(panel, freq=panel.attrs.get("freq"), sort=True)
    freq = panel.attrs["freq"]
    columns = [model.column for model in models]
    if len(set(columns)) != len(columns):
        raise ConfigError(f"two models share an output column among {columns}; give one an alias.")

    position = panel.groupby("unique_id", sort=False).cumcount().to_numpy()
    length = panel.groupby("unique_id", sort=False)["y"].transform("size").to_numpy()
    first_cut = length - h - step * (n_windows - 1)
    short = panel.loc[first_cut < max(min_train_size, 1), "unique_id"].unique()
    if len(short):
        need = h + step * (n_windows - 1) + max(min_train_size, 1)
        raise DataError(
            f"{len(short)} series are too short for {n_windows} window(s) of {h} steps, {step} apart, after at least "
            f"{max(min_train_size, 1)} training value(s) (need {need}): {', '.join(map(repr, short[:10]))}. "
            "Use fewer windows, a smaller step or horizon, or remove those series."
        )

    windows = []
    for index in range(n_windows):
        cut = first_cut + step * index  # training values of each row's series at this cutoff
        in_train = position < cut
        if window == "sliding":
            in_train &= position >= cut - int(train_size)
        train = panel[in_train].reset_index(drop=True)
        train.attrs["freq"] = freq
        test = panel[(position >= cut) & (position < cut + h)].reset_index(drop=True)
        cutoffs = train.groupby("unique_id", sort=False)["ds"].max().rename("cutoff")
        frame = test.merge(cutoffs, left_on="unique_id", right_index=True)[["unique_id", "ds", "cutoff", "y"]]
        windows.append((train, frame))

    seconds = dict.fromkeys(columns, 0.0)
    forecasts: dict[str, list[pd.DataFrame]] = {}
    for model in models:
        began = time.perf_counter()
        levels = tuple(level) if model.supports_intervals else ()
        if refit is True and n_jobs != 1 and n_windows > 1:
            from joblib import Parallel, delayed

            forecasts[model.column] = Parallel(n_jobs=n_jobs)(
                delayed(_fit_predict)(model, train, h, levels) for train, _ in windows
            )
            _report_all(callback, model.column, n_windows)
        else:
            forecasts[model.column] = []
            for index, (train, _) in enumerate(windows):
                refit_now = _refit_here(refit, index)
                if refit_now:
                    fitted = model.clone().fit(train)
                history = None if refit_now else train
                forecasts[model.column].append(fitted.predict(h, level=levels, history=history))
                if callback is not None:
                    callback({"model": model.column, "window": index + 1, "n_windows": n_windows, "refit": refit_now})
        seconds[model.column] = time.perf_counter() - began

    results = []
    for index, (_, frame) in enumerate(windows):
        for model in models:
            frame = frame.merge(forecasts[model.column][index], on=["unique_id", "ds"], how="left")
        results.append(frame)
    cv = pd.concat(results, ignore_index=True)
    cv.attrs["seconds"] = seconds
    return cv
