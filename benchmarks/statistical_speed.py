"""Seconds per series of AutoARIMA and ETS (one core, and n_jobs=2), with their accuracy.

Run:  .venv/bin/python benchmarks/statistical_speed.py [--out FILE]

Series: every series of the bundled monthly_classics panel (72 to 486 values), and the five
of them with at least 240 values cut to their last 240 (the length the targets are set for).
The last 12 values of each are held out for MASE (scaled by the in-sample seasonal naive
error). One core: each series fit and forecast alone, in this process, one after another
(median and total). n_jobs=2: the whole panel at once.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from forecastrnn.datasets import load
from forecastrnn.models import ETS, AutoARIMA

H, M = 12, 12


def holdout(panel: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    from_end = panel.groupby("unique_id").cumcount(ascending=False)
    train = panel[from_end >= H].reset_index(drop=True)
    train.attrs["freq"] = "MS"
    return train, panel[from_end < H].reset_index(drop=True)


def mase(train: pd.DataFrame, test: pd.DataFrame, forecast: np.ndarray) -> float:
    history = train["y"].to_numpy()
    return float(np.mean(np.abs(forecast - test["y"].to_numpy())) / np.mean(np.abs(history[M:] - history[:-M])))


def one_core(make, panel: pd.DataFrame) -> tuple[list[float], list[float]]:
    seconds, errors = [], []
    for _, series in panel.groupby("unique_id", sort=False):
        train, test = holdout(series.reset_index(drop=True))
        model = make()
        began = time.perf_counter()
        forecast = model.fit(train).predict(H)[model.column].to_numpy()
        seconds.append(time.perf_counter() - began)
        errors.append(mase(train, test, forecast))
    return seconds, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "statistical_speed.md")
    args = parser.parse_args()
    panel = load("monthly_classics")
    lengths = panel.groupby("unique_id").size()
    long_ids = lengths.index[lengths >= 240]
    cut = panel[panel["unique_id"].isin(long_ids)].groupby("unique_id").tail(240).reset_index(drop=True)
    cut.attrs["freq"] = "MS"
    sets = {f"monthly_classics ({len(lengths)} series)": panel, f"240-value series ({len(long_ids)})": cut}
    models = {"AutoARIMA": lambda jobs=1: AutoARIMA(n_jobs=jobs), "ETS": lambda jobs=1: ETS(n_jobs=jobs)}
    rows = []
    for set_name, data in sets.items():
        for name, make in models.items():
            seconds, errors = one_core(make, data)
            train, _ = holdout(data)
            began = time.perf_counter()
            make(2).fit(train).predict(H)
            parallel = time.perf_counter() - began
            rows.append(
                (
                    set_name,
                    name,
                    statistics.median(seconds),
                    float(np.mean(seconds)),
                    sum(seconds),
                    parallel / data["unique_id"].nunique(),
                    float(np.mean(errors)),
                )
            )
            print(rows[-1], flush=True)
    lines = [
        "# AutoARIMA and ETS: seconds per series",
        "",
        f"`python benchmarks/statistical_speed.py` on {platform.machine()}, Python {platform.python_version()}; "
        "last 12 values held out; wall-clock seconds for fit + 12-step forecast.",
        "",
        "| series | model | one core: median s/series | one core: mean s/series | one core: total s | "
        "n_jobs=2: s/series | mean MASE |",
        "|---|---|---|---|---|---|---|",
        *[f"| {r[0]} | {r[1]} | {r[2]:.3f} | {r[3]:.3f} | {r[4]:.1f} | {r[5]:.3f} | {r[6]:.3f} |" for r in rows],
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
