"""The size an image file's header declares, read before anything decodes it (PNG, JPEG, BMP, WebP).

OpenCV refuses to decode an image over ``OPENCV_IO_MAX_IMAGE_PIXELS`` without allocating it, but
says only "cannot read"; reading the header first lets hipcheck say the image is too large (exit 13)
and apply its own limit of pixels a side too. Formats not listed here (TIFF, …) give None and are
left to OpenCV's own limit.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # start-of-frame markers (not DHT, JPG, DAC)
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RSTn: no length field
_JPEG_MAX_SEGMENTS = 1000


def image_size_wh(path: Path) -> tuple[int, int] | None:
    """(width, height) in pixels that the header of the image file ``path`` declares (as stored,
    before any EXIF rotation), or None when it is not a PNG, JPEG, BMP or WebP or its header is cut short.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(32)
            if head.startswith(b"\xff\xd8"):
                return _jpeg_size(fh)
    except OSError:
        return None
    return _png_size(head) or _bmp_size(head) or _webp_size(head)


def _png_size(head: bytes) -> tuple[int, int] | None:
    if not head.startswith(b"\x89PNG\r\n\x1a\n") or head[12:16] != b"IHDR" or len(head) < 24:
        return None
    w, h = struct.unpack(">II", head[16:24])
    return int(w), int(h)


def _bmp_size(head: bytes) -> tuple[int, int] | None:
    if not head.startswith(b"BM") or len(head) < 26:
        return None
    (header_size,) = struct.unpack("<I", head[14:18])
    if header_size == 12:  # BITMAPCOREHEADER: 16-bit sizes
        w, h = struct.unpack("<HH", head[18:22])
    else:
        w, h = struct.unpack("<ii", head[18:26])  # a negative height: rows stored top-down
    return abs(int(w)), abs(int(h))


def _webp_size(head: bytes) -> tuple[int, int] | None:
    if head[:4] != b"RIFF" or head[8:12] != b"WEBP" or len(head) < 30:
        return None
    kind = head[12:16]
    if kind == b"VP8X":  # extended: canvas size - 1, 24 bits each
        return int.from_bytes(head[24:27], "little") + 1, int.from_bytes(head[27:30], "little") + 1
    if kind == b"VP8L" and head[20] == 0x2F:  # lossless: 14 bits each, size - 1
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":  # lossy key frame: 14 bits each
        w, h = struct.unpack("<HH", head[26:30])
        return w & 0x3FFF, h & 0x3FFF
    return None


def _jpeg_size(fh: BinaryIO) -> tuple[int, int] | None:
    """Walk the JPEG's marker segments from after SOI to the first start-of-frame (SOF) segment."""
    fh.seek(2)
    for _ in range(_JPEG_MAX_SEGMENTS):
        byte = fh.read(1)
        if byte != b"\xff":
            return None
        marker = fh.read(1)
        while marker == b"\xff":  # fill bytes
            marker = fh.read(1)
        if not marker or marker[0] in (0xD9, 0xDA):  # end of image, start of scan: no frame header before
            return None
        if marker[0] in _JPEG_STANDALONE:
            continue
        length = fh.read(2)
        if len(length) < 2:
            return None
        if marker[0] in _JPEG_SOF:
            frame = fh.read(5)  # precision, height, width
            if len(frame) < 5:
                return None
            h, w = struct.unpack(">HH", frame[1:5])
            return int(w), int(h)
        fh.seek(struct.unpack(">H", length)[0] - 2, 1)
    return None


__all__ = ["image_size_wh"]
