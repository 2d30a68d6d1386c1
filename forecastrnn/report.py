"""The backtest report: what was run on which data, how each model scored, and plots.

One file, Markdown or standalone HTML (by extension), images embedded, written atomically.
It opens with the command or call that made it, so it can be made again, then the summary a
forecaster reads first (best model, by how much, on how many points), scale-free scores,
forecast plots of chosen series with interval bands, error by horizon step pooled over
series and cutoffs, what happened inside the fits (fallbacks, chosen models, warnings,
training curves), and the metric definitions.
"""

from __future__ import annotations

import base64
import datetime
import html
import io
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._atomic import atomic_path
from .data import describe_panel, format_time
from .errors import ConfigError
from .metrics import error_by_step, evaluate, naive2_forecasts, owa, summarize
from .plotting import draw_series, legend_below

__all__ = ["BacktestReport", "write_report"]

_SCORED = ("mase", "smape", "mae", "rmse")
_SCALE_FREE = ("mase", "smape")
_METRIC_NAMES = {"mase": "MASE", "smape": "sMAPE", "mae": "MAE", "rmse": "RMSE"}
_ALL_SERIES_SHOWN = 30
_LINES_PER_PLOT = 3
_DEFINITIONS = (
    (
        "MASE",
        "mean absolute error divided by the in-sample mean absolute error of the seasonal naive forecast "
        "on the series' history up to the cutoff (the naive one when the history is not longer than a season); "
        "1 = as accurate as seasonal naive was in-sample. Scale-free: averaged over series and cutoffs.",
    ),
    (
        "sMAPE",
        "symmetric mean absolute percentage error on the 0-200 scale of the M4 competition: "
        "mean of 200 |y - f| / (|y| + |f|).",
    ),
    (
        "MASE vs seasonal naive",
        "a model's mean MASE divided by the SeasonalNaive model's mean MASE (shown when "
        "SeasonalNaive is among the models).",
    ),
    (
        "OWA",
        "overall weighted average of the M4 competition: (mean sMAPE / mean sMAPE of Naive2 + mean MASE / "
        "mean MASE of Naive2) / 2, over the same windows. Naive2 is naive on data seasonally adjusted by classical "
        "multiplicative decomposition when the 90% autocorrelation test finds seasonality; it is computed for the "
        "comparison even when it was not among the models. Below 1 = better than Naive2.",
    ),
    (
        "MAE, RMSE",
        "mean absolute error and root mean squared error in the data's units; averaged over series "
        "only when there is one series (else shown per series).",
    ),
    (
        "cov L%",
        "coverage: the percentage of actual values inside the L% prediction interval, pooled over the "
        "series' points; close to L is what calibrated intervals give.",
    ),
    (
        "MSIS L",
        "mean scaled interval score of the M4 competition for the L% interval: its width plus 2 / (1 - L/100) "
        "times each actual's distance outside it, divided by the MASE scale; lower is better (narrow and right).",
    ),
    (
        "seconds",
        "wall-clock time of fit and predict, summed over cutoffs, after one untimed warm-up fit of each "
        "model (imports and first-use costs excluded), on this machine.",
    ),
    (
        "error by step",
        "absolute error at each step after the cutoff divided by the series' MASE scale, averaged "
        "over every series and cutoff (scale-free).",
    ),
)


