"""Decode speed of hipcheck's frame source next to a plain OpenCV loop, on the same clip.

Usage: python benchmarks/bench_decode.py [VIDEO]
(default: ../shared/videos/squat_front_bodyweight_wide_01.mp4, 1280x720, 408 frames).
Also prints how far the resident memory grows while streaming (Linux), which must not grow
with the clip's length. hipcheck decodes with PyAV when installed; "opencv backend" forces
OpenCV's FFmpeg to show the difference (large on iPhone Display-P3 clips).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2

from hipcheck.io import Decoder, count_frames, open_source

DEFAULT = Path(__file__).parents[1] / ".." / "shared" / "videos" / "squat_front_bodyweight_wide_01.mp4"


def plain_opencv(path: Path) -> int:
    cap = cv2.VideoCapture(str(path))
    n = 0
    while True:
        ok, _ = cap.read()
        if not ok:
            break
        n += 1
    cap.release()
    return n


def hipcheck_source(path: Path, stride: int = 1, decoder: Decoder = "auto") -> int:
    with open_source(path, stride=stride, decoder=decoder) as source:
        return sum(1 for _ in source)


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def rss_growth(path: Path) -> tuple[float, int]:
    with open_source(path) as source:
        it = iter(source)
        next(it)
        base, peak, n = rss_mb(), 0.0, 1
        for _ in it:
            n += 1
            peak = max(peak, rss_mb() - base)
    return peak, n


def opencv_backend(path: Path) -> int:
    return hipcheck_source(path, decoder="opencv")


def timed(name: str, fn: Callable[[], int], decoded: int) -> None:
    t0 = time.perf_counter()
    n = fn()
    dt = time.perf_counter() - t0
    print(f"{name:<40} {n:>6} frames delivered  {decoded / dt:8.1f} decoded frames/s  ({dt:.2f} s)")


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    info = open_source(path).info
    print(f"{path.name}: {info.width}x{info.height} {info.fps:.2f} fps, {info.frame_count} frames, {info.codec}")
    decoded = count_frames(path)
    timed("plain cv2 read loop", lambda: plain_opencv(path), decoded)
    timed("hipcheck open_source", lambda: hipcheck_source(path), decoded)
    timed("hipcheck open_source stride=3", lambda: hipcheck_source(path, 3), decoded)
    timed("hipcheck, opencv backend", lambda: opencv_backend(path), decoded)
    timed("hipcheck count_frames (no colour conv.)", lambda: count_frames(path), decoded)
    growth, n = rss_growth(path)
    frame_mb = info.width * info.height * 3 / 1e6
    print(f"RSS growth over {n} streamed frames: {growth:.1f} MB (one frame = {frame_mb:.1f} MB)")


if __name__ == "__main__":
    main()
