"""What an uploaded file really is, decided from its bytes (never its name or the client's Content-Type).

PyAV opens the file with FFmpeg's protocols limited to ``file`` (a playlist or
a reference movie cannot make FFmpeg read a URL or another file), needs a video
stream, checks the frame-size and duration caps, and decodes one frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hipcheck.errors import CorruptVideoError, EmptyVideoError, NotAVideoError, TooLargeError
from hipcheck.io._pyav import pyav
from hipcheck.io._video import MAX_DURATION_S, MAX_FRAME_PIXELS, MAX_FRAME_SIDE_PX

_EXTENSIONS: dict[str, str] = {"mov": ".mp4", "mp4": ".mp4", "matroska": ".mkv", "webm": ".webm", "avi": ".avi"}
"""FFmpeg demuxer name (first of its aliases) → the extension a stored upload gets."""
_IMAGE_FORMATS = frozenset({"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "gif", "tiff_pipe"})


@dataclass(frozen=True)
class ContainerInfo:
    """An uploaded video as probed: its demuxer, the extension to store it under, size and length.

    ``duration_s`` is the container's (None when it does not say); ``codec`` the video stream's.
    """

    format: str
    extension: str
    width: int
    height: int
    duration_s: float | None
    codec: str


def probe_container(
    path: str | Path,
    *,
    max_side_px: int = MAX_FRAME_SIDE_PX,
    max_pixels: int = MAX_FRAME_PIXELS,
    max_duration_s: float = MAX_DURATION_S,
    label: str | None = None,
) -> ContainerInfo:
    """Probe ``path`` as a video from its bytes; raise a one-line :class:`~hipcheck.errors.HipcheckError`
    naming ``label`` (default: the file name).

    Raises:
        NotAVideoError: not a container FFmpeg reads, an image, or no video stream.
        TooLargeError: frames over ``max_side_px`` a side or ``max_pixels``, or longer than ``max_duration_s``.
        CorruptVideoError: a video stream whose first frame does not decode.
        EmptyVideoError: a video stream with no frame.
    """
    av = pyav()
    name = label or Path(path).name
    try:
        container = av.open(str(path), options={"protocol_whitelist": "file"}, metadata_errors="replace")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise NotAVideoError(f"{name}: not a video file FFmpeg can read ({_reason(exc)})") from exc
    with container:
        fmt = container.format.name.split(",")[0]
        if fmt in _IMAGE_FORMATS or not container.streams.video:
            what = "an image" if fmt in _IMAGE_FORMATS else f"a {fmt} file with no video stream"
            raise NotAVideoError(f"{name}: {what}, not a video")
        stream = container.streams.video[0]
        width, height = int(stream.codec_context.width or 0), int(stream.codec_context.height or 0)
        if max(width, height) > max_side_px or width * height > max_pixels:
            raise TooLargeError(f"{name}: frames are {width}x{height} px, over the limit of {max_side_px} px a side")
        duration = float(container.duration) / 1e6 if container.duration else None
        if duration is not None and duration > max_duration_s:
            raise TooLargeError(f"{name}: the video lasts {duration / 60:.0f} min, over the limit")
        try:
            frame = next(container.decode(stream), None)
        except (av.error.FFmpegError, ValueError) as exc:
            raise CorruptVideoError(f"{name}: the video stream does not decode ({_reason(exc)})") from exc
        if frame is None:
            raise EmptyVideoError(f"{name}: the video has no frames")
        return ContainerInfo(fmt, _EXTENSIONS.get(fmt, ".mp4"), width, height, duration, stream.codec_context.name)


def _reason(exc: BaseException) -> str:
    """FFmpeg's reason without the path it was given (the stored name means nothing to the client)."""
    text = getattr(exc, "strerror", None) or (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return str(text)[:160]


__all__ = ["ContainerInfo", "probe_container"]
