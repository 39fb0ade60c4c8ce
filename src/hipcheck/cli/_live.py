"""``hipcheck live``: the guided self-test in front of a camera (thin shell)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from hipcheck.cli._args import Subparsers, add_model_option, finite_float
from hipcheck.errors import UsageError
from hipcheck.types import LIVE_PROTOCOLS

if TYPE_CHECKING:
    from hipcheck.live import LiveWindow, SessionResult


def register(subparsers: Subparsers) -> None:
    """Add the ``live`` sub-command to ``subparsers``."""
    p = subparsers.add_parser(
        "live",
        help="guided self-test in front of a camera (records, then analyses)",
        description="Guided self-test: framing check, then quiet standing, squats, lunges and single-leg "
        "stands with live readouts. The raw camera stream is recorded as it is captured; at the end the "
        "full analysis runs on the recording. Keys: space start/pause, n skip, r redo, q quit.",
    )
    p.add_argument("--camera", type=int, default=0, help="camera index (default 0)")
    p.add_argument("--source", type=Path, default=None, help="use a video file instead of the camera")
    p.add_argument("--realtime", action="store_true", help="with --source: deliver frames at the file's own rate")
    p.add_argument("--protocol", choices=LIVE_PROTOCOLS, default="full", help="which tests to run (default full)")
    p.add_argument("-o", "--out", type=Path, default=None, help="output folder (default hipcheck-live-<time>)")
    p.add_argument("--headless", action="store_true", help="no window (for CI); starts after a framing time-out")
    p.add_argument("--no-analysis", action="store_true", help="only record; skip the analysis at the end")
    p.add_argument("--open", action="store_true", help="open the HTML report in a browser at the end")
    add_model_option(p)
    p.add_argument("--reps", type=int, default=5, help="reps per squat/lunge step (default 5)")
    p.add_argument("--time-scale", type=finite_float, default=1.0, help="scale countdowns, holds and time-outs")
    p.add_argument(
        "--framing-timeout",
        type=finite_float,
        default=None,
        help="start anyway after this many seconds without good framing (default: wait; 10 s headless)",
    )
    p.set_defaults(func=run)


def _out_dir(arg: Path | None) -> Path:
    if arg is not None:
        return arg
    from datetime import datetime

    return Path(f"hipcheck-live-{datetime.now().strftime('%Y%m%d-%H%M%S')}")


def run(args: argparse.Namespace) -> int:
    """Run the session from parsed arguments; returns the exit code."""
    from hipcheck.live import LiveConfig, run_session

    if args.realtime and args.source is None:
        raise UsageError("--realtime needs --source VIDEO")
    if args.reps < 1 or not args.time_scale > 0:
        raise UsageError(f"--reps must be >= 1 and --time-scale > 0, got {args.reps} and {args.time_scale}")
    from hipcheck import io

    out_dir = io.ensure_output_dir(_out_dir(args.out))  # a bad -o fails now, not after the session
    timeout = args.framing_timeout if args.framing_timeout is not None else (10.0 if args.headless else None)
    config = LiveConfig(
        source=str(args.source) if args.source is not None else args.camera,
        out_dir=out_dir,
        protocol=args.protocol,
        realtime=args.realtime,
        time_scale=args.time_scale,
        reps=args.reps,
        framing_timeout_s=timeout,
        analysis=not args.no_analysis,
        model_path=args.model,
    )
    stop = threading.Event()
    previous = _on_signals(stop)
    view = None if args.headless else _window()
    try:
        result = run_session(config, view=view, stop=stop, on_started=_print_started)
    finally:
        if view is not None:
            view.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return _report(result, open_report=args.open)


def _window() -> LiveWindow:
    from hipcheck.live import LiveWindow

    return LiveWindow()


def _on_signals(stop: threading.Event) -> dict[int, Any]:
    """SIGTERM/SIGINT end the session cleanly (recording closed, log written)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[int, Any] = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, handler)
    return previous


def _print_started(recording: Path) -> None:
    print(f"hipcheck live: recording to {recording}", file=sys.stderr, flush=True)


def _report(result: SessionResult, *, open_report: bool) -> int:
    """Steps, warnings and paths, then the verdict line last (or why there is none)."""
    for rec in result.steps:
        print(f"  {rec.key:<18} {rec.status:<12} reps={rec.reps} hold={rec.hold_s:.1f}s")
    if not result.steps:
        print(f"no step was run (the session ended: {result.end_reason.replace('_', ' ')} before the first step)")
    for w in result.warnings:
        print(f"hipcheck live: warning: {w}", file=sys.stderr)
    print(f"recording: {result.recording}")
    print(f"session log: {result.session_log}")
    if result.report_html is not None or result.report_json is not None:
        print(f"report: {result.report_html or result.report_json}")
        if open_report and result.report_html is not None:
            import webbrowser

            webbrowser.open(result.report_html.resolve().as_uri())
    elif result.end_reason == "interrupted":
        print(f"interrupted: analyse later with `hipcheck analyze {result.recording}`")
    print(result.verdict or f"Verdict: none ({result.analysis_note or 'no analysis ran'}).")
    return 130 if result.end_reason == "interrupted" else 0
