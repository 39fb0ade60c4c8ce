"""Many clips through :func:`~hipcheck.jobs.run_job` on any executor, resumable, with a job store.

::

    files / folders ─▶ discover ─▶ ClipSpec per clip ─▶ JobStore.add (OUT/jobs.sqlite)
        loop: JobStore.claim ─▶ executor.submit(analyse_clip, ClipTask) ─▶ ClipOutcome
              ─▶ OUT/<id>/ (written to a temporary folder, then renamed) ─▶ JobStore.finish / fail
        ─▶ OUT/summary.csv, OUT/summary.html

The executor is anything with ``submit(fn, *args)`` returning a future with
``done()`` and ``result()``: the default :class:`~hipcheck.jobs._pool.LocalPool`
(``workers`` processes started with ``spawn``, one clip each at a time), a
:class:`concurrent.futures.ProcessPoolExecutor` or a ``dask.distributed.Client``.
Clips are claimed one at a time as workers free up, so two batches on one OUT
share the work; a clip whose claimant died is taken again.

Each clip has a time limit (:attr:`BatchOptions.clip_timeout_s`, by default
:func:`default_time_limit_s`). The worker stops itself once past it (checked
after each pose frame); :data:`KILL_GRACE_S` later the batch stops waiting: the
clip is a ``failed`` row (exit 15) and, on an executor with ``stop(future)``
(the local pool), its worker process is killed, which ends a clip stuck inside
one MediaPipe call too. The other clips in flight run on in their own
processes. A Dask worker cannot be killed from here: there the per-frame check
is the limit, and a task stuck in one call keeps its worker thread.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import queue as queue_mod
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from hipcheck import __version__, io
from hipcheck.analysis import AnalysisOptions
from hipcheck.errors import InputNotFoundError, NotAVideoError, UsageError
from hipcheck.jobs._data import DataDir
from hipcheck.jobs._history import check_date, check_person, headline_of_row, record_session, session_date, session_spec
from hipcheck.jobs._outputs import write_outputs
from hipcheck.jobs._pool import LocalPool
from hipcheck.jobs._sources import POSE_SUFFIX, discover, header_duration_s, recorded_on
from hipcheck.jobs._store import ClipRow, ClipSpec, JobStore, clip_id, owner_token
from hipcheck.jobs._summary import write_summary_csv, write_summary_html
from hipcheck.jobs._worker import ClipOutcome, ClipTask, analyse_clip, time_limit_error

STORE_NAME = "jobs.sqlite"
HEARTBEAT_EVERY_S = 10.0
_POLL_S = 0.2
CLIP_TIMEOUT_MIN_S = 600.0
"""The shortest default time limit of a clip (10 min): enough for any short clip on a busy machine."""
CLIP_TIMEOUT_PER_VIDEO_S = 30.0
"""Seconds of analysis the default time limit allows per second of video (about 3–4 times what a
1080p phone clip takes on one busy core)."""
CLIP_TIMEOUT_UNKNOWN_S = 3600.0
"""The default time limit of a video whose header states no duration (not an mp4/mov): 1 h."""
KILL_GRACE_S = 30.0
"""How long past a clip's time limit the batch waits for the worker to stop itself (it may still be
starting up, or be in the middle of a frame) before it kills the worker's process."""


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
        clip_timeout_s: each clip's time limit in seconds; ``"auto"``: :func:`default_time_limit_s`
            of the clip; None: no limit. A clip over it is a ``failed`` row (exit 15).
        recorded_on: the date every clip was filmed (``YYYY-MM-DD``), or None: each file's own date.
    """

    analysis: AnalysisOptions = field(default_factory=AnalysisOptions)
    model_path: Path | None = None
    annotate: bool = False
    html: bool = True
    person: str | None = None
    retry_failed: bool = False
    clip_timeout_s: float | Literal["auto"] | None = "auto"
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


def default_time_limit_s(path: Path) -> float:
    """A clip's time limit when none is given (seconds): the longer of :data:`CLIP_TIMEOUT_MIN_S` and
    :data:`CLIP_TIMEOUT_PER_VIDEO_S` per second of video, by the file's own header (read without
    decoding); :data:`CLIP_TIMEOUT_UNKNOWN_S` when the header states no duration; the minimum for a
    pose ``.npz`` (no pose estimation).
    """
    if path.suffix.lower() == POSE_SUFFIX:
        return CLIP_TIMEOUT_MIN_S
    duration = header_duration_s(path)
    if duration is None:
        return CLIP_TIMEOUT_UNKNOWN_S
    return float(max(CLIP_TIMEOUT_MIN_S, math.ceil(CLIP_TIMEOUT_PER_VIDEO_S * duration)))


class _Runner:
    """The claim → submit → settle loop of one batch process.

    :meth:`run` drives it until ``ids`` are all ended; a long-running caller (a web worker) may
    instead call :meth:`_fill` (claim and submit while there is room) and :meth:`_poll` (settle
    what ended or ran out of time) in its own loop.
    """

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
        self.deadlines: dict[str, tuple[float, float]] = {}
        """clip id → (monotonic time past which it is stopped, its time limit in seconds)."""
        self._beat = time.monotonic()

    def run(self, ids: Sequence[str] | None) -> None:
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

    def _fill(self, ids: Sequence[str] | None) -> None:
        """Claim clips of ``ids`` (None: any queued clip of the store) and submit them while there is room."""
        while len(self.pending) < self.capacity:
            row = self.store.claim(self.owner, ids)
            if row is None:
                return
            _clear_leftovers(self.out, row.id)
            self._submit(row)

    def _submit(self, row: ClipRow) -> None:
        task = self._task(row)
        try:
            future = self.submitter.submit(analyse_clip, task)
        except Exception as exc:  # a broken executor: this clip fails, the loop goes on
            self._settle(row, _crashed(row, exc))
            return
        self.pending[row.id] = (future, row)
        if task.time_limit_s is not None:
            self.deadlines[row.id] = (time.monotonic() + task.time_limit_s + KILL_GRACE_S, task.time_limit_s)
        if self.monitor is not None:
            self.monitor.clip_started(row)

    def _task(self, row: ClipRow) -> ClipTask:
        cached = self.out / row.id / "pose.npz"
        pose = cached.read_bytes() if cached.is_file() and not row.source.lower().endswith(".npz") else None
        o = self.options
        model = None if o.model_path is None else str(Path(o.model_path).absolute())
        limit = default_time_limit_s(Path(row.source)) if o.clip_timeout_s == "auto" else o.clip_timeout_s
        return ClipTask(row.id, row.source, o.analysis, model, self.model_sha, __version__, o.annotate, o.html, pose,
                        time_limit_s=limit)  # fmt: skip

    def _wait(self) -> None:
        """Sleep until a clip in flight has ended or run out of time, and settle it."""
        while not self._poll():
            time.sleep(_POLL_S)

    def _poll(self) -> int:
        """Pass on frame progress, beat the heart, settle the clips that ended or are past their
        deadline (their worker killed where the executor can); returns how many were settled.
        """
        self._drain_frames()
        if time.monotonic() - self._beat > HEARTBEAT_EVERY_S:
            self.store.heartbeat(self.owner)
            self._beat = time.monotonic()
        now = time.monotonic()
        finished = [k for k, (future, _) in self.pending.items() if future.done()]
        overdue = [k for k in self.pending if k not in finished and k in self.deadlines and now > self.deadlines[k][0]]
        for key in finished:
            future, row = self._pop(key)
            try:
                outcome = future.result()
            except Exception as exc:  # the worker died or the task could not run there
                outcome = _crashed(row, exc)
            self._settle(row, outcome)
        for key in overdue:
            limit = self.deadlines[key][1]
            future, row = self._pop(key)
            self._stop(future)
            err = time_limit_error(row.source, limit)
            self._settle(row, ClipOutcome(row.id, "failed", error=str(err), exit_code=err.exit_code))
        return len(finished) + len(overdue)

    def _pop(self, key: str) -> tuple[Any, ClipRow]:
        self.deadlines.pop(key, None)
        return self.pending.pop(key)

    def _stop(self, future: Any) -> None:
        """Kill the worker running ``future`` when the executor can (the local pool); stop waiting for it."""
        stop = getattr(self.submitter, "stop", None)
        with contextlib.suppress(Exception):
            if callable(stop):
                stop(future)
            future.cancel()

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


@contextlib.contextmanager
def _executor(executor: Submitter | None, workers: int | None) -> Iterator[tuple[Submitter, Any]]:
    if executor is not None:
        yield executor, None
        return
    pool = LocalPool(workers or os.cpu_count() or 1)
    try:
        yield pool, pool.frames
    except BaseException:
        pool.shutdown(abort=True)
        raise
    pool.shutdown()


__all__ = ["CLIP_TIMEOUT_MIN_S", "CLIP_TIMEOUT_PER_VIDEO_S", "CLIP_TIMEOUT_UNKNOWN_S", "KILL_GRACE_S", "STORE_NAME",
           "BatchMonitor", "BatchOptions", "BatchResult", "Submitter", "capacity", "default_time_limit_s", "run_batch",
           "write_outputs"]  # fmt: skip
