"""A partitioned Parquet panel larger than the workers' memory, forecast under a Dask memory limit.

Run:  OMP_NUM_THREADS=1 taskset -c 0 .venv/bin/python benchmarks/parquet_memory.py --gib 5 --batch-mib 64 16 2
      (the defaults; about 15 minutes on one core, 1.5 GiB of disk; results go to
      ``benchmarks/results/dask.md`` by hand; the worker processes inherit the ``taskset`` affinity)

What it does:

1. Writes, a file at a time, a dataset of plain Parquet files (``part-NNNNN.parquet``, each
   ``--series-per-file`` whole series; no series is split across files) of generated daily
   series like ``scale.py``'s ``large_panel`` (seasonal random walks of varied scale, ``--length``
   points, float64 values, ids ``s0000000``...) into ``--dir`` (default: a new directory under the
   system temp directory; never inside this repository). Its size is **the memory of the panel
   as read_panel holds it**: ``DataFrame.memory_usage(deep=True)`` summed over the files, each
   file's frame having read_panel's dtypes (text ids, datetime64 times, float64 values; checked
   on the first file), so ``--gib 5`` is a 5 GiB panel in memory. Free disk space is checked
   first; the dataset is deleted at the end unless ``--keep``.
2. For each ``--batch-mib``: a LocalCluster of ``--workers`` single-threaded worker processes
   with ``memory_limit=--memory-limit`` each (Dask pauses a worker at 80% of it and its nanny
   restarts it at 95%), and ``forecast_partitions(dataset, SeasonalNaive(), h, output,
   backend="dask", scheduler=client, batch_bytes=...)``.
3. Memory: every worker process's resident memory polled every 0.1 s from this process (the
   workers are its children) and its own peak (``VmHWM``) read at the end; this
   process's RSS polled over the call (it also holds the scheduler and the nannies); worker
   restarts (a worker's pid changing), pauses, spilling and memory warnings from the workers',
   nannies' and scheduler's logs.
4. Checks: forecast rows = series x h, one forecast per series, and ``--sample`` random series'
   forecasts equal (exactly) an in-memory SeasonalNaive forecast of those series.
5. ETS (about 0.25 CPU s per 500-point series, so hours on a multi-GiB panel) runs through
   the same path under the same limit on a second, small dataset of ``--ets-series`` series with
   ``--ets-batch-mib``, checked against in-memory ETS on ``--ets-sample`` series; SeasonalNaive
   runs on that small dataset too, at the same batch size, for comparison.

One markdown table row per run is printed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from forecastrnn.data import read_panel
from forecastrnn.models import ETS, SeasonalNaive
from forecastrnn.partitions import forecast_partitions

MiB = 2**20
GiB = 2**30
REPO = Path(__file__).resolve().parent.parent
MODELS = {"SeasonalNaive": SeasonalNaive, "ETS": ETS}
LOG_EVENTS = {
    "paused": "Pausing worker",
    "restarted (nanny: over 95%)": "exceeded 95% memory budget",
    "unmanaged memory warnings": "Unmanaged memory use is high",
    "resumed": "Resuming worker",
    "started spilling": "Start spilling data to disk",
    "moved to disk": "to disk",
}


def chunk(number: int, n_series: int, length: int) -> pd.DataFrame:
    """File ``number``: ``n_series`` daily seasonal random walks of varied scale (as ``large_panel``)."""
    rng = np.random.default_rng(number)
    steps = rng.normal(0, 1, (n_series, length)).cumsum(axis=1)
    season = np.sin(2 * np.pi * np.arange(length) / 7)[None, :] * rng.uniform(0, 3, (n_series, 1))
    scale = 10 ** rng.uniform(0, 4, (n_series, 1))
    first = number * n_series
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i:07d}" for i in range(first, first + n_series)], length),
            "ds": np.tile(pd.date_range("2020-01-01", periods=length, freq="D"), n_series),
            "y": (scale * (50 + steps + season)).ravel(),
        }
    )


def in_memory(frame: pd.DataFrame) -> int:
    return int(frame.memory_usage(deep=True).sum())


def disk_free(directory: Path) -> int:
    print(subprocess.run(["df", "-h", str(directory)], capture_output=True, text=True).stdout, end="", flush=True)
    return shutil.disk_usage(directory).free


def write_dataset(directory: Path, files: int, series_per_file: int, length: int) -> dict[str, int]:
    """``files`` Parquet files of whole series, written one at a time; sizes in memory and on disk."""
    directory.mkdir(parents=True)
    memory = disk = 0
    began = time.perf_counter()
    for number in range(files):
        frame = chunk(number, series_per_file, length)
        if number == 0:  # the frame has read_panel's dtypes and memory
            panel = read_panel(frame, sort=True)
            assert list(panel.dtypes) == list(frame.dtypes)
            assert in_memory(panel) == in_memory(frame)
            del panel
        memory += in_memory(frame)
        path = directory / f"part-{number:05d}.parquet"
        frame.to_parquet(path, index=False)
        disk += path.stat().st_size
        if number % 100 == 99:
            print(f"  wrote {number + 1}/{files} files, {memory / GiB:.2f} GiB in memory", flush=True)
    print(f"  wrote {files} files in {time.perf_counter() - began:.0f} s", flush=True)
    return {"files": files, "series": files * series_per_file, "memory": memory, "disk": disk}


def make_dataset(directory: Path, gib: float, series_per_file: int, length: int, free_margin: int) -> dict[str, int]:
    """A dataset of about ``gib`` GiB in memory (whole files), after checking the disk has room."""
    probe = chunk(0, series_per_file, length)
    files = max(1, math.ceil(gib * GiB / in_memory(probe)))
    sample_path = directory.parent / f".{directory.name}.probe.parquet"
    probe.to_parquet(sample_path, index=False)
    per_file = sample_path.stat().st_size
    sample_path.unlink()
    need = files * per_file * 1.2  # the input, and its forecasts (a few % of it)
    free = disk_free(directory.parent)
    print(f"  {files} files x {per_file / MiB:.1f} MiB on disk: needs ~{need / GiB:.2f} GiB, {free / GiB:.1f} GiB free")
    if free - need < free_margin:
        sys.exit(f"not enough disk space in {directory.parent} for {need / GiB:.2f} GiB; use a smaller --gib")
    return write_dataset(directory, files, series_per_file, length)


class Watch:
    """Polls this process's RSS and that of its child processes (the workers) in a thread."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval, self.me = interval, psutil.Process()
        self.caller = 0
        self.children: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.caller = max(self.caller, self.me.memory_info().rss)
            for child in self.me.children(recursive=True):
                with contextlib.suppress(psutil.Error):  # a process that just ended
                    self.children[child.pid] = max(self.children.get(child.pid, 0), child.memory_info().rss)
            self._stop.wait(self.interval)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _warm_up() -> int:
    """Imports a task needs, so that the idle figure includes them; the worker's RSS."""
    import pyarrow.parquet  # noqa: F401
    import statsmodels.tsa.holtwinters  # noqa: F401

    import forecastrnn.partitions  # noqa: F401

    return psutil.Process().memory_info().rss


