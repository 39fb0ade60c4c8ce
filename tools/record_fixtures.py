"""Record landmark fixtures (``tests/fixtures/<clip-stem>.npz``) from the real clips.

Runs the full ``estimate_pose`` (bundled model, 2 people, segmentation +
pelvis mask) on each clip of ``CLIPS`` from ``../shared/videos`` and saves the
PoseSeries, so unit tests of the later stages never run MediaPipe. The
recorded ``provenance.source_path`` is made relative (``../shared/videos/<file>``);
the source SHA-256 stays.

Usage (from the repository root)::

    python tools/record_fixtures.py             # all clips
    python tools/record_fixtures.py squat_front_bodyweight_armsup_01   # some
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

from hipcheck import pose, video

REPO = Path(__file__).resolve().parents[1]
VIDEOS = REPO / ".." / "shared" / "videos"
OUT = REPO / "tests" / "fixtures"

CLIPS: dict[str, int] = {
    # file name -> stride
    "squat_front_bodyweight_armsup_01.mov": 1,
    "squat_front_bodyweight_armsup_02.mov": 1,
    "squat_front_bodyweight_armsup_03.mov": 1,
    "squat_front_bodyweight_armsup_04.mov": 1,
    "squat_front_bodyweight_shallow_bad_01.mov": 1,
    "squat_front_bodyweight_shallow_bad_02.mov": 1,
    "squat_front_bodyweight_wide_01.mp4": 1,
    "squat_side_bodyweight_armsup_03.mov": 1,
    "squat_oblique_bodyweight_armsup_01.mov": 1,
    "lunge_front_yoga_warrior2_01.mp4": 2,
}


def record(name: str, stride: int) -> Path:
    """Estimate and save one clip's fixture; returns the .npz path."""
    clip = VIDEOS / name
    t0 = time.perf_counter()
    with video.open_source(clip, stride=stride) as source:
        series = pose.estimate_pose(source, stride=stride)
    prov = dataclasses.replace(
        series.provenance, source_path=f"../shared/videos/{name}", model_path="models/pose_landmarker_full.task"
    )
    out = series.replace(provenance=prov).save_npz(OUT / f"{Path(name).stem}.npz")
    dt = time.perf_counter() - t0
    print(
        f"{name}: {len(series)} frames (stride {stride}), detected {series.detected.mean():.0%}, "
        f"{out.stat().st_size / 1e3:.0f} kB, {1000 * dt / len(series):.0f} ms/frame",
        flush=True,
    )
    return out


def main(argv: list[str]) -> int:
    wanted = [n for n in CLIPS if not argv or Path(n).stem in argv]
    for name in wanted:
        record(name, CLIPS[name])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