@dataclass
class BacktestReport:
    """Everything a report shows; :meth:`build` computes it from a cv frame."""

    command: str
    data_name: str
    data: dict[str, Any]
    filled: str
    models: dict[str, dict[str, Any]]
    settings: dict[str, Any]
    cutoffs: pd.DataFrame
    summary: pd.DataFrame
    per_series: pd.DataFrame
    owa: pd.Series | None
    by_step: pd.DataFrame
    seconds: dict[str, float]
    figures: dict[str, bytes] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    scores: pd.DataFrame | None = None
    provenance: Any = None
    points: dict[str, Any] = field(default_factory=dict)
    chosen: dict[str, Any] = field(default_factory=dict)
    seeds: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        cv: pd.DataFrame,
        panel: pd.DataFrame,
        models: list[Any],
        *,
        season_length: int,
        command: str,
        data_name: str,
        settings: dict[str, Any],
        level: tuple[int, ...] = (),
        filled: str = "nothing was filled",
    ) -> BacktestReport:
        """Score the cv frame (and Naive2 for OWA) and draw the plots."""
        columns = [model.column for model in models]
        scores = evaluate(cv, panel, season_length=season_length, metrics=_SCORED, models=columns, level=level)
        benchmark = "SeasonalNaive" if "SeasonalNaive" in columns else None
        summary = summarize(scores, benchmark=benchmark)
        per_series = (
            scores[scores["metric"] == "mase"].groupby(["unique_id", "model"], sort=False)["value"].mean().unstack()
        )[columns]
        cutoffs = cv.groupby("cutoff")["unique_id"].nunique().rename("series").reset_index()
        cutoffs["cutoff"] = [format_time(value) for value in cutoffs["cutoff"]]
        found = cv.attrs.get("provenance")
        report = cls(
            command=command,
            data_name=data_name,
            data=describe_panel(panel),
            filled=filled,
            models={model.column: _changed_params(model) for model in models},
            settings=settings,
            cutoffs=cutoffs,
            summary=summary,
            per_series=per_series,
            owa=_owa(cv, panel, scores, columns, season_length),
            by_step=error_by_step(cv, columns, panel, season_length=season_length),
            seconds=dict(cv.attrs.get("seconds", {})),
            versions=_versions(),
            scores=scores,
            provenance=found,
            points=_points(cv, columns),
            seeds={m.column: int(m.random_state) for m in models if _is_network(m)},
        )
        report.chosen = _chosen_series(report)
        report.figures = _figures(report, cv, panel, season_length)
        return report

    def headline(self) -> pd.DataFrame:
        """Models in rows; mean MASE and sMAPE (MAE and RMSE too for one series), coverage (%) and
        MSIS of each interval level scored, MASE relative to seasonal naive, OWA against Naive2
        and seconds in columns."""
        table = self.summary.pivot(index="model", columns="metric", values="mean")
        shown = _SCORED if self.data["series"] == 1 else _SCALE_FREE
        intervals = sorted(
            (m for m in table.columns if m.startswith(("coverage_", "msis_"))),
            key=lambda m: (int(m.rsplit("_", 1)[1]), m),
        )
        table = table[[m for m in shown if m in table.columns] + intervals].loc[list(self.models)]
        table = table.rename(columns=_METRIC_NAMES | {m: _interval_name(m) for m in intervals})
        relative = [c for c in self.summary.columns if c.startswith("relative_to_")]
        if relative:
            mase_rows = self.summary[self.summary["metric"] == "mase"].set_index("model")
            table["MASE vs seasonal naive"] = mase_rows[relative[0]]
        if self.owa is not None:
            table["OWA"] = self.owa
        table["seconds"] = pd.Series(self.seconds)
        return table

    def best_model(self) -> tuple[str, str] | None:
        """(model, metric): the model with the lowest mean MASE; by sMAPE where no model has a
        finite MASE (e.g. every series is constant before its cutoffs); None when no model has
        any finite score."""
        table = self.headline()
        for metric in ("MASE", "sMAPE", "MAE"):
            if metric not in table.columns:
                continue
            values = pd.to_numeric(table[metric], errors="coerce").replace([np.inf, -np.inf], np.nan)
            if values.notna().any():
                return str(values.idxmin()), metric
        return None

    def best_text(self) -> str:
        """``best by MASE LSTM``, or that no model could be ranked."""
        best = self.best_model()
        return f"best by {best[1]} {best[0]}" if best else "no model has a finite score"

    def summary_text(self) -> list[str]:
        """The report's opening sentences: best model, by how much, on how many points, seeds."""
        lines = []
        best = self.best_model()
        table = self.headline()
        if best is None:
            lines.append("No model has a finite score.")
        else:
            model, metric = best
            text = f"Best by mean {metric}: {model} ({_number(table.loc[model, metric])})"
            others = table[metric].drop(model).dropna()
            if len(others):
                runner = others.idxmin()
                text += f"; next {runner} ({_number(others[runner])})"
            if "SeasonalNaive" in table.index and model != "SeasonalNaive" and metric in table.columns:
                ratio = table.loc[model, metric] / table.loc["SeasonalNaive", metric]
                if np.isfinite(ratio):
                    text += f"; {abs(1 - ratio):.0%} {'lower' if ratio < 1 else 'higher'} than SeasonalNaive"
            if "OWA" in table.columns and np.isfinite(table.loc[model, "OWA"]):
                text += f"; OWA {table.loc[model, 'OWA']:.3f} against Naive2 (below 1 beats it)"
            lines.append(text + ".")
        points = self.points
        lines.append(
            f"Evaluated on {points['points']:,} forecast points: {points['windows']:,} forecast windows "
            f"({points['series']} series, {points['cutoffs']} cutoff date(s)), up to {points['h']} steps each"
            + (f" ({points['missing']:,} missing forecasts, scored NaN)." if points["missing"] else ".")
        )
        if self.seeds:
            seeds = ", ".join(f"{name} seed {seed}" for name, seed in self.seeds.items())
            lines.append(
                f"Neural networks ({seeds}): their accuracy varies with the random seed, so differences smaller "
                "than that spread are not evidence; run again with other seeds (--seed) to see it."
            )
        if self.provenance is not None:
            lines += self.provenance.fallback_lines()
            skipped = self.provenance.skipped_line()
            if skipped:
                lines.append(skipped)
        return lines


