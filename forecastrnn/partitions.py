"""Panels larger than memory: a partitioned Parquet dataset forecast a batch of files at a time.

The input is a directory of Parquet files: hive-partitioned by the series key
(``unique_id=a/part-0.parquet``), or any files in which no series is split across files.
Files are grouped into batches of about ``batch_bytes`` on disk; one task per batch reads,
validates (``read_panel``: errors name the file, the series and the time), fits and forecasts
it with the local models (a fitted network forecasts it from its history without training),
and writes its forecasts as one file of the output dataset. Only
file names and a summary come back, so the caller holds no data and each worker one batch.
A batch takes far more memory than its size on disk: a row of text id, date and float64
value is about 9 bytes in Parquet (ids and dates compress to almost nothing) and 32 in
pandas, and reading, validating and fitting a batch need 3 to 5 times that. On daily series
of 500 points (``benchmarks/results/dask.md``) a worker process idles at about 210 MiB and
peaked at 463 MiB with the default ``batch_bytes`` (16 MiB), at 909 MiB with 64 MiB: 89% of
a 1 GiB Dask memory limit, where Dask pauses the worker. Lower it for smaller workers.
With ``backend="dask"`` the workers must see the same paths (one machine, or shared storage).
Conformal intervals (``conformal_windows`` > 0) are calibrated within each batch: a series
too short for its own scores pools those of its batch, not of the whole dataset.
"""

from __future__ import annotations

import copy
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ._backends import open_backend
from .errors import ConfigError, DataError
from .models._base import check_horizon, check_levels

__all__ = ["forecast_partitions"]

BATCH_BYTES = 16 * 2**20  # on disk; 10 to 16 times that in a worker's memory (see above)
_DATAFRAME = "the DataFrame: "


@dataclass(frozen=True, eq=False)
class _Batch:
    """One task: files to read as one panel, models, and where to write the forecasts."""

    number: int
    root: Path
    files: list[Path]
    models: list[Any]
    h: int
    levels: tuple[int, ...]
    read_options: dict[str, Any]
    output: Path


def _files(root: Path) -> list[Path]:
    """The dataset's Parquet files in a stable order (hidden and ``_`` files left out)."""
    if not root.is_dir():
        raise DataError(f"{root}: not a directory. Give a partitioned Parquet dataset (a directory of .parquet files).")
    found = sorted(
        path
        for path in root.rglob("*.parquet")
        if not any(part.startswith((".", "_")) for part in path.relative_to(root).parts)
    )
    if not found:
        raise DataError(f"{root}: no .parquet files in it. Give a partitioned Parquet dataset.")
    return found


def _batches(files: list[Path], batch_bytes: int) -> list[list[Path]]:
    """Consecutive files of about ``batch_bytes`` on disk together (at least one file each)."""
    out: list[list[Path]] = [[]]
    size = 0
    for path in files:
        length = path.stat().st_size
        if out[-1] and size + length > batch_bytes:
            out.append([])
            size = 0
        out[-1].append(path)
        size += length
    return out


def _read_file(root: Path, path: Path) -> pd.DataFrame:
    """One file as a frame, with the hive keys of its directories (``key=value``) as text columns."""
    frame = pd.read_parquet(path)
    for part in path.relative_to(root).parts[:-1]:
        key, equals, value = part.partition("=")
        if equals and key not in frame.columns:
            frame[key] = value
    return frame


def _read_batch(batch: _Batch) -> pd.DataFrame:
    """The batch's panel, validated; a data error names the file it comes from."""
    from .data import read_panel

    frames = [_read_file(batch.root, path) for path in batch.files]
    try:
        return read_panel(pd.concat(frames, ignore_index=True), sort=True, **batch.read_options)
    except DataError:
        for path, frame in zip(batch.files, frames, strict=True):
            try:
                read_panel(frame, sort=True, **batch.read_options)
            except DataError as exc:
                text = str(exc).removeprefix(_DATAFRAME)
                raise DataError(f"{path.relative_to(batch.root)}: {text}") from None
        raise


def _run_batch(batch: _Batch) -> dict[str, Any]:
    """Read, validate, fit, forecast and write one batch; a small summary comes back."""
    import warnings

    from .models._plausible import ForecastFallbackWarning

    panel = _read_batch(batch)
    forecasts = None
    fallbacks = {}
    for model in batch.models:
        levels = batch.levels if model.supports_intervals else ()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ForecastFallbackWarning)  # kept in fallbacks_, summarised once
            if _is_fitted_network(model):  # trained already: forecasts the batch from its history
                fitted = copy.copy(model)
                fitted.fallbacks_ = {}  # only what this batch's forecasts replaced
                result = fitted.predict(batch.h, level=levels, history=panel)
            else:
                fitted = model.clone().fit(panel)
                result = fitted.predict(batch.h, level=levels)
        fallbacks[model.column] = dict(fitted.fallbacks_)
        forecasts = result if forecasts is None else forecasts.merge(result, on=["unique_id", "ds"], how="outer")
    path = batch.output / f"part-{batch.number:05d}.parquet"
    forecasts.to_parquet(path, index=False)
    return {
        "number": batch.number,
        "ids": list(dict.fromkeys(panel["unique_id"])),
        "freq": panel.attrs["freq"],
        "rows": len(panel),
        "fallbacks": fallbacks,
    }


