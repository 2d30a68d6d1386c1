"""Where work that maps over series or cutoffs runs: joblib on this machine, or a Dask cluster.

A backend has one job: ``map(function, items)`` returns ``[function(item) for item in items]``
in order, wherever it computes them, so every caller gets identical results whichever backend
runs it. ``parallel_backend("dask", scheduler=...)`` makes Dask the backend of the local
models' fit and predict inside the ``with`` block; ``backtest`` and ``forecast_partitions``
take ``backend=`` and ``scheduler=`` directly. Dask is imported only when it is asked for.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .errors import ConfigError

__all__ = [
    "BACKENDS",
    "DaskBackend",
    "JoblibBackend",
    "check_backend",
    "current_backend",
    "open_backend",
    "parallel_backend",
]

BACKENDS = ("joblib", "dask")
INSTALL_HINT = "Dask is not installed: pip install forecastrnn[dask] (or pip install 'dask[distributed]')."

Done = Callable[[int], None]


class JoblibBackend:
    """Items in this process (``n_jobs`` 1 or None) or in ``n_jobs`` joblib worker processes."""

    name = "joblib"

    def __init__(self, n_jobs: int | None = 1) -> None:
        self.n_jobs = n_jobs

    @property
    def workers(self) -> int:
        """How many items run at once."""
        if self.n_jobs in (None, 1):
            return 1
        from joblib import effective_n_jobs

        return effective_n_jobs(self.n_jobs)

    def map(self, function: Callable[[Any], Any], items: Sequence[Any], done: Done | None = None) -> list[Any]:
        """``function`` over ``items``, in order; ``done(index)`` after each."""
        if self.workers == 1 or len(items) < 2:
            results = []
            for index, item in enumerate(items):
                results.append(function(item))
                if done is not None:
                    done(index)
            return results
        from joblib import Parallel, delayed

        results = []
        for index, result in enumerate(
            Parallel(n_jobs=self.n_jobs, return_as="generator")(delayed(function)(item) for item in items)
        ):
            results.append(result)
            if done is not None:
                done(index)
        return results


class DaskBackend:
    """Items as tasks on a Dask cluster, one task per item, the items scattered first."""

    name = "dask"

    def __init__(self, client: Any) -> None:
        self.client = client

    @property
    def workers(self) -> int:
        """Threads of the cluster's workers (how many tasks run at once)."""
        return max(sum(self.client.nthreads().values()), 1)

    def map(self, function: Callable[[Any], Any], items: Sequence[Any], done: Done | None = None) -> list[Any]:
        """``function`` over ``items`` on the cluster, in order; ``done(index)`` as each finishes.
        An exception raised in a task is raised here as itself (same type, same message)."""
        from distributed import as_completed

        if not items:
            return []
        data = self.client.scatter(list(items), hash=False)
        futures = self.client.map(function, data, pure=False)
        index = {future.key: number for number, future in enumerate(futures)}
        for future in as_completed(futures):
            if future.status == "error":
                future.result()  # raises the task's exception
            if done is not None:
                done(index[future.key])
        return self.client.gather(futures)


Backend = JoblibBackend | DaskBackend

_CURRENT: contextvars.ContextVar[Backend | None] = contextvars.ContextVar("forecastrnn_backend", default=None)


def current_backend(n_jobs: int | None = 1) -> Backend:
    """The backend set by :func:`parallel_backend`, else joblib with ``n_jobs``."""
    return _CURRENT.get() or JoblibBackend(n_jobs)


def _dask_client(scheduler: Any) -> tuple[Any, bool]:
    """(client, whether we started it): ``scheduler`` is a ``distributed.Client`` (used as
    is), an address such as ``tcp://host:8786``, or None (a LocalCluster sized to the machine:
    one single-threaded worker process per core, since the models' Python work holds the GIL)."""
    import distributed

    if isinstance(scheduler, distributed.Client):
        return scheduler, False
    if scheduler is None:
        cluster = distributed.LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, dashboard_address=None)
        return distributed.Client(cluster), True
    if not isinstance(scheduler, str):
        raise ConfigError(f"scheduler={scheduler!r} is not allowed: a dask.distributed Client, an address, or None.")
    try:
        return distributed.Client(scheduler, timeout=30), True
    except OSError as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {exc}. Check the address.") from None


def check_backend(backend: str, scheduler: Any = None) -> None:
    """Refuse an unknown backend, a scheduler without Dask, and Dask where it is not installed,
    before any work is done."""
    if backend not in BACKENDS:
        raise ConfigError(f"backend={backend!r} is not allowed: 'joblib' (the default) or 'dask'.")
    if backend == "joblib" and scheduler is not None:
        raise ConfigError("a scheduler is for backend='dask' (--backend dask); joblib runs on this machine.")
    if backend == "dask":
        try:
            import distributed  # noqa: F401 - imported here only to say early that it is missing
        except ImportError:
            raise ConfigError(INSTALL_HINT) from None


@contextlib.contextmanager
def open_backend(backend: str = "joblib", *, scheduler: Any = None, n_jobs: int | None = 1) -> Iterator[Backend]:
    """The backend named ``backend`` for the ``with`` block; a client or cluster it starts is
    closed at the end (a client that was given is left open)."""
    check_backend(backend, scheduler)
    if backend == "joblib":
        yield JoblibBackend(n_jobs)
        return
    client, started = _dask_client(scheduler)
    try:
        yield DaskBackend(client)
    finally:
        if started:
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()


@contextlib.contextmanager
def parallel_backend(backend: str = "joblib", *, scheduler: Any = None, n_jobs: int | None = 1) -> Iterator[Backend]:
    """Run the local models' per-series work inside the block on ``backend`` (``"dask"``: on
    the cluster of ``scheduler``, a Client or an address, or a LocalCluster sized to the
    machine). Forecasts are identical to the joblib run."""
    with open_backend(backend, scheduler=scheduler, n_jobs=n_jobs) as found:
        token = _CURRENT.set(found)
        try:
            yield found
        finally:
            _CURRENT.reset(token)


def chunks(items: Sequence[Any], workers: int, per_worker: int = 4) -> list[list[Any]]:
    """``items`` cut into about ``per_worker`` contiguous chunks per worker, in order (a few per
    worker balance uneven costs without paying a task per item)."""
    count = max(1, min(len(items), workers * per_worker))
    size, extra = divmod(len(items), count)
    out, start = [], 0
    for number in range(count):
        stop = start + size + (number < extra)
        out.append(list(items[start:stop]))
        start = stop
    return out
