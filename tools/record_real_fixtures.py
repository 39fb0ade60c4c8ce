"""Record flip-averaged landmark fixtures of the real clips in ../shared/videos.

Unit and integration tests analyse these recorded PoseSeries instead of running
MediaPipe (the clips themselves are never copied into the repo). Each fixture
is what ``hipcheck analyze`` computes for the clip before the analysis:
``hipcheck.extract.estimate_pose_file(..., flip_average=True)`` (landmarks and
the visible waistline). A fixture recorded without the waistline gets it added. Clips longer
than 450 frames are recorded at stride 2 (every second decoded frame).

Usage: python tools/record_real_fixtures.py [CLIP ...]   (default: every clip)
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

from hipcheck.errors import HipcheckError
from hipcheck.extract import estimate_pose_file, measure_waistline
from hipcheck.landmarks import PoseSeries

ROOT = Path(__file__).resolve().parents[1]
VIDEOS = ROOT.parent / "shared" / "videos"
OUT = ROOT / "tests" / "fixtures" / "real"
LONG_CLIP_FRAMES = 450


def catalog() -> list[dict[str, str]]:
    with (VIDEOS / "CATALOG.tsv").open() as fh:
        return [r for r in csv.DictReader(fh, delimiter="\t") if not r["file"].startswith("stills/")]


def record(row: dict[str, str]) -> str:
    src = VIDEOS / row["file"]
    out = OUT / (Path(row["file"]).stem + ".npz")
    stride = 2 if int(row["frames"]) > LONG_CLIP_FRAMES else 1
    if out.exists():
        series = PoseSeries.load_npz(out)
        if series.waist_px is not None:
            return f"{row['file']}: exists"
        measure_waistline(src, series, stride=stride, flip_average=True).save_npz(out)
        return f"{row['file']}: waistline added"
    t0 = time.perf_counter()
    try:
        series = estimate_pose_file(src, stride=stride, flip_average=True, segmentation=True)  # fixtures keep the mask
    except HipcheckError as exc:
        return f"{row['file']}: {exc}"
    series.save_npz(out)
    dt = time.perf_counter() - t0
    size_kb = out.stat().st_size / 1e3
    return f"{row['file']}: {len(series)} rows, stride {stride}, {1000 * dt / len(series):.0f} ms/row, {size_kb:.0f} kB"


def main(argv: list[str]) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    rows = [r for r in catalog() if not argv or r["file"] in argv or Path(r["file"]).stem in argv]
    for row in sorted(rows, key=lambda r: int(r["frames"])):
        print(record(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
