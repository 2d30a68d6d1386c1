"""The backtest report: what was run on which data, how each model scored, and plots.

One file, Markdown or standalone HTML (by extension), images embedded, written atomically.
It opens with the command or call that made it, so it can be made again.
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
from .metrics import error_by_step, evaluate, owa, summarize

__all__ = ["BacktestReport", "write_report"]

_PLOTTED_SERIES = 4
_HEADLINE = ("mase", "smape", "mae", "rmse")
_METRIC_NAMES = {"mase": "MASE", "smape": "sMAPE", "mae": "MAE", "rmse": "RMSE"}


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
        """Score the cv frame and draw the plots."""
        columns = [model.column for model in models]
        scores = evaluate(cv, panel, season_length=season_length, metrics=_HEADLINE, models=columns, level=level)
        benchmark = "SeasonalNaive" if "SeasonalNaive" in columns else None
        summary = summarize(scores, benchmark=benchmark)
        per_series = (
            scores[scores["metric"] == "mase"].groupby(["unique_id", "model"], sort=False)["value"].mean().unstack()
        )[columns]
        cutoffs = cv.groupby("cutoff")["unique_id"].nunique().rename("series").reset_index()
        cutoffs["cutoff"] = [format_time(value) for value in cutoffs["cutoff"]]
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
            owa=owa(scores, benchmark=benchmark) if benchmark else None,
            by_step=error_by_step(cv, columns),
            seconds=dict(cv.attrs.get("seconds", {})),
            versions=_versions(),
        )
        report.figures = _figures(cv, panel, columns, report.by_step)
        return report

    def headline(self) -> pd.DataFrame:
        """Models in rows, the main metrics' means in columns (plus relative MASE and OWA)."""
        table = self.summary.pivot(index="model", columns="metric", values="mean")
        table = table[[m for m in _HEADLINE if m in table.columns]].loc[list(self.models)]
        table = table.rename(columns=_METRIC_NAMES)
        relative = [c for c in self.summary.columns if c.startswith("relative_to_")]
        if relative:
            mase_rows = self.summary[self.summary["metric"] == "mase"].set_index("model")
            table["MASE vs seasonal naive"] = mase_rows[relative[0]]
        if self.owa is not None:
            table["OWA"] = self.owa
        table["seconds"] = pd.Series(self.seconds)
        return table

    def best_model(self) -> tuple[str, str] | None:
        """(model, metric): the model with the lowest mean MASE; by sMAPE, then MAE, where no
        model has a finite MASE (e.g. every series is constant before its cutoffs); None
        when no model has any finite score."""
        table = self.headline()
        for metric in ("MASE", "sMAPE", "MAE"):
            values = pd.to_numeric(table[metric], errors="coerce").replace([np.inf, -np.inf], np.nan)
            if values.notna().any():
                return str(values.idxmin()), metric
        return None

    def best_text(self) -> str:
        """``best by MASE LSTM``, or that no model could be ranked."""
        best = self.best_model()
        return f"best by {best[1]} {best[0]}" if best else "no model has a finite score"


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


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def _figures(cv: pd.DataFrame, panel: pd.DataFrame, columns: list[str], by_step: pd.DataFrame) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures = {}
    ids = list(dict.fromkeys(cv["unique_id"]))[:_PLOTTED_SERIES]
    fig, axes = plt.subplots(len(ids), 1, figsize=(9, 2.6 * len(ids)), squeeze=False)
    for ax, uid in zip(axes[:, 0], ids, strict=True):
        series = panel[panel["unique_id"] == uid]
        part = cv[cv["unique_id"] == uid]
        start = part["cutoff"].min()
        context = series[series["ds"] > _context_start(series, start)]
        ax.plot(context["ds"], context["y"], color="black", linewidth=1.4, label="actual")
        for column, colour in zip(columns, plt.rcParams["axes.prop_cycle"].by_key()["color"] * 3, strict=False):
            for number, (_, window) in enumerate(part.groupby("cutoff")):
                ax.plot(
                    window["ds"], window[column], color=colour, linewidth=1.1, label=column if number == 0 else None
                )
        for cutoff in part["cutoff"].unique():
            ax.axvline(cutoff, color="grey", linestyle=":", linewidth=0.8)
        ax.set_title(str(uid), fontsize=10, loc="left")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8, ncol=min(len(columns) + 1, 6), loc="upper left")
    fig.tight_layout()
    figures["forecasts"] = _png(fig)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 3.2))
    for column in by_step.columns:
        ax.plot(by_step.index, by_step[column], marker="o", markersize=3, label=column)
    ax.set_xlabel("steps after the cutoff")
    ax.set_ylabel("mean absolute error")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    figures["error_by_step"] = _png(fig)
    plt.close(fig)
    return figures


