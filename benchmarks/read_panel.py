"""read_panel on a long CSV of 10,000 series x 500 daily points against pandas.read_csv: time and peak memory.

Run:  .venv/bin/python benchmarks/read_panel.py [--series 10000] [--length 500] [--repeats 3]
      [--layout by-series|by-date|with-NA] [--out FILE]

Writes ``unique_id,ds,y`` (daily dates, values with three decimals) into a temporary folder,
then runs each measurement in a fresh subprocess pinned to one core (``taskset -c 1``,
``OMP_NUM_THREADS=1``), the kinds interleaved round by round:

- ``pandas.read_csv``: a plain ``pd.read_csv(path)`` (C engine, default options);
- ``read_panel``: ``forecastrnn.data.read_panel(path)``, every check included;
- ``SeasonalNaive``: fit + predict (horizon 7) on the panel read_panel returned (reading not timed).

Each subprocess imports only what its kind needs and reports the seconds of the measured call
(imports excluded) and its peak resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``,
imports included). This script itself imports no numpy or pandas and writes the file from a
subprocess too: on Linux a child's ru_maxrss starts at its parent's peak, which would
otherwise be counted in every measurement. Medians of ``--repeats`` rounds are written as
Markdown (default benchmarks/results/read_panel.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

KINDS = ("pandas.read_csv", "read_panel", "SeasonalNaive")

CHILD = """
import json, resource, sys, time, warnings
kind, path, missing = sys.argv[1], sys.argv[2], sys.argv[3]
warnings.simplefilter("ignore")  # the report of filled values (with-NA)
import pandas as pd
if kind == "pandas.read_csv":
    start = time.perf_counter()
    result = pd.read_csv(path)
elif kind == "read_panel":
    from forecastrnn.data import read_panel
    start = time.perf_counter()
    result = read_panel(path, missing=missing)
else:
    from forecastrnn.data import read_panel
    from forecastrnn.models import SeasonalNaive
    panel = read_panel(path, missing=missing)
    start = time.perf_counter()
    result = SeasonalNaive().fit(panel).predict(7)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak": peak, "rows": len(result)}))
"""


WRITE = """
import sys
import numpy as np
import pandas as pd
path, n_series, length, layout = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(0)
ids = np.repeat(np.array([f"s{i:05d}" for i in range(n_series)], dtype=object), length)
dates = pd.date_range("2000-01-01", periods=length, freq="D").strftime("%Y-%m-%d").to_numpy(dtype=object)
values = np.round(rng.gamma(2.0, 50.0, n_series * length), 3).astype(object)
frame = pd.DataFrame({"unique_id": ids, "ds": np.tile(dates, n_series), "y": values})
if layout == "by-date":
    frame = frame.sort_values("ds", kind="stable")
elif layout == "with-NA":
    frame.loc[frame.index[::1000], "y"] = "NA"
frame.to_csv(path, index=False)
"""
LAYOUTS = ("by-series", "by-date", "with-NA")


def write_file(path: Path, n_series: int, length: int, layout: str) -> None:
    """The benchmark CSV (in a subprocess): ids s00000.., daily dates from 2000-01-01, values
    with three decimals; rows by series (sorted), by date (series interleaved), or by series
    with every 1000th value written NA (read with missing="zero")."""
    subprocess.run([sys.executable, "-c", WRITE, str(path), str(n_series), str(length), layout], check=True)


def _version(package: str) -> str:
    try:
        return f"{package} {version(package)}"
    except PackageNotFoundError:
        return f"no {package}"


def measure(kind: str, path: Path, missing: str) -> dict:
    """One fresh, pinned subprocess: seconds and peak bytes of one call of ``kind``."""
    pin = ["taskset", "-c", "1"] if shutil.which("taskset") else []
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    command = [*pin, sys.executable, "-c", CHILD, kind, str(path), missing]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--length", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--layout", choices=LAYOUTS, default=LAYOUTS[0], help="row order, or NA values")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "read_panel.md")
    args = parser.parse_args()

    runs: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "panel.csv"
        write_file(path, args.series, args.length, args.layout)
        size = path.stat().st_size
        for round_number in range(args.repeats):
            for kind in KINDS:
                runs[kind].append(measure(kind, path, "zero" if args.layout == "with-NA" else "error"))
                print(f"round {round_number + 1} {kind}: {runs[kind][-1]}", flush=True)

    seconds = {kind: statistics.median(run["seconds"] for run in runs[kind]) for kind in KINDS}
    peak = {kind: statistics.median(run["peak"] for run in runs[kind]) / 2**20 for kind in KINDS}
    every = {kind: ", ".join(f"{run['seconds']:.2f}" for run in runs[kind]) for kind in KINDS}
    base = "pandas.read_csv"

    lines = [
        "# read_panel at scale",
        "",
        f"`{' '.join(['python', 'benchmarks/read_panel.py', *sys.argv[1:]])}` on {platform.machine()}, "
        f"{os.cpu_count()} cores (each run pinned to core 1 with OMP_NUM_THREADS=1), Python "
        f"{platform.python_version()}, {_version('pandas')}, {_version('pyarrow')}; medians of "
        f"{args.repeats} interleaved rounds, each run a fresh subprocess.",
        "",
        f"A long CSV `unique_id,ds,y`: {args.series:,} series x {args.length:,} daily points = "
        f"{args.series * args.length:,} rows, {size / 1e6:.0f} MB; rows {args.layout}.",
        "",
        "| what | seconds | peak memory (MiB) | seconds vs read_csv | memory vs read_csv | seconds, every run |",
        "|---|---|---|---|---|---|",
        *[
            f"| {kind} | {seconds[kind]:.2f} | {peak[kind]:.0f} | {seconds[kind] / seconds[base]:.2f}x "
            f"| {peak[kind] / peak[base]:.2f}x | {every[kind]} |"
            for kind in KINDS
        ],
        "",
        "Seconds are those of the call alone (imports excluded); peak memory is the subprocess's",
        "ru_maxrss, so it includes the interpreter and imported libraries. SeasonalNaive's row is",
        "fit + predict(7) on the panel read_panel returned; its peak includes that reading.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
