"""Frame sources, timestamps, rotation, windows, errors, the sink, and the real clips."""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from hipcheck.errors import (
    CameraError,
    CorruptVideoError,
    EmptyVideoError,
    HipcheckError,
    InputNotFoundError,
    NotAVideoError,
    UsageError,
)
from hipcheck.io import (
    MIN_STEP_S,
    Frame,
    VideoSink,
    count_frames,
    mirror_image,
    next_timestamp,
    open_source,
    probe,
    read_frame_at,
    read_frames_at,
)
from hipcheck.io import _video as video_files  # its PyAV lookup is patched to test the OpenCV decoder
from support import CATALOG, frame_code, marker_is_top_left, synthetic_frame

MakeVideo = Callable[..., Path]


@pytest.fixture(params=["pyav", "opencv"])
def decoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with each decoding backend: PyAV (when installed) and OpenCV's FFmpeg."""
    if request.param == "pyav":
        pytest.importorskip("av")
    else:
        monkeypatch.setattr(video_files, "pyav", lambda: None)  # every file opened in the test decodes with OpenCV
    return str(request.param)


def _frames(spec: object, **kwargs: object) -> list[Frame]:
    with open_source(spec, **kwargs) as source:  # type: ignore[arg-type]
        return list(source)


# --- timestamps ---------------------------------------------------------------------------------


def _repair(raw_ms: list[float], fps: float = 30.0) -> list[float]:
    out: list[float] = []
    prev_t, prev_raw = None, math.nan
    for r in raw_ms:
        prev_t = next_timestamp(r / 1000, prev_t_s=prev_t, prev_raw_s=prev_raw, nominal_dt_s=1 / fps)
        prev_raw = r / 1000
        out.append(round(prev_t * 1000, 6))
    return out


@pytest.mark.parametrize(
    ("raw_ms", "expected_ms"),
    [
        ([0, 33, 100, 120], [0, 33, 100, 120]),  # valid VFR times are kept
        ([0, 0, 0, 0], [0, 40, 80, 120]),  # no timestamps at all: i / fps (25 fps)
        ([0, 40, 40, 80, 120], [0, 40, 80, 81, 120]),  # a duplicate: nominal step, then back on real times
        ([0, 40, 20, 80, 120], [0, 40, 80, 81, 120]),  # backwards: nominal step, then back on real times
        ([math.nan, math.nan, 80], [0, 40, 80]),  # missing
        ([-20, 20, 60], [0, 20, 60]),  # negative first time clamps to 0
    ],
)
def test_timestamp_repair_rule(raw_ms: list[float], expected_ms: list[float]) -> None:
    assert _repair(raw_ms, fps=25.0) == pytest.approx(expected_ms, abs=1e-6)


def test_repaired_timestamps_are_strictly_increasing_by_1ms() -> None:
    rng = np.random.default_rng(0)
    raw = np.round(np.cumsum(rng.choice([0.0, 0.0005, 16.7, 33.3, -5.0], size=300)), 1).tolist()
    t = np.array(_repair(raw))
    assert np.all(np.diff(t) >= MIN_STEP_S * 1000 - 1e-9)


def test_vfr_file_keeps_its_real_times(make_video: MakeVideo, decoder: str) -> None:
    times_s = [0.0, 0.033, 0.100, 0.120, 0.250, 0.300, 0.310, 0.500, 0.517, 0.900]
    frames = _frames(make_video("vfr.mp4", times_s=times_s))
    assert [f.t_s for f in frames] == pytest.approx(times_s, abs=0.001)
    assert [f.index for f in frames] == list(range(len(times_s)))
    assert [frame_code(f.image) for f in frames] == list(range(len(times_s)))


def test_constant_rate_file_times_are_i_over_fps(make_video: MakeVideo, decoder: str) -> None:
    frames = _frames(make_video(n_frames=12, fps=25.0))
    assert [f.t_s for f in frames] == pytest.approx([i / 25 for i in range(12)], abs=0.001)


# --- info, rotation, formats -------------------------------------------------------------------


def test_probe_constant_rate_clip(make_video: MakeVideo) -> None:
    info = probe(make_video(n_frames=15, fps=25.0, size_wh=(64, 48)))
    assert (info.kind, info.resolution_wh, info.frame_count, info.rotation_deg) == ("video", (64, 48), 15, 0)
    assert info.fps == pytest.approx(25.0)
    assert info.duration_s == pytest.approx(0.6)
    assert info.codec in ("mp4v", "fmp4")  # FFmpeg tags MPEG-4 part 2 as FMP4