def _owa(
    cv: pd.DataFrame, panel: pd.DataFrame, scores: pd.DataFrame, columns: list[str], season_length: int
) -> pd.Series | None:
    """OWA of every model against Naive2, whose forecasts are made here when it was not run."""
    reference = scores
    if "Naive2" not in columns:
        frame = cv[["unique_id", "ds", "cutoff", "y"]].assign(
            Naive2=naive2_forecasts(cv, panel, season_length=season_length)
        )
        extra = evaluate(frame, panel, season_length=season_length, metrics=_SCALE_FREE, models=["Naive2"])
        reference = pd.concat([scores, extra], ignore_index=True)
    return owa(reference, benchmark="Naive2").reindex(columns)


def _points(cv: pd.DataFrame, columns: list[str]) -> dict[str, Any]:
    known = cv["y"].notna()
    missing = int(sum((cv[column].isna() & known).sum() for column in columns))
    return {
        "points": int(known.sum()),
        "series": int(cv["unique_id"].nunique()),
        "cutoffs": int(cv["cutoff"].nunique()),
        "windows": len(cv[["unique_id", "cutoff"]].drop_duplicates()),
        "h": int(cv.groupby(["unique_id", "cutoff"], sort=False).size().max()),
        "missing": missing,
    }


def _is_network(model: Any) -> bool:
    return hasattr(type(model), "training_history") and isinstance(getattr(model, "random_state", None), int)