def _peak() -> int:
    """The worker's peak resident memory: VmHWM (ru_maxrss would count the parent's at spawn)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _spilled(dask_worker) -> int:
    """Bytes the worker's memory manager has written to disk (its SpillBuffer's count)."""
    total = getattr(dask_worker.data, "spilled_total", None)
    return int(total.disk) if total is not None else 0


def forecast_under_limit(args, dataset: Path, model: str, batch_bytes: int, output: Path) -> dict:
    """One forecast_partitions run on a fresh cluster; memory, restarts, time and summary."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        processes=True,
        memory_limit=args.memory_limit,
        dashboard_address=None,
    )
    client = Client(cluster)
    try:
        limit = next(iter(client.scheduler_info()["workers"].values()))["memory_limit"]
        idle = client.run(_warm_up)
        pids = client.run(os.getpid)
        failure = None
        began = time.perf_counter()
        with Watch() as watch:
            try:
                summary = forecast_partitions(
                    dataset, MODELS[model](), args.h, output, backend="dask", scheduler=client, batch_bytes=batch_bytes
                )
            except Exception as exc:  # a worker killed too often ends the run: recorded, not raised
                summary, failure = None, f"{type(exc).__name__}: {str(exc)[:200]}"
        seconds = time.perf_counter() - began
        peaks = client.run(_peak)
        pids_after = client.run(os.getpid)
        spilled = client.run(_spilled)
        logs = [
            message
            for source in (client.get_worker_logs(), client.get_worker_logs(nanny=True))
            for records in source.values()
            for _, message in records
        ] + [message for _, message in client.get_scheduler_logs()]
    finally:
        client.close()
        cluster.close()
    workers = sorted(pids)
    return {
        "model": model,
        "batch_bytes": batch_bytes,
        "limit": limit,
        "summary": summary,
        "failure": failure,
        "seconds": seconds,
        "idle": [idle[w] for w in workers],
        "peak": [peaks[w] for w in workers if w in peaks],
        "polled": [watch.children.get(pids[w], 0) for w in workers],
        "other_children": {pid: rss for pid, rss in watch.children.items() if pid not in pids.values()},
        "restarts": sum(pids_after.get(w) != pids[w] for w in workers) + len(set(pids_after) - set(pids)),
        "caller": watch.caller,
        "spilled": sum(spilled.values()),
        "events": {name: sum(text in message for message in logs) for name, text in LOG_EVENTS.items()},
    }


