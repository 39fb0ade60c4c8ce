"""Clips per minute of ``hipcheck batch`` with 1 and with 2 local worker processes, on the committed samples.

Usage: python benchmarks/bench_batch.py [--limit N] [--workers 1 2] [SAMPLES_DIR]
(default: samples/ and samples/heldout/, 17 rendered clips of about 6 s). Each run starts from an
empty output folder (no pose cache), so it measures MediaPipe pose estimation, the analysis and the
reports of every clip, plus starting the worker processes. Also checks that every clip got the same
verdict in every run. Other work on the machine changes the numbers: say what was running.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from hipcheck.jobs import BatchOptions, Job, run_batch, run_job

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def run(clips: list[Path], workers: int) -> tuple[float, dict[str, str | None]]:
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as out:
        t0 = time.perf_counter()
        result = run_batch(clips, out, options=BatchOptions(), workers=workers)
        seconds = time.perf_counter() - t0
    failed = [r.error for r in result.rows if r.state != "done"]
    if failed:
        raise SystemExit(f"bench: clips failed: {failed}")
    return seconds, {r.source: r.verdict for r in result.rows}  # by path: two folders may hold the same name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("samples", nargs="?", type=Path, default=SAMPLES)
    parser.add_argument("--limit", type=int, default=None, help="only the first N clips")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--check-analyze", action="store_true", help="also run each clip as `hipcheck analyze` does")
    args = parser.parse_args()
    clips = sorted(p.absolute() for p in args.samples.rglob("*.mp4"))[: args.limit]
    print(f"{len(clips)} clips from {args.samples}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    rates: dict[int, float] = {}
    verdicts: list[dict[str, str | None]] = []
    for workers in args.workers:
        seconds, found = run(clips, workers)
        rates[workers] = len(clips) / seconds * 60.0
        verdicts.append(found)
        print(f"--workers {workers}: {seconds:6.1f} s, {rates[workers]:5.2f} clips/min "
              f"(load average now {os.getloadavg()[0]:.1f})")  # fmt: skip
    first = args.workers[0]
    for workers in args.workers[1:]:
        print(f"speed-up {first} -> {workers} workers: {rates[workers] / rates[first]:.2f}x")
    same = all(v == verdicts[0] for v in verdicts)
    print(f"same verdicts in every run: {same}")
    if args.check_analyze:
        alone = analyze_each(clips)
        print(f"same verdicts as run_job (hipcheck analyze) on each clip: {alone == verdicts[0]}")
        for name in sorted(alone):
            print(f"  {Path(name).relative_to(args.samples.absolute())!s:40} analyze {alone[name]!s:12} "
                  f"batch {verdicts[0].get(name)}")  # fmt: skip


def analyze_each(clips: list[Path]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    with tempfile.TemporaryDirectory(prefix="bench-analyze-") as tmp:
        for k, clip in enumerate(clips):
            result = run_job(Job(clip, Path(tmp) / str(k)))
            out[str(clip.absolute())] = result.assessment.verdict.weaker_side if result.assessment else None
    return out


if __name__ == "__main__":
    main()
