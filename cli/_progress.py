"""Progress on stderr for long work, silent with --quiet or when stderr is not a terminal."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any


@contextlib.contextmanager
def model_progress(total: int, quiet: bool) -> Iterator[Callable[..., Any]]:
    """Yields ``update(description, advance=0, )``; a rich progress bar when shown."""
    if quiet or not sys.stderr.isatty():
        yield lambda *args, **kwargs: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("starting", total=total)

        def update(description: str, advance: int = 0) -> None:
            progress.update(task, description=description, advance=advance)

        yield update