def _chosen_series(report: BacktestReport) -> dict[str, Any]:
    """Best, median and worst series by the best model's mean MASE over cutoffs (by its first
    scored metric where MASE is undefined)."""
    best = report.best_model()
    if best is None:
        return {}
    model = best[0]
    values = report.scores[(report.scores["model"] == model) & (report.scores["metric"] == best[1].lower())]
    per_series = values.groupby("unique_id", sort=False)["value"].mean().dropna().sort_values(kind="stable")
    if per_series.empty:
        return {}
    picks = {"best": per_series.index[0], "median": per_series.index[(len(per_series) - 1) // 2]}
    picks["worst"] = per_series.index[-1]
    chosen: dict[str, Any] = {}
    for label, uid in picks.items():
        if uid not in chosen.values():
            chosen[label] = uid
    return chosen


def _interval_name(metric: str) -> str:
    """``coverage_80`` -> ``cov 80%`` (short: CLI tables are narrow), ``msis_95`` -> ``MSIS 95``."""
    name, level = metric.rsplit("_", 1)
    return f"cov {level}%" if name == "coverage" else f"MSIS {level}"


def _changed_params(model: Any) -> dict[str, Any]:
    defaults = type(model)().get_params()
    return {k: v for k, v in model.get_params().items() if defaults.get(k) != v}


def _versions() -> dict[str, str]:
    import sklearn
    import statsmodels

    from . import __version__

    versions = {
        "forecastrnn": __version__,
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "statsmodels": statsmodels.__version__,
        "scikit-learn": sklearn.__version__,
    }
    try:
        import torch

        versions["torch"] = torch.__version__
    except ImportError:  # pragma: no cover
        pass
    return versions


def _number(value: float) -> str:
    return f"{value:,.3f}" if np.isfinite(value) else "n/a"


# ---- figures ----


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def _plotted_models(report: BacktestReport) -> list[str]:
    """The best two models by the headline metric, and SeasonalNaive as the yardstick."""
    best = report.best_model()
    table = report.headline()
    if best is None:
        return list(report.models)[:_LINES_PER_PLOT]
    order = list(pd.to_numeric(table[best[1]], errors="coerce").sort_values(kind="stable").index)
    shown = order[:2]
    if "SeasonalNaive" in table.index and "SeasonalNaive" not in shown:
        shown.append("SeasonalNaive")
    return shown[:_LINES_PER_PLOT]


def _figures(report: BacktestReport, cv: pd.DataFrame, panel: pd.DataFrame, season: int) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colours = {model: palette[index % len(palette)] for index, model in enumerate(report.models)}
    models = _plotted_models(report)
    mase = report.per_series
    figures = {}

    chosen = report.chosen or {"first": cv["unique_id"].iloc[0]}
    fig, axes = plt.subplots(len(chosen), 1, figsize=(8.5, 2.5 * len(chosen) + 0.6), squeeze=False)
    best = report.best_model()
    for ax, (label, uid) in zip(axes[:, 0], chosen.items(), strict=True):
        draw_series(ax, uid, cv, panel, models, colours, season)
        score = mase.loc[uid, best[0]] if best and uid in mase.index else np.nan
        ax.set_title(f"{label}: {uid}  ({best[0] if best else ''} MASE {_number(score)})", fontsize=9, loc="left")
    fig.tight_layout(rect=(0, 0.07 if len(chosen) > 1 else 0.12, 1, 1))
    legend_below(fig, axes)
    figures["forecasts"] = _png(fig)
    plt.close(fig)

    ids = list(dict.fromkeys(cv["unique_id"]))[:_ALL_SERIES_SHOWN]
    if len(ids) > len(chosen):
        ncols = 3
        nrows = -(-len(ids) // ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(10, 1.9 * nrows + 0.5), squeeze=False)
        for ax, uid in zip(axes.ravel(), ids, strict=False):
            draw_series(ax, uid, cv, panel, models[:1], colours, season)
            ax.set_title(str(uid), fontsize=8, loc="left")
            ax.tick_params(labelsize=6)
        for ax in axes.ravel()[len(ids) :]:
            ax.set_visible(False)
        fig.tight_layout(rect=(0, 0.5 / (1.9 * nrows + 0.5), 1, 1))
        legend_below(fig, axes)
        figures["all_series"] = _png(fig)
        plt.close(fig)

    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    for column in report.by_step.columns:
        ax.plot(
            report.by_step.index, report.by_step[column], marker="o", markersize=3, color=colours[column], label=column
        )
    ax.set_xlabel("steps after the cutoff")
    ax.set_ylabel("mean scaled absolute error")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    figures["error_by_step"] = _png(fig)
    plt.close(fig)

    training = report.provenance.training if report.provenance is not None else pd.DataFrame()
    for model, history in training.groupby("model", sort=False) if len(training) else ():
        figures[f"training:{model}"] = _training_figure(plt, model, history)
    return figures


def _training_figure(plt: Any, model: str, history: pd.DataFrame) -> bytes:
    """Loss, gradient norm before clipping and clipping rate per evaluation, for the fit at the
    last cutoff: one colour per network of the ensemble, dashed for the retraining on all data."""
    last = history[history["window"] == history["window"].max()]
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.0))
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for (network, phase), run in last.groupby(["network", "phase"], sort=False):
        colour = palette[int(network) % len(palette)]
        style = "--" if phase == "full" else "-"
        name = f"network {network}" + (", retrained on all data" if phase == "full" else "")
        axes[0].plot(run["step"], run["train_loss"], color=colour, linestyle=style, label=f"{name}: train")
        if run["val_loss"].notna().any():
            axes[0].plot(run["step"], run["val_loss"], color=colour, linestyle=":", label=f"{name}: validation")
        axes[1].plot(run["step"], run["grad_norm_mean"], color=colour, linestyle=style)
        axes[1].plot(run["step"], run["grad_norm_max"], color=colour, linestyle=style, alpha=0.35, linewidth=0.8)
        axes[2].plot(run["step"], 100 * run["clipped_fraction"], color=colour, linestyle=style)
    titles = ("loss", "gradient norm before clipping (faint: max)", "% of steps clipped")
    for ax, title in zip(axes, titles, strict=True):
        ax.set_title(title, fontsize=9, loc="left")
        ax.set_xlabel("training step", fontsize=8)
        ax.grid(alpha=0.3)
        ax.tick_params(which="both", labelsize=7)
    for ax in axes[:2]:
        values = np.concatenate([np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()] or [[]])
        if values.size and np.nanmin(values) > 0:
            ax.set_yscale("log")
    axes[2].set_ylim(-3, 103)
    cutoff = last["cutoff"].iloc[0]
    when = f"the cutoff {format_time(cutoff)}" if cutoff is not None else "the last window"
    fig.suptitle(f"{model}: training at {when}", fontsize=10, x=0.01, ha="left")
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    legend_below(fig, axes[:1])
    png = _png(fig)
    plt.close(fig)
    return png


# ---- text ----


def _table(frame: pd.DataFrame, *, html_format: bool, bold: str | None = None, index: bool = True) -> str:
    frame = frame.copy()
    header = ([str(frame.index.name or "")] if index else []) + [str(c) for c in frame.columns]
    rows = []
    for key, row in frame.iterrows():
        cells = [_cell(v, html_format) for v in row]
        if index:
            first = str(key)
            if bold is not None and key == bold:
                first = f"<b>{html.escape(first)} ★</b>" if html_format else f"**{first}** ★"
            elif html_format:
                first = html.escape(first)
            cells = [first, *cells]
        rows.append(cells)
    if html_format:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: Any, html_format: bool) -> str:
    if isinstance(value, (float, np.floating)):
        return "n/a" if np.isnan(value) else f"{value:,.3f}"
    text = format_time(value)
    return html.escape(text) if html_format else text


