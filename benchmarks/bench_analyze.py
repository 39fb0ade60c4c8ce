"""Wall time, cores used and peak memory of ``hipcheck analyze`` next to the plain MediaPipe loop.

Every measurement is a fresh process (so peak RSS is that run's own, from
``wait4``), started back to back and alternated round by round on the same
clip, so the ratios are measured under the same load:

- ``plain``: the loop most MediaPipe users write: OpenCV decode -> BGR->RGB ->
  ``PoseLandmarker.detect_for_video`` (one landmarker, one pose, no mask), the
  whole clip, process start to end.
- ``analyze``: ``hipcheck analyze CLIP -o TMP`` (flip-averaged pose, waistline,
  report.json, metrics.csv, report.html with plots and key frames), no cache.
- ``landmarks``: ``hipcheck landmarks CLIP -o TMP.npz`` (flip-averaged pose and waistline).
- ``analyze-1``: ``hipcheck analyze --no-flip`` (the single pass, as two halves on two cores
  when the clip is long enough; the same reports otherwise).
- ``no-flip``: ``hipcheck landmarks --no-flip`` (the single pass).

Speed is reported as plain time / hipcheck time (1.0 = as fast as the plain
loop; higher is faster). "cores" = (user + system CPU time) / wall time;
"CPU vs plain" = the CPU time of the run / that of the plain loop (the work
done, which other load on the machine changes least: on a busy machine a
two-thread process gets more of it than the one-thread plain loop, so the
wall-time ratio flatters hipcheck there).

Memory: the clip given by ``--loop-clip`` is remuxed (no re-encoding, PyAV) into
clips looped to each ``--loop-minutes`` length in a temporary folder, and the
peak RSS of ``hipcheck analyze`` on each is printed, with the growth from the
shortest to the longest. No media is written outside the temporary folder.

Prints the load average before and after: other work on the machine slows
both sides, which is why the ratios come from alternated runs.

    python benchmarks/bench_analyze.py [CLIP ...] [--repeat 3] [--loop-minutes 1 10] [--no-loop | --no-speed]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIDEOS = ROOT / ".." / "shared" / "videos"
DEFAULT_CLIPS = (ROOT / "samples" / "sls_left_drop8_upright.mp4", VIDEOS / "squat_front_bodyweight_armsup_01.mov")
DEFAULT_LOOP_CLIP = VIDEOS / "squat_oblique_bodyweight_06.mp4"  # 1920x1080, 30 fps, 7.4 s
KINDS = ("plain", "analyze", "analyze-1", "landmarks", "no-flip")


@dataclass(frozen=True)
class Run:
    """One process: wall seconds, CPU seconds (user + system), peak RSS in MB."""

    wall_s: float
    cpu_s: float
    rss_mb: float

    @property
    def cores(self) -> float:
        return self.cpu_s / self.wall_s if self.wall_s > 0 else float("nan")


def measure(cmd: list[str]) -> Run:
    """Run ``cmd`` to its end; its own wall time, CPU time and peak RSS."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"bench_analyze: {' '.join(cmd)} failed ({proc.returncode}): {err.strip()[-500:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0)


def plain_loop(clip: Path) -> None:
    """The plain loop itself (run in a child process by ``--plain CLIP``)."""
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python import vision as mpv

    from hipcheck.io import resolve_model

    model, _ = resolve_model(None)
    opts = mpv.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model)), running_mode=mpv.RunningMode.VIDEO
    )
    cap = cv2.VideoCapture(str(clip))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    n = 0
    with mpv.PoseLandmarker.create_from_options(opts) as landmarker:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), int(n * 1000 / fps))
            n += 1
    cap.release()


def command(kind: str, clip: Path, tmp: Path) -> list[str]:
    py = sys.executable
    if kind == "plain":
        return [py, __file__, "--plain", str(clip)]
    out = tmp / f"{kind}-{time.monotonic_ns()}"
    if kind in ("analyze", "analyze-1"):
        one = ["--no-flip"] if kind == "analyze-1" else []
        return [py, "-m", "hipcheck.cli", "analyze", str(clip), "-o", str(out), "--quiet", *one]
    flip = ["--no-flip"] if kind == "no-flip" else []
    return [py, "-m", "hipcheck.cli", "landmarks", str(clip), "-o", str(out) + ".npz", "--quiet", *flip]


