"""``hipcheck landmarks``: a video (or image, folder, webcam) → pose ``.npz`` (and optional CSV)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hipcheck.cli._args import Subparsers, add_model_option, finite_float
from hipcheck.errors import OutputError, UsageError

if TYPE_CHECKING:
    from hipcheck.landmarks import PoseSeries


def register(sub: Subparsers) -> None:
    """Add the ``landmarks`` sub-command."""
    p = sub.add_parser(
        "landmarks",
        help="extract pose landmarks from a video into a .npz (and CSV)",
        description="Run the pose model over every frame of VIDEO and save one subject's 33 landmarks per frame "
        "(frames without a person are NaN rows), averaged with the pass over the mirrored frames, and the visible "
        "waistline: the same pose.npz 'hipcheck analyze' makes, so 'hipcheck analyze OUT.npz' gives the same report "
        "as 'hipcheck analyze VIDEO'. VIDEO may also be an image, a folder of images or a camera ('camera:0').",
    )
    p.add_argument("video", metavar="VIDEO", help="video file, image, image folder or camera:N")
    p.add_argument("-o", "--output", type=Path, required=True, help="output pose .npz")
    p.add_argument("--csv", type=Path, default=None, help="also write one CSV row per frame")
    p.add_argument("--stride", type=int, default=1, help="keep every N-th frame (default 1)")
    p.add_argument("--start", type=finite_float, default=None, metavar="S", help="first time to keep, seconds")
    p.add_argument("--end", type=finite_float, default=None, metavar="S", help="stop before this time, seconds")
    add_model_option(p)
    p.add_argument("--max-people", type=int, default=2, help="people the model may return per frame (default 2)")
    p.add_argument(
        "--no-segmentation",
        action="store_true",
        help="do not record the pelvis mask (~20%% faster; without a visible waistline the pelvic drop is then "
        "not judged)",
    )
    p.add_argument("--segmentation", action="store_true", help=argparse.SUPPRESS)  # the default
    p.add_argument(
        "--no-flip",
        action="store_true",
        help="one pass, without the mirrored frames: about twice as fast on two cores, less exact "
        "(the model's left/right bias stays in the landmarks)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Extract landmarks and save them; prints a one-line summary on stdout."""
    if args.stride < 1:
        raise UsageError(f"--stride {args.stride}: expected an integer >= 1")
    if args.start is not None and args.end is not None and args.end <= args.start:
        raise UsageError(f"--start {args.start} --end {args.end}: expected end after start")
    if args.max_people < 1:
        raise UsageError(f"--max-people {args.max_people}: expected an integer >= 1")
    _check_outputs(args)
    series = extract(args)
    out = series.save_npz(args.output)
    if args.csv is not None:
        series.to_csv(args.csv)
    from hipcheck.cli import warn

    if series.decode_note:
        warn(f"{args.video}: {series.decode_note}")
    if not args.quiet:
        n = len(series)
        pct = 100.0 * float(series.detected.mean()) if n else 0.0
        extra = f", {args.csv}" if args.csv is not None else ""
        print(f"{args.video}: {n} frames, person detected in {pct:.0f}% -> {out}{extra}")
    return 0


def _check_outputs(args: argparse.Namespace) -> None:
    """Fail in a second, before minutes of pose estimation, when an output cannot be written."""
    from hipcheck import io

    outputs = [args.output] if args.csv is None else [args.output, args.csv]
    for path in outputs:
        io.ensure_output_file(path)
        if Path(args.video).exists() and Path(args.video).resolve() == Path(path).resolve():
            raise OutputError(f"{path}: is the input itself; choose another output name")
    if args.csv is not None and Path(args.csv).resolve() == Path(args.output).resolve():
        raise UsageError(f"--csv {args.csv}: is the same file as -o")


def extract(args: argparse.Namespace) -> PoseSeries:
    """Run pose estimation (flip-averaged unless ``--no-flip``) and the waistline with the window/stride of ``args``."""
    from hipcheck.extract import estimate_pose_file  # MediaPipe is loaded only when this command runs

    kwargs: dict[str, Any] = {
        "model_path": args.model, "segmentation": not args.no_segmentation,
        "max_people": args.max_people, "stride": args.stride, "start_s": args.start, "end_s": args.end,
        "flip_average": not args.no_flip,
    }  # fmt: skip
    if args.quiet or not sys.stderr.isatty():
        return estimate_pose_file(args.video, **kwargs)
    from hipcheck.cli._progress import FrameProgress

    with FrameProgress("landmarks") as bar:
        return estimate_pose_file(args.video, progress=bar, **kwargs)
