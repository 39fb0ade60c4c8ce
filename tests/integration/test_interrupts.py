"""Kill and interrupt ``hipcheck analyze`` at several points, then re-run: no leftovers, a valid report.

Also: a damaged ``pose.npz`` cache is set aside and recomputed, and a clip with its
last tenth cut off is analysed as far as it decodes with the report saying so.
Real MediaPipe runs on a 45-frame cut of a sample.
"""

from __future__ import annotations

import fractions
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus import is_valid_report, leftovers
from hipcheck.io import open_source
from hipcheck.landmarks import PoseSeries
from support import REPO

pytestmark = pytest.mark.e2e
SAMPLE = REPO / "samples" / "stand_hipdiff_left_up3.mp4"


def _h264(path: Path, n_frames: int, *, faststart: bool) -> Path:
    """The first ``n_frames`` of the sample as H.264 (a person in every frame)."""
    av = pytest.importorskip("av")
    options = {"movflags": "faststart"} if faststart else {}
    with open_source(SAMPLE) as frames, av.open(str(path), "w", options=options) as container:
        stream = container.add_stream("libx264", rate=30, options={"crf": "23", "g": "10"})
        stream.width, stream.height = frames.info.resolution_wh
        stream.pix_fmt = "yuv420p"
        for i, frame in enumerate(frames):
            if i >= n_frames:
                break
            vf = av.VideoFrame.from_ndarray(frame.image, format="bgr24")
            vf.pts, vf.time_base = i, fractions.Fraction(1, 30)
            container.mux(stream.encode(vf))
        container.mux(stream.encode())
    return path


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _h264(tmp_path_factory.mktemp("clip") / "clip.mp4", 45, faststart=False)


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hipcheck.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hipcheck.cli", *args], check=False, capture_output=True, text=True,
                          timeout=600)  # fmt: skip


def _wait_for(proc: subprocess.Popen[str], ready: callable, timeout_s: float = 300.0) -> bool:  # type: ignore[valid-type]
    """Poll every 5 ms until ``ready()``; False if the process ended first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ready():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.005)
    pytest.fail("the run never reached the point to interrupt")


def _estimating(proc: subprocess.Popen[str]) -> callable:  # type: ignore[valid-type]
    """True once the pose model runs (its offline thread or MediaPipe's own threads exist)."""

    def ready() -> bool:
        try:
            names = [(t / "comm").read_text() for t in Path(f"/proc/{proc.pid}/task").iterdir()]
        except OSError:
            return False
        return (len(names) > 4 and any("hipcheck-offl" in n for n in names)) or len(names) > 12

    return ready


def _staging(out: Path) -> callable:  # type: ignore[valid-type]
    return lambda: any(p.name.startswith(".hipcheck-staging-") for p in out.glob(".*")) if out.exists() else False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_during_pose_estimation_leaves_nothing(tmp_path, clip, sig) -> None:
    out = tmp_path / "out"
    proc = _start("analyze", str(clip), "-o", str(out), "--quiet")
    if not _wait_for(proc, _estimating(proc)):
        pytest.skip("the run ended before the pose model started")
    time.sleep(0.5)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert proc.returncode == 130, err
    assert "hipcheck: interrupted" in err and "Traceback" not in err
    assert leftovers(out) == [] and not (out / "report.json").exists()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_kill_9_at_several_points_then_a_rerun_gives_a_valid_report(tmp_path, clip) -> None:
    out = tmp_path / "out"
    # 1. during pose estimation
    proc = _start("analyze", str(clip), "-o", str(out), "--quiet")
    if _wait_for(proc, _estimating(proc)):
        time.sleep(0.5)
        proc.kill()
    proc.communicate(timeout=120)
    again = _run("analyze", str(clip), "-o", str(out), "--quiet")
    assert again.returncode == 0, again.stderr
    assert is_valid_report(out / "report.json") and leftovers(out) == []
    # 2. while the reports are being written (the pose cache is reused: quick)
    proc = _start("analyze", str(clip), "-o", str(out), "--quiet")
    killed = _wait_for(proc, _staging(out), timeout_s=120)
    if killed:
        proc.kill()
    proc.communicate(timeout=120)
    if killed:
        assert not (out / "report.json").exists() or is_valid_report(out / "report.json")
    again = _run("analyze", str(clip), "-o", str(out), "--quiet")
    assert again.returncode == 0, again.stderr
    assert is_valid_report(out / "report.json") and leftovers(out) == []
    # 3. a damaged cache from the killed runs' era is set aside and recomputed
    (out / "pose.npz").write_bytes((out / "pose.npz").read_bytes()[:500])
    again = _run("analyze", str(clip), "-o", str(out), "--quiet", "--no-html")
    assert again.returncode == 0, again.stderr
    assert "damaged pose cache" in again.stderr and "pose.npz.damaged" in again.stderr
    assert (out / "pose.npz.damaged").exists() and is_valid_report(out / "report.json")
    assert len(PoseSeries.load_npz(out / "pose.npz")) == 45


@pytest.mark.parametrize("mode", [[], ["--no-flip"]], ids=["flip-averaged", "single-pass-halves"])
def test_a_clip_cut_short_is_analysed_as_far_as_it_decodes_and_says_so(tmp_path, mode) -> None:
    """Also when the single pass runs as two halves: the second half decodes to the cut and says so."""
    whole = _h264(tmp_path / "whole.mp4", 60, faststart=True)
    cut = tmp_path / "cut.mp4"
    data = whole.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.9)])
    pose = tmp_path / "cut.npz"
    res = _run("landmarks", str(cut), "-o", str(pose), "--no-segmentation", "--quiet", *mode)
    assert res.returncode == 0, res.stderr
    assert "hipcheck: warning:" in res.stderr and "truncated or damaged" in res.stderr
    extra = PoseSeries.load_npz(pose).provenance.extra
    assert extra["decode"]["incomplete"] and extra["decode"]["frames_decoded"] < 60
    assert ("chunks" in extra) == bool(mode)  # 2 s of video: split in two (seam at 1.15 s, before the cut)
    res = _run("analyze", str(pose), "-o", str(tmp_path / "out"), "--json", "--no-html")
    assert res.returncode == 0, res.stderr
    reasons = " ".join(json.loads(res.stdout)["verdict"]["reasons"])
    assert "of 60 frames decoded" in reasons and "only that part was analysed" in reasons
    os.remove(pose)
