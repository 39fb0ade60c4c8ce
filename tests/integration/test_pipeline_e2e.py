"""End to end with the real pose model: mirrored video, and ``hipcheck analyze`` from the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hipcheck.analysis import analyze_pose
from hipcheck.extract import estimate_pose_file
from hipcheck.io import VideoSink, open_source
from hipcheck.landmarks import PoseSeries
from support import REPO

SAMPLE = REPO / "samples" / "sls_left_drop8_upright.mp4"
pytestmark = pytest.mark.e2e


def _lossless_pair(src: Path, tmp: Path, n_frames: int) -> tuple[Path, Path]:
    """The first frames of ``src`` as a lossless clip, and its exact left-right mirror."""
    orig, mirror = tmp / "orig.mkv", tmp / "mirror.mkv"
    with open_source(src, end_s=None) as frames:
        info = frames.info
        with (
            VideoSink(orig, info.fps, info.resolution_wh, fourcc="FFV1") as a,
            VideoSink(mirror, info.fps, info.resolution_wh, fourcc="FFV1") as b,
        ):
            for i, f in enumerate(frames):
                if i >= n_frames:
                    break
                a.write(f.image)
                b.write(np.ascontiguousarray(f.image[:, ::-1]))
    return orig, mirror


def test_pose_of_a_mirrored_video_is_the_mirrored_pose(shared_videos, tmp_path):
    orig, mirror = _lossless_pair(shared_videos / "squat_front_bodyweight_annotated_webcam_01.mp4", tmp_path, 40)
    a = estimate_pose_file(orig)
    b = estimate_pose_file(mirror)
    assert len(a) == len(b) == 40
    np.testing.assert_allclose(b.xy_px, a.mirrored().xy_px, atol=1e-6, equal_nan=True)
    np.testing.assert_allclose(b.visibility, a.mirrored().visibility, atol=1e-9, equal_nan=True)
    va, vb = analyze_pose(a), analyze_pose(b)
    opposite = {"left": "right", "right": "left"}.get(va.verdict.weaker_side, va.verdict.weaker_side)
    assert vb.verdict.weaker_side == opposite
    assert vb.verdict.score == pytest.approx(-va.verdict.score, abs=1e-9)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hipcheck.cli", *args], check=False, cwd=cwd, capture_output=True, text=True, timeout=600
    )


def test_analyze_writes_reports_and_reuses_the_pose_cache(tmp_path):
    out = tmp_path / "out"
    first = _cli("analyze", str(SAMPLE), "-o", str(out), "--quiet", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    doc = json.loads((out / "report.json").read_text())
    assert doc["schema"] == "hipcheck.report/1"
    assert doc["verdict"]["weaker_side"] in {"left", "right", "none", "insufficient"}
    assert doc["view"] == "front"
    assert doc["provenance"]["model_sha256"] and doc["provenance"]["source_sha256"]
    header = (out / "metrics.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["t_s", "exercise", "phase"] and "knee_fppa_deg_left" in header
    assert (out / "report.html").stat().st_size > 10_000
    cached = (out / "pose.npz").stat().st_mtime_ns
    again = _cli("analyze", str(SAMPLE), "-o", str(out), "--json", "--no-html", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["schema"] == "hipcheck.report/1"
    assert (out / "pose.npz").stat().st_mtime_ns == cached  # reused, not recomputed

    # `hipcheck landmarks` writes the pose.npz analyze makes (mirrored pass + waistline), so the .npz route
    # gives the same report
    npz = tmp_path / "p.npz"
    made = _cli("landmarks", str(SAMPLE), "-o", str(npz), "--quiet", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    ours, theirs = PoseSeries.load_npz(npz), PoseSeries.load_npz(out / "pose.npz")
    for name in ("xy_px", "xyz_world_m", "visibility", "waist_px", "t_s"):
        np.testing.assert_array_equal(getattr(ours, name), getattr(theirs, name), err_msg=name)
    assert ours.provenance.extra["flip_average"] is True
    via_npz = _cli("analyze", str(npz), "-o", str(tmp_path / "o2"), "--json", "--no-html", cwd=tmp_path)
    assert via_npz.returncode == 0, via_npz.stderr
    report = json.loads(via_npz.stdout)
    assert {k: v for k, v in report.items() if k != "provenance"} == {k: v for k, v in doc.items() if k != "provenance"}


def test_analyze_no_flip_runs_one_pass_in_two_halves_and_says_so(tmp_path):
    out = tmp_path / "one-pass"
    run = _cli("analyze", str(SAMPLE), "-o", str(out), "--no-flip", "--json", "--no-html", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    extra = doc["provenance"]["extra"]
    assert not extra.get("flip_average") and extra["chunks"]["seam_s"] == pytest.approx(2.25)
    assert any("without the mirrored pass" in c for c in doc["verdict"]["caveats"])
    # the cache knows the two kinds apart: the default run makes the flip-averaged pose, with no such caveat
    again = _cli("analyze", str(SAMPLE), "-o", str(out), "--json", "--no-html", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    redone = json.loads(again.stdout)
    assert redone["provenance"]["extra"]["flip_average"] is True and "chunks" not in redone["provenance"]["extra"]
    assert not any("mirrored pass" in c for c in redone["verdict"]["caveats"])


@pytest.mark.parametrize(
    ("make", "code", "message"),
    [
        (lambda d: d / "missing.mp4", 3, "no such file"),
        (lambda d: (d / "notes.mp4").write_text("hello") and d / "notes.mp4", 4, "notes.mp4"),
        (lambda d: (d / "bad.npz").write_text("x") and d / "bad.npz", 10, "bad.npz"),
    ],
)
def test_bad_input_gets_one_line_and_its_exit_code(tmp_path, make, code, message):
    path = make(tmp_path)
    res = _cli("analyze", str(path), "-o", str(tmp_path / "o"), cwd=tmp_path)
    assert res.returncode == code
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hipcheck: error:") and message in lines[0]
    assert "Traceback" not in res.stderr