@pytest.mark.parametrize(
    ("rotation_deg", "suffix"), [(0, ".mp4"), (90, ".mp4"), (180, ".mp4"), (270, ".mp4"), (90, ".mov")]
)
def test_rotation_metadata_gives_upright_frames(
    make_video: MakeVideo, rotation_deg: int, suffix: str, decoder: str
) -> None:
    path = make_video(f"rot{rotation_deg}{suffix}", n_frames=3, rotation_deg=rotation_deg)
    with open_source(path) as source:
        frames = list(source)
    assert source.info.rotation_deg == rotation_deg
    assert source.info.resolution_wh == (64, 48)
    for f in frames:
        assert f.image.shape == (48, 64, 3)
        assert marker_is_top_left(f.image)
    assert [frame_code(f.image) for f in frames] == [0, 1, 2]
    assert read_frame_at(path, 2).shape == (48, 64, 3)


@pytest.mark.parametrize("name", ["c.mp4", "c.mov", "c.avi", "c.mkv", "c.webm"])
def test_containers_round_trip_through_the_sink(make_video: MakeVideo, name: str, decoder: str) -> None:
    frames = _frames(make_video(name, n_frames=6, fps=20.0))
    assert [frame_code(f.image) for f in frames] == list(range(6))
    assert [f.t_s for f in frames] == pytest.approx([i / 20 for i in range(6)], abs=0.002)


def test_frames_are_bgr_uint8_and_independent(make_video: MakeVideo) -> None:
    frames = _frames(make_video(n_frames=4))
    assert all(f.image.dtype == np.uint8 and f.image.flags.c_contiguous for f in frames)
    assert frame_code(frames[0].image) == 0  # not overwritten by later decodes


def test_single_image_and_folder(tmp_path: Path) -> None:
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in (2, 0, 1):
        cv2.imwrite(str(folder / f"f{i:02d}.png"), synthetic_frame(i))
    (folder / "notes.txt").write_text("ignored")
    image = _frames(folder / "f01.png")
    assert [(f.index, f.t_s, frame_code(f.image)) for f in image] == [(0, 0.0, 1)]
    assert probe(folder / "f01.png").kind == "image"
    seq = _frames(folder, fps=4.0)
    assert [(f.index, f.t_s, frame_code(f.image)) for f in seq] == [(0, 0.0, 0), (1, 0.25, 1), (2, 0.5, 2)]
    info = probe(folder)
    assert (info.kind, info.fps, info.frame_count, info.codec) == ("images", 1.0, 3, "png")
    assert read_frame_at(folder, 2).shape == (48, 64, 3)


# --- window, stride, streaming, realtime -------------------------------------------------------


def test_window_and_stride_keep_decoded_indices(make_video: MakeVideo, decoder: str) -> None:
    path = make_video(n_frames=30, fps=10.0)
    frames = _frames(path, start_s=0.5, end_s=2.0, stride=4)
    assert [f.index for f in frames] == [5, 9, 13, 17]
    assert [frame_code(f.image) for f in frames] == [5, 9, 13, 17]
    assert [f.t_s for f in frames] == pytest.approx([0.5, 0.9, 1.3, 1.7], abs=0.002)


def test_source_iterates_again_from_the_start(make_video: MakeVideo) -> None:
    with open_source(make_video(n_frames=5)) as source:
        first = [f.index for f in source]
        second = [f.index for f in source]
    assert first == second == [0, 1, 2, 3, 4]


def test_iteration_streams_frames(make_video: MakeVideo) -> None:
    with open_source(make_video(n_frames=200, size_wh=(64, 48))) as source:
        it = iter(source)
        first = next(it)
        assert first.index == 0  # the first frame arrives before the rest are decoded
        assert sum(1 for _ in it) == 199


def test_break_then_close_releases_quietly(make_video: MakeVideo) -> None:
    source = open_source(make_video(n_frames=20))
    for f in source:
        if f.index == 3:
            source.close()
    assert f.index == 3  # closing mid-iteration ends it without an error


def test_realtime_drops_frames_a_slow_consumer_misses(make_video: MakeVideo) -> None:
    path = make_video(n_frames=10, fps=30.0)
    delivered = []
    for f in open_source(path, realtime=True):
        delivered.append(f.index)
        time.sleep(0.2)  # far slower than the 33 ms between frames
    assert delivered[0] == 0
    assert len(delivered) < 10
    assert delivered == sorted(delivered)


def test_realtime_keeps_the_file_times(make_video: MakeVideo) -> None:
    path = make_video(n_frames=5, fps=50.0)
    normal = {f.index: f.t_s for f in _frames(path)}
    paced = _frames(path, realtime=True)
    assert all(f.t_s == normal[f.index] for f in paced)


def test_read_frames_at_in_one_pass(make_video: MakeVideo, decoder: str) -> None:
    path = make_video(n_frames=12)
    got = read_frames_at(path, [7, 2, 11])
    assert {i: frame_code(img) for i, img in got.items()} == {2: 2, 7: 7, 11: 11}
    assert count_frames(path) == 12
    with pytest.raises(UsageError, match="frame 12"):
        read_frame_at(path, 12)


