"""Killed mid-batch (SIGKILL, the batch and its workers) and run again: every clip is done exactly
once, finished clips are not redone, and no output is half-written; two batch processes started
together on one OUT split the clips without doing any twice.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hipcheck.jobs import JobStore

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "real"
POSES = ("squat_front_bodyweight_armsup_01", "lunge_side_bodyweight_04", "squat_front_bodyweight_wide_01",
         "squat_oblique_bodyweight_06")  # fmt: skip


def batch_cmd(clips: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "hipcheck.cli", "batch", str(clips), "-o", str(out), "--quiet", *extra]


def make_clips(folder: Path) -> Path:
    folder.mkdir()
    for name in POSES:
        shutil.copy(FIXTURES / f"{name}.npz", folder / f"{name}.npz")
    return folder


def states(db: Path) -> list[str]:
    if not db.is_file():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return [s for (s,) in con.execute("SELECT state FROM clips")]
    except sqlite3.OperationalError:  # the table is being created
        return []


def assert_outputs_valid(out: Path, rows: list) -> None:
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(r.id for r in rows)  # no temp folders
    for row in rows:
        folder = out / row.id
        report = json.loads((folder / "report.json").read_text())
        assert report["verdict"]["weaker_side"] == row.verdict
        assert (folder / "metrics.csv").read_text().count("\n") > 1
        assert (folder / "report.html").read_text().rstrip().endswith("</html>")


def test_kill_9_mid_batch_then_rerun_does_each_clip_once(tmp_path: Path) -> None:
    clips, out = make_clips(tmp_path / "clips"), tmp_path / "out"
    scratch = tmp_path / "tmp"  # the batch's temporary folder, to see what the kill leaves there
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    proc = subprocess.Popen(batch_cmd(clips, out, "--workers", "1"), start_new_session=True, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            now = states(out / "jobs.sqlite")
            if now.count("done") >= 1 and "running" in now:
                break
            assert proc.poll() is None, "the batch ended before it could be killed"
            time.sleep(0.1)
        else:
            pytest.fail("no clip was done within 300 s")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the batch and its worker processes
        proc.wait()
    with JobStore(out / "jobs.sqlite") as store:
        before = {r.id: r for r in store.rows()}
    done_before = {i: r.finished_at for i, r in before.items() if r.state == "done"}
    assert done_before and any(r.state == "running" for r in before.values())
    orphaned = list(scratch.glob(f"hipcheck-worker-{proc.pid}-*"))
    assert orphaned, "the killed batch's lane folder should be left for the next run to find"

    rerun = subprocess.run(batch_cmd(clips, out, "--workers", "1"), capture_output=True, text=True, timeout=600,
                           check=False, env=env)  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    assert list(scratch.iterdir()) == []  # the re-run removed the dead batch's folder, and its own
    with JobStore(out / "jobs.sqlite") as store:
        rows = store.rows()
    assert len(rows) == len(POSES) and all(r.state == "done" for r in rows)
    for r in rows:  # finished clips were not redone; the killed one was taken again, once
        if r.id in done_before:
            assert (r.finished_at, r.attempts) == (done_before[r.id], 1)
        else:
            assert r.attempts == (2 if before[r.id].state == "running" else 1)
    assert_outputs_valid(out, rows)


def test_two_batches_on_one_out_split_the_work(tmp_path: Path) -> None:
    clips, out = make_clips(tmp_path / "clips"), tmp_path / "out"
    procs = [subprocess.Popen(batch_cmd(clips, out, "--workers", "1"), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]  # fmt: skip
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    with JobStore(out / "jobs.sqlite") as store:
        rows = store.rows()
    assert len(rows) == len(POSES)
    assert [(r.state, r.attempts) for r in rows] == [("done", 1)] * len(POSES)  # nobody took a clip twice
    assert len({r.worker for r in rows}) >= 2  # both batches' workers took clips
    assert_outputs_valid(out, rows)
