"""``hipcheck batch``: a folder of clips analysed in parallel into one output folder, resumable."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from hipcheck.cli._args import (
    Subparsers,
    add_analysis_options,
    add_history_options,
    add_model_option,
    analysis_options,
)
from hipcheck.errors import UsageError

if TYPE_CHECKING:
    from hipcheck.jobs import BatchResult, ClipRow


def register(sub: Subparsers) -> None:
    """Add the ``batch`` sub-command."""
    p = sub.add_parser(
        "batch",
        help="analyse many videos in parallel into one folder, with a job store and a summary",
        description="Analyse every video (and pose .npz) of the given files and folders (searched recursively) "
        "into OUT/<id>/, as 'hipcheck analyze' writes them, recording each clip in OUT/jobs.sqlite. Re-running "
        "skips clips already done with the same bytes, options, version and model, and takes up clips left by "
        "a killed run. Writes OUT/summary.csv and OUT/summary.html. Exits non-zero when a clip failed.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="video files, pose .npz files or folders")
    p.add_argument("-o", "--out", type=Path, required=True, metavar="OUT", help="output folder (and job store)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, metavar="N", help="local processes (default: cores)")
    where.add_argument(
        "--scheduler", default=None, metavar="ADDRESS",
        help="run on a Dask cluster: the scheduler's address, e.g. tcp://HOST:8786",
    )  # fmt: skip
    p.add_argument("--retry-failed", action="store_true", help="run clips again that failed last time")
    p.add_argument(
        "--clip-timeout", type=clip_timeout, default="auto", metavar="SECONDS",
        help="stop a clip that runs longer than this (it fails with exit 15; a local worker that hangs is killed). "
        "Default 'auto': the longer of 10 min and 30 s per second of video (from the file's header; 1 h when "
        "the header gives no duration, 10 min for a pose .npz); 'off': no limit",
    )  # fmt: skip
    add_analysis_options(p)
    add_model_option(p)
    p.add_argument("--annotate", action="store_true", help="also write annotated.mp4 for each video")
    p.add_argument("--no-html", action="store_true", help="skip each clip's report.html and plots")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    add_history_options(p)
    p.set_defaults(func=run)


def clip_timeout(text: str) -> float | str | None:
    """An argparse ``type`` for ``--clip-timeout``: seconds (> 0), ``auto`` or ``off`` (None)."""
    if text in ("auto", "off"):
        return None if text == "off" else text
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected seconds (a number > 0), 'auto' or 'off', got {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    """Run the batch; the exit code is 0, or the first failed clip's code."""
    from hipcheck.jobs import BatchOptions, DataDir, connect_cluster, run_batch

    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected at least 1")
    if args.person is None and (args.recorded_on is not None or args.data is not None):
        raise UsageError("--recorded-on and --data need --person NAME")
    options = BatchOptions(
        analysis_options(args), args.model, annotate=args.annotate, html=not args.no_html,
        person=args.person, retry_failed=args.retry_failed, clip_timeout_s=args.clip_timeout,
        recorded_on=args.recorded_on,
    )  # fmt: skip
    history = None if args.person is None else DataDir.at(args.data)
    client = connect_cluster(args.scheduler) if args.scheduler else None
    try:
        with BatchProgress(enabled=not args.quiet) as monitor:
            result = run_batch(
                args.inputs, args.out, options=options, executor=client, workers=args.workers, monitor=monitor,
                history=history,
            )  # fmt: skip
    finally:
        if client is not None:
            client.close()
    _report(result, quiet=args.quiet)
    if history is not None and not args.quiet:
        n = len(result.history)
        print(f"history: {n} session{'s' * (n != 1)} of {str(args.person).strip()} in {history.root}")
    return result.exit_code


def _report(result: BatchResult, *, quiet: bool) -> None:
    for row in result.failed:
        print(f"hipcheck: error: {row.error}", file=sys.stderr)
    if quiet:
        return
    states = [r.state for r in result.rows]
    parts = [f"{states.count(s)} {s}" for s in ("done", "failed", "running", "queued") if states.count(s)]
    print(f"{len(states)} clips: {', '.join(parts)}")
    print(f"summary: {result.summary_html}")
    print(f"  table: {result.summary_csv}")
    print(f"  store: {result.store}")


class BatchProgress:
    """The batch's progress on stderr: one bar over clips (done / failed / running, clips per minute,
    ETA) and one bar of pose frames per running clip. A :class:`~hipcheck.jobs.BatchMonitor`.
    """

    def __init__(self, *, enabled: bool = True) -> None:
        self._enabled = enabled
        self._progress: Any = None
        self._overall: Any = None
        self._clips: dict[str, Any] = {}
        self._counts = {"done": 0, "failed": 0}
        self._started = time.monotonic()
        self._ended_here = 0

    def __enter__(self) -> BatchProgress:
        if self._enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("[bold]{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[note]}"), TimeRemainingColumn(),
                console=Console(stderr=True), transient=True,
            )  # fmt: skip
            self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def batch_started(self, rows: Sequence[ClipRow]) -> None:
        """One bar over the batch's clips; those already done or failed count from the start."""
        for row in rows:
            if row.state in self._counts:
                self._counts[row.state] += 1
        if self._progress is not None:
            done = sum(self._counts.values())
            self._overall = self._progress.add_task("clips", total=len(rows), completed=done, note=self._note())
        self._started = time.monotonic()

    def clip_started(self, row: ClipRow) -> None:
        """A bar for the clip's pose frames."""
        if self._progress is not None:
            self._clips[row.id] = self._progress.add_task(f"  {row.name[:26]}", total=None, note="")
            self._progress.update(self._overall, note=self._note())

    def clip_frames(self, clip: str, done: int, total: int | None) -> None:
        """Move the clip's frame bar."""
        if self._progress is not None and clip in self._clips:
            self._progress.update(self._clips[clip], completed=done, total=total, note="frames")

    def clip_ended(self, row: ClipRow) -> None:
        """Count the clip and drop its frame bar."""
        if row.state in self._counts:
            self._counts[row.state] += 1
            self._ended_here += 1
        if self._progress is None:
            return
        task = self._clips.pop(row.id, None)
        if task is not None:
            self._progress.remove_task(task)
        self._progress.update(self._overall, completed=sum(self._counts.values()), note=self._note())

    def _note(self) -> str:
        minutes = (time.monotonic() - self._started) / 60.0
        rate = f"{self._ended_here / minutes:.1f} clips/min" if self._ended_here and minutes > 0 else "- clips/min"
        c = self._counts
        return f"done {c['done']} · failed {c['failed']} · running {len(self._clips)} · {rate}"
