"""Many clips through :func:`~hipcheck.jobs.run_job` on any executor, resumable, with a job store.

::

    files / folders ─▶ discover ─▶ ClipSpec per clip ─▶ JobStore.add (OUT/jobs.sqlite)
        loop: JobStore.claim ─▶ executor.submit(analyse_clip, ClipTask) ─▶ ClipOutcome
              ─▶ OUT/<id>/ (written to a temporary folder, then renamed) ─▶ JobStore.finish / fail
        ─▶ OUT/summary.csv, OUT/summary.html

The executor is anything with ``submit(fn, *args)`` returning a future with
``done()`` and ``result()``: a :class:`concurrent.futures.ProcessPoolExecutor`
(the default: ``workers`` processes started with ``spawn``) or a
``dask.distributed.Client``. Clips are claimed one at a time as workers free
up, so two batches on one OUT share the work; a clip whose claimant died is
taken again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import queue as queue_mod
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from hipcheck import __version__, io
from hipcheck.analysis import AnalysisOptions
from hipcheck.errors import InputNotFoundError, NotAVideoError, UsageError
from hipcheck.jobs._data import DataDir
from hipcheck.jobs._history import check_date, check_person, headline_of_row, record_session, session_date, session_spec
from hipcheck.jobs._outputs import write_outputs
from hipcheck.jobs._sources import discover, recorded_on
from hipcheck.jobs._store import ClipRow, ClipSpec, JobStore, clip_id, owner_token
from hipcheck.jobs._summary import write_summary_csv, write_summary_html
from hipcheck.jobs._worker import ClipOutcome, ClipTask, analyse_clip, init_worker

STORE_NAME = "jobs.sqlite"
HEARTBEAT_EVERY_S = 10.0
_POLL_S = 0.2


@dataclass(frozen=True)
class BatchOptions:
    """How every clip of a batch is analysed, and who is in them.

    Attributes:
        analysis: the analysis options (as ``hipcheck analyze`` takes them).
        model_path: a pose model ``.task`` bundle, or None for the bundled one (workers must read it too).
        annotate: also write ``annotated.mp4`` for each video.
        html: write ``report.html`` and plots for each clip.
        person: who is in the clips (stored on each row), or None.
        retry_failed: run clips again that failed with the same bytes and options.
        recorded_on: the date every clip was filmed (``YYYY-MM-DD``), or None: each file's own date.
    """

    analysis: AnalysisOptions = field(default_factory=AnalysisOptions)
    model_path: Path | None = None
    annotate: bool = False
    html: bool = True
    person: str | None = None
    retry_failed: bool = False
    recorded_on: str | None = None

    def output_options(self) -> dict[str, Any]:
        """The options that change a clip's outputs, as stored (and compared) in its row."""
        return {**dataclasses.asdict(self.analysis), "annotate": self.annotate, "html": self.html}


@dataclass(frozen=True)
class BatchResult:
    """How a batch ended: its rows (in input order) and where the store and summaries are."""

    rows: tuple[ClipRow, ...]
    store: Path
    summary_csv: Path
    summary_html: Path
    history: tuple[ClipRow, ...] = ()
    """The sessions added to the person's history (``run_batch(history=...)``), as the data folder's rows."""

    @property
    def failed(self) -> tuple[ClipRow, ...]:
        """The rows that failed."""
        return tuple(r for r in self.rows if r.state == "failed")

    @property
    def exit_code(self) -> int:
        """0 when no clip failed, else the first failed clip's exit code (:mod:`hipcheck.errors`)."""
        return next((r.exit_code or 1 for r in self.failed), 0)


class BatchMonitor(Protocol):
    """What a batch tells its display (all optional to act on)."""

    def batch_started(self, rows: Sequence[ClipRow]) -> None:
        """The batch's rows as registered, before any clip runs."""

    def clip_started(self, row: ClipRow) -> None:
        """``row`` was claimed by this process and sent to a worker."""

    def clip_frames(self, clip: str, done: int, total: int | None) -> None:
        """Pose-estimation frames of a running clip (local workers only)."""

    def clip_ended(self, row: ClipRow) -> None:
        """``row`` is done or failed."""