def _check_models(models: Sequence[Any], h: int, level: Sequence[int]) -> list[Any]:
    """The models as a list; ConfigError for an untrained network, a request (horizon, levels) a
    fitted network cannot serve, or two models with one output column: before any worker starts."""
    from .models._local import LocalForecaster

    for model in models:
        if _is_fitted_network(model):
            model.check_request(h, level)
        elif not isinstance(model, LocalForecaster):
            raise ConfigError(
                f"{model.column} cannot forecast partition by partition untrained: a network trains on the whole "
                "panel in one process. Fit it first (on the panel in memory, or a sample of its series; on the "
                "command line: train --save), then pass the fitted network: it forecasts each batch from its history."
            )
    columns = [model.column for model in models]
    if len(set(columns)) != len(columns):
        raise ConfigError(f"two models share an output column among {columns}; give one an alias.")
    return list(models)


def _is_fitted_network(model: Any) -> bool:
    """A trained recurrent network; asked without importing torch (a network's module is loaded
    whenever one exists), so batches of statistical models never pay for it."""
    recurrent = sys.modules.get(f"{__package__}.models._recurrent")
    fitted = getattr(model, "is_fitted_", False)
    return recurrent is not None and isinstance(model, recurrent.RecurrentForecaster) and fitted


def forecast_partitions(
    path: str | Path,
    models: Any,
    h: int,
    output_dir: str | Path,
    *,
    level: Sequence[int] = (),
    freq: str | int | None = None,
    missing: str = "error",
    backend: str = "joblib",
    scheduler: Any = None,
    n_jobs: int = 1,
    batch_bytes: int = BATCH_BYTES,
    callback: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Forecast ``h`` steps for every series of the partitioned Parquet dataset at ``path`` with
    ``models`` (one or a list: local models, fit on each batch, and fitted networks, which
    forecast each batch from its history as ``predict(history=)``), a batch of files at a
    time, and write the forecasts
    (``unique_id, ds, <model>...``) as a Parquet dataset at ``output_dir`` (``part-NNNNN.parquet``,
    replaced as a whole when every batch is done). ``backend``/``scheduler``/``n_jobs`` as in
    :func:`forecastrnn.backtest`; ``callback(done, total)`` after each batch. Hive partition keys
    are read as text: a network trained on numeric ids sees such series as new ones (forecast
    from their history all the same, with the front end estimated on it). Returns a summary:
    ``series``, ``rows``, ``batches``, ``freq``, ``output`` and ``fallbacks`` per model."""
    h, level = check_horizon(h), check_levels(level)
    models = _check_models(models if isinstance(models, (list, tuple)) else [models], h, level)
    root, output = Path(path), Path(output_dir)
    if output.exists() and any(not p.name.startswith("part-") for p in output.iterdir()):
        raise ConfigError(f"{output} holds other files than forecasts; give a new or empty directory.")
    files = _files(root)
    staging = output.parent / f".{output.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        with open_backend(backend, scheduler=scheduler, n_jobs=n_jobs) as runner:
            if runner.workers > 1:
                models = [m.clone().set_params(n_jobs=1) if "n_jobs" in m.get_params() else m for m in models]
            options = {"freq": freq, "missing": missing}
            batches = [
                _Batch(number, root, part, models, int(h), tuple(level), options, staging)
                for number, part in enumerate(_batches(files, batch_bytes))
            ]
            finished = []

            def done(_: int) -> None:
                finished.append(True)
                if callback is not None:
                    callback(len(finished), len(batches))

            results = runner.map(_run_batch, batches, done)
        summary = _summary(results, batches, output)
        shutil.rmtree(output, ignore_errors=True)
        staging.rename(output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return summary


def _summary(results: list[dict[str, Any]], batches: list[_Batch], output: Path) -> dict[str, Any]:
    """Check that no series was split across batches and that all share a frequency; summarise."""
    seen: dict[Any, int] = {}
    for result in results:
        for uid in result["ids"]:
            if uid in seen:
                first, second = batches[seen[uid]].files, batches[result["number"]].files
                raise DataError(
                    f"series {uid!r} is split across files ({first[0].name}... and {second[0].name}...): keep each "
                    "series in one file, or partition the dataset by the series key (unique_id=...)."
                )
            seen[uid] = result["number"]
    freqs = {str(result["freq"]) for result in results}
    if len(freqs) > 1:
        raise DataError(f"the files have different frequencies ({', '.join(sorted(freqs))}); give freq= to choose one.")
    return {
        "series": len(seen),
        "rows": sum(result["rows"] for result in results),
        "batches": len(results),
        "freq": results[0]["freq"],
        "output": output,
        "fallbacks": {
            column: {uid: why for result in results for uid, why in result["fallbacks"][column].items()}
            for column in results[0]["fallbacks"]
        },
    }
