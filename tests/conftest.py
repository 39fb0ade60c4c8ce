"""Shared fixtures: the real clips folder and a synthetic-clip factory.

Synthetic frames carry their own index as 8 black/white blocks along the
bottom quarter (bit 0 on the left) and a white square in the top-left corner,
so a test can tell which frame it got and whether it is upright.
"""

from __future__ import annotations

import fractions
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from hipcheck.video import VideoSink

SHARED_VIDEOS = Path(__file__).parents[1] / ".." / "shared" / "videos"


@pytest.fixture(scope="session")
def shared_videos() -> Path:
    """``../shared/videos`` (with ``CATALOG.tsv``), or skip the test when it is absent."""
    if not (SHARED_VIDEOS / "CATALOG.tsv").is_file():
        pytest.skip("../shared/videos is not available")
    return SHARED_VIDEOS.resolve()


def synthetic_frame(index: int, size_wh: tuple[int, int] = (64, 48)) -> NDArray[np.uint8]:
    """An upright BGR test frame encoding ``index`` (0..255) and its orientation."""
    w, h = size_wh
    image = np.full((h, w, 3), 64, np.uint8)
    image[: h // 3, : w // 4] = 255  # orientation marker: top-left
    bit_w = w // 8
    for bit in range(8):
        if (index >> bit) & 1:
            image[h - h // 4 :, bit * bit_w : (bit + 1) * bit_w] = 255
        else:
            image[h - h // 4 :, bit * bit_w : (bit + 1) * bit_w] = 0
    return image


def frame_code(image: NDArray[np.uint8]) -> int:
    """The index encoded by :func:`synthetic_frame` (reads the bottom quarter)."""
    h, w = image.shape[:2]
    bit_w = w // 8
    strip = image[h - h // 4 + 2 : h - 2].mean(axis=(0, 2))
    return sum(1 << bit for bit in range(8) if strip[bit * bit_w + 2 : (bit + 1) * bit_w - 2].mean() > 128)


def marker_is_top_left(image: NDArray[np.uint8]) -> bool:
    """True if the white orientation square is in the top-left corner."""
    h, w = image.shape[:2]
    corners = [image[2 : h // 4, 2 : w // 5], image[2 : h // 4, -w // 5 : -2]]
    return bool(corners[0].mean() > 200 and corners[1].mean() < 120)


def _write_with_pyav(
    path: Path, times_s: Sequence[float], size_wh: tuple[int, int], rotation_deg: int, faststart: bool
) -> None:
    av = pytest.importorskip("av")
    w, h = size_wh
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        stream = container.add_stream("libx264", rate=30, options={"crf": "12", "tune": "zerolatency"})
        stored_w, stored_h = (h, w) if rotation_deg in (90, 270) else (w, h)
        stream.width, stream.height, stream.pix_fmt = stored_w, stored_h, "yuv420p"
        ms = fractions.Fraction(1, 1000)  # the muxer may change stream.time_base once writing starts
        stream.time_base = stream.codec_context.time_base = ms
        if rotation_deg:
            stream.set_display_rotation(-rotation_deg)  # PyAV: counter-clockwise; ours: clockwise
        for i, t_s in enumerate(times_s):
            stored = np.ascontiguousarray(np.rot90(synthetic_frame(i, size_wh), k=rotation_deg // 90))
            frame = av.VideoFrame.from_ndarray(stored, format="bgr24")
            frame.pts, frame.time_base = round(t_s * 1000), ms
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


@pytest.fixture
def make_video(tmp_path: Path) -> Callable[..., Path]:
    """Factory writing a synthetic clip into ``tmp_path``; returns its path.

    ``make_video(name="clip.mp4", n_frames=10, fps=30.0, size_wh=(64, 48))`` writes a constant-rate
    clip with hipcheck's own :class:`~hipcheck.video.VideoSink` (no extra dependency). Passing
    ``times_s`` (variable frame rate, ms precision), ``rotation_deg`` (clockwise rotation a player must
    apply; frames are stored counter-rotated so they decode upright) or ``faststart=True`` (moov first)
    writes H.264 with PyAV instead, skipping the test if ``av`` is not installed.
    """

    def make(
        name: str = "clip.mp4",
        *,
        n_frames: int = 10,
        fps: float = 30.0,
        size_wh: tuple[int, int] = (64, 48),
        times_s: Sequence[float] | None = None,
        rotation_deg: int = 0,
        faststart: bool = False,
    ) -> Path:
        path = tmp_path / name
        if times_s is not None or rotation_deg or faststart:
            times = times_s if times_s is not None else [i / fps for i in range(n_frames)]
            _write_with_pyav(path, times, size_wh, rotation_deg, faststart)
            return path
        with VideoSink(path, fps, size_wh) as sink:
            for i in range(n_frames):
                sink.write(synthetic_frame(i, size_wh))
        return path

    return make
