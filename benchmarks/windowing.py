"""Window index on 10,000 series x 1,000 points (input_size 48, horizon 12): build time and memory.

Run:  .venv/bin/python benchmarks/windowing.py [--series 10000] [--length 1000] [--out FILE]

Measures, as medians of several runs: validating the panel with read_panel (one run),
building the float32 buffer from the panel, building the window index (and the
train/validation split), gathering one batch of 1,024 windows; and the peak memory that the
index build allocates (tracemalloc), beside the size a copy of every window would take.
Results are written as Markdown (default benchmarks/results/windowing.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from forecastrnn.data import read_panel
from forecastrnn.windowing import SeriesBuffer, make_windows, train_validation_windows

INPUT_SIZE, HORIZON, BATCH = 48, 12, 1024


def median_seconds(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_bytes(function) -> int:
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--length", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "windowing.md")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    n_rows = args.series * args.length
    panel = pd.DataFrame(
        {
            "unique_id": np.repeat(np.array([f"s{i:05d}" for i in range(args.series)], dtype=object), args.length),
            "ds": np.tile(pd.date_range("2000-01-01", periods=args.length, freq="h").to_numpy(), args.series),
            "y": rng.standard_normal(n_rows),
        }
    )
    buffer = SeriesBuffer.from_panel(panel)
    index = make_windows(buffer.offsets, INPUT_SIZE, HORIZON)
    batch = rng.integers(0, len(index), BATCH)

    rows = {
        "read_panel: validate the DataFrame (s, 1 run)": median_seconds(lambda: read_panel(panel), 1),
        "buffer from panel (s)": median_seconds(lambda: SeriesBuffer.from_panel(panel), args.repeats),
        "window index build (s)": median_seconds(
            lambda: make_windows(buffer.offsets, INPUT_SIZE, HORIZON), args.repeats
        ),
        "train/validation split (s)": median_seconds(
            lambda: train_validation_windows(buffer.offsets, INPUT_SIZE, HORIZON, HORIZON), args.repeats
        ),
        f"gather one batch of {BATCH} (ms)": 1e3
        * median_seconds(lambda: index.gather(buffer.values, batch), max(args.repeats, 20)),
    }
    index_peak = peak_bytes(lambda: make_windows(buffer.offsets, INPUT_SIZE, HORIZON))
    copies = len(index) * (INPUT_SIZE + HORIZON) * 4

    lines = [
        "# Window index benchmark",
        "",
        f"`{' '.join(['python', 'benchmarks/windowing.py', *sys.argv[1:]])}` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}; medians of {args.repeats} runs.",
        "",
        f"{args.series:,} series x {args.length:,} points = {n_rows:,} values; input_size {INPUT_SIZE}, "
        f"horizon {HORIZON}: {len(index):,} windows.",
        "",
        "| what | value |",
        "|---|---|",
        *[f"| {name} | {value:.4f} |" for name, value in rows.items()],
        f"| buffer size (MB, float32) | {buffer.values.nbytes / 1e6:.1f} |",
        f"| peak memory allocated by the index build (MB) | {index_peak / 1e6:.2f} |",
        f"| every window copied out, float32 (MB, computed) | {copies / 1e6:,.0f} |",
        "",
        "The index keeps three integers per series (first start, count, cumulative count), so its",
        "memory grows with the number of series; a batch is gathered from the buffer when needed.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
