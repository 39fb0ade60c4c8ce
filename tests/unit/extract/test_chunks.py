"""The single pass as two halves: the sequential pass's result, the hand-over refused when state carries, Ctrl-C."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np
import pytest

from hipcheck import io
from hipcheck.errors import CorruptVideoError
from hipcheck.extract import estimate_pose_file
from hipcheck.extract._chunks import chunk_seam, run_single_pass_chunked
from hipcheck.extract._stream import run_passes
from hipcheck.landmarks import L_HIP, PoseSeries, Provenance
from support import REPO

SAMPLE = REPO / "samples" / "sls_left_drop8_upright.mp4"  # 4.2 s: two halves of 2.1 s
FPS, W, H = 30.0, 64, 48
FIELDS = ("xy_px", "z", "visibility", "presence", "xyz_world_m", "t_s", "frame_index", "waist_px")


class Clip:
    """A synthetic video of ``n`` frames from ``start_s`` on; raises ``fail`` at frame ``fail_at``."""

    def __init__(
        self, n: int, start_s: float = 0.0, *, stride: int = 1, kind: str = "video", fail_at: int | None = None
    ) -> None:
        self.info = io.VideoInfo("clip.mp4", kind, W, H, FPS, n, n / FPS, 0, "fake")  # type: ignore[arg-type]
        self.stride, self._n, self._first, self._fail_at = stride, n, math.ceil(start_s * FPS - 1e-9), fail_at
        self.expected_frames = n - self._first

    def __iter__(self) -> Iterator[io.Frame]:
        for i in range(self._first, self._n):
            if i == self._fail_at:
                raise CorruptVideoError(f"clip.mp4: decoding stopped after {i} of {self._n} frames")
            time.sleep(0.002)
            yield io.Frame(index=i, t_s=i / FPS, image=np.zeros((H, W, 3), np.uint8))

    def reopen(self, start_s: float) -> AbstractContextManager[io.FrameSource]:
        return nullcontext(Clip(self._n, start_s, fail_at=self._fail_at))  # type: ignore[arg-type]


def _pose(x: float, people: int = 1) -> io.FramePose:
    xy = np.full((33, 2), np.nan)
    xy[L_HIP] = (x, 20.0)
    nan = np.full(33, np.nan)
    return io.FramePose(xy, nan, nan, nan, np.full((33, 3), np.nan), None, None, n_people=people)


def fake_model(*, memory: bool = False, people: int = 1) -> Any:
    """An ``io.estimate_pose_stream`` stand-in. The hip's x is the frame index (no memory) or the
    number of frames this pass has seen (``memory``: a pass started later reads differently)."""

    def estimate(stream: Any, on_frame: Any, **_: Any) -> Provenance:
        for seen, frame in enumerate(stream):
            on_frame(frame, _pose(float(seen if memory else frame.index), people))
        return Provenance(source_path="clip.mp4", extra={"subject_selections": 1, "frames": -1})

    return estimate


OPTIONS: dict[str, Any] = {"model_path": None, "max_people": 2, "segmentation": False, "stride": 1}


def _sequential(clip: Clip) -> PoseSeries:
    res = run_passes(clip, flip=False, **OPTIONS)  # type: ignore[arg-type]
    return res.series.replace(waist_px=res.waist_px)


def _chunked(clip: Clip, **kw: Any) -> PoseSeries:
    seam = chunk_seam(clip, None, None)  # type: ignore[arg-type]
    assert seam is not None
    res = run_single_pass_chunked(clip, clip.reopen, seam, OPTIONS, **kw)  # type: ignore[arg-type]
    return res.series.replace(waist_px=res.waist_px)


def _threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("hipcheck-") and t.is_alive()]


def _assert_same(got: PoseSeries, want: PoseSeries) -> None:
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)


@pytest.mark.parametrize(
    ("clip", "window", "seam"),
    [
        (Clip(300), (None, None), 5.15),  # half an overlap past the middle: both passes run 154-155 frames
        (Clip(300), (2.0, 8.0), 5.15),
        (Clip(300), (None, 20.0), 5.15),  # a window past the end: the clip's own end
        (Clip(300, stride=2), (None, None), None),  # the second half's stride phase would differ
        (Clip(300, kind="images"), (None, None), None),
        (Clip(50), (None, None), None),  # 1.7 s: shorter than MIN_CHUNKED_S
        (Clip(300), (1.0, 2.5), None),
    ],
)
def test_where_the_seam_goes(clip: Clip, window: tuple[float | None, float | None], seam: float | None) -> None:
    assert chunk_seam(clip, *window) == (None if seam is None else pytest.approx(seam))  # type: ignore[arg-type]


def test_a_pass_without_memory_is_handed_over_at_the_seam(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(io, "estimate_pose_stream", fake_model())
    seen: list[tuple[int, int | None]] = []
    got = _chunked(Clip(150), progress=lambda done, total: seen.append((done, total)))
    want = _sequential(Clip(150))
    _assert_same(got, want)
    np.testing.assert_array_equal(got.xy_px[:, L_HIP, 0], np.arange(150.0))
    extra = got.provenance.extra
    assert extra["chunks"] == {"seam_s": 2.65, "overlap_s": 0.3}
    assert (extra["frames"], extra["frames_detected"], extra["subject_selections"]) == (150, 150, 1)
    dones = [d for d, _ in seen]
    assert dones == sorted(dones) and seen[-1] == (150, 150) and all(t == 150 for _, t in seen)
    assert not _threads()


@pytest.mark.parametrize("model", [fake_model(memory=True), fake_model(people=2)], ids=["memory", "two-people"])
def test_the_hand_over_is_refused_when_state_could_carry(monkeypatch: pytest.MonkeyPatch, model: Any) -> None:
    """A pass that reads differently when started later, or a second person: the first pass runs on."""
    monkeypatch.setattr(io, "estimate_pose_stream", model)
    seen: list[int] = []
    got = _chunked(Clip(150), progress=lambda done, _total: seen.append(done))
    _assert_same(got, _sequential(Clip(150)))
    assert "chunks" not in got.provenance.extra
    assert seen == sorted(seen) and seen[-1] == 150
    assert not _threads()


def test_an_error_after_the_seam_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(io, "estimate_pose_stream", fake_model())
    with pytest.raises(CorruptVideoError, match="after 120 of 150"):
        _chunked(Clip(150, fail_at=120))
    assert not _threads()


def test_keyboard_interrupt_stops_both_halves_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(io, "estimate_pose_stream", fake_model())

    def interrupt(done: int, _total: int | None) -> None:
        if done == 5:
            raise KeyboardInterrupt

    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        _chunked(Clip(3000), progress=interrupt)
    assert time.monotonic() - t0 < 2.0  # 3000 frames would take over 6 s
    assert not _threads()


@pytest.mark.e2e
def test_the_real_single_pass_on_two_cores_equals_one_pass() -> None:
    """MediaPipe itself, on a rendered clip with one person: bit for bit the pass from the start."""
    got = estimate_pose_file(SAMPLE, flip_average=False, segmentation=True)
    with io.open_source(SAMPLE) as frames:
        res = run_passes(frames, model_path=None, flip=False, stride=1)
    want = res.series.replace(waist_px=res.waist_px)
    _assert_same(got, want)
    for name in ("pelvis_mask", "pelvis_box_px"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    assert got.provenance.extra["chunks"]["seam_s"] == pytest.approx(2.25)
    for key in ("frames", "frames_detected", "max_people_seen", "frames_multi_person", "subject_selections"):
        assert got.provenance.extra[key] == want.provenance.extra[key], key
    assert got.provenance.subject == want.provenance.subject
    assert np.isfinite(got.waist_px).any()
