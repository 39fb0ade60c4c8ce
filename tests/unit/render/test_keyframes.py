"""Key frames: the worst rep of each side, read from the video with the overlay drawn."""

from __future__ import annotations

import dataclasses

import numpy as np

from hipcheck.render import keyframe_specs, leading_metrics, person_box, worst_rep, worst_rep_keyframes
from hipcheck.results import EvidenceRow, Rep


def test_worst_rep_is_largest_peak_of_that_side():
    reps = [Rep(1, "single_leg_squat", 0, 1, 2, "left", {"pelvic_drop_deg_left": 5.0}),
            Rep(2, "single_leg_squat", 2, 3, 4, "left", {"pelvic_drop_deg_left": 9.0}),
            Rep(3, "single_leg_squat", 4, 5, 6, "left", {"pelvic_drop_deg_left": float("nan")}),
            Rep(1, "single_leg_squat", 6, 7, 8, "right", {"pelvic_drop_deg_right": 12.0})]  # fmt: skip
    assert worst_rep(reps, "pelvic_drop_deg", "left") == (reps[1], 9.0)
    assert worst_rep(reps, "pelvic_drop_deg", "right") == (reps[3], 12.0)
    assert worst_rep(reps, "knee_fppa_deg", "left") is None


def test_leading_metric_is_strongest_finding():
    knee = EvidenceRow("knee_fppa_deg", "squat", 20, 5, 15, 1, "deg", "", "", finding=True, weaker_side="left")
    drop = EvidenceRow("pelvic_drop_deg", "squat", 9, 3, 6, 1, "deg", "", "", finding=True, weaker_side="left")
    assert leading_metrics([drop, knee])[:2] == ("knee_fppa_deg", "pelvic_drop_deg")
    assert leading_metrics([])[0] == "pelvic_drop_deg"


def test_specs_of_fake_assessment(fake_assessment):
    a = fake_assessment("left")
    specs = keyframe_specs(a)
    assert [s.side for s in specs] == ["left", "right"]
    reps = [r for e in a.exercises for r in e.reps]
    best_left = max(
        (r for r in reps if "pelvic_drop_deg_left" in r.peaks), key=lambda r: r.peaks["pelvic_drop_deg_left"]
    )
    assert specs[0].rep is best_left and specs[0].metric == "pelvic_drop_deg"
    assert specs[0].caption.startswith(f"Left leg: single leg squat, rep {best_left.index} – pelvic drop")
    assert keyframe_specs(fake_assessment("insufficient")) == []


def test_keyframes_from_video(tmp_path, fake_assessment, fake_pose):
    from hipcheck import io as video

    fps, wh = 4.0, (160, 120)
    n = int(37 * fps)
    src = tmp_path / "clip.mp4"
    with video.VideoSink(src, fps, wh) as sink:
        for _ in range(n):
            sink.write(np.full((wh[1], wh[0], 3), 90, np.uint8))
    frames = worst_rep_keyframes(src, fake_pose(n, wh, fps), fake_assessment("left"))
    assert len(frames) == 2
    (cap_l, img_l), (cap_r, _) = frames.items()
    assert cap_l.startswith("Left leg") and cap_r.startswith("Right leg")
    assert img_l.dtype == np.uint8 and img_l.ndim == 3
    assert 40 < img_l.shape[0] <= 120 and 20 < img_l.shape[1] < 160  # cropped around the person
    assert (img_l != 90).any()  # something was drawn


def test_person_box():
    xy = np.full((33, 2), np.nan)
    xy[0], xy[1] = (100, 100), (200, 300)  # 100 x 200 px person
    assert person_box(xy, 1000, 1000, margin=0.25) == (50, 30, 250, 350)  # pad 50, banner room 20
    assert person_box(xy, 220, 320, margin=0.25) == (50, 30, 220, 320)  # clipped to the frame
    assert person_box(np.full((33, 2), np.nan), 640, 480) == (0, 0, 640, 480)


def test_two_legged_rep_worst_for_both_sides_is_shown_once(fake_assessment):
    a = fake_assessment("left")
    reps = [Rep(1, "squat", 0, 1, 2, None, {"knee_fppa_deg_left": 5.0, "knee_fppa_deg_right": 4.0}),
            Rep(2, "squat", 2, 3, 4, None, {"knee_fppa_deg_left": 9.0, "knee_fppa_deg_right": 8.0})]  # fmt: skip
    squat = dataclasses.replace(next(e for e in a.exercises if e.exercise == "squat"), reps=reps)
    specs = keyframe_specs(dataclasses.replace(a, exercises=[squat], evidence=[]))
    assert len(specs) == 1 and specs[0].rep is reps[1] and specs[0].also is not None
    assert specs[0].caption == (
        "Both legs: squat, rep 2 – knee valgus (FPPA) 9.0° left, knee valgus (FPPA) 8.0° right "
        "(worst rep of both sides, at its peak)"
    )


def test_peak_time_is_argmax_within_rep(fake_assessment):
    a = fake_assessment("left")
    spec = keyframe_specs(a)[0]
    rep = spec.rep
    t = a.metrics.t_s
    sel = (t >= rep.t_start_s) & (t <= rep.t_end_s)
    col = a.metrics["pelvic_drop_deg_left"]
    assert spec.t_s == t[sel][np.nanargmax(col[sel])]
    assert rep.t_start_s <= spec.t_s <= rep.t_end_s
