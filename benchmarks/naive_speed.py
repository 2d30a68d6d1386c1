"""Fit + predict of the naive family on 10,000 series x 500 points, against another checkout.

Run:  OMP_NUM_THREADS=1 taskset -c 0 .venv/bin/python benchmarks/naive_speed.py
      [--before /tmp/wt_base] [--series 10000] [--length 500] [--repeats 5] [--out FILE]

The panel: ids s00000.., daily dates from 2000-01-01, gamma(2, 50) values with three decimals
(seed 0), validated once by ``read_panel``; the model's module is imported (neither timed).
Timed: ``Model().fit(panel)`` and ``predict(7)``, and separately ``predict(7, level=(80, 95))``
on the same fit, for Naive, SeasonalNaive, Drift, HistoricAverage and WindowAverage.

Every measurement is a fresh subprocess (it inherits this process's CPU affinity; pin it
with ``taskset``) that imports the library from the checkout it runs for: this one ("after"),
and with ``--before PATH`` another (e.g. ``git worktree add /tmp/wt_base <commit>``). Rounds
interleave the checkouts and models; medians are written as Markdown (default
benchmarks/results/naive_speed.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

MODELS = ("SeasonalNaive", "Naive", "Drift", "HistoricAverage", "WindowAverage")

CHILD = """
import json, sys, time, warnings
model_name, n_series, length = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
import numpy as np
import pandas as pd
import forecastrnn
from forecastrnn.data import read_panel
from forecastrnn import models
rng = np.random.default_rng(0)
frame = pd.DataFrame({
    "unique_id": np.repeat(np.array([f"s{i:05d}" for i in range(n_series)], dtype=object), length),
    "ds": np.tile(pd.date_range("2000-01-01", periods=length, freq="D").to_numpy(), n_series),
    "y": np.round(rng.gamma(2.0, 50.0, n_series * length), 3),
})
panel = read_panel(frame)
del frame
warnings.simplefilter("ignore")
cls = getattr(models, model_name)  # imports the model's module (not timed)
start = time.perf_counter()
model = cls().fit(panel)
fitted = time.perf_counter()
forecast = model.predict(7)
predicted = time.perf_counter()
with_levels = model.predict(7, level=(80, 95))
intervals = time.perf_counter() - predicted
assert len(forecast) == len(with_levels) == 7 * n_series
print(json.dumps({"fit": fitted - start, "predict": predicted - fitted, "intervals": intervals,
                  "where": forecastrnn.__file__}))
"""


def measure(checkout: Path, model: str, n_series: int, length: int) -> dict:
    """One fresh subprocess importing forecastrnn from ``checkout``: seconds of each step."""
    env = os.environ | {"OMP_NUM_THREADS": "1", "PYTHONPATH": str(checkout)}
    command = [sys.executable, "-c", CHILD, model, str(n_series), str(length)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=checkout, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if not result.pop("where").startswith(str(checkout)):
        raise RuntimeError(f"the subprocess did not import forecastrnn from {checkout}")
    return result


def _cpu() -> str:
    """The processor's model name (Linux), else what platform knows."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        lines = []
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another checkout to compare with (e.g. a git worktree)")
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--length", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "naive_speed.md")
    args = parser.parse_args()

    checkouts = {"after": Path(__file__).resolve().parents[1]}
    if args.before:
        checkouts = {"before": args.before.resolve(), **checkouts}
    runs: dict[tuple[str, str], list[dict]] = {(c, m): [] for c in checkouts for m in args.models}
    load_before = os.getloadavg()
    for round_number in range(args.repeats):
        for model in args.models:
            for label, checkout in checkouts.items():
                runs[label, model].append(measure(checkout, model, args.series, args.length))
                print(f"round {round_number + 1} {model} {label}: {runs[label, model][-1]}", flush=True)
    load_after = os.getloadavg()

    def median(label: str, model: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[label, model])

    def total(run: dict) -> float:
        return run["fit"] + run["predict"]

    header = (
        "| model | fit + predict(7), s | fit | predict(7) | predict(7, level=(80, 95)) | fit + predict, every run |"
    )
    lines = [
        "# Naive family: fit + predict at scale",
        "",
        f"`OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/naive_speed.py {' '.join(sys.argv[1:])}` on "
        f"{_cpu()} ({os.cpu_count()} cores, every run on one), Python {platform.python_version()}; "
        f"{args.series:,} series x {args.length} daily points, panel validated by read_panel before timing; "
        f"medians of {args.repeats} interleaved rounds, each run a fresh subprocess. Load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (the machine is shared).",
        "",
    ]
    for label in checkouts:
        lines += [
            f"## {label}" + (f" ({checkouts[label]})" if label == "before" else ""),
            "",
            header,
            "|---|---|---|---|---|---|",
            *[
                f"| {model} | {statistics.median(map(total, runs[label, model])):.3f} | "
                f"{median(label, model, 'fit'):.3f} | {median(label, model, 'predict'):.3f} | "
                f"{median(label, model, 'intervals'):.3f} | "
                f"{', '.join(f'{total(run):.2f}' for run in runs[label, model])} |"
                for model in args.models
            ],
            "",
        ]
    if "before" in checkouts:
        lines += ["## Speed-up (before / after, fit + predict)", "", "| model | speed-up |", "|---|---|"]
        for model in args.models:
            before, after = (statistics.median(map(total, runs[label, model])) for label in ("before", "after"))
            lines.append(f"| {model} | {before / after:.1f}x |")
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
