"""PyAV helpers of the video sources: the preferred decoder of video files, when installed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from hipcheck.io._frames import upright
from hipcheck.types import Image


def pyav() -> Any:
    """The PyAV module if installed, else None.

    Decoding prefers PyAV when it is there: OpenCV 5.1's FFmpeg colour-manages
    iPhone clips (full-range BT.601, Display-P3 primaries) at 60-400 ms a frame,
    where PyAV converts in ~5 ms. Frames, timestamps and counts are the same;
    pixel values differ by a few levels (no gamut mapping). Probing, rotation and
    errors always go through OpenCV.
    """
    try:
        import av  # optional dependency
    except ImportError:
        return None
    return av


def pyav_frames(av: Any, container: Any, stream: Any, errors: list[str] | None = None) -> Iterator[Any]:
    """Decoded PyAV frames until the end or the first decoding error (a damaged file ends early;
    the error's text is appended to ``errors`` when given).
    """
    frames = container.decode(stream)
    while True:
        try:
            frame = next(frames)
        except StopIteration:
            return
        except av.error.FFmpegError as exc:
            if errors is not None:
                errors.append(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return
        yield frame


def pyav_image(frame: Any, rotation_deg: int) -> Image:
    return upright(np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8), rotation_deg)