class Submitter(Protocol):
    """An executor: ``submit(fn, *args)`` → a future with ``done()`` and ``result()``."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        """Schedule ``fn(*args)``."""


def run_batch(
    sources: Iterable[str | Path],
    out_root: str | Path,
    *,
    options: BatchOptions | None = None,
    executor: Submitter | None = None,
    workers: int | None = None,
    monitor: BatchMonitor | None = None,
    history: DataDir | None = None,
) -> BatchResult:
    """Analyse every clip of ``sources`` (files; folders searched recursively) into ``out_root``.

    Each clip goes to ``out_root/<id>/`` exactly as ``hipcheck analyze`` writes it; the
    store ``out_root/jobs.sqlite`` records each; clips already done with the same bytes,
    options, version and model are skipped. ``executor``: any object with ``submit``
    (a process pool, a Dask client); None = a pool of ``workers`` processes (default:
    the number of cores). A bad clip is a ``failed`` row; a bad model or an empty
    input list raises :class:`~hipcheck.errors.HipcheckError`.

    With ``history`` (a data folder) every ``done`` clip is also added to ``options.person``'s
    history there (:func:`~hipcheck.jobs.record_session`), dated ``options.recorded_on`` or by the
    file's own date; a clip with neither fails with that error before the batch starts.
    """
    if workers is not None and workers < 1:
        raise UsageError(f"--workers {workers}: expected at least 1")
    options = _checked(options or BatchOptions(), history)
    out = Path(out_root).absolute()
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: the output must be a folder")
    _, model_sha = io.resolve_model(options.model_path)
    inputs = list(sources)
    paths = discover(inputs, skip=[out])
    if not paths:
        raise UsageError(f"{', '.join(map(str, inputs)) or 'no input'}: no videos or pose .npz files found")
    with JobStore(out / STORE_NAME) as store:
        ids = _register(store, paths, options, model_sha)
        days = _dates(store, paths, ids, options) if history is not None else {}
        if monitor is not None:
            monitor.batch_started(store.rows(ids=ids))
        with _executor(executor, workers) as (submitter, frames):
            runner = _Runner(store, out=out, options=options, model_sha=model_sha, submitter=submitter, frames=frames,
                             monitor=monitor)  # fmt: skip
            runner.run(ids)
        rows = tuple(store.rows(ids=ids))
        every = store.rows()
    summary = (write_summary_csv(every, out), write_summary_html(every, out))
    added = _add_to_history(history, rows, days, options) if history is not None else ()
    return BatchResult(rows, out / STORE_NAME, *summary, history=added)


def _checked(options: BatchOptions, history: DataDir | None) -> BatchOptions:
    """The options with the person's name as stored; the history's folder checked before any clip runs."""
    if history is None:
        return options
    if options.person is None:
        raise UsageError("a batch that adds to a history needs a person (--person NAME)")
    person = check_person(options.person)
    given = None if options.recorded_on is None else check_date(options.recorded_on)
    io.ensure_output_dir(history.sessions)
    return dataclasses.replace(options, person=person, recorded_on=given)


def _dates(store: JobStore, paths: Sequence[Path], ids: Sequence[str], options: BatchOptions) -> dict[str, str]:
    """Each clip's recording date for the history (by id); a clip without one fails with that error."""
    days: dict[str, str] = {}
    for path, clip in zip(paths, ids, strict=True):
        row = store.get(clip)
        if row is None or row.state == "running" or not path.is_file():
            continue
        try:
            days[clip] = session_date(path, options.recorded_on)
        except UsageError as exc:
            if row.state == "done":
                store.requeue(clip)  # its results cleared: a clip without a date fails, as its error says
            store.fail(clip, str(exc), exc.exit_code)
    return days


def _add_to_history(
    history: DataDir, rows: Sequence[ClipRow], days: dict[str, str], options: BatchOptions
) -> tuple[ClipRow, ...]:
    """Record every ``done`` clip of ``rows`` with a date in ``history`` (a clip done earlier too: the
    same clip, person and date replaces its session).
    """
    assert options.person is not None
    added = []
    for row in rows:
        if row.state == "done" and row.out_dir and row.id in days:
            spec = session_spec(row, options.person, days[row.id], "batch")
            added.append(record_session(history, spec, headline_of_row(row), Path(row.out_dir)))
    return tuple(added)


