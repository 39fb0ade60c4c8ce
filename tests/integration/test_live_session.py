"""``hipcheck live`` end to end from a clip (``--source --realtime --headless``), and killed mid-way.

Runs the real CLI in a subprocess with MediaPipe. Needs ../shared/videos (skips if absent).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hipcheck.io import open_source
from support import SHARED_VIDEOS

WEBCAM = SHARED_VIDEOS / "squat_front_bodyweight_annotated_webcam_01.mp4"  # 640x480, 20 fps, 11.9 s

pytestmark = [pytest.mark.e2e, pytest.mark.shared_videos]


def _clip(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path.name} not available (../shared/videos)")
    return path


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "hipcheck.cli", "live", *args]


def _decoded_frames(path: Path) -> tuple[int, float]:
    with open_source(path) as src:
        n = sum(1 for _ in src)
        return n, src.info.fps


def test_headless_full_protocol_from_a_clip(tmp_path):
    clip = _clip(WEBCAM)
    out = tmp_path / "session"
    args = ["--source", str(clip), "--realtime", "--headless", "-o", str(out)]
    args += ["--time-scale", "0.1", "--reps", "2", "--framing-timeout", "2"]
    proc = subprocess.run(_cmd(*args), check=False, capture_output=True, text=True, timeout=500)
    assert proc.returncode == 0, proc.stderr[-2000:]
    log = json.loads((out / "session.json").read_text())
    print(json.dumps({k: log[k] for k in ("steps", "warnings", "stats", "end_reason")}, indent=1))  # shown on failure
    assert log["format"] == "hipcheck.live-session/1" and log["protocol"] == "full"
    assert log["end_reason"] in ("completed", "source_ended")
    # the clip's feet touch the bottom edge: framing never confirms, the session starts after the time-out
    assert any("framing not confirmed" in w for w in log["warnings"])
    steps = log["steps"]
    keys = [s["key"] for s in steps]
    protocol = ["quiet_stance", "squat", "lunge_left", "lunge_right", "single_leg_left", "single_leg_right"]
    assert len(keys) >= 3 and keys == protocol[: len(keys)]
    assert steps[0]["status"] == "done" and steps[0]["hold_s"] >= 0.5
    assert steps[1]["status"] in ("done", "timeout", "source_ended")
    assert sum(s["reps"] for s in steps[1:4]) >= 1  # the clip squats throughout (≥ 1 full rep even at 5 pose fps)
    assert steps[-1]["status"] in ("done", "timeout", "source_ended")
    for s in steps:
        assert 2.0 <= s["t_countdown_s"] <= s["t_end_s"] <= 12.0
    started = [s for s in steps if s["t_start_s"] is not None]
    assert all(a["t_end_s"] <= b["t_start_s"] for a, b in itertools.pairwise(started))
    n, fps = _decoded_frames(out / "recording.avi")
    assert fps == pytest.approx(20.0, abs=0.05)
    assert abs(n - 238) <= 4  # constant-rate recording covers the whole clip
    assert log["stats"]["frames_recorded"] == n and log["stats"]["pose_frames"] > 0
    assert log["analysis"]["report_json"], log["analysis"]
    assert (out / "analysis" / "report.json").exists()
    assert "report:" in proc.stdout
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("Verdict: ") and "nan" not in last, proc.stdout[-1000:]  # the answer comes last
    assert log["analysis"]["verdict"] == last


def _start_and_wait(clip: Path, out: Path, min_bytes: int) -> subprocess.Popen[str]:
    args = [
        "--source",
        str(clip),
        "--realtime",
        "--headless",
        "--no-analysis",
        "-o",
        str(out),
        "--framing-timeout",
        "1",
    ]
    proc = subprocess.Popen(
        _cmd(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    rec = out / "recording.avi"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if rec.exists() and rec.stat().st_size >= min_bytes:
            return proc
        if proc.poll() is not None:
            pytest.fail(f"live exited early: {proc.stderr.read()[-2000:] if proc.stderr else ''}")
        time.sleep(0.2)
    proc.kill()
    pytest.fail("recording did not grow within 90 s")


def test_sigterm_ends_cleanly_with_a_finished_recording(tmp_path):
    clip = _clip(WEBCAM)
    out = tmp_path / "term"
    proc = _start_and_wait(clip, out, min_bytes=1_000_000)
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    log = json.loads((out / "session.json").read_text())
    assert log["end_reason"] == "interrupted"
    assert log["steps"] and log["steps"][-1]["status"] == "interrupted"
    n, _ = _decoded_frames(out / "recording.avi")
    assert n >= 20 and n == log["stats"]["frames_recorded"]


def test_sigkill_leaves_a_recording_that_decodes_and_analyses(tmp_path):
    clip = _clip(WEBCAM)
    out = tmp_path / "kill"
    proc = _start_and_wait(clip, out, min_bytes=1_000_000)
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    json.loads((out / "session.json").read_text())  # written atomically: never half a file
    rec = out / "recording.avi"
    n, fps = _decoded_frames(rec)
    assert n >= 20 and fps == pytest.approx(20.0, abs=0.1)
    with open_source(rec) as src:
        first = next(iter(src))
    assert first.image.shape == (480, 640, 3) and first.image.std() > 10  # real picture, not blank
    from hipcheck.jobs import Job, run_job

    res = run_job(Job(rec, tmp_path / "analysis", html=False))
    assert res.outputs is not None and res.outputs.report_json.exists()
    assert res.assessment is not None and res.assessment.metrics.t_s.size >= 20  # one row per pose frame
