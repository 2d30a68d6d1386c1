"""Plots for notebooks and reports: a panel's history with forecasts and interval bands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError


def plot(
    panel: pd.DataFrame,
    forecasts: pd.DataFrame | None = None,
    *,
    ids: Sequence[Any] | None = None,
    models: Sequence[str] | None = None,
    max_series: int = 4,
    season_length: int = 12,
) -> Any:
    """A matplotlib Figure, one row per series (the first ``max_series``, or ``ids``): the
    history, and ``forecasts`` with their interval bands: a ``predict`` frame (forecasts after
    each series' end) or a ``backtest`` cv frame (forecasts from each cutoff against the
    actuals). ``models`` picks forecast columns (default: all). ``season_length`` sets how much
    history is shown before the forecasts (two seasons, at least 8 points)."""
    import matplotlib.pyplot as plt

    wanted = list(ids) if ids is not None else list(pd.unique(panel["unique_id"]))[:max_series]
    unknown = [uid for uid in wanted if uid not in set(panel["unique_id"])]
    if unknown:
        raise ConfigError(f"series {unknown[:5]} are not in the panel; pass ids from its unique_id column.")
    frame = _as_cv(panel, forecasts) if forecasts is not None else None
    columns = _forecast_columns(frame) if frame is not None else []
    shown = list(models) if models is not None else columns
    missing = [model for model in shown if model not in columns]
    if missing:
        raise ConfigError(f"no forecast column {missing[0]!r}; the forecasts have {', '.join(columns) or 'none'}.")
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colours = {model: palette[index % len(palette)] for index, model in enumerate(shown)}
    fig, axes = plt.subplots(len(wanted), 1, figsize=(8.5, 2.4 * len(wanted) + 0.6), squeeze=False)
    for ax, uid in zip(axes[:, 0], wanted, strict=True):
        if frame is None:
            series = panel[panel["unique_id"] == uid]
            ax.plot(series["ds"], series["y"], color="#222222", linewidth=1.3, label="actual")
            ax.grid(alpha=0.25)
        else:
            draw_series(ax, uid, frame, panel, shown, colours, season_length)
        ax.set_title(str(uid), fontsize=9, loc="left")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    legend_below(fig, axes)
    return fig


def _as_cv(panel: pd.DataFrame, forecasts: pd.DataFrame) -> pd.DataFrame:
    """A cv frame as it is; a forecast frame with each series' last time as its cutoff."""
    if "cutoff" in forecasts.columns:
        return forecasts
    lasts = panel.groupby("unique_id", sort=False)["ds"].max().rename("cutoff")
    return forecasts.merge(lasts, left_on="unique_id", right_index=True, how="left")


def _forecast_columns(frame: pd.DataFrame) -> list[str]:
    reserved = {"unique_id", "ds", "cutoff", "y"}
    return [c for c in frame.columns if c not in reserved and "-lo-" not in c and "-hi-" not in c]


def draw_series(
    ax: Any, uid: Any, cv: pd.DataFrame, panel: pd.DataFrame, models: list[str], colours: dict, season: int
) -> None:
    """Series ``uid`` on ``ax``: history context, actuals, each model's forecasts from every
    cutoff of ``cv`` with their interval bands, a dotted line at each cutoff."""
    series = panel[panel["unique_id"] == uid]
    part = cv[cv["unique_id"] == uid]
    first = part["cutoff"].min()
    before = series[series["ds"] <= first]
    after = int((series["ds"] > first).sum())
    context = max(2 * season, after, 8)
    shown = series.iloc[max(len(before) - context, 0) : len(before) + after]
    ax.plot(shown["ds"], shown["y"], color="#222222", linewidth=1.3, label="actual")
    for model in models:
        colour = colours[model]
        levels = sorted({int(c.rsplit("-", 1)[1]) for c in part.columns if c.startswith(f"{model}-lo-")}, reverse=True)
        for number, (_, window) in enumerate(part.groupby("cutoff", sort=True)):
            for rank, lvl in enumerate(levels):
                ax.fill_between(
                    window["ds"],
                    window[f"{model}-lo-{lvl}"],
                    window[f"{model}-hi-{lvl}"],
                    color=colour,
                    alpha=0.12 + 0.1 * rank,
                    linewidth=0,
                    label=f"{model} {lvl}% interval" if number == 0 else None,
                )
            ax.plot(window["ds"], window[model], color=colour, linewidth=1.4, label=model if number == 0 else None)
    for cutoff in part["cutoff"].unique():
        ax.axvline(cutoff, color="grey", linestyle=":", linewidth=0.8)
    if pd.api.types.is_datetime64_any_dtype(shown["ds"]):
        import matplotlib.dates as mdates

        locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(alpha=0.25)
    ax.tick_params(labelsize=8)


def legend_below(fig: Any, axes: Any) -> None:
    """One legend for all axes, below them, each label once."""
    handles, labels = {}, []
    for ax in np.ravel(axes):
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in handles:
                handles[label] = handle
                labels.append(label)
    fig.legend(
        [handles[label] for label in labels],
        labels,
        loc="lower center",
        ncol=min(len(labels), 4),
        fontsize=8,
        frameon=False,
        bbox_to_anchor=(0.5, 0.0),
    )
