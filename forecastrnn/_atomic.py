"""Write output files atomically, and check before any work that they can be written.

A write goes to a hidden temporary file beside the target (``.NAME.PID.XXXXXXXX.tmp``) that
replaces the target in one step, so a failed or interrupted write never leaves a partial file.
Temporary files of a run that was killed (``kill -9`` runs no clean-up) are removed by the next
write of the same target; nothing else is ever removed. Missing parent folders are created.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

from .errors import ForecastRNNError


def temporary_path(target: Path, kind: str = "tmp") -> Path:
    """A new hidden name beside ``target`` for this process: ``.NAME.PID.XXXXXXXX.KIND``."""
    return target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.{kind}")


def leftovers(target: Path, kind: str = "tmp") -> list[Path]:
    """The paths beside ``target`` named as :func:`temporary_path` names them (any process)."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.\d+\.[0-9a-f]{{8}}\.{re.escape(kind)}")
    try:
        return [path for path in target.parent.iterdir() if pattern.fullmatch(path.name)]
    except OSError:
        return []


def check_writable(target: str | Path, *, folder: bool = False, name: str | None = None) -> None:
    """ForecastRNNError, naming ``target`` (or ``name``) and what to do, unless it can be written.

    ``target`` must be absent or a writable regular file (with ``folder``: a writable folder),
    and its folder, or the nearest existing one when some are missing, must accept new files:
    a hidden probe file is created there and removed.
    """
    shown = name or str(target)
    real = Path(os.path.realpath(target))
    problem = None
    if real.is_dir() and not folder:
        problem = "it is a folder; give a file name"
    elif real.exists() and folder and not real.is_dir():
        problem = "it is a file, not a folder; give a folder name"
    elif real.exists() and not (real.is_dir() or real.is_file()):
        problem = "it is not a regular file (a device or pipe); give a file name"
    elif real.exists() and not os.access(real, os.W_OK):
        problem = "it is read-only; make it writable or choose another name"
    if problem:
        raise ForecastRNNError(f"cannot write {shown}: {problem}.")
    existing = real.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ForecastRNNError(f"cannot write {shown}: {existing} is a file, so no folder can be made in it.")
    probe = existing / temporary_path(real).name
    try:
        probe.touch(exist_ok=False)
    except OSError as exc:
        raise ForecastRNNError(
            f"cannot write {shown}: no file can be created in {existing} ({exc.strerror}); choose another place."
        ) from None
    probe.unlink()


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one step.

    ``target`` is checked first (:func:`check_writable`); a symbolic link is followed, so the
    file it points to is replaced, not the link. On any exception (Ctrl-C included) the
    temporary file is removed and ``target`` is left as it was. The caller creates the file, so
    it gets the usual permissions (umask), unlike mkstemp's.
    """
    check_writable(target)
    target = Path(os.path.realpath(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path(target)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    for stale in leftovers(target):
        if stale.is_file() and not stale.is_symlink():
            stale.unlink(missing_ok=True)
