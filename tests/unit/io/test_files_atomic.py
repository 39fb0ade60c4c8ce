"""Atomic writes, output checks and the output-folder lock (``hipcheck.io``)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from hipcheck.errors import OutputBusyError, OutputError
from hipcheck.io import (
    OutputLock,
    atomic_write,
    ensure_output_dir,
    ensure_output_file,
    remove_stale_temporaries,
    write_text_atomic,
)
from support import make_pose


def _temps(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp"))


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt()])
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, exc) -> None:
    target = tmp_path / "report.json"
    write_text_atomic(target, "old")
    with pytest.raises(type(exc)), atomic_write(target, "w", encoding="utf-8") as fh:
        fh.write("half")
        raise exc
    assert target.read_text() == "old"
    assert _temps(tmp_path) == []


def test_write_errors_become_one_line_output_errors(tmp_path) -> None:
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    for target, problem in (
        (tmp_path / "afile" / "r.json", "under a file"),
        (tmp_path / "adir", "is a folder"),
    ):
        with pytest.raises(OutputError, match=problem) as info:
            write_text_atomic(target, "x")
        assert "\n" not in str(info.value)
    with pytest.raises(OutputError, match="existing file"):
        ensure_output_dir(tmp_path / "afile")
    with pytest.raises(OutputError, match="is a folder"):
        ensure_output_file(tmp_path / "adir")


def test_pose_npz_save_is_atomic(tmp_path, monkeypatch) -> None:
    pose = make_pose(20)
    target = pose.save_npz(tmp_path / "p.npz")
    good = target.read_bytes()

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", fail)
    with pytest.raises(OutputError, match="no space left"):
        pose.save_npz(target)
    assert target.read_bytes() == good
    assert _temps(tmp_path) == [] and not list(tmp_path.glob("*.part*"))


def test_stale_temporaries_are_removed(tmp_path) -> None:
    (tmp_path / ".report.json.abc.tmp").write_text("from a killed run")
    (tmp_path / "report.json").write_text("{}")
    assert remove_stale_temporaries(tmp_path) == [tmp_path / ".report.json.abc.tmp"]
    assert (tmp_path / "report.json").exists()


def test_a_second_lock_on_a_folder_is_refused_then_granted(tmp_path) -> None:
    with OutputLock(tmp_path), pytest.raises(OutputBusyError, match="another hipcheck run"):
        OutputLock(tmp_path).acquire()
    with OutputLock(tmp_path):
        pass
    assert list(tmp_path.iterdir()) == []  # no lock file left behind


def test_a_waiting_lock_gets_the_folder_when_it_is_released(tmp_path) -> None:
    first = OutputLock(tmp_path).acquire()
    threading.Timer(0.3, first.release).start()
    t0 = time.monotonic()
    with OutputLock(tmp_path, wait_s=5.0):
        assert time.monotonic() - t0 >= 0.2