def _register(store: JobStore, paths: Sequence[Path], options: BatchOptions, model_sha: str) -> list[str]:
    """Add a row per clip (a missing or unreadable one is failed at once); returns the ids in order.

    A clip that failed for its arguments (exit 2: no recording date, a worker of another hipcheck
    version), not for its content, is queued again.
    """
    ids: list[str] = []
    for path in paths:
        sha, problem = _hash(path)
        spec = ClipSpec(
            clip_id(path.name, sha, fallback=str(path)), path.name, str(path), sha, options.output_options(),
            __version__, model_sha, options.person, options.recorded_on or (recorded_on(path) if sha else None),
        )  # fmt: skip
        row = store.add(spec, retry_failed=options.retry_failed)
        if row.state == "failed" and row.exit_code == UsageError.exit_code:
            row = store.requeue(spec.id) or row
        if problem and row.state != "failed":
            store.fail(spec.id, problem[0], problem[1])
        ids.append(spec.id)
    return list(dict.fromkeys(ids))


def _hash(path: Path) -> tuple[str | None, tuple[str, int] | None]:
    if not path.exists():
        return None, (f"{path}: no such file", InputNotFoundError.exit_code)
    if not path.is_file():
        return None, (f"{path}: not a regular file", NotAVideoError.exit_code)
    try:
        return io.sha256_file(path), None
    except OSError as exc:
        return None, (f"{path}: cannot be read ({exc.strerror or exc})", InputNotFoundError.exit_code)


class _Runner:
    """The claim → submit → settle loop of one batch process."""

    def __init__(
        self,
        store: JobStore,
        *,
        out: Path,
        options: BatchOptions,
        model_sha: str,
        submitter: Submitter,
        frames: Any,
        monitor: BatchMonitor | None,
    ) -> None:
        self.store, self.out, self.options, self.model_sha = store, out, options, model_sha
        self.submitter, self.frames, self.monitor = submitter, frames, monitor
        self.owner = owner_token()
        self.capacity = capacity(submitter)
        self.pending: dict[str, tuple[Any, ClipRow]] = {}
        self._beat = time.monotonic()

    def run(self, ids: Sequence[str]) -> None:
        """Until no clip of ``ids`` is left to claim and none of ours is running."""
        try:
            while True:
                self._fill(ids)
                if not self.pending:
                    return
                self._wait()
        except BaseException:
            for future, _ in self.pending.values():
                with contextlib.suppress(Exception):
                    future.cancel()
            self.store.release(self.owner)  # a clean stop (Ctrl-C) gives the clips back at once
            raise

    def _fill(self, ids: Sequence[str]) -> None:
        while len(self.pending) < self.capacity:
            row = self.store.claim(self.owner, ids)
            if row is None:
                return
            _clear_leftovers(self.out, row.id)
            try:
                future = self.submitter.submit(analyse_clip, self._task(row))
            except Exception as exc:  # a broken executor: this clip fails, the loop goes on
                self._settle(row, _crashed(row, exc))
                continue
            self.pending[row.id] = (future, row)
            if self.monitor is not None:
                self.monitor.clip_started(row)

    def _task(self, row: ClipRow) -> ClipTask:
        cached = self.out / row.id / "pose.npz"
        pose = cached.read_bytes() if cached.is_file() and not row.source.lower().endswith(".npz") else None
        o = self.options
        model = None if o.model_path is None else str(Path(o.model_path).absolute())
        return ClipTask(row.id, row.source, o.analysis, model, self.model_sha, __version__, o.annotate, o.html, pose)

    def _wait(self) -> None:
        """Sleep until a future is done, passing on frame progress and beating the heart."""
        while True:
            self._drain_frames()
            if time.monotonic() - self._beat > HEARTBEAT_EVERY_S:
                self.store.heartbeat(self.owner)
                self._beat = time.monotonic()
            finished = [k for k, (future, _) in self.pending.items() if future.done()]
            if finished:
                break
            time.sleep(_POLL_S)
        for key in finished:
            future, row = self.pending.pop(key)
            try:
                outcome = future.result()
            except Exception as exc:  # the worker died or the task could not run there
                outcome = _crashed(row, exc)
            self._settle(row, outcome)

    def _drain_frames(self) -> None:
        if self.frames is None:
            return
        with contextlib.suppress(queue_mod.Empty, OSError, EOFError):
            while True:
                clip, done, total = self.frames.get_nowait()
                if self.monitor is not None and clip in self.pending:
                    self.monitor.clip_frames(clip, done, total)

    def _settle(self, row: ClipRow, outcome: ClipOutcome) -> None:
        if outcome.status == "done" and outcome.headline is not None:
            folder = write_outputs(self.out, row.id, outcome.files)
            self.store.finish(row.id, self.owner, outcome.headline, str(folder), outcome.worker)
        else:
            self.store.fail(row.id, outcome.error or f"{row.source}: failed", outcome.exit_code, self.owner)
        ended = self.store.get(row.id)
        if self.monitor is not None and ended is not None:
            self.monitor.clip_ended(ended)