def _provenance_section(report: BacktestReport, html_format: bool) -> str:
    """Fallbacks, chosen specifications, warnings, skipped series and missing forecasts."""
    found = report.provenance
    if found is None:
        return "Not recorded (the cv frame was not made by forecastrnn.backtest)."
    esc = _para_maker(html_format)
    parts = []
    if len(found.fallbacks):
        table = (
            found.fallbacks.groupby(["model", "unique_id"], sort=False)
            .agg(cutoffs=("cutoff", "nunique"), reason=("reason", "first"))
            .reset_index()
            .rename(columns={"unique_id": "series"})
        )
        parts.append(esc("Series a model did not forecast itself (or flagged):"))
        parts.append(_table(table, html_format=html_format, index=False))
    else:
        parts.append(esc("No model fell back to a simpler one for any series."))
    if len(found.specs):
        table = (
            found.specs.groupby(["model", "spec"], sort=False)
            .size()
            .rename("series x cutoffs")
            .reset_index()
            .sort_values(["model", "series x cutoffs"], ascending=[True, False], kind="stable")
        )
        parts.append(esc("Chosen models (how often each specification was picked):"))
        parts.append(_table(table, html_format=html_format, index=False))
    if len(found.warnings):
        table = found.warnings.groupby(["model", "warning"], sort=False)["count"].sum().reset_index()
        parts.append(esc("Library warnings collected during the fits:"))
        parts.append(_table(table, html_format=html_format, index=False))
    if len(found.skipped):
        table = found.skipped.assign(evaluated=found.skipped["evaluated"].map({True: "partly", False: "no"}))
        table = table.rename(columns={"unique_id": "series"})[["cutoff", "series", "evaluated", "reason"]]
        parts.append(esc(found.skipped_line() or ""))
        parts.append(_details("Every skipped series", _table(table, html_format=html_format, index=False), html_format))
    if len(found.missing):
        table = found.missing.groupby(["model", "unique_id", "cutoff"], sort=False).size().rename("missing")
        parts.append(esc("Missing forecasts (scored NaN, left out of means):"))
        parts.append(_table(table.reset_index(), html_format=html_format, index=False))
    return "\n\n".join(parts)


