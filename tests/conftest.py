"""Shared helpers: write small data files in a test's temporary folder; deterministic hypothesis."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

# The same examples on every run and machine (no example database), so the suite is deterministic.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.load_profile("deterministic")


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    """``write_file("name.csv", text, encoding="utf-8")`` -> the path of the written file."""

    def write(name: str, text: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
        return path

    return write
