"""The one-decode, two-pass pipeline: same result as the sequential passes, errors and Ctrl-C stop every thread."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from hipcheck import io
from hipcheck.errors import CorruptVideoError, ModelError
from hipcheck.extract import estimate_pose_file, measure_waistline
from hipcheck.extract._stream import run_passes
from hipcheck.landmarks import L_HIP, Provenance, average_with_mirror
from support import REPO

SAMPLE = REPO / "samples" / "sls_left_drop8_upright.mp4"
W, H = 64, 48


def _pipeline_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("hipcheck-") and t.is_alive()]


class FakeFrames:
    """A frame stream of ``n`` synthetic frames; raises ``fail`` after ``fail_after`` frames."""

    def __init__(self, n: int, fail_after: int | None = None) -> None:
        self.info = io.VideoInfo("fake.mp4", "video", W, H, 30.0, n, n / 30.0, 0, "fake")
        self.stride, self.expected_frames = 1, n
        self._n, self._fail_after = n, fail_after

    def __iter__(self) -> Iterator[io.Frame]:
        for i in range(self._n):
            if self._fail_after is not None and i == self._fail_after:
                raise CorruptVideoError("fake.mp4: decoding stopped after 3 of 40 frames (truncated or damaged)")
            image = np.zeros((H, W, 3), np.uint8)
            image[:, : W // 4] = 255  # marks the left edge, so a mirrored frame is recognisable
            yield io.Frame(index=i, t_s=i / 30.0, image=image)


def fake_pose(x: float) -> io.FramePose:
    xy = np.full((33, 2), np.nan)
    xy[L_HIP] = (x, 20.0)
    nan = np.full(33, np.nan)
    return io.FramePose(xy, nan, nan, nan, np.full((33, 3), np.nan), None, None, n_people=1)


def fake_estimate_pose(delay_s: float = 0.0, fail_mirrored: bool = False) -> Any:
    """An ``io.estimate_pose_stream`` stand-in: the left hip at the image's bright edge."""

    def estimate(stream: Any, on_frame: Any, **_: Any) -> Provenance:
        for frame in stream:
            bright_left = frame.image[0, 0, 0] == 255
            if fail_mirrored and not bright_left:
                raise ModelError("fake.task: MediaPipe cannot load this model (fake)")
            time.sleep(delay_s)
            on_frame(frame, fake_pose(5.0 if bright_left else W - 5.0))
        return Provenance(source_path="fake.mp4")

    return estimate


def _run(frames: Any, **kw: Any) -> Any:
    return run_passes(frames, model_path=None, flip=True, stride=1, segmentation=False, **kw)


def test_each_pass_sees_its_own_frames_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(io, "estimate_pose_stream", fake_estimate_pose())
    seen: list[tuple[int, int | None]] = []
    res = _run(FakeFrames(40), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 40) for i in range(1, 41)]
    # plain pass: hip at x=5; mirrored pass: at W-5 in the mirror, i.e. x=5 again once mirrored back
    assert len(res.series) == 40
    np.testing.assert_allclose(res.series.xy_px[:, L_HIP], np.tile([5.0, 20.0], (40, 1)))
    assert res.waist_px.shape == res.waist_flipped_px.shape == (40, 2, 2)
    assert res.series.provenance.source_path == "fake.mp4" and res.series.provenance.extra["flip_average"]
    assert not _pipeline_threads()


def test_decoder_error_reaches_the_caller_and_every_thread_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(io, "estimate_pose_stream", fake_estimate_pose())
    with pytest.raises(CorruptVideoError, match="decoding stopped"):
        _run(FakeFrames(40, fail_after=3))
    assert not _pipeline_threads()


def test_a_failing_worker_stops_the_other(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(io, "estimate_pose_stream", fake_estimate_pose(delay_s=0.01, fail_mirrored=True))
    t0 = time.monotonic()
    with pytest.raises(ModelError, match=r"fake\.task"):
        _run(FakeFrames(400))
    assert time.monotonic() - t0 < 3.0  # the plain pass did not run on over 400 frames (4 s)
    assert not _pipeline_threads()


def test_keyboard_interrupt_stops_both_workers_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(io, "estimate_pose_stream", fake_estimate_pose(delay_s=0.01))

    def interrupt(done: int, total: int | None) -> None:
        if done == 5:
            raise KeyboardInterrupt

    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        _run(FakeFrames(400), progress=interrupt)
    assert time.monotonic() - t0 < 2.0
    assert not _pipeline_threads()


@pytest.mark.parametrize(("segmentation", "end_s"), [(False, 0.7), (True, 0.3)], ids=["default", "with-mask"])
def test_streaming_equals_the_sequential_passes(segmentation: bool, end_s: float) -> None:
    """Bit for bit what one pass after the other gives (pose, mirrored pose, average, mask, waistline)."""
    got = estimate_pose_file(SAMPLE, end_s=end_s, segmentation=segmentation)
    with io.open_source(SAMPLE, end_s=end_s) as frames:
        plain = io.estimate_pose(frames, segmentation=segmentation)
    with io.open_source(SAMPLE, end_s=end_s) as frames:
        flipped = io.estimate_pose(io.Mirrored(frames), segmentation=segmentation)
    want = measure_waistline(SAMPLE, average_with_mirror(plain, flipped), flip_average=True)
    assert len(got) == len(want) == math.ceil(end_s * got.fps - 1e-9)
    names = ["xy_px", "z", "visibility", "presence", "xyz_world_m", "t_s", "frame_index", "waist_px"]
    if segmentation:
        names += ["pelvis_mask", "pelvis_box_px"]
    else:
        assert got.pelvis_mask is None  # not paid for by default: only the pelvis-silhouette tilt column reads it
    for name in names:
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    assert np.isfinite(got.waist_px).any()
    assert got.provenance.extra["flip_average"] is True
    assert got.provenance.extra["frames_detected"] == want.provenance.extra["frames_detected"]
