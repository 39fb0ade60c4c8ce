"""``hipcheck analyze``: one or more videos (or pose ``.npz`` files) → reports."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hipcheck.cli._args import Subparsers, add_model_option
from hipcheck.errors import UsageError
from hipcheck.types import TEST_EXERCISES, ProgressFn

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from hipcheck.jobs import JobResult


def register(sub: Subparsers) -> None:
    """Add the ``analyze`` sub-command."""
    p = sub.add_parser(
        "analyze",
        help="analyse videos and write report.json, metrics.csv and report.html",
        description="Analyse a squat / lunge / single-leg-stance video: pelvic drop, knee valgus, hip asymmetry "
        "and the likely weaker side. Reuses DIR/pose.npz when it was made from the same file and model.",
    )
    p.add_argument("inputs", nargs="+", metavar="VIDEO", help="video file(s) or pose .npz file(s)")
    p.add_argument("-o", "--out", type=Path, default=None, help="output folder (default: ./hipcheck_out/<name>)")
    p.add_argument(
        "--exercise", choices=TEST_EXERCISES, default=None, help="skip recognition: the clip is this exercise"
    )
    p.add_argument("--roll", type=float, default=None, metavar="DEG", help="camera roll in degrees (default: estimate)")
    p.add_argument("--sex", choices=("f", "m"), default=None, help="selects sex-specific reference values")
    p.add_argument("--height-cm", type=float, default=None, help="body height, for hip-height difference in cm")
    add_model_option(p)
    p.add_argument("--annotate", action="store_true", help="also write annotated.mp4")
    p.add_argument("--no-html", action="store_true", help="skip report.html and plots")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print report.json to stdout")
    out.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=run)


def _out_dir(args: argparse.Namespace, src: Path) -> Path:
    base = args.out if args.out is not None else Path("hipcheck_out")
    if args.out is not None and len(args.inputs) == 1:
        return Path(base)
    return Path(base) / src.stem


def run(args: argparse.Namespace) -> int:
    """Analyse each input; keep going past a bad file and exit with the first error's code."""
    from hipcheck.analysis import AnalysisOptions
    from hipcheck.jobs import Job, run_job

    if args.height_cm is not None and not 50 <= args.height_cm <= 250:
        raise UsageError(f"--height-cm {args.height_cm}: expected a body height between 50 and 250 cm")
    options = AnalysisOptions(
        exercise=args.exercise, roll_deg=args.roll, sex=args.sex,
        body_height_m=None if args.height_cm is None else args.height_cm / 100.0,
    )  # fmt: skip
    status = 0
    for name in args.inputs:
        src = Path(name)
        job = Job(src, _out_dir(args, src), options, args.model, annotate=args.annotate, html=not args.no_html)
        with _progress(args) as progress:
            result = run_job(job, progress=progress)
        if result.status == "failed":
            print(f"hipcheck: error: {result.error}", file=sys.stderr)
            status = status or result.exit_code
            continue
        _print(args, result)
    return status


def _progress(args: argparse.Namespace) -> AbstractContextManager[ProgressFn | None]:
    if args.quiet or args.json:
        return contextlib.nullcontext()
    from hipcheck.cli._progress import FrameProgress

    return FrameProgress("pose")


def _print(args: argparse.Namespace, result: JobResult) -> None:
    outputs, assessment = result.outputs, result.assessment
    if args.quiet or outputs is None or assessment is None:
        return
    if args.json:
        print(json.dumps(json.loads(outputs.report_json.read_text()), indent=2))
        return
    from hipcheck.render import print_summary

    print_summary(assessment)
    for label, path in (("report", outputs.report_html), ("json", outputs.report_json), ("csv", outputs.metrics_csv),
                        ("video", outputs.annotated_video)):  # fmt: skip
        if path is not None:
            print(f"{label:>6}: {path}")
