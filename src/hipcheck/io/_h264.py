"""An H.264 video writer through PyAV (libx264), the codec browsers play in a ``<video>`` element.

OpenCV's own writer here has no H.264 encoder (it writes MPEG-4 Part 2, which
browsers do not play); PyAV's FFmpeg usually has libx264. :func:`h264_available`
says whether this machine can write it.
"""

from __future__ import annotations

import fractions
import math
from pathlib import Path
from typing import Any

import numpy as np

from hipcheck.errors import UsageError
from hipcheck.io._pyav import pyav
from hipcheck.io._sink import _FinishOrAbort
from hipcheck.types import Image

H264_CODEC = "libx264"


def h264_available() -> bool:
    """True when PyAV is installed and its FFmpeg has the libx264 encoder."""
    av = pyav()
    if av is None:
        return False
    try:
        av.codec.Codec(H264_CODEC, "w")
    except Exception:
        return False
    return True


class H264Sink(_FinishOrAbort):
    """Write BGR frames as H.264 (yuv420p, ``+faststart``) into an ``.mp4``; the file appears only when
    closed cleanly (a temporary file beside ``path`` is renamed on :meth:`close`, removed on error).

    Odd frame sizes are padded by one black pixel row/column (yuv420p needs even sizes).

    Raises:
        UsageError: bad fps/size, or no H.264 encoder (:func:`h264_available`).
    """

    def __init__(self, path: str | Path, fps: float, resolution_wh: tuple[int, int], *, crf: int = 23) -> None:
        w, h = resolution_wh
        av = pyav()
        if not (math.isfinite(fps) and fps > 0) or w <= 0 or h <= 0:
            raise UsageError(f"{path}: cannot write video at fps={fps}, size={w}x{h}")
        if av is None or not h264_available():
            raise UsageError(f"{path}: no H.264 encoder (PyAV with libx264) on this machine")
        self.path = Path(path)
        self.resolution_wh = (int(w), int(h))
        self.frames_written = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")
        self._av = av
        self._container: Any = av.open(str(self._tmp), "w", format="mp4", options={"movflags": "+faststart"})
        rate = fractions.Fraction(fps).limit_denominator(1001)
        self._stream: Any = self._container.add_stream(H264_CODEC, rate=rate, options={"crf": str(crf)})
        self._stream.width, self._stream.height = w + w % 2, h + h % 2
        self._stream.pix_fmt = "yuv420p"
        self._closed = False

    def write(self, image: Image) -> None:
        """Append one ``(H, W, 3)`` BGR ``uint8`` frame of the sink's size."""
        w, h = self.resolution_wh
        if image.dtype != np.uint8 or image.shape != (h, w, 3):
            raise ValueError(f"expected a ({h}, {w}, 3) uint8 frame, got {image.shape} {image.dtype}")
        if w % 2 or h % 2:
            image = np.pad(image, ((0, h % 2), (0, w % 2), (0, 0)))
        frame = self._av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames_written += 1

    def close(self) -> None:
        """Flush the encoder, finish the file and move it into place (idempotent)."""
        if self._closed:
            return
        self._closed = True
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()
        self._tmp.replace(self.path)

    def _abort(self) -> None:
        if not self._closed:
            self._closed = True
            self._container.close()
        self._tmp.unlink(missing_ok=True)
