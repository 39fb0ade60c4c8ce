"""The task a batch sends to a worker: one clip through :func:`~hipcheck.jobs.run_job`, files back as bytes.

:func:`analyse_clip` runs wherever the executor puts it (a local process, a
Dask worker on another machine). It writes the clip's outputs into a private
temporary folder and returns them as bytes in a :class:`ClipOutcome`, so the
client alone writes ``OUT/`` (only the clip itself must be readable by the
worker). Pose estimation (and its landmarker) happens inside the worker
process, never before a fork.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import socket
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hipcheck import __version__
from hipcheck.analysis import AnalysisOptions
from hipcheck.errors import TimeLimitError
from hipcheck.jobs._job import Job, run_job
from hipcheck.jobs._store import Headline
from hipcheck.results import Assessment
from hipcheck.types import ProgressFn

HEADLINE_METRICS: tuple[tuple[str, str], ...] = (("pelvic_drop", "pelvic_drop_deg"), ("knee_fppa", "knee_fppa_deg"))
"""(store column prefix, metric) of the per-side results a row keeps."""
_PROGRESS_EVERY_S = 0.25

# A worker process's channel for frame progress back to its batch, set by :func:`init_worker` in that
# process only (a multiprocessing queue can be handed to a process only when it starts).
_progress_queue: Any = None


@dataclass(frozen=True)
class ClipTask:
    """One clip to analyse, as sent to a worker (picklable).

    Attributes:
        clip_id: the clip's id in the store.
        source: the clip's path, as the worker reads it.
        options: the analysis options.
        model_path: a pose model bundle, or None for the bundled one.
        model_sha256: the model the client expects (the worker refuses another).
        hipcheck_version: the client's version (the worker refuses another).
        annotate: also write ``annotated.mp4``.
        html: write ``report.html`` and plots.
        pose_npz: the bytes of an earlier ``pose.npz`` of this clip (reused when it matches), or None.
        time_limit_s: stop the analysis once it has run this many seconds (checked after each pose
            frame; :func:`time_limit_error`), or None for no limit.
    """

    clip_id: str
    source: str
    options: AnalysisOptions
    model_path: str | None
    model_sha256: str
    hipcheck_version: str
    annotate: bool = False
    html: bool = True
    pose_npz: bytes | None = field(default=None, repr=False)
    time_limit_s: float | None = None


@dataclass(frozen=True)
class ClipOutcome:
    """What a worker sends back: ``done`` with the headline and the files, or ``failed`` with the error line.

    ``files`` maps each output's path relative to the clip's folder (``report.json``,
    ``plots/…``) to its bytes; ``worker`` is ``host:pid`` of the process that ran it.
    """

    clip_id: str
    status: str
    headline: Headline | None = None
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    error: str = ""
    exit_code: int = 0
    worker: str = ""
    seconds: float = math.nan


def init_worker(queue: Any, scratch: str | None = None) -> None:
    """Process-pool initializer: frame progress of this worker's clips goes to ``queue``; temporary
    files go under ``scratch`` (a folder the pool removes, also after killing this process); numpy's
    runtime warnings (an all-NaN median of a side that was not measured) are not printed over the
    batch's progress bar.
    """
    global _progress_queue  # noqa: PLW0603 (set once per worker process, at its start)
    _progress_queue = queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the batch or server, which stops the workers
    if scratch is not None:
        tempfile.tempdir = scratch
    warnings.simplefilter("ignore", RuntimeWarning)


def worker_version() -> str:
    """The hipcheck version of the process this runs in (the batch client asks every Dask worker)."""
    return __version__


def analyse_clip(task: ClipTask) -> ClipOutcome:
    """Run one clip through :func:`~hipcheck.jobs.run_job` in a temporary folder; return its outputs."""
    started = time.monotonic()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    refused = _refusal(task, worker)
    if refused:
        return ClipOutcome(task.clip_id, "failed", error=refused, exit_code=2, worker=worker)
    with tempfile.TemporaryDirectory(prefix="hipcheck-clip-") as tmp:
        out = Path(tmp)
        if task.pose_npz is not None:
            (out / "pose.npz").write_bytes(task.pose_npz)
        job = Job(task.source, out, task.options, task.model_path, annotate=task.annotate, html=task.html)
        result = run_job(job, progress=_progress(task, started))
        seconds = time.monotonic() - started
        if result.status == "failed" or result.assessment is None:
            return ClipOutcome(task.clip_id, "failed", error=result.error, exit_code=result.exit_code,
                               worker=worker, seconds=seconds)  # fmt: skip
        model_sha = result.assessment.provenance.get("model_sha256")
        if model_sha and model_sha != task.model_sha256:
            error = (
                f"{task.source}: worker {worker} used pose model {model_sha[:12]}…, the batch {task.model_sha256[:12]}…"
            )
            return ClipOutcome(task.clip_id, "failed", error=error, exit_code=9, worker=worker, seconds=seconds)
        files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    return ClipOutcome(task.clip_id, "done", headline_of(result.assessment), files, worker=worker, seconds=seconds)


def _refusal(task: ClipTask, worker: str) -> str:
    if task.hipcheck_version != __version__:
        return (
            f"{task.source}: worker {worker} runs hipcheck {__version__}, the batch client {task.hipcheck_version}: "
            "install the same hipcheck version on every worker"
        )
    return ""


def headline_of(assessment: Assessment) -> Headline:
    """The results a store row keeps: verdict, confidence, view, exercises, per-side medians (degrees)
    and the standing hip-height difference (+ = left hip higher).

    For each headline metric the first evidence row measured on both sides is taken
    (else the first row of that metric); ``*_error_deg`` is its finding threshold.
    """
    values: dict[str, float] = {}
    for prefix, metric in HEADLINE_METRICS:
        rows = [r for r in assessment.evidence if r.metric == metric]
        both = [r for r in rows if math.isfinite(r.left) and math.isfinite(r.right)]
        if rows:
            row = (both or rows)[0]
            values |= {f"{prefix}_left_deg": row.left, f"{prefix}_right_deg": row.right,
                       f"{prefix}_error_deg": row.threshold}  # fmt: skip
    hip = [r for r in assessment.evidence if r.metric == "hip_height_asymmetry_deg" and math.isfinite(r.difference)]
    if hip:
        values |= {"hip_height_diff_deg": hip[0].difference, "hip_height_error_deg": hip[0].threshold}
    exercises = ",".join(dict.fromkeys(e.exercise for e in assessment.exercises))
    v = assessment.verdict
    return Headline(v.weaker_side, float(v.confidence), str(assessment.view), exercises, **values)


def time_limit_error(source: str, limit_s: float) -> TimeLimitError:
    """The error of a clip stopped at its time limit (the same line whether the worker stopped itself
    or the batch killed it).
    """
    shown = f"{limit_s:.0f}" if limit_s >= 10 else f"{limit_s:g}"
    return TimeLimitError(f"{source}: analysis stopped after {shown} s (the per-clip time limit, --clip-timeout)")


def _progress(task: ClipTask, started: float) -> ProgressFn | None:
    """``progress(done, total)`` for :func:`run_job`: raises :func:`time_limit_error` once the clip has run
    past its limit (counted from ``started``, monotonic seconds), and passes the frames on to the batch.
    """
    send = _frame_progress(task.clip_id)
    limit = task.time_limit_s
    if limit is None:
        return send
    deadline = started + limit

    def report(done: int, total: int | None) -> None:
        if time.monotonic() > deadline:
            raise time_limit_error(task.source, limit)
        if send is not None:
            send(done, total)

    return report


def _frame_progress(clip_id: str) -> ProgressFn | None:
    """``progress(done, total)`` that sends at most four updates a second to the batch, or None."""
    queue = _progress_queue
    if queue is None:
        return None
    last = [0.0]

    def report(done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] < _PROGRESS_EVERY_S and done != total:
            return
        last[0] = now
        with contextlib.suppress(Exception):  # progress is best effort: a full or closed queue never fails a clip
            queue.put_nowait((clip_id, done, total))

    return report


__all__ = [
    "HEADLINE_METRICS",
    "ClipOutcome",
    "ClipTask",
    "analyse_clip",
    "headline_of",
    "init_worker",
    "time_limit_error",
    "worker_version",
]