def _windows_text(report: BacktestReport) -> str:
    windows = report.points["windows"]
    text = f"{windows} forecast window(s) per step"
    return text + (", too few to tell a trend from noise" if windows < 10 else "")


def _para_maker(html_format: bool) -> Any:
    """Text as a paragraph: escaped in ``<p>`` for HTML, as is for Markdown."""
    return (lambda text: f"<p>{html.escape(text)}</p>") if html_format else (lambda text: text)


def _details(summary: str, content: str, html_format: bool) -> str:
    if html_format:
        return f"<details><summary>{html.escape(summary)}</summary>\n{content}\n</details>"
    return f"**{summary}**\n\n{content}"


def _paragraphs(lines: list[str], html_format: bool) -> str:
    if html_format:
        return "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return "\n\n".join(lines)


def _sections(report: BacktestReport, html_format: bool) -> list[tuple[str, str]]:
    best = report.best_model()
    data = report.data
    settings = ", ".join(f"{k}={v}" for k, v in report.settings.items())
    models = "; ".join(
        f"{name}({', '.join(f'{k}={v!r}' for k, v in params.items())})" for name, params in report.models.items()
    )
    esc = _para_maker(html_format)
    chosen = ", ".join(f"{label} {uid!r}" for label, uid in report.chosen.items())
    plotted = ", ".join(_plotted_models(report))
    forecasts = (
        esc(
            f"Series chosen by the MASE of the best model ({best[0] if best else 'n/a'}), averaged over cutoffs: "
            f"{chosen or 'the first series'}. Lines: {plotted}; shaded: prediction intervals where the model has "
            "them; dotted verticals: cutoffs; black: actual values."
        )
        + "\n\n"
        + _image(report.figures["forecasts"], "forecasts of chosen series", html_format)
    )
    if "all_series" in report.figures:
        shown = min(report.data["series"], _ALL_SERIES_SHOWN)
        title = f"All series ({shown} of {report.points['series']} evaluated, in panel order; best model only)"
        forecasts += "\n\n" + _details(
            title, _image(report.figures["all_series"], "all series", html_format), html_format
        )
    scale_dependent = ""
    if report.scores is not None and report.data["series"] > 1:
        mae = report.scores[report.scores["metric"] == "mae"].groupby(["unique_id", "model"], sort=False)["value"]
        table = mae.mean().unstack()[list(report.models)]
        scale_dependent = "\n\n" + _details(
            "MAE per series (in each series' own units; not averaged across series)",
            _table(table, html_format=html_format),
            html_format,
        )
    training = [
        esc(f"{name.split(':', 1)[1]}: loss, gradient norm before clipping and clipping rate while training.")
        + "\n\n"
        + _image(png, f"training of {name.split(':', 1)[1]}", html_format)
        for name, png in report.figures.items()
        if name.startswith("training:")
    ]
    definitions = (
        "<dl>" + "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in _DEFINITIONS) + "</dl>"
        if html_format
        else "\n".join(f"- **{k}**: {v}" for k, v in _DEFINITIONS)
    )
    sections = [
        ("Summary", _paragraphs(report.summary_text(), html_format)),
        (
            "Accuracy (mean over series and cutoffs; lower is better)",
            esc(
                "Scale-free scores only (MAE and RMSE, which depend on each series' units, are per series below"
                + (", or here for a single series" if report.data["series"] == 1 else "")
                + "). ★ marks the best model."
            )
            + "\n\n"
            + _table(report.headline(), html_format=html_format, bold=best[0] if best else None),
        ),
        ("Forecasts against actuals", forecasts),
        (
            "Error by horizon step",
            esc(
                "Absolute error scaled as in MASE, averaged at each step over every series and cutoff: "
                f"{_windows_text(report)}."
            )
            + "\n\n"
            + _image(report.figures["error_by_step"], "error by step", html_format),
        ),
        ("MASE per series", _table(report.per_series, html_format=html_format) + scale_dependent),
        ("Fallbacks and chosen models", _provenance_section(report, html_format)),
    ]
    if training:
        sections.append(("Training of the networks", "\n\n".join(training)))
    sections += [
        (
            "Data",
            esc(
                f"{report.data_name}: {data['series']} series, {data['observations']} observations, lengths "
                f"{data['min_length']} to {data['max_length']}, {data['start']} to {data['end']}, frequency "
                f"{data['freq']}. Missing values: {report.filled}."
            ),
        ),
        ("Models", esc(models)),
        ("Backtest", esc(settings)),
        ("Cutoffs", _table(report.cutoffs.set_index("cutoff"), html_format=html_format)),
        ("Metric definitions", definitions),
        ("Versions", esc(", ".join(f"{k} {v}" for k, v in report.versions.items()))),
    ]
    return sections


