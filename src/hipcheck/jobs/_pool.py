"""The batch's default executor: ``workers`` spawn processes, each its own one-process pool (a *lane*).

::

    submit(fn, *args) ─▶ an idle lane's process (started on first use, and again after it died)
    stop(future)      ─▶ SIGKILL to the process running ``future``; the other lanes run on untouched
    frames            ─▶ the lanes' frame progress (one queue per lane, dropped with its lane)

One process per lane is what lets the batch stop one clip: a clip stuck inside one MediaPipe call
never reaches its worker's per-frame time check, and a shared pool cannot lose one process without
failing every clip in flight on it (``BrokenProcessPool``). Here a killed or crashed worker fails its
own clip only; its lane is started again for the next one. A lane's process keeps its imports
between clips (each clip still makes its own landmarkers). Each lane's temporary files go to a
scratch folder of its own, removed with the lane, so a killed worker leaves none behind. The folder
is named after the batch's process (``hipcheck-worker-<pid>-…``): when the whole batch is killed
(``kill -9``) nothing removes it then, and the next pool on this machine removes the folders whose
process is gone.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue as queue_mod
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from hipcheck.jobs._store import pid_alive
from hipcheck.jobs._worker import init_worker

_SCRATCH_PREFIX = "hipcheck-worker-"


class _Lane:
    """One worker process (a one-process pool), its progress queue and its scratch folder."""

    def __init__(self, ctx: Any) -> None:
        self.frames = ctx.Queue()
        self.scratch = tempfile.mkdtemp(prefix=f"{_SCRATCH_PREFIX}{os.getpid()}-")
        self.pool = ProcessPoolExecutor(1, mp_context=ctx, initializer=init_worker,
                                        initargs=(self.frames, self.scratch))  # fmt: skip
        self.future: Future[Any] | None = None

    @property
    def idle(self) -> bool:
        return self.future is None or self.future.done()

    def close(self, *, kill: bool = False) -> None:
        """Stop the process (at once with ``kill``, else after its task) and remove the lane's files."""
        if kill:
            for process in list((getattr(self.pool, "_processes", None) or {}).values()):
                with contextlib.suppress(Exception):
                    process.kill()
        self.pool.shutdown(wait=not kill, cancel_futures=True)
        self.frames.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


class _LaneFrames:
    """The lanes' progress queues read as one: ``get_nowait()`` → ``(clip, done, total)`` or ``queue.Empty``."""

    def __init__(self, lanes: list[_Lane | None]) -> None:
        self._lanes = lanes

    def get_nowait(self) -> Any:
        for lane in list(self._lanes):
            if lane is not None:
                with contextlib.suppress(queue_mod.Empty):
                    return lane.frames.get_nowait()
        raise queue_mod.Empty


class LocalPool:
    """``workers`` lanes: an executor with ``submit``, ``stop`` and ``shutdown``, at most one task a lane.

    :func:`~hipcheck.jobs._batch.capacity` reads ``_max_workers``; a batch keeps at most that many
    clips in flight, so a task never waits behind another on a lane (``submit`` refuses one more).
    """

    def __init__(self, workers: int) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        remove_orphaned_scratch()
        self._max_workers = workers
        self._lanes: list[_Lane | None] = [None] * workers
        self.frames = _LaneFrames(self._lanes)

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        """Run ``fn(*args)`` on an idle lane (a started one first); RuntimeError when every lane is busy."""
        free = [k for k, lane in enumerate(self._lanes) if lane is None or lane.idle]
        if not free:
            raise RuntimeError(f"all {self._max_workers} worker processes are busy")
        k = min(free, key=lambda i: self._lanes[i] is None)
        with _sigint_ignored():  # a worker starts here: it ignores Ctrl-C, the batch stops it
            lane = self._lanes[k] or self._start(k)
            try:
                lane.future = lane.pool.submit(fn, *args)
            except BrokenProcessPool:  # its process died after its last task
                lane.close(kill=True)
                lane = self._start(k)
                lane.future = lane.pool.submit(fn, *args)
        return lane.future

    def stop(self, future: Any) -> bool:
        """Kill the process running ``future`` (its lane starts afresh on the next ``submit``); False
        when no lane runs it.
        """
        for k, lane in enumerate(self._lanes):
            if lane is not None and lane.future is future:
                self._lanes[k] = None
                lane.close(kill=True)
                return True
        return False

    def shutdown(self, *, abort: bool = False) -> None:
        """Stop every lane: after its task, or (``abort``) at once; their scratch folders are removed."""
        for k, lane in enumerate(self._lanes):
            self._lanes[k] = None
            if lane is not None:
                lane.close(kill=abort)

    def _start(self, k: int) -> _Lane:
        lane = _Lane(self._ctx)
        self._lanes[k] = lane
        return lane


def remove_orphaned_scratch(folder: str | Path | None = None) -> list[Path]:
    """Remove the lanes' scratch folders in ``folder`` (default: the temporary folder) whose batch
    process no longer exists (one killed with ``kill -9``); return the removed paths. A folder of a
    living process, or one whose name holds no process id, is left alone.
    """
    removed = []
    for path in Path(folder or tempfile.gettempdir()).glob(f"{_SCRATCH_PREFIX}*-*"):
        pid = path.name.removeprefix(_SCRATCH_PREFIX).partition("-")[0]
        if pid.isdigit() and path.is_dir() and not pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


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


__all__ = ["LocalPool", "remove_orphaned_scratch"]