# --- errors ---------------------------------------------------------------------------------------


def _text_as(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text("this is a text file, not a video\n" * 20)
    return path


def _zero_bytes(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _half_of(path: Path) -> Path:
    half = path.with_name("half_" + path.name)
    data = path.read_bytes()
    half.write_bytes(data[: len(data) // 2])
    return half


def _zero_frame_mp4(tmp_path: Path) -> Path:
    path = tmp_path / "zero.mp4"
    writer = cv2.VideoWriter(str(path), cv2.CAP_FFMPEG, cv2.VideoWriter.fourcc(*"mp4v"), 25.0, (64, 48))
    writer.release()
    return path


def _empty_dir(tmp_path: Path) -> Path:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no images here")
    return tmp_path / "empty"


def _mixed_sizes_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "mixed"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), synthetic_frame(0))
    cv2.imwrite(str(folder / "b.png"), synthetic_frame(1, (32, 32)))
    return folder


GAP_WINDOW: dict[str, object] = {"start_s": 0.2, "end_s": 0.8}
ERROR_CASES: list[tuple[str, Callable[[Path, MakeVideo], object], dict[str, object], type[HipcheckError]]] = [
    ("missing file", lambda t, m: t / "nope.mp4", {}, InputNotFoundError),
    ("missing folder", lambda t, m: t / "nope" / "", {}, InputNotFoundError),
    ("text renamed .mp4", lambda t, m: _text_as(t, "fake.mp4"), {}, NotAVideoError),
    ("text renamed .mov", lambda t, m: _text_as(t, "fake.mov"), {}, NotAVideoError),
    ("text renamed .jpg", lambda t, m: _text_as(t, "fake.jpg"), {}, NotAVideoError),
    ("zero-byte file", lambda t, m: _zero_bytes(t / "zero.avi"), {}, NotAVideoError),
    ("first half, index at end", lambda t, m: _half_of(m("long.mp4", n_frames=60)), {}, CorruptVideoError),
    ("first half, index first", lambda t, m: _half_of(m("fs.mp4", n_frames=60, faststart=True)), {}, CorruptVideoError),
    ("zero-frame mp4", lambda t, m: _zero_frame_mp4(t), {}, EmptyVideoError),
    ("start after the end", lambda t, m: m(n_frames=10, fps=10.0), {"start_s": 5.0}, EmptyVideoError),
    ("end before start", lambda t, m: m(n_frames=10), {"start_s": 0.2, "end_s": 0.1}, EmptyVideoError),
    ("window inside a gap", lambda t, m: m("gap.mp4", times_s=[0, 0.1, 0.9, 1.0]), GAP_WINDOW, EmptyVideoError),
    ("camera index 57", lambda t, m: 57, {}, CameraError),
    ("camera:57", lambda t, m: "camera:57", {}, CameraError),
    ("empty image folder", lambda t, m: _empty_dir(t), {}, EmptyVideoError),
    ("image folder of mixed sizes", lambda t, m: _mixed_sizes_dir(t), {}, NotAVideoError),
    ("stride 0", lambda t, m: m(n_frames=3), {"stride": 0}, UsageError),
]  # fmt: skip


@pytest.mark.parametrize(("case", "make_input", "kwargs", "error"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_bad_inputs_raise_one_line_errors_naming_the_input(
    tmp_path: Path,
    make_video: MakeVideo,
    decoder: str,
    case: str,
    make_input: Callable[[Path, MakeVideo], object],
    kwargs: dict[str, object],
    error: type[HipcheckError],
) -> None:
    spec = make_input(tmp_path, make_video)
    with pytest.raises(error) as info:
        _frames(spec, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    if isinstance(spec, Path) and "stride" not in case and "end before" not in case:
        assert spec.name in message
    if isinstance(spec, (int, str)):
        assert "camera:57" in message


def test_real_clip_cut_in_half_is_corrupt(shared_videos: Path, tmp_path: Path, decoder: str) -> None:
    half = tmp_path / "half.mp4"
    data = (shared_videos / "gait_side_01.mp4").read_bytes()
    half.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptVideoError, match=r"half\.mp4"):
        count_frames(half)


# --- sink -----------------------------------------------------------------------------------------


def test_sink_writes_only_on_clean_close(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "out.mp4"
    with VideoSink(out, 10.0, (64, 48)) as sink:
        for i in range(5):
            sink.write(synthetic_frame(i))
        assert not out.exists()
    assert sink.frames_written == 5
    assert count_frames(out) == 5
    failed = tmp_path / "failed.mp4"
    with pytest.raises(RuntimeError), VideoSink(failed, 10.0, (64, 48)) as sink:
        sink.write(synthetic_frame(0))
        raise RuntimeError("boom")
    assert not failed.exists()
    assert list(tmp_path.glob(".*")) == []


def test_sink_in_place_keeps_partial_output(tmp_path: Path) -> None:
    out = tmp_path / "live.avi"
    with pytest.raises(RuntimeError), VideoSink(out, 10.0, (64, 48), atomic=False) as sink:
        for i in range(3):
            sink.write(synthetic_frame(i))
        assert out.exists()
        raise RuntimeError("crash")
    assert [frame_code(f.image) for f in _frames(out)] == [0, 1, 2]


def test_sink_rejects_wrong_frames_and_settings(tmp_path: Path) -> None:
    with VideoSink(tmp_path / "o.mp4", 10.0, (64, 48)) as sink:
        with pytest.raises(ValueError, match=r"expected a \(48, 64, 3\) uint8 frame"):
            sink.write(np.zeros((64, 48, 3), np.uint8))
        with pytest.raises(ValueError, match="uint8"):
            sink.write(np.zeros((48, 64, 3), np.float32))
        sink.write(synthetic_frame(0))
    with pytest.raises(UsageError, match=r"o2\.mp4"):
        VideoSink(tmp_path / "o2.mp4", 0.0, (64, 48))
    with pytest.raises(UsageError, match=r"o3\.mp4"):
        VideoSink(tmp_path / "o3.mp4", 10.0, (64, 48), fourcc="ZZZZ")


# --- the real clips ---------------------------------------------------------------------------------


def _catalog_rows() -> list[dict[str, str]]:
    catalog = CATALOG
    if not catalog.is_file():
        return []
    with catalog.open(newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


CLIPS = [r for r in _catalog_rows() if not r["file"].startswith("stills/")]
STILLS = [r for r in _catalog_rows() if r["file"].startswith("stills/")]


@pytest.mark.shared_videos
@pytest.mark.parametrize("row", CLIPS, ids=[r["file"] for r in CLIPS])
def test_catalog_clip_opens_and_decodes_its_frames(shared_videos: Path, row: dict[str, str]) -> None:
    path = shared_videos / row["file"]
    info = probe(path)
    assert info.resolution_wh == (int(row["width"]), int(row["height"]))
    assert info.fps == pytest.approx(float(row["fps"]), abs=0.02)
    decoded = count_frames(path)
    assert abs(decoded - int(row["frames"])) <= 1
    assert info.frame_count is not None and abs(info.frame_count - decoded) <= 0.08 * decoded


@pytest.mark.shared_videos
@pytest.mark.parametrize("row", STILLS, ids=[r["file"] for r in STILLS])
def test_catalog_still_opens_upright(shared_videos: Path, row: dict[str, str]) -> None:
    frames = _frames(shared_videos / row["file"])
    assert len(frames) == 1
    assert frames[0].image.shape == (int(row["height"]), int(row["width"]), 3)


@pytest.mark.shared_videos
def test_backends_agree_on_a_phone_clip(shared_videos: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("av")
    path = shared_videos / "squat_side_barbell_graphics_04.mov"  # Display-P3, full-range: slow in OpenCV
    fast = _frames(path, end_s=0.04)
    slow = _frames(path, end_s=0.04, decoder="opencv")
    assert [f.index for f in fast] == [f.index for f in slow] == [0, 1, 2]
    assert [f.t_s for f in fast] == pytest.approx([f.t_s for f in slow], abs=1e-9)
    for a, b in zip(fast, slow, strict=True):
        assert a.image.shape == b.image.shape == (720, 590, 3)
        assert np.abs(a.image.astype(int) - b.image.astype(int)).mean() < 8  # colour management only


@pytest.mark.shared_videos
def test_portrait_phone_clip_times(shared_videos: Path) -> None:
    frames = _frames(shared_videos / "squat_front_bodyweight_armsup_01.mov", stride=10)
    assert frames[0].image.shape == (1920, 1080, 3)
    assert [f.index for f in frames] == list(range(0, 72, 10))
    t = np.array([f.t_s for f in frames])
    assert np.all(np.diff(t) > 0)
    assert t[-1] == pytest.approx(70 / 30.4, abs=0.05)


@pytest.mark.parametrize("shape", [(5, 7, 3), (48, 64, 3), (1, 1, 3)])
def test_mirror_image_is_the_reversed_columns_as_a_contiguous_copy(shape: tuple[int, int, int]) -> None:
    image = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    flipped = mirror_image(image)
    np.testing.assert_array_equal(flipped, image[:, ::-1])
    assert flipped.flags.c_contiguous and flipped.dtype == np.uint8 and not np.shares_memory(flipped, image)
