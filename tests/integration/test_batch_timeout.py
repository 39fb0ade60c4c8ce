"""The per-clip time limit of ``hipcheck batch``: a clip over it is a ``failed`` row with exit 15 and one
line naming the file and the limit; a worker stuck where its own per-frame check never runs is killed
by the batch, and the other clips, in flight or still queued, are done all the same.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import hipcheck.jobs._batch as batch_module
from hipcheck import __version__
from hipcheck.analysis import AnalysisOptions
from hipcheck.jobs import BatchOptions, ClipOutcome, ClipRow, ClipTask, JobStore, analyse_clip, run_batch
from support import FIXTURES, SAMPLES, first_frames

pytestmark = pytest.mark.e2e
SAMPLE = SAMPLES / "stand_hipdiff_left_up3.mp4"
LONG_SAMPLE = SAMPLES / "lunge_left_valgus.mp4"  # 9 s, 270 frames: still running when the stuck clip is killed
STUCK_LIMIT_S = 8.0


def limit_line(source: Path, shown: str) -> str:
    return f"{source}: analysis stopped after {shown} s (the per-clip time limit, --clip-timeout)"


def test_a_worker_stops_its_clip_at_the_limit(tmp_path: Path) -> None:
    task = ClipTask("c", str(SAMPLE), AnalysisOptions(), None, "x" * 64, __version__, html=False, time_limit_s=0.01)
    outcome = analyse_clip(task)
    assert (outcome.status, outcome.exit_code) == ("failed", 15)
    assert outcome.error == limit_line(SAMPLE, "0.01")
    assert outcome.worker.endswith(f":{os.getpid()}")  # it stopped itself: nobody killed it


def test_batch_fails_the_clip_over_its_limit_with_exit_15(tmp_path: Path) -> None:
    clip, out = tmp_path / "clip.mp4", tmp_path / "out"
    shutil.copy(SAMPLE, clip)
    shutil.copy(FIXTURES / "lunge_side_bodyweight_04.npz", tmp_path / "lunge.npz")  # no pose frames: done in time
    argv = ["batch", clip, tmp_path / "lunge.npz", "-o", out, "--workers", "1", "--clip-timeout", "0.5", "--quiet"]
    res = subprocess.run([sys.executable, "-m", "hipcheck.cli", *map(str, argv)],
                         capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    assert res.returncode == 15, res.stderr
    assert res.stderr.splitlines() == [f"hipcheck: error: {limit_line(clip, '0.5')}"]
    with JobStore(out / "jobs.sqlite") as store:
        rows = {r.name: r for r in store.rows()}
    assert (rows["clip.mp4"].state, rows["clip.mp4"].exit_code) == ("failed", 15)
    assert rows["clip.mp4"].error == limit_line(clip, "0.5")
    assert not (out / rows["clip.mp4"].id).exists()
    assert rows["lunge.npz"].state == "done"


def analyse_or_get_stuck(task: ClipTask) -> ClipOutcome:
    """:func:`analyse_clip`, except that a clip named ``stuck*`` blocks for ever in a system call, where the
    per-frame time check never runs (as inside a MediaPipe call that does not return). Runs in the
    batch's spawned worker, which imports it from this module.
    """
    if Path(task.source).name.startswith("stuck"):
        Path(task.source).with_suffix(".pid").write_text(str(os.getpid()))
        read_end, _write_end = os.pipe()
        os.read(read_end, 1)
    return analyse_clip(task)


class Events:
    def __init__(self) -> None:
        self.at: dict[tuple[str, str], float] = {}

    def batch_started(self, rows: list[ClipRow]) -> None:
        pass

    def clip_started(self, row: ClipRow) -> None:
        self.at["started", row.name] = time.monotonic()

    def clip_frames(self, clip: str, done: int, total: int | None) -> None:
        pass

    def clip_ended(self, row: ClipRow) -> None:
        self.at["ended", row.name] = time.monotonic()


def gone(pid: int, within_s: float = 20.0) -> bool:
    """True once ``pid`` no longer runs (exited and reaped, or a zombie)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_stuck_worker_is_killed_and_the_other_clips_are_done(tmp_path: Path, monkeypatch) -> None:
    clips, scratch = tmp_path / "clips", tmp_path / "tmp"
    clips.mkdir()
    scratch.mkdir()
    stuck = clips / "stuck.npz"
    shutil.copy(FIXTURES / "lunge_side_bodyweight_04.npz", stuck)
    shutil.copy(LONG_SAMPLE, clips / "long.mp4")
    first_frames(SAMPLE, clips / "short.mp4", 24)
    monkeypatch.setattr(batch_module, "analyse_clip", analyse_or_get_stuck)
    monkeypatch.setattr(batch_module, "KILL_GRACE_S", 2.0)
    monkeypatch.setattr(batch_module, "default_time_limit_s", lambda p: STUCK_LIMIT_S if p == stuck else 600.0)
    monkeypatch.setattr("tempfile.tempdir", str(scratch))  # where the workers' scratch folders go
    events = Events()

    result = run_batch([stuck, clips / "long.mp4", clips / "short.mp4"], tmp_path / "out",
                       options=BatchOptions(html=False), workers=2, monitor=events)  # fmt: skip

    rows = {r.name: r for r in result.rows}
    assert (rows["stuck.npz"].state, rows["stuck.npz"].exit_code) == ("failed", 15)
    assert rows["stuck.npz"].error == limit_line(stuck, f"{STUCK_LIMIT_S:g}")
    assert result.exit_code == 15
    pid = int(stuck.with_suffix(".pid").read_text())  # the worker did get stuck ...
    assert gone(pid)  # ... and was killed
    for name in ("long.mp4", "short.mp4"):  # the others ran once each, in other processes, to the end
        assert (rows[name].state, rows[name].attempts) == ("done", 1), rows[name].error
        assert rows[name].worker and not rows[name].worker.endswith(f":{pid}")
    at = events.at
    assert at["started", "long.mp4"] < at["ended", "stuck.npz"] < at["ended", "long.mp4"]  # in flight at the kill
    assert at["ended", "stuck.npz"] < at["started", "short.mp4"]  # queued at the kill, run on a new worker
    assert list(scratch.glob("hipcheck-worker-*")) == []  # the killed worker's scratch folder went with it
