"""Atomic writes: checked before any work, whole or nothing, leftovers of killed runs removed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from forecastrnn._atomic import atomic_path, check_writable
from forecastrnn.errors import ForecastRNNError

ROOT = os.geteuid() == 0  # root writes into read-only folders, so those checks cannot fail for it


def test_a_missing_parent_folder_is_created(tmp_path):
    target = tmp_path / "new" / "deeper" / "out.csv"
    check_writable(target)
    assert not (tmp_path / "new").exists()  # the check creates nothing
    with atomic_path(target) as temporary:
        temporary.write_text("a")
    assert target.read_text() == "a"


def test_a_folder_given_as_the_output_file_is_refused(tmp_path):
    (tmp_path / "out.csv").mkdir()
    with pytest.raises(ForecastRNNError, match=f"cannot write {tmp_path / 'out.csv'}: it is a folder; give a file"):
        check_writable(tmp_path / "out.csv")


def test_a_file_in_place_of_the_parent_folder_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ForecastRNNError, match="file is a file, so no folder can be made in it"):
        check_writable(tmp_path / "file" / "sub" / "out.csv")


def test_a_folder_target_must_not_be_a_file(tmp_path):
    (tmp_path / "model").write_text("x")
    with pytest.raises(ForecastRNNError, match="it is a file, not a folder"):
        check_writable(tmp_path / "model", folder=True)


def test_proc_is_refused():
    with pytest.raises(ForecastRNNError, match="no file can be created in /proc"):
        check_writable("/proc/forecast.csv")


def test_a_device_is_refused():
    with pytest.raises(ForecastRNNError, match="not a regular file"):
        check_writable("/dev/null")


@pytest.mark.skipif(ROOT, reason="root may write into read-only folders")
def test_read_only_folder_and_file_are_refused(tmp_path):
    (tmp_path / "kept.csv").write_text("keep")
    (tmp_path / "kept.csv").chmod(0o444)
    with pytest.raises(ForecastRNNError, match="read-only"):
        check_writable(tmp_path / "kept.csv")
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(ForecastRNNError, match="no file can be created"):
            check_writable(tmp_path / "new.csv")
    finally:
        tmp_path.chmod(0o755)


def test_a_symbolic_link_is_followed_not_replaced(tmp_path):
    (tmp_path / "real.csv").write_text("old")
    (tmp_path / "link.csv").symlink_to(tmp_path / "real.csv")
    with atomic_path(tmp_path / "link.csv") as temporary:
        temporary.write_text("new")
    assert (tmp_path / "link.csv").is_symlink()
    assert (tmp_path / "real.csv").read_text() == "new"


def test_a_failed_write_leaves_the_target_and_no_temporary(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")

    def write_half() -> None:
        with atomic_path(target) as temporary:
            temporary.write_text("half")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_half()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_leftovers_of_a_killed_run_are_removed_and_nothing_else(tmp_path):
    target = tmp_path / "out.csv"
    stale = tmp_path / ".out.csv.99999.0123abcd.tmp"
    stale.write_text("half written by a killed run")
    keep = [".out.csv.notes.tmp", ".out.csv.1.xyz.tmp", ".other.csv.99999.0123abcd.tmp", "out.csv.99999.0123abcd.tmp"]
    for name in keep:
        (tmp_path / name).write_text("the user's")
    with atomic_path(target) as temporary:
        temporary.write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*keep, "out.csv"])


def test_a_write_killed_with_sigkill_is_cleaned_up_by_the_next_one(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    killed = (
        "import os, signal, sys\n"
        "from forecastrnn._atomic import atomic_path\n"
        "with atomic_path(sys.argv[1]) as temporary:\n"
        "    temporary.write_text('half')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    run = subprocess.run([sys.executable, "-c", killed, str(target)], check=False)
    assert run.returncode == -signal.SIGKILL
    assert len(list(tmp_path.iterdir())) == 2  # the old file and the killed run's temporary file
    assert target.read_text() == "old"
    with atomic_path(target) as temporary:
        temporary.write_text("new")
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    assert target.read_text() == "new"