def _crashed(row: ClipRow, exc: BaseException) -> ClipOutcome:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return ClipOutcome(
        row.id, "failed", error=f"{row.source}: worker failed ({type(exc).__name__}: {text})", exit_code=1
    )


def capacity(executor: Any) -> int:
    """How many clips to keep in flight on ``executor``: a pool's worker count, a Dask cluster's threads,
    else the number of cores.
    """
    workers = getattr(executor, "_max_workers", None)
    if isinstance(workers, int) and workers > 0:
        return workers
    nthreads = getattr(executor, "nthreads", None)
    if callable(nthreads):
        with contextlib.suppress(Exception):
            return max(1, int(sum(nthreads().values())))
    return os.cpu_count() or 1


def _clear_leftovers(out_root: Path, clip: str) -> None:
    """Temporary folders of ``clip`` left by a process that died (we hold the clip now)."""
    for stale in (*out_root.glob(f".{clip}.tmp-*"), *out_root.glob(f".{clip}.old-*")):
        shutil.rmtree(stale, ignore_errors=True)


class _LocalPool:
    """A spawn-context process pool that is started again when a worker dies (a crash fails one clip,
    not the batch), with a queue for the workers' frame progress.
    """

    def __init__(self, workers: int) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self._max_workers = workers
        self.frames = self._ctx.Queue()
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self._max_workers, mp_context=self._ctx, initializer=init_worker,
                                   initargs=(self.frames,))  # fmt: skip

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        """Schedule ``fn(*args)`` on a worker process (on a new pool when the old one broke)."""
        with _sigint_ignored():  # workers start here: they ignore Ctrl-C, the batch stops them
            try:
                return self._pool.submit(fn, *args)
            except BrokenProcessPool:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._start()
                return self._pool.submit(fn, *args)

    def shutdown(self, *, abort: bool = False) -> None:
        """Stop the workers (queued tasks are cancelled; with ``abort`` running ones too, at once)
        and close the progress queue.
        """
        if abort:
            for process in list(getattr(self._pool, "_processes", {}).values()):
                with contextlib.suppress(Exception):
                    process.terminate()
        self._pool.shutdown(wait=not abort, cancel_futures=True)
        self.frames.close()


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored while worker processes start (they inherit it), so Ctrl-C reaches the batch alone.
    Only the main thread can change signal handlers; elsewhere nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _executor(executor: Submitter | None, workers: int | None) -> Iterator[tuple[Submitter, Any]]:
    if executor is not None:
        yield executor, None
        return
    pool = _LocalPool(workers or os.cpu_count() or 1)
    try:
        yield pool, pool.frames
    except BaseException:
        pool.shutdown(abort=True)
        raise
    pool.shutdown()


__all__ = ["STORE_NAME", "BatchMonitor", "BatchOptions", "BatchResult", "Submitter", "capacity", "run_batch",
           "write_outputs"]  # fmt: skip
