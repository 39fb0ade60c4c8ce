"""The MediaPipe adapter: pure helpers with known answers, and short end-to-end runs on real clips."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

from hipcheck import io
from hipcheck.errors import ModelError, NoPersonError
from hipcheck.landmarks import L_ANKLE, L_HIP, L_KNEE, L_SHOULDER, R_ANKLE, R_HIP, R_KNEE, R_SHOULDER
from support import FIXTURES


# ------------------------------------------------------------------ helpers
def skeleton(hip_mid: tuple[float, float], hip_width: float, torso: float) -> np.ndarray:
    """(33, 2) px: every landmark at the hip midpoint except hips and shoulders (upright, front view)."""
    cx, cy = hip_mid
    xy = np.tile(np.array([cx, cy], float), (33, 1))
    xy[L_HIP], xy[R_HIP] = (cx + hip_width / 2, cy), (cx - hip_width / 2, cy)
    xy[L_SHOULDER], xy[R_SHOULDER] = (cx + hip_width / 2, cy - torso), (cx - hip_width / 2, cy - torso)
    return xy


def person(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """(33, 2) px: a 'person' whose landmark box is exactly (x0, y0, x1, y1), hips at its centre."""
    xy = skeleton(((x0 + x1) / 2, (y0 + y1) / 2), (x1 - x0) / 4, (y1 - y0) / 4)
    xy[0], xy[1] = (x0, y0), (x1, y1)
    return xy


# -------------------------------------------------------- pure functions
def test_video_timestamps_strictly_increase() -> None:
    last = -1
    out = []
    for t in [0.0, 0.0333, 0.0334, 0.0334, 0.05, 0.0499]:
        last = io.video_timestamp_ms(t, last)
        out.append(last)
    assert out == [0, 33, 34, 35, 50, 51]


@pytest.mark.parametrize(
    ("hip_width", "torso", "side"),
    [(40.0, 100.0, 120.0), (40.0, 150.0, 180.0), (0.0, 200.0, 240.0)],
    ids=["hip-width", "torso-floor", "side-view"],
)
def test_pelvis_box(hip_width: float, torso: float, side: float) -> None:
    box = io.pelvis_box(skeleton((120.0, 200.0), hip_width, torso))
    assert box is not None
    np.testing.assert_allclose(box, [120 - side / 2, 200 - side / 2, 120 + side / 2, 200 + side / 2])


def test_pelvis_box_needs_hips_and_shoulders() -> None:
    xy = skeleton((120.0, 200.0), 40.0, 100.0)
    xy[L_HIP] = np.nan
    assert io.pelvis_box(xy) is None


def test_resample_mask_known_edges() -> None:
    mask = np.zeros((200, 200), np.float32)
    mask[:, :100] = 1.0  # person occupies pixels x < 100
    grid = io.resample_mask(mask, np.array([50.0, 50.0, 150.0, 150.0]), size=64)
    assert grid.shape == (64, 64)
    assert grid.dtype == np.uint8
    assert np.all(grid[:, :31] == 255)  # cell centres x < 99
    assert np.all(grid[:, 33:] == 0)  # cell centres x > 101
    # rows do not matter for a vertical edge
    assert np.all(grid == grid[0])


def test_resample_mask_outside_frame_reads_zero() -> None:
    mask = np.ones((100, 100), np.float32)
    assert np.all(io.resample_mask(mask, np.array([-100.0, -100.0, -2.0, -2.0]), size=16) == 0)


def test_tracker_picks_largest_then_most_central() -> None:
    tr = io.SubjectTracker((1000, 1000))
    small, big = person(0, 0, 100, 200), person(600, 100, 900, 900)
    assert tr.choose([small, big], 0.0) == 1
    tr = io.SubjectTracker((1000, 1000))
    edge, central = person(0, 100, 300, 900), person(380, 150, 620, 850)  # areas 240k and 168k (70 %)
    assert tr.choose([edge, central], 0.0) == 1


def test_tracker_keeps_the_same_person() -> None:
    tr = io.SubjectTracker((1000, 1000))
    a, b = person(100, 100, 300, 700), person(600, 300, 700, 500)
    assert tr.choose([a, b], 0.0) == 0
    # b grows larger and comes first in MediaPipe's list; a moved a little: still a
    a2, b2 = person(110, 100, 310, 700), person(450, 0, 950, 1000)
    assert tr.choose([b2, a2], 0.04) == 1
    # only b is seen: no subject in this frame rather than a swap
    assert tr.choose([b2], 0.08) is None
    assert tr.choose([], 0.12) is None
    # a is back
    assert tr.choose([b2, a2], 0.16) == 1
    assert tr.reselections == 1
    # a unseen for more than lost_after_s: choose again by the first rule
    assert tr.choose([b2], 1.5) == 0
    assert tr.reselections == 2


# ---------------------------------------------------------------- errors
def test_unloadable_model_is_a_model_error(tmp_path: Path) -> None:
    fake = tmp_path / "fake.task"
    import zipfile

    with zipfile.ZipFile(fake, "w") as zf:
        zf.writestr("pose_detector.tflite", b"junk")
        zf.writestr("pose_landmarks_detector.tflite", b"junk")
    with pytest.raises(ModelError, match=r"fake\.task: MediaPipe cannot load"):
        io.PoseEstimator(fake)


@pytest.mark.e2e
def test_blank_video_has_no_person(tmp_path: Path) -> None:
    path = tmp_path / "blank.mp4"
    with io.VideoSink(path, 10.0, (160, 120)) as sink:
        for _ in range(6):
            sink.write(np.full((120, 160, 3), 90, np.uint8))
    with io.open_source(path) as src, pytest.raises(NoPersonError) as exc:
        io.estimate_pose(src)
    assert str(exc.value) == f"{path}: no person found in any of 6 frames"


# -------------------------------------------------------- real clips (e2e)
@pytest.fixture(scope="module")
def squat_front(request: pytest.FixtureRequest) -> tuple[Path, object]:
    videos = request.getfixturevalue("shared_videos")
    clip = videos / "squat_front_bodyweight_armsup_01.mov"
    with io.open_source(clip, stride=3) as src:
        calls: list[tuple[int, int | None]] = []
        series = io.estimate_pose(src, progress=lambda d, t: calls.append((d, t)))
    return clip, (series, calls)


@pytest.mark.e2e
@pytest.mark.shared_videos
def test_real_front_squat(squat_front: tuple[Path, object]) -> None:
    clip, (series, calls) = squat_front  # type: ignore[misc]
    n_decoded = io.count_frames(clip)
    assert len(series) == math.ceil(n_decoded / 3)  # one row per delivered frame
    assert list(series.frame_index) == list(range(0, n_decoded, 3))
    assert calls[-1][0] == len(series)
    assert series.detected.all()
    y = series.xy_px[..., 1]
    hip, knee, ankle = (
        y[:, [lm_l, lm_r]].mean(axis=1) for lm_l, lm_r in ((L_HIP, R_HIP), (L_KNEE, R_KNEE), (L_ANKLE, R_ANKLE))
    )
    assert np.all(hip[:3] < knee[:3]) and np.all(knee[:3] < ankle[:3])  # standing at the start
    assert np.mean(knee < ankle) == 1.0
    # front view: the subject's left hip appears on the image right
    assert np.all(series.xy_px[:, L_HIP, 0] > series.xy_px[:, R_HIP, 0])
    # person fills the 1080 x 1920 portrait frame's centre column
    assert np.all((series.xy_px[:, L_HIP, 0] > 300) & (series.xy_px[:, L_HIP, 0] < 800))
    # the hip midpoint (pelvis box centre) lies on the person's mask
    assert series.pelvis_mask is not None
    assert series.pelvis_mask[:, 30:34, 30:34].mean() > 200
    # background at the box's top corners (beside the waist)
    assert series.pelvis_mask[:, :4, :4].mean() < 60
    p = series.provenance
    assert p.model_sha256 and p.source_sha256 and p.stride == 3
    assert "largest person" in p.subject


@pytest.mark.e2e
@pytest.mark.shared_videos
def test_two_people_subject_is_kept(shared_videos: Path) -> None:
    with io.open_source(shared_videos / "awkward_twopeople_highangle_02.mp4", end_s=0.5) as src:
        series = io.estimate_pose(src)
    assert series.provenance.extra["max_people_seen"] == 2
    hip_mid = series.xy_px[series.detected][:, [L_HIP, R_HIP]].mean(axis=1)
    jumps = np.linalg.norm(np.diff(hip_mid, axis=0), axis=1)
    assert jumps.max() < 0.1 * series.resolution_wh[0]  # never swapped to the other person
    # MediaPipe loses the subject for a few frames (returns only the other person): NaN rows there
    assert 0.7 < series.detected.mean() < 1.0


@pytest.mark.e2e
@pytest.mark.shared_videos
def test_still_image_mode(shared_videos: Path) -> None:
    with io.open_source(shared_videos / "stills" / "still_front_standing_01.jpeg") as src:
        frame = next(iter(src))
    fp = io.estimate_image(frame.image)
    assert fp is not None
    y = fp.xy_px[:, 1]
    assert y[L_HIP] < y[L_KNEE] < y[L_ANKLE]
    assert y[R_HIP] < y[R_KNEE] < y[R_ANKLE]
    assert fp.pelvis_mask is not None and fp.pelvis_mask.shape == (io.MASK_SIZE, io.MASK_SIZE)
    # the same still through estimate_pose: IMAGE mode chosen automatically, one row
    with io.open_source(shared_videos / "stills" / "still_front_standing_01.jpeg") as src:
        series = io.estimate_pose(src)
    assert len(series) == 1
    assert series.provenance.extra["pose_mode"] == "image"
    np.testing.assert_allclose(series.xy_px[0], fp.xy_px)


@pytest.mark.e2e
@pytest.mark.shared_videos
def test_landmarks_cli(shared_videos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hipcheck.cli import main
    from hipcheck.landmarks import PoseSeries

    out, csv = tmp_path / "pose.npz", tmp_path / "pose.csv"
    clip = shared_videos / "squat_front_bodyweight_armsup_02.mov"
    assert main(["landmarks", str(clip), "-o", str(out), "--csv", str(csv), "--end", "0.3"]) == 0
    series = PoseSeries.load_npz(out)
    assert 8 <= len(series) <= 10
    assert len(csv.read_text().splitlines()) == len(series) + 1
    assert capsys.readouterr().out.strip() == f"{clip}: {len(series)} frames, person detected in 100% -> {out}, {csv}"
    assert series.provenance.extra["flip_average"] is True and series.waist_px is not None
    assert series.pelvis_mask is not None  # the hip contour: the pelvic-drop line without a waistline
    single = tmp_path / "single.npz"
    assert main(["landmarks", str(clip), "-o", str(single), "--end", "0.3", "--no-flip", "--quiet"]) == 0
    one = PoseSeries.load_npz(single)
    assert len(one) == len(series) and not one.provenance.extra.get("flip_average")
    assert one.waist_px is not None
    assert 0 < np.nanmax(np.abs(one.xy_px - series.xy_px)) < 20.0  # the mirrored pass moves landmarks by a few px


def test_expected_frames_window() -> None:
    from hipcheck.io import window_frame_count

    assert window_frame_count(300, 30.0, None, None, 1) == 300
    assert window_frame_count(300, 30.0, 1.0, 5.0, 2) == 60
    assert window_frame_count(None, 30.0, None, None, 1) is None


# ------------------------------------------------------- recorded fixtures
FRONT_FIXTURES = [
    "squat_front_bodyweight_armsup_01", "squat_front_bodyweight_armsup_02", "squat_front_bodyweight_armsup_03",
    "squat_front_bodyweight_armsup_04", "squat_front_bodyweight_shallow_bad_01",
    "squat_front_bodyweight_shallow_bad_02", "squat_front_bodyweight_wide_01",
]  # fmt: skip


@pytest.mark.parametrize("stem", FRONT_FIXTURES)
def test_front_fixtures_are_plausible(stem: str) -> None:
    from hipcheck.landmarks import PoseSeries

    series = PoseSeries.load_npz(FIXTURES / f"{stem}.npz")
    assert series.detected.all()
    assert np.all(np.diff(series.frame_index) == series.provenance.stride)
    xy = series.xy_px
    assert np.mean(xy[:, L_HIP, 0] > xy[:, R_HIP, 0]) > 0.95  # front view: left hip on the image right
    assert np.all(xy[:, [L_HIP, R_HIP], 1].mean(axis=1) < xy[:, [L_ANKLE, R_ANKLE], 1].mean(axis=1))
    assert series.pelvis_mask is not None and series.pelvis_box_px is not None
    assert series.pelvis_mask.shape[1:] == (io.MASK_SIZE, io.MASK_SIZE)
    assert np.isfinite(series.pelvis_box_px).all()
    assert series.pelvis_mask[:, 30:34, 30:34].mean() > 200  # hip midpoint is on the person


def test_native_stderr_is_restored_when_the_last_thread_leaves(tmp_path: Path) -> None:
    """Two landmarkers load at once (one per worker): fd 2 must not end up pointing at /dev/null."""
    from hipcheck.io._pose import _NativeStderr

    log = tmp_path / "stderr.log"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT)
    try:
        quiet = _NativeStderr()
        quiet.enter(fd)  # worker A loads its model
        quiet.enter(fd)  # worker B too
        quiet.leave(fd)  # A done: B is still loading
        os.write(fd, b"hidden ")
        quiet.leave(fd)  # B done: fd 2 is back
        os.write(fd, b"shown")
    finally:
        os.close(fd)
    assert log.read_bytes() == b"shown"


def test_pose_recorder_grows_past_the_expected_count() -> None:
    rec = io.PoseRecorder(segmentation=True, expected=2)
    for i in range(5):
        xy = np.full((33, 2), float(i))
        pose = io.FramePose(xy, np.zeros(33), np.ones(33), np.ones(33), np.zeros((33, 3)), None, None, n_people=2)
        rec.add(10 + i, 0.1 * i, None if i == 3 else pose)
    rows = rec.arrays()
    assert rows["xy_px"].shape == (5, 33, 2) and rec.n == 5 and rec.detected == 4
    np.testing.assert_array_equal(rows["frame_index"], [10, 11, 12, 13, 14])
    assert np.isnan(rows["xy_px"][3]).all() and rows["xy_px"][4, 0, 0] == 4.0
    assert rows["pelvis_mask"].shape == (5, io.MASK_SIZE, io.MASK_SIZE) and np.isnan(rows["pelvis_box_px"]).all()
    np.testing.assert_array_equal(rec.n_people, [2, 2, 2, 0, 2])


def test_packed_masks_come_back_exactly() -> None:
    """``pack_masks`` keeps each mask compressed (lossless): the rows are those of the plain recorder."""
    rng = np.random.default_rng(3)
    m = io.MASK_SIZE
    plain = io.PoseRecorder(segmentation=True, expected=2)
    packed = io.PoseRecorder(segmentation=True, expected=2, pack_masks=True)
    for i in range(6):
        soft = rng.integers(0, 256, (m, m), dtype=np.uint8)
        soft[:, : m // 3] = 0  # the usual shape: background, soft edge, body
        box = np.array([1.0, 2.0, 3.0, 4.0]) + i
        with_mask = i not in (2, 4)
        pose = io.FramePose(
            np.full((33, 2), float(i)), np.zeros(33), np.ones(33), np.ones(33), np.zeros((33, 3)),
            soft if with_mask else None, box if with_mask else None, n_people=1,
        )  # fmt: skip
        for rec in (plain, packed):
            rec.add(i, 0.1 * i, None if i == 4 else pose)
    want, got = plain.arrays(), packed.arrays()
    assert set(want) == set(got)
    for key in want:
        np.testing.assert_array_equal(got[key], want[key], err_msg=key)
    assert got["pelvis_mask"][1].any() and not got["pelvis_mask"][2].any() and not got["pelvis_mask"][4].any()
    np.testing.assert_array_equal(packed.t_s, np.arange(6) * 0.1)
