"""``hipcheck analyze``: one or more videos (or pose ``.npz`` files) → reports."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hipcheck.cli._args import (
    Subparsers,
    add_analysis_options,
    add_history_options,
    add_model_option,
    analysis_options,
    history_dates,
)
from hipcheck.types import ProgressFn

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from hipcheck.analysis import AnalysisOptions
    from hipcheck.jobs import DataDir, JobResult


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
    add_analysis_options(p)
    add_model_option(p)
    p.add_argument("--annotate", action="store_true", help="also write annotated.mp4")
    p.add_argument("--no-html", action="store_true", help="skip report.html and plots")
    p.add_argument(
        "--no-flip", action="store_true",
        help="one pose pass instead of two (the mirrored frames are not run): the pose step takes half the CPU "
        "time; less exact (the pose model's left/right bias of about 1.5 degrees stays; the report says so)",
    )  # fmt: skip
    out = p.add_mutually_exclusive_group()
    out.add_argument(
        "--json", action="store_true",
        help="print report.json to stdout; with several VIDEOs one JSON array, one entry per input",
    )  # fmt: skip
    out.add_argument("--quiet", action="store_true", help="print nothing but errors and warnings")
    add_history_options(p)
    p.set_defaults(func=run)


def out_dirs(inputs: list[str], out: Path | None) -> list[Path]:
    """The output folder of each input: ``-o`` itself for one input, else ``<-o or hipcheck_out>/<name>``,
    where two inputs with the same file name (``a/clip.mp4 b/clip.mp4``) get ``clip`` and ``clip-2``.
    """
    if out is not None and len(inputs) == 1:
        return [Path(out)]
    base = Path(out) if out is not None else Path("hipcheck_out")
    taken: set[str] = set()
    dirs = []
    for name in inputs:
        stem, n = Path(name).stem or "clip", 1
        label = stem
        while label.lower() in taken:  # case-insensitive: macOS and Windows folders are
            n += 1
            label = f"{stem}-{n}"
        taken.add(label.lower())
        dirs.append(base / label)
    return dirs


def run(args: argparse.Namespace) -> int:
    """Analyse each input; keep going past a bad file and exit with the first error's code.

    With ``--person`` each analysed clip is also added to the person's history (every date is
    checked before the first analysis).
    """
    from hipcheck.jobs import DataDir

    options = analysis_options(args)
    dates = history_dates(args, [Path(name) for name in args.inputs])
    history = None if dates is None else DataDir.at(args.data)
    status = 0
    docs: list[object] = []
    for k, (name, out_dir) in enumerate(zip(args.inputs, out_dirs(args.inputs, args.out), strict=True)):
        day = None if dates is None else dates[k]
        code, doc = _analyse(args, Path(name), out_dir, options, history=history, day=day)
        status = status or code
        docs.append(doc)
    if args.json and len(args.inputs) > 1:
        print(json.dumps(docs, indent=2))
    elif args.json and status == 0:
        print(json.dumps(docs[0], indent=2))
    return status


def _analyse(
    args: argparse.Namespace,
    src: Path,
    out_dir: Path,
    options: AnalysisOptions,
    *,
    history: DataDir | None,
    day: str | None,
) -> tuple[int, object]:
    """One input: its exit code and its ``--json`` entry."""
    from hipcheck.cli import error, warn
    from hipcheck.jobs import Job, run_job

    if out_dir.name != src.stem and len(args.inputs) > 1 and not args.quiet:
        warn(f"{src}: another input has the same name; its reports go to {out_dir}")
    job = Job(
        src, out_dir, options, args.model, annotate=args.annotate, html=not args.no_html, flip_average=not args.no_flip
    )
    with _progress(args) as progress:
        result = run_job(job, progress=progress)
    for note in result.warnings:  # also with --quiet: they are about this run's input or output
        warn(note)
    if result.status == "failed":
        error(result.error, result.exit_code)
        return result.exit_code, {"source": str(src), "error": result.error, "exit_code": result.exit_code}
    doc = json.loads(result.outputs.report_json.read_text()) if args.json and result.outputs is not None else None
    _print(args, result)
    if history is not None and day is not None:
        return _add_to_history(args, history, result, day), doc
    return 0, doc


def _add_to_history(args: argparse.Namespace, history: DataDir, result: JobResult, day: str) -> int:
    """Add a done job to ``--person``'s history; prints one line (stderr with ``--json``)."""
    from hipcheck.cli import error
    from hipcheck.errors import HipcheckError
    from hipcheck.jobs import BatchOptions, add_session

    job, outputs, assessment = result.job, result.outputs, result.assessment
    assert outputs is not None and assessment is not None
    recorded = BatchOptions(job.options, job.model_path, annotate=job.annotate, html=job.html).output_options()
    try:
        row = add_session(
            history, source=job.source, out_dir=outputs.out_dir, assessment=assessment, person=args.person,
            recorded_on=day, options=recorded, origin="analyze",
        )  # fmt: skip
    except HipcheckError as exc:
        return error(str(exc), exc.exit_code)
    if not args.quiet:
        line = f"history: {job.source.name} added to {row.person}'s sessions ({day}) in {history.root}"
        print(line, file=sys.stderr if args.json else sys.stdout)
    return 0


def _progress(args: argparse.Namespace) -> AbstractContextManager[ProgressFn | None]:
    if args.quiet or args.json or not sys.stderr.isatty():  # a bar drawn into a log or pipe is noise
        return contextlib.nullcontext()
    from hipcheck.cli._progress import FrameProgress

    return FrameProgress("pose")


def _print(args: argparse.Namespace, result: JobResult) -> None:
    outputs, assessment = result.outputs, result.assessment
    if args.quiet or args.json or outputs is None or assessment is None:
        return
    from hipcheck.render import print_summary

    print_summary(assessment)
    for label, path in (("report", outputs.report_html), ("json", outputs.report_json), ("csv", outputs.metrics_csv),
                        ("video", outputs.annotated_video)):  # fmt: skip
        if path is not None:
            print(f"{label:>6}: {path}")
