"""Overlay drawing and the annotated video."""

from __future__ import annotations

import numpy as np
import pytest

from hipcheck.landmarks import L_HIP, L_KNEE, R_HIP, R_KNEE
from hipcheck.render import (
    AMBER,
    GREEN,
    GREY,
    LEFT_BGR,
    RED,
    RIGHT_BGR,
    OverlayStyle,
    PoseAnnotator,
    band_color,
    exercise_and_rep_at,
    nearest_row,
    write_annotated_video,
)

BG = 90


def _frame(w=640, h=480):
    return np.full((h, w, 3), BG, np.uint8)


def _px(img, xy):
    return tuple(int(v) for v in img[round(xy[1]), round(xy[0])])


@pytest.mark.parametrize(("value", "color"), [(2.0, GREEN), (11.0, AMBER), (15.0, RED), (float("nan"), GREY)])
def test_band_color_thresholds(value, color):
    assert band_color("knee_fppa_deg", value) == color  # knee FPPA: amber from 10°, red from 15°


def test_annotate_draws_knee_dots_and_threshold_coloured_lines(fake_pose):
    pose = fake_pose(1, (640, 480))
    xy = pose.xy_px[0]
    frame = _frame()
    m = {"knee_fppa_deg_left": 17.0, "knee_fppa_deg_right": 12.0, "pelvic_drop_deg_left": 2.0}
    out = PoseAnnotator().annotate(frame, xy, m, exercise="squat", rep=2)
    assert out is not frame and (frame == BG).all()  # input untouched
    assert _px(out, xy[L_KNEE]) == LEFT_BGR
    assert _px(out, xy[R_KNEE]) == RIGHT_BGR
    # thigh midpoints: left knee line red (17°), right amber (12°)
    assert _px(out, (xy[L_HIP] + xy[L_KNEE]) / 2 + [0, 10]) == RED
    assert _px(out, (xy[R_HIP] + xy[R_KNEE]) / 2 + [0, 10]) == AMBER
    # hip line green (2° drop); sample a quarter of the way along to miss the readout box
    assert _px(out, 0.75 * xy[L_HIP] + 0.25 * xy[R_HIP]) == GREEN
    # the banner is drawn at the top
    assert (out[2, :, :] != BG).any()


def test_annotate_person_left_is_image_right_label(fake_pose):
    """The 'L' label is drawn near the person's left shoulder (image right in a front view)."""
    pose = fake_pose(1, (640, 480))
    out = PoseAnnotator().annotate(_frame(), pose.xy_px[0], {})
    blue = np.abs(out.astype(int) - LEFT_BGR).sum(axis=2) < 30
    _ys, xs = np.nonzero(blue[40:, :])
    assert xs.size and xs.mean() > 320  # left-coloured pixels sit on the image right


def test_annotate_rejects_bad_shape_and_skips_missing():
    ann = PoseAnnotator()
    with pytest.raises(ValueError, match=r"expected shape \(33, 2\)"):
        ann.annotate(_frame(), np.zeros((17, 2)), {})
    out = ann.annotate(_frame(), np.full((33, 2), np.nan), {})  # nothing found: only the banner
    assert (out[100:] == BG).all()


def test_timeline_lookups(fake_assessment):
    a = fake_assessment("left")
    assert exercise_and_rep_at(a, 14.0) == ("single_leg_squat (left)", 1)
    assert exercise_and_rep_at(a, 1.0) == ("standing", 0)
    assert exercise_and_rep_at(a, 40.0) == ("", 0)
    t = np.array([0.0, 0.1, 0.2])
    assert nearest_row(t, 0.12, 0.05) == 1
    assert nearest_row(t, 0.5, 0.05) == -1


def test_annotated_video_same_frame_count_and_colour(tmp_path, fake_assessment, fake_pose):
    from hipcheck import io as video

    n, wh, fps = 24, (320, 240), 24.0
    src = tmp_path / "src.mp4"
    with video.VideoSink(src, fps, wh) as sink:
        for _ in range(n):
            sink.write(np.full((wh[1], wh[0], 3), BG, np.uint8))
    pose = fake_pose(n, wh, fps)
    out = write_annotated_video(src, pose, fake_assessment("left"), tmp_path / "annotated.mp4",
                                annotator=PoseAnnotator(OverlayStyle(joint_radius_px=16)))  # fmt: skip
    with video.open_source(out) as dec:
        assert dec.info.fps == pytest.approx(fps, rel=1e-3)
        frames = list(dec)
    assert len(frames) == n
    k = 10
    b, _g, r = frames[k].image[round(pose.xy_px[k, L_KNEE, 1]), round(pose.xy_px[k, L_KNEE, 0])].astype(int)
    assert b > 180 and r < 100 and abs(b - LEFT_BGR[0]) < 50  # the left knee dot, blue after compression
    b, _g, r = frames[k].image[round(pose.xy_px[k, R_KNEE, 1]), round(pose.xy_px[k, R_KNEE, 0])].astype(int)
    assert r > 180 and b < 100  # the right knee dot, orange
    if video.h264_available():  # browsers play H.264 in a <video>, not OpenCV's MPEG-4 Part 2
        av = pytest.importorskip("av")
        with av.open(str(out)) as container:
            assert container.streams.video[0].codec_context.name == "h264"


def test_trunk_readout_coloured_by_threshold(fake_pose):
    pose = fake_pose(1, (640, 480))
    xy = pose.xy_px[0]
    top = int(min(xy[11, 1], xy[12, 1])) - 60  # band above the shoulders holding the readout
    region = slice(max(top, 40), int(xy[11, 1]) - 10)
    calm = PoseAnnotator().annotate(_frame(), xy, {"trunk_lean_ipsi_deg_left": 2.0})
    lean = PoseAnnotator().annotate(_frame(), xy, {"trunk_lean_ipsi_deg_left": 12.0})
    red = lambda img: (np.abs(img[region].astype(int) - RED).sum(axis=2) < 60).sum()  # noqa: E731
    green = lambda img: (np.abs(img[region].astype(int) - GREEN).sum(axis=2) < 60).sum()  # noqa: E731
    assert red(lean) > 20 and red(calm) == 0
    assert green(calm) > 20
