"""Seconds per series of AutoARIMA and ETS (one core, and n_jobs=2), with their accuracy.

Run:  .venv/bin/python benchmarks/statistical_speed.py [--models ETS AutoARIMA] [--extra CSV]
          [--statsforecast-python PATH] [--out FILE]

Series: every series of the bundled monthly_classics panel (72 to 486 values), and the five
of them with at least 240 values cut to their last 240 (the length the targets are set for).
The last 12 values of each are held out for MASE (scaled by the in-sample seasonal naive
error). ``--extra`` adds the series of a CSV panel (e.g. benchmarks/data/us_employment_240.csv,
145 real monthly series of 240 values). One core: each series fit and forecast alone, in this process, one after another
(median and total). n_jobs=2: the whole panel at once.

statsforecast is not a dependency. To compare with it, install it in another environment
(``python3 -m venv /tmp/sf && /tmp/sf/bin/pip install statsforecast``) and pass that Python
with ``--statsforecast-python``: its AutoARIMA and AutoETS then run on the same series, one by
one, after one warm-up fit (numba compiles on first use; that time is reported apart).

The table is appended to ``--out`` as a dated section headed by the command that made it.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from forecastrnn.data import read_panel
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


STATSFORECAST = """
import json, sys, time
import numpy as np, pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import AutoARIMA, AutoETS
train = pd.read_csv(sys.argv[1], parse_dates=["ds"])
out = {}
for name, make in (("AutoARIMA", lambda: AutoARIMA(season_length=12)), ("AutoETS", lambda: AutoETS(season_length=12))):
    first = train[train["unique_id"] == train["unique_id"].iloc[0]]
    began = time.perf_counter()
    StatsForecast(models=[make()], freq="MS", n_jobs=1).forecast(df=first, h=12)
    warmup = time.perf_counter() - began
    seconds, forecasts = [], {}
    for uid, series in train.groupby("unique_id", sort=False):
        began = time.perf_counter()
        result = StatsForecast(models=[make()], freq="MS", n_jobs=1).forecast(df=series, h=12)
        seconds.append(time.perf_counter() - began)
        forecasts[uid] = result[result.columns[-1]].tolist()
    out[name] = {"warmup": warmup, "seconds": seconds, "forecasts": forecasts}
print(json.dumps(out))
"""


def statsforecast_rows(python: str, data: pd.DataFrame, set_name: str) -> list[tuple]:
    """Run statsforecast in its own environment on the same held-out split."""
    train, test = holdout(data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "train.csv"
        train.to_csv(path, index=False)
        run = subprocess.run([python, "-c", STATSFORECAST, str(path)], capture_output=True, text=True, check=True)
    results = json.loads(run.stdout.strip().splitlines()[-1])
    rows = []
    for name, result in results.items():
        errors = [
            mase(train[train["unique_id"] == uid], test[test["unique_id"] == uid], np.asarray(values))
            for uid, values in result["forecasts"].items()
        ]
        seconds = result["seconds"]
        rows.append(
            (
                set_name,
                f"statsforecast {name} (warm-up fit {result['warmup']:.1f} s)",
                statistics.median(seconds),
                float(np.mean(seconds)),
                sum(seconds),
                float("nan"),
                float(np.mean(errors)),
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statsforecast-python", help="A Python with statsforecast installed, to compare with.")
    parser.add_argument("--extra", type=Path, help="A CSV panel of more monthly series to time.")
    parser.add_argument("--only-extra", action="store_true", help="Time only the --extra series.")
    parser.add_argument(
        "--models", nargs="+", choices=("AutoARIMA", "ETS"), default=["AutoARIMA", "ETS"], help="Models to time."
    )
    parser.add_argument(
        "--no-parallel", action="store_true", help="Skip the n_jobs=2 run (e.g. when pinned to one core)."
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "statistical_speed.md")
    args = parser.parse_args()
    panel = load("monthly_classics")
    lengths = panel.groupby("unique_id").size()
    long_ids = lengths.index[lengths >= 240]
    cut = panel[panel["unique_id"].isin(long_ids)].groupby("unique_id").tail(240).reset_index(drop=True)
    cut.attrs["freq"] = "MS"
    sets = {f"monthly_classics ({len(lengths)} series)": panel, f"240-value series ({len(long_ids)})": cut}
    if args.only_extra:
        sets = {}
    if args.extra:
        extra = read_panel(args.extra, freq="MS")
        sets[f"{args.extra.name} ({extra['unique_id'].nunique()} series)"] = extra
    makers = {"AutoARIMA": lambda jobs=1: AutoARIMA(n_jobs=jobs), "ETS": lambda jobs=1: ETS(n_jobs=jobs)}
    models = {name: makers[name] for name in args.models}
    rows = []
    for set_name, data in sets.items():
        for name, make in models.items():
            seconds, errors = one_core(make, data)
            train, _ = holdout(data)
            parallel = float("nan")
            if not args.no_parallel:
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
        if args.statsforecast_python:
            rows += statsforecast_rows(args.statsforecast_python, data, set_name)
            print(rows[-2:], flush=True)
    lines = [
        f"## {date.today().isoformat()}: `python benchmarks/{Path(sys.argv[0]).name} {' '.join(sys.argv[1:])}`",
        "",
        f"{platform.machine()}, Python {platform.python_version()}; last 12 values held out; wall-clock seconds "
        "for fit + 12-step forecast.",
        "",
        "| series | model | one core: median s/series | one core: mean s/series | one core: total s | "
        "n_jobs=2: s/series | mean MASE |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {r[0]} | {r[1]} | {r[2]:.3f} | {r[3]:.3f} | {r[4]:.1f} | "
            f"{'-' if np.isnan(r[5]) else f'{r[5]:.3f}'} | {r[6]:.3f} |"
            for r in rows
        ],
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a") as out:
        out.write(("\n" if args.out.stat().st_size else "") + text)


if __name__ == "__main__":
    main()