def check_output(output: Path, dataset: Path, facts: dict, model: str, h: int, sample: int, per_file: int) -> str:
    """Rows = series x h, one forecast per series, and a random sample equal to in-memory forecasts."""
    import pyarrow.parquet as pq

    files = sorted(output.glob("part-*.parquet"))
    rows = sum(pq.ParquetFile(path).metadata.num_rows for path in files)
    ids = pd.concat([pd.read_parquet(path, columns=["unique_id"]) for path in files])["unique_id"]
    counts = ids.value_counts()
    assert rows == facts["series"] * h, f"{rows} forecast rows, expected {facts['series']} x {h}"
    assert len(counts) == facts["series"], f"{len(counts)} series forecast, expected {facts['series']}"
    assert (counts == h).all(), "not h forecast rows for every series"
    del ids, counts
    rng = np.random.default_rng(1)
    chosen = np.sort(rng.choice(facts["series"], size=min(sample, facts["series"]), replace=False))
    names = [f"s{i:07d}" for i in chosen]
    data = pd.concat(
        [
            pd.read_parquet(dataset / f"part-{number:05d}.parquet", filters=[("unique_id", "in", names)])
            for number in np.unique(chosen // per_file)
        ],
        ignore_index=True,
    )
    expected = MODELS[model]().fit(read_panel(data)).predict(h)
    got = pd.read_parquet(output, filters=[("unique_id", "in", names)])
    got = got.sort_values(["unique_id", "ds"]).reset_index(drop=True)[list(expected.columns)]
    expected = expected.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_dtype=False)
    return f"{rows:,} rows = {facts['series']:,} x {h}; {len(names)} sampled series identical"


