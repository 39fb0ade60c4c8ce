"""The size an image header declares, read without decoding: real files written by OpenCV in every
format hipcheck parses, and headers that are cut short, garbage or of another format.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from corpus import jpeg_header, png_header, webp_header
from hipcheck.io._imagehead import image_size_wh

IMAGE = np.random.default_rng(0).integers(0, 255, (23, 37, 3), dtype=np.uint8)  # 37 wide, 23 high


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("a.png", []),
        ("a.jpg", []),
        ("progressive.jpg", [cv2.IMWRITE_JPEG_PROGRESSIVE, 1]),
        ("a.bmp", []),
        ("lossy.webp", [cv2.IMWRITE_WEBP_QUALITY, 80]),
        ("lossless.webp", [cv2.IMWRITE_WEBP_QUALITY, 101]),
    ],
)
def test_the_header_size_of_real_images(tmp_path: Path, name: str, params: list[int]) -> None:
    path = tmp_path / name
    assert cv2.imwrite(str(path), IMAGE, params)
    assert image_size_wh(path) == (37, 23)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (png_header(20000, 30000), (20000, 30000)),
        (jpeg_header(9000, 7), (9000, 7)),
        (webp_header(16000, 9), (16000, 9)),
        (png_header(20000, 30000)[:20], None),  # cut inside IHDR
        (jpeg_header(9000, 7)[:40], None),  # cut inside the APP1 segment
        (b"\xff\xd8\xff\xda" + bytes(20), None),  # start of scan before any frame header
        (b"II*\x00" + bytes(40), None),  # TIFF: left to OpenCV
        (b"hello, not an image", None),
        (b"", None),
    ],
)
def test_headers_cut_short_or_unknown(tmp_path: Path, data: bytes, expected: tuple[int, int] | None) -> None:
    path = tmp_path / "image"
    path.write_bytes(data)
    assert image_size_wh(path) == expected
    assert image_size_wh(tmp_path / "missing.png") is None
