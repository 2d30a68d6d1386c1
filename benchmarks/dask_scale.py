"""Dask backend against joblib on the same cores: identical forecasts, overhead, 1 -> 2 workers.

Run: ``taskset -c 0,1 .venv/bin/python benchmarks/dask_scale.py --series 500 --repeats 3``
(results go to ``benchmarks/results/dask.md`` by hand). The panel is ``scale.py``'s
``large_panel`` (daily seasonal random walks, 500 points). Each timing is fit + predict of 7
steps, the median of ``--repeats`` runs, after a warm-up run that pays imports and worker start.
The naive family is vectorised and runs in the calling process under every backend.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from scale import large_panel

from forecastrnn._backends import parallel_backend
from forecastrnn.models import ETS, AutoARIMA, SeasonalNaive

MODELS = {"SeasonalNaive": SeasonalNaive, "ETS": ETS, "AutoARIMA": AutoARIMA}


def timed(make, panel: pd.DataFrame, repeats: int) -> tuple[float, pd.DataFrame]:
    """Median seconds of fit + predict(7), and the forecast (after one untimed warm-up)."""
    forecast = make().fit(panel).predict(7)
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        forecast = make().fit(panel).predict(7)
        times.append(time.perf_counter() - began)
    return statistics.median(times), forecast


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=500, help="series for ETS and AutoARIMA")
    parser.add_argument("--naive-series", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    arguments = parser.parse_args()
    from distributed import Client, LocalCluster

    rows = []
    for name in arguments.models:
        size = arguments.naive_series if name == "SeasonalNaive" else arguments.series
        panel = large_panel(n_series=size)
        local, expected = timed(lambda name=name: MODELS[name](n_jobs=2), panel, arguments.repeats)
        per_workers = {}
        for workers in (1, 2):
            with (
                LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster,
                Client(cluster) as client,
                parallel_backend("dask", scheduler=client),
            ):
                per_workers[workers], got = timed(MODELS[name], panel, arguments.repeats)
            pd.testing.assert_frame_equal(got, expected)  # identical, row for row
        rows.append(
            f"| {name} | {size} | {local:.2f} | {per_workers[2]:.2f} | {per_workers[2] / local - 1:+.0%} "
            f"| {per_workers[1]:.2f} | {per_workers[1] / per_workers[2]:.2f}x | identical |"
        )
        print(rows[-1], flush=True)
    print("| model | series | joblib 2 jobs s | dask 2 workers s | overhead | dask 1 worker s | 1 -> 2 | forecasts |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
