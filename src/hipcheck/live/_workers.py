"""The live session's two background threads: the raw-stream recorder and the pose worker.

The recorder writes the unmirrored frames as they are captured to an MJPG ``.avi``
at a constant frame rate that follows the source clock; the pose worker runs
the estimator on its own thread, the newest frame winning. Times ``t_s`` are
the source's own clock (seconds); ``captured_at`` / ``done_at`` are
``time.monotonic`` seconds.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from hipcheck.io import VideoSink
from hipcheck.live._features import mean_luma


class PoseLike(Protocol):
    """What the session reads from a pose result."""

    @property
    def xy_px(self) -> NDArray[np.float64]: ...
    @property
    def visibility(self) -> NDArray[np.float64]: ...
    @property
    def xyz_world_m(self) -> NDArray[np.float64]: ...


class Estimator(Protocol):
    """A per-frame pose estimator (e.g. :class:`hipcheck.io.PoseEstimator`)."""

    def process(self, image_bgr: NDArray[np.uint8], t_s: float) -> PoseLike | None: ...
    def close(self) -> None: ...


# ------------------------------------------------------------------- recorder


def cfr_copies(t_s: float, t0_s: float, fps: float, written: int, max_copies: int = 30) -> int:
    """How many times to write a frame captured at ``t_s`` to keep a constant frame rate.

    The file has a fixed rate ``fps``; frame k of it shows time ``t0_s + k / fps``.
    A frame is written as often as needed to reach the grid slot nearest
    ``t_s`` (0 if the file is already ahead, > 1 after dropped frames), so
    the recording's time axis matches the source clock.
    """
    target = math.floor((t_s - t0_s) * fps + 0.5) + 1
    return int(min(max(target - written, 0), max_copies))


class Recorder:
    """Records raw frames as they arrive into an MJPG ``.avi`` on a writer thread.

    MJPG in AVI stays decodable when the process dies (the AVI index is only a
    convenience: FFmpeg reads an unfinished file frame by frame); at most the
    last few hundred kB in the writer's buffer are lost on SIGKILL.

    The file is written in place (``VideoSink(atomic=False)``), not through a
    temporary file, so a killed session leaves the recording where it belongs.
    """

    def __init__(self, path: Path, fps: float, resolution_wh: tuple[int, int], *, queue_frames: int = 64) -> None:
        """Args: path: ``.avi`` file; fps: nominal rate; resolution_wh: frame size; queue_frames: writer backlog."""
        import queue

        self.path, self.fps, self.resolution_wh = Path(path), float(fps), resolution_wh
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = VideoSink(self.path, self.fps, resolution_wh, fourcc="MJPG", atomic=False)
        self.frames_in = self.frames_written = 0
        self._t0: float | None = None
        self._queue: queue.Queue[tuple[NDArray[np.uint8], int] | None] = queue.Queue(maxsize=queue_frames)
        self._thread = threading.Thread(target=self._drain, name="hipcheck-recorder", daemon=True)
        self._thread.start()

    def write(self, image_bgr: NDArray[np.uint8], t_s: float) -> None:
        """Queue one captured frame (blocks only if the writer falls a whole queue behind)."""
        if self._t0 is None:
            self._t0 = t_s
        copies = cfr_copies(t_s, self._t0, self.fps, self.frames_written)
        self.frames_in += 1
        self.frames_written += copies
        if copies:
            self._queue.put((image_bgr, copies))

    def _drain(self) -> None:
        while (item := self._queue.get()) is not None:
            image, copies = item
            for _ in range(copies):
                self._writer.write(image)

    def close(self) -> None:
        """Write what is queued and finish the file (idempotent)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
            self._writer.close()


# ---------------------------------------------------------------- pose worker


@dataclass(frozen=True)
class PoseResult:
    """One pose result: the frame time, its pose, and wall-clock times."""

    seq: int
    t_s: float
    pose: PoseLike | None
    luma: float
    captured_at: float
    done_at: float


class PoseWorker:
    """Runs an estimator on its own thread; the newest submitted frame wins.

    :meth:`submit` never blocks: a frame still waiting when a newer one comes
    is dropped (counted in :attr:`dropped`), so the preview never waits for
    the pose model.
    """

    def __init__(self, estimator: Estimator) -> None:
        """Args: estimator: used from the worker thread only."""
        self._est = estimator
        self._cond = threading.Condition()
        self._pending: tuple[int, NDArray[np.uint8], float, float] | None = None
        self._result: PoseResult | None = None
        self._taken = -1
        self._stop = False
        self._error: BaseException | None = None
        self.submitted = self.dropped = self.processed = 0
        self._thread = threading.Thread(target=self._loop, name="hipcheck-pose", daemon=True)
        self._thread.start()

    def submit(self, image_bgr: NDArray[np.uint8], t_s: float, captured_at: float) -> None:
        """Offer a frame (replaces any frame not yet started)."""
        with self._cond:
            if self._error is not None:
                raise self._error
            self.dropped += self._pending is not None
            self._pending = (self.submitted, image_bgr, t_s, captured_at)
            self.submitted += 1
            self._cond.notify()

    def take(self) -> PoseResult | None:
        """The newest result not taken before, or None."""
        with self._cond:
            if self._error is not None:
                raise self._error
            r = self._result
            if r is None or r.seq == self._taken:
                return None
            self._taken = r.seq
            return r

    def wait_idle(self, timeout_s: float = 5.0) -> None:
        """Wait until the pending frame has been processed (for the end of a source)."""
        end = time.monotonic() + timeout_s
        with self._cond:
            while self._pending is not None and time.monotonic() < end and self._error is None:
                self._cond.wait(0.05)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                assert self._pending is not None
                seq, image, t_s, captured_at = self._pending
                self._pending = None
            try:
                pose = self._est.process(image, t_s)
            except Exception as exc:  # surfaced to the capture loop by submit/take
                with self._cond:
                    self._error = exc
                    self._cond.notify_all()
                return
            result = PoseResult(seq, t_s, pose, mean_luma(image), captured_at, time.monotonic())
            with self._cond:
                self._result, self.processed = result, self.processed + 1
                self._cond.notify_all()

    def close(self) -> None:
        """Stop the thread and close the estimator."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join()
        self._est.close()
