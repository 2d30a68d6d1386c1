"""Dask backend against joblib on the same cores: identical forecasts, overhead, 1 -> 2 workers.

Run: ``taskset -c 0,1 .venv/bin/python benchmarks/dask_scale.py --series 500 --repeats 3``
(results go to ``benchmarks/results/dask.md`` by hand). The panel is ``scale.py``'s
``large_panel`` (daily seasonal random walks, 500 points). Each timing is fit + predict of 7
steps, the median of ``--repeats`` rounds in which joblib (``n_jobs=2``), a 2-worker and a
1-worker LocalCluster (both started before timing) take turns, after an untimed warm-up of
each on 20 series that pays imports, worker pools and first use.
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
TIMED_RUNS = ("joblib", "dask 2", "dask 1")


def fit_predict(make, panel: pd.DataFrame) -> tuple[float, pd.DataFrame]:
    """Seconds of fit + predict(7), and the forecast."""
    began = time.perf_counter()
    forecast = make().fit(panel).predict(7)
    return time.perf_counter() - began, forecast


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=500, help="series for ETS and AutoARIMA")
    parser.add_argument("--naive-series", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--no-single", action="store_true", help="skip the 1-worker cluster (long runs)")
    arguments = parser.parse_args()
    from distributed import Client, LocalCluster

    rows = []
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as two,
        LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as one,
        Client(two) as client_two,
        Client(one) as client_one,
    ):
        clients = {2: client_two, 1: client_one}
        for name in arguments.models:
            size = arguments.naive_series if name == "SeasonalNaive" else arguments.series
            panel = large_panel(n_series=size)
            warm = panel[panel["unique_id"].isin(panel["unique_id"].unique()[:20])]
            runs = {
                "joblib": (lambda name=name: MODELS[name](n_jobs=2), None),
                "dask 2": (MODELS[name], 2),
                "dask 1": (MODELS[name], 1),
            }
            if arguments.no_single:
                del runs["dask 1"]
            for make, workers in runs.values():  # untimed: imports, worker pools, first use
                if workers is None:
                    fit_predict(make, warm)
                else:
                    with parallel_backend("dask", scheduler=clients[workers]):
                        fit_predict(make, warm)
            times: dict[str, list[float]] = {run: [] for run in runs}
            forecasts = {}
            for _ in range(arguments.repeats):  # interleaved: joblib, dask 2, dask 1, joblib, ...
                for run, (make, workers) in runs.items():
                    if workers is None:
                        seconds, forecasts[run] = fit_predict(make, panel)
                    else:
                        with parallel_backend("dask", scheduler=clients[workers]):
                            seconds, forecasts[run] = fit_predict(make, panel)
                    times[run].append(seconds)
                    print(name, run, f"{seconds:.2f} s", flush=True)
            for run in runs:
                pd.testing.assert_frame_equal(forecasts[run], forecasts["joblib"])  # identical, row for row
            local, dask2, dask1 = (statistics.median(times[run]) if run in runs else None for run in TIMED_RUNS)
            single = f"{dask1:.2f} | {dask1 / dask2:.2f}x" if dask1 is not None else "- | -"
            rows.append(
                f"| {name} | {size} | {local:.2f} | {dask2:.2f} | {dask2 / local - 1:+.0%} | {single} | identical |"
            )
            print(rows[-1], flush=True)
    print("| model | series | joblib 2 jobs s | dask 2 workers s | overhead | dask 1 worker s | 1 -> 2 | forecasts |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
