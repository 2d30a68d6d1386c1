"""Accuracy of the default models on a bundled panel, the last horizon of every series held out.

Run:  .venv/bin/python benchmarks/accuracy.py [--dataset monthly_classics] [--seeds 3] [--out FILE]

Every model is fit on each series without its last ``h`` values (the dataset's usual horizon)
and forecasts them. MASE scales each series' mean absolute error by the in-sample mean
absolute error of the seasonal naive forecast on the training part; sMAPE is on the 0-200
scale. The recurrent models run with their defaults, once per seed (random_state 0, 1, ...),
to show how much the seed matters; their rows give the mean over seeds and the worst seed.
One more LSTM row turns early stopping on (validation on the last h values of each series,
then retraining on all data for the chosen number of steps), to show why it is off by default.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from forecastrnn.datasets import get_dataset, load
from forecastrnn.models import ETS, AutoARIMA, GRUForecaster, LSTMForecaster, Naive, RNNForecaster, SeasonalNaive


def split(panel: pd.DataFrame, h: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    from_end = panel.groupby("unique_id").cumcount(ascending=False)
    train, test = panel[from_end >= h].reset_index(drop=True), panel[from_end < h].reset_index(drop=True)
    train.attrs["freq"] = panel.attrs["freq"]
    return train, test


def scores(train: pd.DataFrame, test: pd.DataFrame, forecast: pd.DataFrame, column: str, m: int) -> pd.DataFrame:
    rows = []
    merged = test.merge(forecast[["unique_id", "ds", column]], on=["unique_id", "ds"], how="left")
    for uid, group in merged.groupby("unique_id", sort=False):
        history = train.loc[train["unique_id"] == uid, "y"].to_numpy()
        scale = np.mean(np.abs(history[m:] - history[:-m]))
        error = group[column].to_numpy() - group["y"].to_numpy()
        denominator = np.abs(group[column].to_numpy()) + np.abs(group["y"].to_numpy())
        rows.append(
            {
                "unique_id": uid,
                "mase": np.mean(np.abs(error)) / scale,
                "smape": 200 * np.mean(np.abs(error) / denominator),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="monthly_classics")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "accuracy.md")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    info = get_dataset(args.dataset)
    h, m = info.horizon, info.season_length
    panel = load(args.dataset)
    train, test = split(panel, h)

    runs: list[tuple[str, object]] = [
        ("SeasonalNaive", SeasonalNaive()),
        ("Naive", Naive()),
        ("ETS", ETS(n_jobs=2)),
        ("AutoARIMA", AutoARIMA(n_jobs=2)),
    ]
    for seed in range(args.seeds):
        for cls in (LSTMForecaster, GRUForecaster, RNNForecaster):
            runs.append((cls.name, cls(horizon=h, random_state=seed)))
        early = LSTMForecaster(horizon=h, random_state=seed, validation_size=h)
        runs.append((f"LSTM, early stopping (validation_size={h})", early))
    results, per_series = [], {}
    for label, model in runs:
        began = time.perf_counter()
        forecast = model.fit(train).predict(h)
        seconds = time.perf_counter() - began
        table = scores(train, test, forecast, model.column, m)
        results.append(
            {
                "model": label,
                "mase": table["mase"].mean(),
                "median_mase": table["mase"].median(),
                "smape": table["smape"].mean(),
                "seconds": seconds,
            }
        )
        per_series.setdefault(label, []).append(table.set_index("unique_id")["mase"])
        print(
            f"{label:14s} MASE {results[-1]['mase']:.3f}  sMAPE {results[-1]['smape']:.2f}  {seconds:.1f} s", flush=True
        )

    frame = pd.DataFrame(results)
    summary = frame.groupby("model", sort=False).agg(
        runs=("mase", "size"),
        mase=("mase", "mean"),
        worst_mase=("mase", "max"),
        median_mase=("median_mase", "mean"),
        smape=("smape", "mean"),
        seconds=("seconds", "mean"),
    )
    baseline = summary.loc["SeasonalNaive", "mase"]
    summary["vs_seasonal_naive"] = summary["mase"] / baseline
    series_table = pd.DataFrame({label: pd.concat(tables, axis=1).mean(axis=1) for label, tables in per_series.items()})

    lines = [
        f"# Accuracy on `{args.dataset}` (last {h} values of each series held out)",
        "",
        f"`python benchmarks/accuracy.py --dataset {args.dataset} --seeds {args.seeds}` on {platform.machine()}, "
        f"{args.threads} torch threads, torch {torch.__version__}. {panel['unique_id'].nunique()} series, "
        f"season length {m}. Recurrent models with default settings; their rows average {args.seeds} seeds.",
        "",
        "| model | runs | mean MASE | worst seed | median MASE | sMAPE | vs seasonal naive | seconds (fit + predict) |",
        "|---|---|---|---|---|---|---|---|",
        *[
            f"| {name} | {int(row.runs)} | {row.mase:.3f} | {row.worst_mase:.3f} | {row.median_mase:.3f} | "
            f"{row.smape:.2f} | {row.vs_seasonal_naive:.3f} | {row.seconds:.1f} |"
            for name, row in summary.iterrows()
        ],
        "",
        "MASE per series (recurrent models: mean over seeds):",
        "",
        "```\n" + series_table.round(3).to_string() + "\n```",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
