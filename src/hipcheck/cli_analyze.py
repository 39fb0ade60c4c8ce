"""``hipcheck analyze``: one or more videos (or pose ``.npz`` files) → reports."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from hipcheck.analysis import AnalysisOptions, AnalysisResult, run_analysis
from hipcheck.errors import HipcheckError, UsageError

EXERCISES = (
    "standing", "squat", "lunge", "single_leg_stance", "single_leg_squat", "single_leg_deadlift",
)  # fmt: skip


def register(sub: Any) -> None:
    """Add the ``analyze`` sub-command."""
    p = sub.add_parser(
        "analyze",
        help="analyse videos and write report.json, metrics.csv and report.html",
        description="Analyse a squat / lunge / single-leg-stance video: pelvic drop, knee valgus, hip asymmetry "
        "and the likely weaker side. Reuses DIR/pose.npz when it was made from the same file and model.",
    )
    p.add_argument("inputs", nargs="+", metavar="VIDEO", help="video file(s) or pose .npz file(s)")
    p.add_argument("-o", "--out", type=Path, default=None, help="output folder (default: ./hipcheck_out/<name>)")
    p.add_argument("--exercise", choices=EXERCISES, default=None, help="skip recognition: the clip is this exercise")
    p.add_argument("--roll", type=float, default=None, metavar="DEG", help="camera roll in degrees (default: estimate)")
    p.add_argument("--sex", choices=("f", "m"), default=None, help="selects sex-specific reference values")
    p.add_argument("--height-cm", type=float, default=None, help="body height, for hip-height difference in cm")
    p.add_argument("--model", default=None, metavar="PATH", help="pose model .task (default: the bundled model)")
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
    if args.height_cm is not None and not 50 <= args.height_cm <= 250:
        raise UsageError(f"--height-cm {args.height_cm}: expected a body height between 50 and 250 cm")
    options = AnalysisOptions(
        exercise=args.exercise, roll_deg=args.roll, sex=args.sex,
        body_height_m=None if args.height_cm is None else args.height_cm / 100.0,
    )  # fmt: skip
    status = 0
    for name in args.inputs:
        src = Path(name)
        try:
            with _progress(args) as progress:
                result = run_analysis(
                    src, _out_dir(args, src), options=options, model_path=args.model,
                    annotate=args.annotate, html=not args.no_html, progress=progress,
                )  # fmt: skip
        except HipcheckError as exc:
            if len(args.inputs) == 1:
                raise
            print(f"hipcheck: error: {exc}", file=sys.stderr)
            status = status or exc.exit_code
            continue
        _print(args, result)
    return status


def _progress(args: argparse.Namespace) -> Any:
    if args.quiet or args.json:
        return contextlib.nullcontext()
    from hipcheck.progress import FrameProgress

    return FrameProgress("pose")


def _print(args: argparse.Namespace, result: AnalysisResult) -> None:
    if args.quiet:
        return
    if args.json:
        print(json.dumps(json.loads(result.report_json.read_text()), indent=2))
        return
    from hipcheck.render.terminal import print_summary

    print_summary(result.assessment)
    for label, path in (("report", result.report_html), ("json", result.report_json), ("csv", result.metrics_csv),
                        ("video", result.annotated_video)):  # fmt: skip
        if path is not None:
            print(f"{label:>6}: {path}")