def bench_clip(clip: Path, repeat: int, tmp: Path) -> None:
    from hipcheck.io import probe

    info = probe(clip)
    print(f"\n{clip.name}: {info.width}x{info.height}, {info.frame_count} frames @ {info.fps:.2f} fps")
    runs: dict[str, list[Run]] = {k: [] for k in KINDS}
    for _ in range(repeat):  # alternated: each round runs every kind once, back to back
        for kind in KINDS:
            runs[kind].append(measure(command(kind, clip, tmp)))
    plain = statistics.median(r.wall_s for r in runs["plain"])
    plain_cpu = statistics.median(r.cpu_s for r in runs["plain"])
    print(
        f"  {'':10} {'median s':>9} {'speed vs plain':>15} {'per round':>22} {'cores':>6} "
        f"{'CPU s':>7} {'CPU vs plain':>12} {'peak RSS MB':>12}"
    )
    for kind in KINDS:
        rs = runs[kind]
        wall, cpu = statistics.median(r.wall_s for r in rs), statistics.median(r.cpu_s for r in rs)
        rounds = " ".join(f"{p.wall_s / r.wall_s:.2f}" for p, r in zip(runs["plain"], rs, strict=True))
        print(
            f"  {kind:10} {wall:9.2f} {plain / wall:14.2f}x {rounds:>22} "
            f"{statistics.median(r.cores for r in rs):6.2f} {cpu:7.1f} {cpu / plain_cpu:11.2f}x "
            f"{max(r.rss_mb for r in rs):12.0f}"
        )


def looped_clip(src: Path, minutes: float, dst: Path) -> Path:
    """``src`` repeated (packets copied, timestamps shifted) until it lasts ``minutes``."""
    import av

    with av.open(str(src)) as inp:
        stream = inp.streams.video[0]
        packets = [(p.pts, p.dts, p.is_keyframe, bytes(p)) for p in inp.demux(stream) if p.dts is not None]
        tb = stream.time_base
        with av.open(str(dst), "w") as out:
            ostream = out.add_stream_from_template(stream)
            span = max(p[0] for p in packets) - min(p[0] for p in packets) + (packets[1][0] - packets[0][0])
            loops = max(1, round(minutes * 60 / float(span * tb)))
            for k in range(loops):
                for pts, dts, key, data in packets:
                    pkt = av.Packet(data)
                    pkt.pts, pkt.dts, pkt.time_base, pkt.stream = pts + k * span, dts + k * span, tb, ostream
                    pkt.is_keyframe = key
                    out.mux(pkt)
    return dst


def bench_memory(clip: Path, minutes: list[float], tmp: Path) -> None:
    from hipcheck.io import probe

    print(f"\npeak RSS of hipcheck analyze on {clip.name} looped:")
    rss = []
    for m in minutes:
        looped = looped_clip(clip, m, tmp / f"loop_{m:g}min{clip.suffix}")
        info = probe(looped)
        run = measure(command("analyze", looped, tmp))
        rss.append(run.rss_mb)
        print(
            f"  {m:g} min ({info.width}x{info.height}, {info.frame_count} frames): peak RSS {run.rss_mb:.0f} MB, "
            f"{run.wall_s:.0f} s, {info.frame_count / run.wall_s:.1f} frames/s, {run.cores:.2f} cores"
        )
        looped.unlink()
    if len(rss) > 1:
        print(f"  growth {minutes[0]:g} -> {minutes[-1]:g} min: {100 * (rss[-1] / rss[0] - 1):+.1f} %")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="*", type=Path, default=list(DEFAULT_CLIPS))
    ap.add_argument("--repeat", type=int, default=3, help="alternated rounds per clip (medians reported)")
    ap.add_argument("--loop-clip", type=Path, default=DEFAULT_LOOP_CLIP)
    ap.add_argument("--loop-minutes", type=float, nargs="+", default=[1.0, 10.0])
    ap.add_argument("--no-loop", action="store_true", help="skip the memory runs on looped clips")
    ap.add_argument("--no-speed", action="store_true", help="only the memory runs on looped clips")
    ap.add_argument("--plain", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.plain is not None:
        plain_loop(args.plain)
        return
    print(f"cpus={os.cpu_count()}  load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="hipcheck-bench-") as tmp:
        for clip in [] if args.no_speed else args.clips:
            if not clip.exists():
                print(f"\n{clip}: not found, skipped")
                continue
            bench_clip(clip, args.repeat, Path(tmp))
        if not args.no_loop and args.loop_clip.exists():
            bench_memory(args.loop_clip, sorted(args.loop_minutes), Path(tmp))
    print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