def row(facts: dict, result: dict, check: str, per_file: int) -> str:
    summary = result["summary"] or {}
    peaks = result["peak"] or result["polled"]
    problems = ", ".join(f"{name} {count}" for name, count in result["events"].items() if count)
    if result["restarts"]:
        problems = f"restarts {result['restarts']}" + (f", {problems}" if problems else "")
    return (
        f"| {result['model']} | {facts['memory'] / GiB:.2f} | {facts['disk'] / GiB:.2f} | {facts['series']:,} "
        f"| {result['batch_bytes'] / MiB:g} ({summary.get('batches', '-')} batches of "
        f"{summary.get('series', 0) // max(summary.get('batches', 1), 1):,} series) "
        f"| {result['limit'] / MiB:.0f} | {', '.join(f'{p / MiB:.0f}' for p in result['idle'])} "
        f"| {', '.join(f'{p / MiB:.0f}' for p in peaks)} ({max(peaks) / result['limit']:.0%}) "
        f"| {result['caller'] / MiB:.0f} | {result['seconds']:.0f} | {problems or 'none'} "
        f"| {result['failure'] or check} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, help="where to write the datasets (default: a new temp directory)")
    parser.add_argument("--gib", type=float, default=5.0, help="the big dataset's size in memory (read_panel's)")
    parser.add_argument("--length", type=int, default=500, help="points per series")
    parser.add_argument("--series-per-file", type=int, default=500)
    parser.add_argument("--batch-mib", type=float, nargs="+", default=[64.0, 16.0, 2.0], help="batch_bytes, MiB")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="1GiB", help="per worker process")
    parser.add_argument("--h", type=int, default=7)
    parser.add_argument("--sample", type=int, default=200, help="series checked against in-memory forecasts")
    parser.add_argument("--ets-series", type=int, default=2000, help="0: no ETS run")
    parser.add_argument("--ets-batch-mib", type=float, default=2.0)
    parser.add_argument("--ets-sample", type=int, default=20)
    parser.add_argument("--free-margin-gib", type=float, default=5.0, help="disk to leave free")
    parser.add_argument("--keep", action="store_true", help="keep the datasets and forecasts")
    args = parser.parse_args()

    base = args.dir or Path(tempfile.mkdtemp(prefix="parquet_memory-"))
    base = base.resolve()
    if base == REPO or REPO in base.parents:
        sys.exit(f"{base} is inside the repository; give a --dir outside it")
    base.mkdir(parents=True, exist_ok=True)
    print(f"datasets under {base}; affinity {sorted(os.sched_getaffinity(0))}", flush=True)
    rows = []
    try:
        print(f"big dataset: {args.gib:g} GiB in memory", flush=True)
        big = make_dataset(base / "big", args.gib, args.series_per_file, args.length, int(args.free_margin_gib * GiB))
        print(
            f"  {big['series']:,} series, {big['memory'] / GiB:.2f} GiB in memory, {big['disk'] / GiB:.2f} GiB on disk"
        )
        runs = [("SeasonalNaive", base / "big", big, mib) for mib in args.batch_mib]
        if args.ets_series:
            files = math.ceil(args.ets_series / args.series_per_file)
            small = write_dataset(base / "small", files, args.series_per_file, args.length)
            runs += [(model, base / "small", small, args.ets_batch_mib) for model in ("SeasonalNaive", "ETS")]
        for model, dataset, facts, mib in runs:
            output = base / "forecasts"
            print(f"{model} on {dataset.name} ({facts['series']:,} series), batch_bytes {mib:g} MiB", flush=True)
            result = forecast_under_limit(args, dataset, model, int(mib * MiB), output)
            check = "-"
            if result["summary"] is not None:
                sample = args.ets_sample if model == "ETS" else args.sample
                check = check_output(output, dataset, facts, model, args.h, sample, args.series_per_file)
            shutil.rmtree(output, ignore_errors=True)
            rows.append(row(facts, result, check, args.series_per_file))
            print(rows[-1], flush=True)
            print(
                f"  workers' polled RSS peaks (MiB): {[round(v / MiB) for v in result['polled']]}; "
                f"other child processes' (MiB): {[round(v / MiB) for v in result['other_children'].values()]}"
            )
            print(f"  bytes spilled to disk: {result['spilled']}; log events: {result['events']}", flush=True)
    finally:
        if args.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"this process's ru_maxrss over everything (writing and checks included): {maxrss / MiB:.0f} MiB")
    print(
        "| model | panel in memory (GiB) | on disk (GiB) | series | batch_bytes MiB | worker limit (MiB) "
        "| workers idle (MiB) | worker peaks (MiB, % of limit) | caller peak (MiB) | wall s | Dask memory events "
        "| checks |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
