"""Live-session throughput and latency (``hipcheck live --source CLIP --headless``).

Prints, for a clip fed (a) at its own frame rate like a camera and (b) as fast
as it decodes: preview frames/s (capture loop, including drawing the overlay),
pose frames/s (worker), frames the worker skipped (latest frame wins), and the
end-to-end latency from capture to the live readout (median, p95). Target:
>= 25 pose frames/s at 640x480 on 2 cores. Never asserts: it prints.

    python benchmarks/bench_live.py [--source CLIP] [--mode realtime|max|both]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from hipcheck.live import LiveConfig, LiveStatus, Readouts, draw_live_frame, run_session

DEFAULT = Path(__file__).parents[1] / ".." / "shared" / "videos" / "squat_front_bodyweight_annotated_webcam_01.mp4"


class DrawOnlyView:
    """Composes the window picture every frame (the real drawing cost) but shows nothing."""

    def __init__(self) -> None:
        self.frames = 0

    def show(self, image_bgr: np.ndarray, pose: Any, status: LiveStatus, readouts: Readouts) -> str | None:
        draw_live_frame(image_bgr, pose, status, readouts)
        self.frames += 1
        return None

    def close(self) -> None:
        pass


def run(source: Path, realtime: bool, draw: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        config = LiveConfig(
            source=str(source), out_dir=Path(tmp), protocol="full", realtime=realtime, time_scale=0.2, reps=3,
            framing_timeout_s=1.0, analysis=False,
        )  # fmt: skip
        result = run_session(config, view=DrawOnlyView() if draw else None)
    return result.stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=DEFAULT)
    ap.add_argument("--mode", choices=("realtime", "max", "both"), default="both")
    ap.add_argument("--no-draw", action="store_true", help="skip composing the window picture")
    args = ap.parse_args()
    if not args.source.exists():
        raise SystemExit(f"bench_live: {args.source} not found")
    from hipcheck.io import probe

    info = probe(args.source)
    print(f"source {args.source.name}: {info.width}x{info.height} @ {info.fps:.2f} fps, cpus={os.cpu_count()}")
    modes = ("realtime", "max") if args.mode == "both" else (args.mode,)
    for mode in modes:
        s = run(args.source, realtime=mode == "realtime", draw=not args.no_draw)
        print(
            f"{mode:>8}: preview {s['capture_fps']:6.1f} fps | pose {s['pose_fps']:6.1f} fps "
            f"({s['pose_frames']} done, {s['pose_dropped']} skipped of {s['frames_captured']}) | "
            f"latency capture->readout median {s['latency_ms_median']:.0f} ms, p95 {s['latency_ms_p95']:.0f} ms"
        )


if __name__ == "__main__":
    main()
