"""The long-running queue of ``hipcheck serve``: queued rows of a store run on workers until stopped.

One thread claims ``queued`` rows (and ``running`` rows a dead process left,
so a server killed mid-job takes them up again on restart), sends each to a
worker process (a spawn pool created in that thread, or a Dask client) with
:func:`~hipcheck.jobs.analyse_clip`, and writes the outputs of each to
``DATA/sessions/<id>/`` before the row becomes ``done``. Each row carries its
own options (``ClipRow.options``), so every upload can have its own exercise
hint. Progress (frames done / expected, ETA) is kept in memory for the pages.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from hipcheck import __version__, io
from hipcheck.analysis import AnalysisOptions
from hipcheck.jobs._batch import Submitter, _executor, _Runner, default_time_limit_s
from hipcheck.jobs._store import ClipRow, JobStore
from hipcheck.jobs._worker import ClipTask

log = logging.getLogger("hipcheck.serve")
_IDLE_WAIT_S = 1.0
_ANALYSIS_FIELDS = frozenset(f.name for f in dataclasses.fields(AnalysisOptions))


@dataclass(frozen=True)
class Progress:
    """A running clip's progress: pose frames done of those expected, and when it started (monotonic s)."""

    done: int
    total: int | None
    started: float

    @property
    def fraction(self) -> float:
        """0–1 (0 while the total is unknown)."""
        if not self.total:
            return 0.0
        return min(1.0, self.done / self.total)

    def eta_s(self, now: float | None = None) -> float | None:
        """Seconds left at the rate so far; None before the first frames."""
        if not self.total or self.done <= 0:
            return None
        elapsed = (time.monotonic() if now is None else now) - self.started
        return max(0.0, elapsed * (self.total - self.done) / self.done)


def task_options(row: ClipRow) -> tuple[AnalysisOptions, bool, bool]:
    """The analysis options, ``annotate`` and ``html`` stored in a row's options JSON."""
    stored: dict[str, Any] = json.loads(row.options or "{}")
    analysis = AnalysisOptions(**{k: v for k, v in stored.items() if k in _ANALYSIS_FIELDS})
    return analysis, bool(stored.get("annotate", False)), bool(stored.get("html", True))


class _Monitor:
    """Progress of the clips this service runs (thread-safe: the pages read it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._progress: dict[str, Progress] = {}

    def batch_started(self, rows: Sequence[ClipRow]) -> None:
        """Unused: a service has no batch."""

    def clip_started(self, row: ClipRow) -> None:
        """A clip went to a worker."""
        with self._lock:
            self._progress[row.id] = Progress(0, None, time.monotonic())

    def clip_frames(self, clip: str, done: int, total: int | None) -> None:
        """Frames of a running clip."""
        with self._lock:
            old = self._progress.get(clip)
            self._progress[clip] = Progress(done, total, old.started if old else time.monotonic())

    def clip_ended(self, row: ClipRow) -> None:
        """A clip is done or failed: its progress is forgotten."""
        with self._lock:
            self._progress.pop(row.id, None)

    def get(self, clip: str) -> Progress | None:
        with self._lock:
            return self._progress.get(clip)


class _ServiceRunner(_Runner):
    """The batch runner's claim → submit → settle, over every queued row, each with its own options."""

    def _task(self, row: ClipRow) -> ClipTask:
        analysis, annotate, html = task_options(row)
        cached = self.out / row.id / "pose.npz"
        pose = cached.read_bytes() if cached.is_file() else None
        o = self.options
        model = None if o.model_path is None else str(Path(o.model_path).absolute())
        limit = default_time_limit_s(Path(row.source)) if o.clip_timeout_s == "auto" else o.clip_timeout_s
        return ClipTask(row.id, row.source, analysis, model, self.model_sha, __version__, annotate, html, pose,
                        time_limit_s=limit)  # fmt: skip

    def serve(self, stop: threading.Event, wake: threading.Event) -> None:
        """Claim, run and settle until ``stop`` is set; ``wake`` says a new row was queued."""
        try:
            while not stop.is_set():
                self._fill(None)
                self._poll()
                if not self.pending:
                    wake.wait(_IDLE_WAIT_S)
                    wake.clear()
                else:
                    time.sleep(0.2)
        finally:
            for future, _ in self.pending.values():
                with contextlib.suppress(Exception):
                    future.cancel()
            self.store.release(self.owner)  # a clean stop: running clips go back to the queue


class QueueService:
    """Runs the queued rows of the store at ``store_path`` into ``sessions/<id>/``, in a background thread.

    Args:
        store_path: the SQLite job store (``DATA/hipcheck.sqlite``).
        sessions: the folder each clip's outputs go to (``DATA/sessions``).
        workers: local worker processes (None: the number of cores); ignored with ``executor``.
        executor: a Dask client (or any ``submit`` executor) instead of local processes.
        model_path: a pose model bundle, or None for the bundled one.
        clip_timeout_s: each clip's time limit in seconds, ``"auto"`` (from its duration, as
            ``hipcheck batch``) or None (no limit); a clip over it fails with exit 15 (HTTP 504).
    """

    def __init__(
        self,
        store_path: Path,
        sessions: Path,
        *,
        workers: int | None = None,
        executor: Submitter | None = None,
        model_path: Path | None = None,
        clip_timeout_s: float | Literal["auto"] | None = "auto",
    ) -> None:
        from hipcheck.jobs._batch import BatchOptions

        self.store_path, self.sessions = store_path, sessions
        self.workers, self.executor = workers, executor
        self.options = BatchOptions(model_path=model_path, clip_timeout_s=clip_timeout_s)
        _, self.model_sha = io.resolve_model(model_path)
        self.monitor = _Monitor()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self) -> None:
        """Start the queue thread (it first takes up rows a killed server left running)."""
        self.sessions.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, name="hipcheck-queue", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """A row was queued: claim it now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop: running clips are given back to the queue (they run again on the next start)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    @property
    def alive(self) -> bool:
        """Whether the queue thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def progress(self, clip: str) -> Progress | None:
        """The progress of a clip this service is running, else None."""
        return self.monitor.get(clip)

    def _run(self) -> None:
        try:
            with JobStore(self.store_path) as store, _executor(self.executor, self.workers) as (submitter, frames):
                runner = _ServiceRunner(store, out=self.sessions, options=self.options, model_sha=self.model_sha,
                                        submitter=submitter, frames=frames, monitor=self.monitor)  # fmt: skip
                runner.serve(self._stop, self._wake)
        except BaseException as exc:  # the pages say the queue stopped; the server keeps answering
            self.error = exc
            log.exception("the job queue stopped")


__all__ = ["Progress", "QueueService", "task_options"]
