"""Accuracy and speed of the waistline detector (``hipcheck.extract.find_waistline``).

Usage: python benchmarks/bench_waistline.py [--cache DIR] [--no-real] [--split tune|heldout]

Rendered samples (``samples/**``, exact ground truth): landmarks from MediaPipe
(the bundled model, flip-averaged as ``hipcheck.extract`` does; cached in
``--cache``, default ``/tmp/hipcheck-bench-waistline``), then per clip the
waistline obliquity θ per frame. Single-leg clips: contralateral pelvic drop
CPD = sign·(θ − θ0), θ0 = median over the "bipedal" frames, sign +1 standing on
the left, −1 on the right, against ``contralateral_pelvic_drop_deg`` of the
truth on the single-leg frames. Other clips: the change of θ from θ0 against
the change of the true obliquity. The same for the hip-landmark line, for
comparison. Tune and held-out splits are reported apart.

Real clips (``../shared/videos``, landmarks from the committed fixtures): the
fraction of frames with a line and the spread of θ about the clip median on
symmetric front-view squats (a detector that invents a tilt shows up here).

Speed: CPU time of ``find_waistline`` per frame (``time.thread_time``: this thread only, not the decoder's).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from hipcheck.analysis.geometry import pelvic_obliquity_deg
from hipcheck.extract import drop_waistline_outliers, find_waistline
from hipcheck.io import open_source
from hipcheck.lab import GroundTruth, find_samples, load_ground_truth
from hipcheck.landmarks import L_HIP, R_HIP, PoseSeries

ROOT = Path(__file__).parents[1]
VIDEOS = ROOT / ".." / "shared" / "videos"
REAL = (
    "squat_front_bodyweight_armsup_01", "squat_front_bodyweight_armsup_02", "squat_front_bodyweight_armsup_03",
    "squat_front_bodyweight_armsup_04", "squat_front_bodyweight_wide_01", "squat_front_bodyweight_shallow_bad_01",
    "squat_front_bodyweight_shallow_bad_02", "squat_front_banded_overhead_01", "squat_frontoblique_bodyweight_01",
    "squat_side_bodyweight_armsup_03",
)  # fmt: skip

FloatArray = NDArray[np.float64]


def waist_of_clip(video: Path, pose: PoseSeries) -> tuple[FloatArray, float]:
    """(T, 2, 2) waistlines of the pose rows (outliers dropped) and CPU ms per frame."""
    rows = {int(f): i for i, f in enumerate(pose.frame_index if pose.frame_index is not None else [])}
    out = np.full((pose.xy_px.shape[0], 2, 2), np.nan)
    prev, cpu, n = None, 0.0, 0
    with open_source(video) as frames:
        for frame in frames:
            i = rows.get(frame.index)
            if i is None:
                continue
            t = time.thread_time()
            out[i] = find_waistline(frame.image, pose.xy_px[i], prev=prev)
            cpu, n = cpu + time.thread_time() - t, n + 1
            if np.all(np.isfinite(out[i])):
                prev = out[i]
    return drop_waistline_outliers(out, pose.xy_px), 1000.0 * cpu / max(n, 1)


def obliquity(pairs: FloatArray) -> FloatArray:
    """(T,) obliquity of (T, 2, 2) left/right point pairs, degrees, + = left higher."""
    return pelvic_obliquity_deg(left_hip_xy=pairs[:, 0], right_hip_xy=pairs[:, 1])


def per_truth_frame(values: FloatArray, pose: PoseSeries, n: int) -> FloatArray:
    """Pose-row values placed on the ground truth's frame numbers (NaN where no row)."""
    out = np.full(n, np.nan)
    idx = pose.frame_index if pose.frame_index is not None else np.arange(values.size)
    ok = idx < n
    out[idx[ok]] = values[ok]
    return out


