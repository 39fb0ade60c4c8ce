"""Frames/s of hipcheck's full landmark pipeline next to a plain decode -> detect loop.

Both run in the same process on the same clip and the same bundled model:

- ``plain``: ``cv2.VideoCapture.read`` + BGR->RGB + ``PoseLandmarker.detect_for_video``
  (VIDEO mode, one pose, no segmentation): the floor any wrapper pays.
- ``hipcheck``: ``hipcheck.io.open_source`` + ``hipcheck.io.estimate_pose``
  with the given options (default: 2 people, segmentation + pelvis mask), i.e.
  what ``hipcheck landmarks`` does minus writing the file.

Usage::

    python benchmarks/bench_landmarks.py [CLIP] [--frames N] [--repeat R] [--no-segmentation] [--max-people K]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import mediapipe as mp
from mediapipe.tasks.python import BaseOptions
from mediapipe.tasks.python import vision as mpv

from hipcheck import io

DEFAULT_CLIP = Path(__file__).resolve().parents[1] / ".." / "shared" / "videos" / "squat_front_bodyweight_armsup_01.mov"


def plain_loop(clip: Path, model: Path, n_frames: int) -> tuple[int, float]:
    """(frames, seconds) of cv2 read + detect_for_video."""
    opts = mpv.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model)), running_mode=mpv.RunningMode.VIDEO
    )
    cap = cv2.VideoCapture(str(clip))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    n = 0
    with mpv.PoseLandmarker.create_from_options(opts) as lm:
        t0 = time.perf_counter()
        while n < n_frames:
            ok, bgr = cap.read()
            if not ok:
                break
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), int(n * 1000 / fps))
            n += 1
        dt = time.perf_counter() - t0
    cap.release()
    return n, dt


def hipcheck_run(clip: Path, n_frames: int, segmentation: bool, max_people: int) -> tuple[int, float]:
    """(frames, seconds) of open_source + estimate_pose over the first ``n_frames``."""
    with io.open_source(clip) as src:
        fps = src.info.fps if src.info.fps > 0 else 30.0
    t0 = time.perf_counter()
    with io.open_source(clip, end_s=(n_frames - 0.5) / fps) as src:
        series = io.estimate_pose(src, segmentation=segmentation, max_people=max_people)
    return len(series), time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", nargs="?", type=Path, default=DEFAULT_CLIP)
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--no-segmentation", action="store_true")
    ap.add_argument("--max-people", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2, help="interleaved runs of each; the best is reported")
    args = ap.parse_args()
    model, _ = io.resolve_model(None)
    plain, hc = [], []
    for _ in range(args.repeat):  # interleaved, best of N: robust to other load on the machine
        plain.append(plain_loop(args.clip, model, args.frames))
        hc.append(hipcheck_run(args.clip, args.frames, not args.no_segmentation, args.max_people))
    n_plain, t_plain = min(plain, key=lambda r: r[1] / r[0])
    n_hc, t_hc = min(hc, key=lambda r: r[1] / r[0])
    fps_plain, fps_hc = n_plain / t_plain, n_hc / t_hc
    print(f"clip: {args.clip.name}  frames: plain {n_plain}, hipcheck {n_hc}")
    print(f"plain decode->detect : {fps_plain:6.1f} frames/s  ({1000 / fps_plain:6.1f} ms/frame)")
    print(
        f"hipcheck landmarks   : {fps_hc:6.1f} frames/s  ({1000 / fps_hc:6.1f} ms/frame)  "
        f"[segmentation={not args.no_segmentation}, max_people={args.max_people}]"
    )
    print(f"ratio hipcheck/plain : {fps_hc / fps_plain:.2f}")


if __name__ == "__main__":
    main()
