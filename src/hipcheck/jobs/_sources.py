"""The clips of a batch: files and folders → the list of clips, and what a file says about itself.

A folder is searched recursively for video files — by extension and by
content (a known container's first bytes), so ``IMG_0042`` without an
extension is found — and pose ``.npz`` files; hidden files and folders, and
the batch's own output folder, are skipped. A file named explicitly is
always taken (a bad one becomes a ``failed`` row with its error).
"""

from __future__ import annotations

import datetime as dt
import os
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

VIDEO_SUFFIXES: frozenset[str] = frozenset(
    {".mp4", ".m4v", ".mov", ".qt", ".3gp", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".ts", ".mts", ".m2ts",
     ".wmv", ".flv", ".ogv"}
)  # fmt: skip
"""Extensions taken as videos when a folder is searched (content sniffing finds the rest)."""
POSE_SUFFIX = ".npz"

# (offset, bytes) of containers: ISO-BMFF (mp4/mov/3gp), AVI/RIFF, Matroska/WebM, Ogg, FLV, MPEG-PS, ASF (wmv)
_MAGIC: tuple[tuple[int, bytes], ...] = (
    (4, b"ftyp"), (4, b"moov"), (4, b"mdat"), (4, b"wide"), (4, b"free"),
    (0, b"RIFF"), (0, b"\x1a\x45\xdf\xa3"), (0, b"OggS"), (0, b"FLV"), (0, b"\x00\x00\x01\xba"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"),
)  # fmt: skip
_MPEG_TS_PACKET = 188
_MAC_EPOCH = dt.datetime(1904, 1, 1, tzinfo=dt.UTC)


def looks_like_video(path: Path) -> bool:
    """True when the file's first bytes are those of a video container we know (mp4/mov, avi, mkv/webm,
    ogg, flv, mpeg program or transport stream, asf/wmv).
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(_MPEG_TS_PACKET + 1)
    except OSError:
        return False
    if any(head[o : o + len(m)] == m for o, m in _MAGIC):
        return True
    return len(head) > _MPEG_TS_PACKET and head[0] == head[_MPEG_TS_PACKET] == 0x47


def _wanted(path: Path) -> bool:
    suffix = path.suffix.lower()
    return suffix in VIDEO_SUFFIXES or suffix == POSE_SUFFIX or (not path.is_symlink() and looks_like_video(path))


def _walk(folder: Path, skip: frozenset[Path]) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() not in skip)
        for name in sorted(files):
            if not name.startswith(".") and _wanted(here / name):
                yield here / name


def discover(inputs: Iterable[str | Path], *, skip: Iterable[Path] = ()) -> list[Path]:
    """The clips named by ``inputs`` (files, and folders searched recursively), absolute, in order, each once.

    A path that does not exist is kept (it becomes a ``failed`` row); folders in ``skip``
    (say, the batch's output folder) are not searched.
    """
    skipped = frozenset(Path(p).resolve() for p in skip)
    seen: dict[Path, None] = {}
    for item in inputs:
        path = Path(item).absolute()
        found = _walk(path, skipped) if path.is_dir() else (path,)
        for clip in found:
            seen.setdefault(clip.absolute(), None)
    return list(seen)


def recorded_on(path: Path) -> str | None:
    """When the clip was filmed, ISO 8601 UTC (``2026-03-01T09:30:12Z``), from an mp4/mov file's own
    ``mvhd`` creation time; None when the file carries none (or is not an mp4/mov).
    """
    header = _read_mvhd(path)
    seconds = header[0] if header else 0
    if not seconds:  # 0 = not set (a common default of encoders)
        return None
    when = _MAC_EPOCH + dt.timedelta(seconds=seconds)
    if not dt.datetime(1990, 1, 1, tzinfo=dt.UTC) < when < dt.datetime.now(dt.UTC) + dt.timedelta(days=1):
        return None
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def header_duration_s(path: Path) -> float | None:
    """How long the clip lasts (seconds) by an mp4/mov file's own ``mvhd`` header, read without
    decoding anything; None when the file states none (another container, a fragmented mp4, unreadable).
    """
    header = _read_mvhd(path)
    if header is None:
        return None
    _, timescale, duration = header
    if timescale <= 0 or duration <= 0 or duration in (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):  # all ones = unknown
        return None
    return duration / timescale


def _read_mvhd(path: Path) -> tuple[int, int, int] | None:
    try:
        with path.open("rb") as fh:
            return _mvhd(fh, path.stat().st_size)
    except (OSError, struct.error, IndexError):
        return None


def _boxes(fh: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """ISO-BMFF boxes between ``start`` and ``end``: (type, payload offset, box end)."""
    offset = start
    while offset + 8 <= end:
        fh.seek(offset)
        size, kind = struct.unpack(">I4s", fh.read(8))
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", fh.read(8))
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            return
        yield kind, offset + header, offset + size
        offset += size


def _mvhd(fh: BinaryIO, size: int) -> tuple[int, int, int] | None:
    """``moov/mvhd``'s creation time (seconds since 1904-01-01 UTC), time scale (units a second) and
    duration (in those units), or None.
    """
    for kind, payload, end in _boxes(fh, 0, size):
        if kind != b"moov":
            continue
        for inner, body, _ in _boxes(fh, payload, end):
            if inner == b"mvhd":
                fh.seek(body)
                version = fh.read(4)[0]
                fmt = ">QQIQ" if version == 1 else ">IIII"  # created, modified, time scale, duration
                created, _, timescale, duration = struct.unpack(fmt, fh.read(struct.calcsize(fmt)))
                return int(created), int(timescale), int(duration)
    return None


__all__ = ["POSE_SUFFIX", "VIDEO_SUFFIXES", "discover", "header_duration_s", "looks_like_video", "recorded_on"]