def _context_start(series: pd.DataFrame, first_cutoff: Any) -> Any:
    before = series[series["ds"] <= first_cutoff]["ds"]
    return before.iloc[max(len(before) - 3 * 12, 0)] if len(before) else first_cutoff


def _table(frame: pd.DataFrame, *, html_format: bool, bold: str | None = None) -> str:
    frame = frame.copy()
    header = [str(frame.index.name or "")] + [str(c) for c in frame.columns]
    rows = []
    for index, row in frame.iterrows():
        cells = [str(index)] + [f"{v:,.3f}" if isinstance(v, (float, np.floating)) else str(v) for v in row]
        if bold is not None and index == bold:
            cells[0] = f"<b>{html.escape(cells[0])} ★</b>" if html_format else f"**{cells[0]}** ★"
        elif html_format:
            cells[0] = html.escape(cells[0])
        rows.append(cells)
    if html_format:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _sections(report: BacktestReport, html_format: bool) -> list[tuple[str, str]]:
    best = report.best_model()
    best_text = report.best_text()
    data = report.data
    settings = ", ".join(f"{k}={v}" for k, v in report.settings.items())
    models = "; ".join(
        f"{name}({', '.join(f'{k}={v!r}' for k, v in params.items())})" for name, params in report.models.items()
    )
    esc = html.escape if html_format else (lambda text: text)
    return [
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
        (
            "Accuracy (mean over series and cutoffs; lower is better)",
            esc(
                f"{best_text[0].upper()}{best_text[1:]}. MASE and RMSSE scale each series' errors by its "
                "in-sample seasonal naive error before the cutoff; sMAPE is on the 0-200 scale (M4)."
            )
            + "\n\n"
            + _table(report.headline(), html_format=html_format, bold=best[0] if best else None),
        ),
        ("MASE per series", _table(report.per_series, html_format=html_format)),
        ("Forecasts against actuals", _image(report.figures["forecasts"], "forecasts", html_format)),
        ("Error by horizon step", _image(report.figures["error_by_step"], "error by step", html_format)),
        ("Versions", esc(", ".join(f"{k} {v}" for k, v in report.versions.items()))),
    ]


def _image(png: bytes, alt: str, html_format: bool) -> str:
    data = base64.b64encode(png).decode()
    if html_format:
        return f'<img alt="{alt}" src="data:image/png;base64,{data}">'
    return f"![{alt}](data:image/png;base64,{data})"


_STYLE = """
body { font-family: system-ui, -apple-system, Segoe UI, sans-serif; max-width: 1000px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
code { background: #f4f4f4; padding: 0.15em 0.35em; border-radius: 3px; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; } thead { background: #f0f3f7; }
img { max-width: 100%; }
"""


def render(report: BacktestReport, html_format: bool) -> str:
    """The report as HTML or Markdown text."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sections = _sections(report, html_format)
    if html_format:
        body = "".join(f"<h2>{html.escape(title)}</h2>\n<p>{content}</p>\n" for title, content in sections)
        return (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Backtest report: "
            f"{html.escape(report.data_name)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>Backtest report: {html.escape(report.data_name)}</h1>"
            f"<p>Made {stamp} by <code>{html.escape(report.command)}</code></p>{body}</body></html>\n"
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
