"""The frame-source contract: frames, their timing, windowing and pacing.

Conventions (see also :mod:`hipcheck.io`):

* ``Frame.index`` counts every frame decoded from the start of the source,
  before any window (``start_s``/``end_s``) or ``stride`` is applied, so it
  matches ``PoseSeries.frame_index`` and :func:`~hipcheck.io.read_frames_at`.
* ``Frame.t_s`` is in seconds from the container's own timestamps (variable
  frame rate files keep their real times), relative to the first frame, and
  strictly increasing (see :func:`next_timestamp` for the repair rule).
* ``VideoInfo.rotation_deg`` is the clockwise rotation (0/90/180/270) applied
  to the stored frames to make them upright, taken from the container's
  display-matrix / ``rotate`` metadata. ``width``/``height`` describe the
  delivered (upright) frames.
* A webcam's ``t_s`` is the monotonic wall clock since the first frame.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Literal, Protocol, Self

import cv2
import numpy as np

from hipcheck.errors import EmptyVideoError
from hipcheck.types import Image

SourceKind = Literal["video", "camera", "image", "images"]

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


def nominal_dt(fps: float) -> float:
    return 1.0 / fps if math.isfinite(fps) and fps > 0 else 1.0 / _FALLBACK_FPS


def upright(image: Image, rotation_deg: int) -> Image:
    return image if rotation_deg == 0 else np.ascontiguousarray(cv2.rotate(image, _ROTATE_CODES[rotation_deg]))


@contextmanager
def quiet_opencv() -> Iterator[None]:
    """Silence OpenCV's own log while probing inputs (our errors say it in one line)."""
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(level)


class FrameStream(Protocol):
    """What a frame consumer reads: the frames, with the source's info, stride and expected count.

    :class:`FrameSource` is one; so is a wrapper that transforms its images (e.g. mirrored).
    """

    @property
    def info(self) -> VideoInfo: ...
    @property
    def stride(self) -> int: ...
    @property
    def expected_frames(self) -> int | None: ...
    def __iter__(self) -> Iterator[Frame]: ...


def window_frame_count(
    frame_count: int | None, fps: float, start_s: float | None, end_s: float | None, stride: int
) -> int | None:
    """Approximate number of frames a ``[start_s, end_s)`` window delivers at ``stride``.

    None when the frame count is unknown (a camera, a container without one).
    """
    if not frame_count:
        return None
    first, last = 0, int(frame_count)
    if math.isfinite(fps) and fps > 0:
        if start_s is not None:
            first = min(last, math.ceil(start_s * fps))
        if end_s is not None:
            last = min(last, math.ceil(end_s * fps))
    return max(0, math.ceil((last - first) / stride))


# A lazily decoded frame: (index, t_s, load) where load() returns the upright image.
Decoded = tuple[int, float, Callable[[], Image]]
DecodedGen = Generator[Decoded, None, None]


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

    @property
    def stride(self) -> int:
        """Every ``stride``-th frame of the window is delivered."""
        return self._stride

    @property
    def expected_frames(self) -> int | None:
        """About how many frames iteration will deliver (None when unknown, e.g. a camera).

        From the container's frame count, the ``start_s``/``end_s`` window and the stride.
        """
        return window_frame_count(self.info.frame_count, self.info.fps, self._start_s, self._end_s, self._stride)

    @abstractmethod
    def _decoded(self) -> DecodedGen:
        """Every decoded frame in order, image loaded only on demand."""

    def lazy_frames(self) -> DecodedGen:
        """Every decoded frame from the start (no window, no stride) as ``(index, t_s, load)``:
        ``load()`` converts the image only when called, so counting or seeking frames is cheap.
        """
        with closing(self._decoded()) as items:
            yield from items

    def _windowed(self) -> Iterator[Decoded]:
        with closing(self._decoded()) as items:
            yield from self._select(items)

    def _select(self, items: Iterator[Decoded]) -> Iterator[Decoded]:
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

    def _paced(self, items: Iterable[Decoded]) -> Iterator[Decoded]:
        late_s = nominal_dt(self.info.fps)
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


def mirror_image(image: Image) -> Image:
    """The image flipped left-right (a contiguous copy; column ``j`` becomes ``width − 1 − j``).

    OpenCV's flip: the same bytes as ``image[:, ::-1]`` copied, ~25× faster on a 1080p frame and
    without holding the GIL, so the mirrored pose pass does not slow the others.
    """
    return np.asarray(cv2.flip(image, 1))


class Mirrored:
    """A :class:`FrameStream` whose images are mirrored left-right (same indices, times, info, stride)."""

    def __init__(self, frames: FrameStream) -> None:
        self._frames = frames

    @property
    def info(self) -> VideoInfo:
        """The wrapped stream's info (sizes are unchanged by a flip)."""
        return self._frames.info

    @property
    def stride(self) -> int:
        """The wrapped stream's stride."""
        return self._frames.stride

    @property
    def expected_frames(self) -> int | None:
        """The wrapped stream's expected frame count."""
        return self._frames.expected_frames

    def __iter__(self) -> Iterator[Frame]:
        for f in self._frames:
            yield Frame(index=f.index, t_s=f.t_s, image=mirror_image(f.image))
