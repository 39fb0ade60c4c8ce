"""The batch's local pool: one process per lane, so stopping (or losing) one worker leaves the others
running, and the lane comes back for the next task; nothing is left in the temporary folder.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from hipcheck.jobs._pool import LocalPool


def test_stop_kills_one_worker_and_the_other_runs_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    pool = LocalPool(2)
    try:
        stuck = pool.submit(time.sleep, 3600)
        other = pool.submit(time.sleep, 4)
        with pytest.raises(RuntimeError, match="all 2 worker processes are busy"):
            pool.submit(os.getpid)
        assert len(list(tmp_path.glob("hipcheck-worker-*"))) == 2
        assert pool.stop(stuck) and not pool.stop(stuck)
        assert isinstance(stuck.exception(timeout=60), BrokenProcessPool)
        assert len(list(tmp_path.glob("hipcheck-worker-*"))) == 1  # the killed lane's scratch folder went with it
        assert not other.done()  # still running in its own process ...
        assert other.result(timeout=120) is None  # ... to the end
        first = pool.submit(os.getpid).result(timeout=120)
        second = pool.submit(os.getpid).result(timeout=120)
        assert first == second  # an idle started lane is taken before a new one is started
        with pytest.raises(queue.Empty):
            pool.frames.get_nowait()
    finally:
        pool.shutdown(abort=True)
    assert list(tmp_path.glob("hipcheck-worker-*")) == []


def test_a_crashed_worker_fails_its_task_and_its_lane_starts_again(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    pool = LocalPool(1)
    try:
        assert isinstance(pool.submit(os._exit, 3).exception(timeout=120), BrokenProcessPool)
        assert pool.submit(abs, -2).result(timeout=120) == 2
    finally:
        pool.shutdown()
    assert list(tmp_path.glob("hipcheck-worker-*")) == []


def test_scratch_folders_of_a_dead_batch_are_removed_by_the_next_pool(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)  # fmt: skip
    dead_pid = int(gone.stdout)  # this process has exited and been waited for
    orphan = tmp_path / f"hipcheck-worker-{dead_pid}-abc123"
    (orphan / "hipcheck-clip-x").mkdir(parents=True)
    (orphan / "hipcheck-clip-x" / "pose.npz.part").write_bytes(b"half")
    living = tmp_path / f"hipcheck-worker-{os.getpid()}-def456"
    living.mkdir()
    unnamed = tmp_path / "hipcheck-worker-q1w2e3"  # no process id in the name: not ours to judge
    unnamed.mkdir()
    pool = LocalPool(1)
    try:
        assert not orphan.exists()
        assert living.is_dir() and unnamed.is_dir()
        assert pool.submit(abs, -1).result(timeout=120) == 1
        mine = [p for p in tmp_path.glob(f"hipcheck-worker-{os.getpid()}-*") if p != living]
        assert len(mine) == 1  # this pool's lane, named after this process
    finally:
        pool.shutdown()
    assert sorted(tmp_path.iterdir()) == sorted([living, unnamed])