def errors(theta: FloatArray, gt: GroundTruth) -> tuple[str, FloatArray]:
    """Per-frame absolute error of CPD (single-leg frames) or of the obliquity change (other clips)."""
    phase = np.asarray(gt.phase)
    theta0 = np.nanmedian(theta[phase == "bipedal"])
    single = np.isin(phase, ["single_leg_left", "single_leg_right"])
    if single.any():
        sign = np.where(phase == "single_leg_left", 1.0, -1.0)
        return "CPD", np.abs(sign * (theta - theta0) - gt.metrics["contralateral_pelvic_drop_deg"])[single]
    truth = gt.metrics["pelvic_obliquity_deg"]
    return "dObl", np.abs((theta - theta0) - (truth - np.nanmedian(truth[phase == "bipedal"])))


def bench_samples(split: str, cache: Path) -> None:
    from hipcheck.extract import load_or_estimate_pose

    samples = ROOT / "samples"
    print(f"\n== rendered samples, split {split} (errors in degrees; 'hip' = hip-landmark line)")
    print(f"{'clip':30s} {'trunk':8s} {'what':5s} {'line':>5s} {'MAE':>5s} {'max':>5s} {'hip MAE':>8s} {'ms':>5s}")
    groups: dict[str, list[float]] = {}
    for video, gt_path in find_samples(samples, split=split):
        gt = load_ground_truth(gt_path)
        rel = video.relative_to(samples).with_suffix(".npz")
        pose = load_or_estimate_pose(video, cache / rel)
        waist, ms = waist_of_clip(video, pose)
        theta = per_truth_frame(
            pelvic_obliquity_deg(left_hip_xy=waist[:, 0], right_hip_xy=waist[:, 1]), pose, gt.n_frames
        )
        hips = pose.xy_px[:, [L_HIP, R_HIP]]
        theta_hip = per_truth_frame(
            pelvic_obliquity_deg(left_hip_xy=hips[:, 0], right_hip_xy=hips[:, 1]), pose, gt.n_frames
        )
        what, err = errors(theta, gt)
        _, err_hip = errors(theta_hip, gt)
        trunk = str(gt.scenario.get("motion", {}).get("trunk", "")) if what == "CPD" else ""
        groups.setdefault(f"{what} {trunk}".strip(), []).extend(err[np.isfinite(err)].tolist())
        print(
            f"{video.stem:30s} {trunk:8s} {what:5s} {np.isfinite(err).mean():5.2f} {np.nanmean(err):5.2f} "
            f"{np.nanmax(err):5.2f} {np.nanmean(err_hip):8.2f} {ms:5.2f}"
        )
    for name, errs in sorted(groups.items()):
        print(f"  {name:20s} MAE {np.mean(errs):.2f}  max {np.max(errs):.2f}  ({len(errs)} frames)")


def bench_real() -> None:
    print("\n== real clips (θ about the clip median, degrees)")
    print(f"{'clip':45s} {'line':>5s} {'median':>7s} {'p50':>5s} {'p90':>5s} {'max':>5s} {'ms':>5s}")
    for clip in REAL:
        fixture = next(
            (p for p in (ROOT / "tests/fixtures/real", ROOT / "tests/fixtures") if (p / f"{clip}.npz").is_file()), None
        )
        video = next(VIDEOS.glob(f"{clip}.*"), None)
        if fixture is None or video is None:
            print(f"{clip:45s} (missing)")
            continue
        pose = PoseSeries.load_npz(fixture / f"{clip}.npz")
        waist, ms = waist_of_clip(video, pose)
        theta = obliquity(waist)
        found = np.isfinite(theta)
        if not found.any():
            print(f"{clip:45s} {0.0:5.2f} {'-':>7s} {'-':>5s} {'-':>5s} {'-':>5s} {ms:5.2f}")
            continue
        dev = np.abs(theta[found] - np.median(theta[found]))
        print(
            f"{clip:45s} {found.mean():5.2f} {np.median(theta[found]):+7.2f} {np.percentile(dev, 50):5.2f} "
            f"{np.percentile(dev, 90):5.2f} {dev.max():5.2f} {ms:5.2f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/hipcheck-bench-waistline"))
    ap.add_argument("--split", choices=["tune", "heldout", "both"], default="both")
    ap.add_argument("--no-real", action="store_true")
    args = ap.parse_args()
    for split in ("tune", "heldout") if args.split == "both" else (args.split,):
        bench_samples(split, args.cache)
    if not args.no_real:
        bench_real()


if __name__ == "__main__":
    main()
