"""Shared fixtures: the real clips folder, a synthetic-clip factory, fake assessments and poses.

The builders behind them are in ``tests/support.py``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from hipcheck.io import VideoSink
from hipcheck.landmarks import PoseSeries
from hipcheck.results import Assessment
from support import CATALOG, SHARED_VIDEOS, make_assessment, make_pose, synthetic_frame, write_with_pyav

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
"""Debian's chromium, started as the browser tests need it: headless, and off the network by itself."""


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Headless Chromium through Playwright (one per test module); skips without Playwright or chromium."""
    sync_api = pytest.importorskip("playwright.sync_api")
    exe = CHROMIUM if CHROMIUM.exists() else (Path(p) if (p := shutil.which("chromium")) else None)
    if exe is None:
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(exe), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test (and every ``hipcheck`` it starts) gets its own empty history data folder
    (``$HIPCHECK_DATA``): no test reads or writes the user's ``~/.local/share/hipcheck``.
    """
    folder = tmp_path_factory.mktemp("hipcheck_data")
    monkeypatch.setenv("HIPCHECK_DATA", str(folder))
    return folder


@pytest.fixture(scope="session")
def shared_videos() -> Path:
    """``../shared/videos`` (with ``CATALOG.tsv``), or skip the test when it is absent."""
    if not CATALOG.is_file():
        pytest.skip("../shared/videos is not available")
    return SHARED_VIDEOS.resolve()


@pytest.fixture(scope="session")
def sample_pose_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pose cache for the committed samples per test session (``hipcheck validate --cache`` layout), so
    the real pipeline runs at most once per sample; ``HIPCHECK_TEST_POSE_CACHE`` names a folder that persists.
    """
    folder = os.environ.get("HIPCHECK_TEST_POSE_CACHE")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder)
    return tmp_path_factory.mktemp("sample_poses")


@pytest.fixture(scope="session")
def fake_assessment() -> Callable[..., Assessment]:
    """Factory of a realistic fake Assessment: ``fake_assessment("left" | "right" | "none" | "insufficient")``
    (see ``support.make_assessment`` for the protocol it describes).
    """
    return make_assessment


@pytest.fixture(scope="session")
def fake_pose() -> Callable[..., PoseSeries]:
    """Factory of a PoseSeries matching the fake assessment: ``fake_pose(n_frames, resolution_wh, fps)``."""
    return make_pose


@pytest.fixture
def make_video(tmp_path: Path) -> Callable[..., Path]:
    """Factory writing a synthetic clip into ``tmp_path``; returns its path.

    ``make_video(name="clip.mp4", n_frames=10, fps=30.0, size_wh=(64, 48))`` writes a constant-rate
    clip with hipcheck's own :class:`~hipcheck.io.VideoSink` (no extra dependency). Passing
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
            write_with_pyav(path, times, size_wh, rotation_deg, faststart)
            return path
        with VideoSink(path, fps, size_wh) as sink:
            for i in range(n_frames):
                sink.write(synthetic_frame(i, size_wh))
        return path

    return make
