"""The video writer: the only ``cv2.VideoWriter`` user."""

from __future__ import annotations

import math
from pathlib import Path
from types import TracebackType
from typing import Self

import cv2
import numpy as np

from hipcheck.errors import UsageError
from hipcheck.io._frames import quiet_opencv
from hipcheck.types import Image

SINK_FOURCC = {".mp4": "mp4v", ".mov": "mp4v", ".m4v": "mp4v", ".mkv": "mp4v", ".avi": "MJPG", ".webm": "VP80"}


class _FinishOrAbort:
    """A writer used as a context manager: ``close()`` (finish, move into place) on a clean exit,
    ``_abort()`` (remove the temporary file) on an exception.
    """

    def close(self) -> None:
        raise NotImplementedError

    def _abort(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self._abort()


class VideoSink(_FinishOrAbort):
    """Write BGR frames to a video file; the file appears only when closed cleanly.

    Frames are written to a hidden temporary file beside ``path`` and renamed on
    :meth:`close`; if the ``with`` block raises, the partial file is removed.
    With ``atomic=False`` frames go straight into ``path`` and a partial file is
    kept (for live recordings, where an MJPG ``.avi`` stays readable after a crash).

    Args:
        path: Output file; its extension picks the container (``.mp4``, ``.avi``...).
        fps: Frame rate in frames/s written to the container.
        resolution_wh: ``(width, height)`` in pixels every frame must have.
        fourcc: Codec FourCC; default by extension: ``"mp4v"`` (mp4/mov/mkv), ``"MJPG"`` (avi),
            ``"VP80"`` (webm, plays in browsers). This OpenCV build has no H.264 encoder.
        atomic: Write through a temporary file (default) or in place.

    Raises:
        UsageError: Bad fps/size, or OpenCV cannot write this container/codec.
    """

    def __init__(
        self,
        path: str | Path,
        fps: float,
        resolution_wh: tuple[int, int],
        *,
        fourcc: str | None = None,
        atomic: bool = True,
    ) -> None:
        w, h = resolution_wh
        fourcc = fourcc or SINK_FOURCC.get(Path(path).suffix.lower(), "mp4v")
        if not (math.isfinite(fps) and fps > 0) or w <= 0 or h <= 0 or len(fourcc) != 4:
            raise UsageError(f"{path}: cannot write video at fps={fps}, size={w}x{h}, fourcc={fourcc!r}")
        self.path = Path(path)
        self.resolution_wh = (int(w), int(h))
        self.frames_written = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}") if atomic else self.path
        with quiet_opencv():
            self._writer = cv2.VideoWriter(
                str(self._tmp), cv2.CAP_FFMPEG, cv2.VideoWriter.fourcc(*fourcc), float(fps), self.resolution_wh
            )
        if not self._writer.isOpened():
            self._tmp.unlink(missing_ok=True)
            raise UsageError(f"{self.path}: OpenCV cannot write this container with fourcc {fourcc!r}")

    def write(self, image: Image) -> None:
        """Append one ``(H, W, 3)`` BGR ``uint8`` frame of the sink's size."""
        w, h = self.resolution_wh
        if image.dtype != np.uint8 or image.shape != (h, w, 3):
            raise ValueError(f"expected a ({h}, {w}, 3) uint8 frame, got {image.shape} {image.dtype}")
        self._writer.write(np.ascontiguousarray(image))
        self.frames_written += 1

    def close(self) -> None:
        """Finish the file and move it into place (idempotent)."""
        if self._writer.isOpened():
            self._writer.release()
            if self._tmp != self.path and self._tmp.exists():
                self._tmp.replace(self.path)

    def _abort(self) -> None:
        self._writer.release()
        if self._tmp != self.path:
            self._tmp.unlink(missing_ok=True)
