"""The frame-source contract of :mod:`hipcheck.video`: frames, their timing, windowing and pacing.

A private part of the video adapter (import from :mod:`hipcheck.video`, which
re-exports every name here). Conventions are in :mod:`hipcheck.video`.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Literal, Self

import cv2
import numpy as np
from numpy.typing import NDArray

from hipcheck.errors import EmptyVideoError

SourceKind = Literal["video", "camera", "image", "images"]
Image = NDArray[np.uint8]

MIN_STEP_S = 0.001
"""Smallest step between two delivered timestamps (1 ms, MediaPipe's resolution)."""
_FALLBACK_FPS = 30.0
_ROTATE_CODES = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


@dataclass(frozen=True)
class VideoInfo:
    """What a frame source delivers.

    Attributes:
        source: File or folder path, or ``"camera:N"``.
        kind: ``"video"``, ``"camera"``, ``"image"`` or ``"images"`` (a folder).
        width: Width in pixels of the delivered (upright) frames.
        height: Height in pixels of the delivered (upright) frames.
        fps: Nominal frame rate in frames/s (NaN if unknown, e.g. a single image).
        frame_count: The container's frame count (approximate for some formats);
            None for a camera.
        duration_s: ``frame_count / fps`` in seconds (approximate); None if unknown.
        rotation_deg: Clockwise rotation applied to make frames upright (0/90/180/270).
        codec: FourCC of a video (e.g. ``"h264"``) or image format (e.g. ``"jpeg"``).
    """

    source: str
    kind: SourceKind
    width: int
    height: int
    fps: float
    frame_count: int | None
    duration_s: float | None
    rotation_deg: int
    codec: str

    @property
    def resolution_wh(self) -> tuple[int, int]:
        """``(width, height)`` in pixels of the delivered frames."""
        return (self.width, self.height)


@dataclass(frozen=True, eq=False)
class Frame:
    """One decoded frame.

    Attributes:
        index: 0-based index of the decoded frame from the start of the source
            (counted before ``stride`` and the start/end window).
        t_s: Time in seconds from the source's own clock; strictly increasing.
        image: ``(H, W, 3)`` BGR ``uint8``, upright and unmirrored.
    """

    index: int
    t_s: float
    image: Image


def next_timestamp(raw_s: float, *, prev_t_s: float | None, prev_raw_s: float, nominal_dt_s: float) -> float:
    """The delivered time of a frame from its container time, kept strictly increasing.

    Rule (``MIN_STEP_S`` = 1 ms):
      * first frame: ``raw_s``, or 0 if it is missing (NaN) or negative;
      * ``raw_s >= prev_t_s + MIN_STEP_S``: the container's own time, unchanged;
      * the container clock advanced (``raw_s > prev_raw_s``) but an earlier repair
        put us ahead of it: ``prev_t_s + MIN_STEP_S``, so we fall back onto the real
        times within a few frames instead of drifting;
      * duplicate, backwards or missing time: ``prev_t_s + nominal_dt_s`` (the
        nominal frame interval), so a file without timestamps gets ``i / fps``.

    Args:
        raw_s: Container time of this frame in seconds (NaN if missing).
        prev_t_s: Delivered time of the previous frame, None for the first frame.
        prev_raw_s: Container time of the previous frame (NaN if none).
        nominal_dt_s: Nominal frame interval in seconds (``1 / fps``), > 0.

    Returns:
        The time in seconds to deliver with this frame.
    """
    if prev_t_s is None:
        return raw_s if math.isfinite(raw_s) and raw_s >= 0.0 else 0.0
    if math.isfinite(raw_s) and raw_s >= prev_t_s + MIN_STEP_S:
        return raw_s
    if math.isfinite(raw_s) and math.isfinite(prev_raw_s) and raw_s > prev_raw_s:
        return prev_t_s + MIN_STEP_S
    return prev_t_s + max(nominal_dt_s, MIN_STEP_S)


def _nominal_dt(fps: float) -> float:
    return 1.0 / fps if math.isfinite(fps) and fps > 0 else 1.0 / _FALLBACK_FPS


def _upright(image: Image, rotation_deg: int) -> Image:
    return image if rotation_deg == 0 else np.ascontiguousarray(cv2.rotate(image, _ROTATE_CODES[rotation_deg]))


@contextmanager
def _quiet_opencv() -> Iterator[None]:
    """Silence OpenCV's own log while probing inputs (our errors say it in one line)."""
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(level)


# A lazily decoded frame: (index, t_s, load) where load() returns the upright image.
_Decoded = tuple[int, float, Callable[[], Image]]
_DecodedGen = Generator[_Decoded, None, None]


class FrameSource(ABC):
    """An iterable of :class:`Frame` with its :class:`VideoInfo`; use as a context manager.

    Iteration streams (memory does not grow with the source's length), applies
    the ``start_s <= t_s < end_s`` window and keeps every ``stride``-th frame of
    it. Raises :class:`~hipcheck.errors.EmptyVideoError` if the window holds no
    frame. With ``realtime=True`` frames are paced to their ``t_s`` on the wall
    clock, and a frame that is already more than one frame interval late when
    it is due is dropped (as a camera drops frames a slow consumer misses).
    """

    info: VideoInfo

    def __init__(
        self,
        info: VideoInfo,
        *,
        start_s: float | None = None,
        end_s: float | None = None,
        stride: int = 1,
        realtime: bool = False,
    ) -> None:
        self.info = info
        self._start_s = start_s
        self._end_s = end_s
        self._stride = stride
        self._realtime = realtime
        self._closed = False

    @abstractmethod
    def _decoded(self) -> _DecodedGen:
        """Every decoded frame in order, image loaded only on demand."""

    def _windowed(self) -> Iterator[_Decoded]:
        with closing(self._decoded()) as items:
            yield from self._select(items)

    def _select(self, items: Iterator[_Decoded]) -> Iterator[_Decoded]:
        kept = 0
        for item in items:
            t_s = item[1]
            if self._start_s is not None and t_s < self._start_s:
                continue
            if self._end_s is not None and t_s >= self._end_s:
                return
            if kept % self._stride == 0:
                yield item
            kept += 1

    def _paced(self, items: Iterable[_Decoded]) -> Iterator[_Decoded]:
        late_s = _nominal_dt(self.info.fps)
        t0: float | None = None
        first_t = 0.0
        for item in items:
            now = time.monotonic()
            if t0 is None:
                t0, first_t = now, item[1]
            due = t0 + item[1] - first_t
            if now > due + late_s:
                continue
            if now < due:
                time.sleep(due - now)
            yield item

    def __iter__(self) -> Iterator[Frame]:
        items = self._windowed()
        if self._realtime:
            items = self._paced(items)
        delivered = 0
        for index, t_s, load in items:
            delivered += 1
            yield Frame(index=index, t_s=t_s, image=load())
        if delivered == 0 and not self._closed:
            raise EmptyVideoError(
                f"{self.info.source}: no frame between start {self._start_s} s and end {self._end_s} s"
            )

    def close(self) -> None:
        """Release the source; an iteration in progress ends quietly."""
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