def _image(png: bytes, alt: str, html_format: bool) -> str:
    data = base64.b64encode(png).decode()
    if html_format:
        return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
    return f"![{alt}](data:image/png;base64,{data})"


_STYLE = """
body { font-family: system-ui, -apple-system, Segoe UI, sans-serif; max-width: 980px; margin: 1.5em auto;
       padding: 0 1.2em; color: #1f2328; line-height: 1.5; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } .made { color: #656d76; font-size: 0.9em; }
h2 { font-size: 1.15em; margin-top: 1.8em; padding-bottom: 0.2em; border-bottom: 1px solid #d0d7de; }
section.summary { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.2em 1em; }
code { background: #f4f4f4; padding: 0.15em 0.35em; border-radius: 3px; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.88em; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d0d7de; padding: 0.3em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; } thead { background: #f0f3f7; }
tbody tr:nth-child(even) { background: #fafbfc; }
details { margin: 0.6em 0; } summary { cursor: pointer; color: #0969da; }
dt { font-weight: 600; margin-top: 0.4em; } dd { margin-left: 1.2em; }
img { max-width: 100%; height: auto; }
"""


def render(report: BacktestReport, html_format: bool) -> str:
    """The report as HTML or Markdown text."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sections = _sections(report, html_format)
    if html_format:
        classes = ["summary"] + [""] * (len(sections) - 1)
        body = "".join(
            f"<section class='{kind}'><h2>{html.escape(title)}</h2>\n{content}</section>\n"
            for kind, (title, content) in zip(classes, sections, strict=True)
        )
        return (
            f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>Backtest report: "
            f"{html.escape(report.data_name)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>Backtest report: {html.escape(report.data_name)}</h1>"
            f"<p class='made'>Made {stamp} by <code>{html.escape(report.command)}</code></p>{body}</body></html>\n"
        )
    body = "\n\n".join(f"## {title}\n\n{content}" for title, content in sections)
    return f"# Backtest report: {report.data_name}\n\nMade {stamp} by `{report.command}`\n\n{body}\n"


def write_report(report: BacktestReport, path: str | Path) -> None:
    """Write ``.html`` or ``.md`` atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".md"):
        raise ConfigError(f"report {path}: use a .html or .md file name.")
    text = render(report, html_format=suffix != ".md")
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
