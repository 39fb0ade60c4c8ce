"""A single-leg stance is found however the leg is lifted, and the drop is judged only from a line that reads it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hipcheck.analysis import analyze_pose, hands_on_hips, pelvis_line
from hipcheck.analysis.movement import LIFT_OFF, LIFT_ON, movement_features, swing_lift
from hipcheck.lab import make_pose, step_profile
from hipcheck.landmarks import INDEX, L_HIP, R_HIP

N, FPS = 150, 30.0
LIFT = step_profile(n_frames=N, fps=FPS, t_on_s=1.0, t_off_s=4.0, ramp_s=0.3)


def _features(lift: float, abduction: float = 0.0, knee_gap: float = 0.0):
    """Standing features with the right foot lifted ``lift`` shank lengths in the middle third,
    its leg abducted / knee bent by the given degrees there."""
    f = movement_features(make_pose(n_frames=N, fps=FPS))
    mid = np.zeros(N, dtype=bool)
    mid[N // 3 : 2 * N // 3] = True
    lifted = f.lift.copy()
    lifted[mid] = [-lift, lift]
    abd = np.zeros((N, 2))
    abd[mid, 1] = abduction
    knees = np.full((N, 2), 10.0)
    knees[mid, 1] += knee_gap
    return dataclasses.replace(f, lift=lifted, abduction_deg=abd, knee_flex_deg=knees), mid


@pytest.mark.parametrize(
    ("lift", "abduction", "knee_gap", "lifted"),
    [
        (0.18, 20.0, 0.0, True),  # foot out to the side, barely off the floor
        (0.18, 0.0, 50.0, True),  # knee bent, the foot behind (low in the image)
        (0.18, 0.0, 0.0, False),  # a foot a little higher, nothing else: not a stance
        (0.05, 30.0, 0.0, False),  # a wide stance with both feet down
    ],
)
def test_swing_lift_counts_a_foot_lifted_to_the_side_or_behind(lift, abduction, knee_gap, lifted):
    f, mid = _features(lift, abduction, knee_gap)
    out = swing_lift(f)
    assert bool(np.all(out[mid, 1] > LIFT_ON)) is lifted
    assert np.all(out[~mid, 1] < LIFT_OFF)


def _sls(*, mask: bool, drop: float = 9.0):
    tilt = np.where(np.arange(N) / FPS > 1.5, -drop, 0.0) * LIFT  # stance left, the right hip drops
    return make_pose(
        n_frames=N, fps=FPS, foot_lift={"right": LIFT}, pelvic_obliquity_deg=-tilt, hip_landmark_gain=0.33,
        with_pelvis_mask=mask,
    )  # fmt: skip


def test_without_a_waistline_the_silhouette_reads_the_drop():
    a = analyze_pose(_sls(mask=True))
    assert a.provenance["analysis"]["pelvic_drop_source"] == "silhouette"
    assert a.verdict.weaker_side == "left"
    assert "pelvic_drop_deg" not in a.not_measured


def test_with_only_the_hip_landmarks_the_drop_is_not_judged():
    a = analyze_pose(_sls(mask=False))
    assert a.provenance["analysis"]["pelvic_drop_source"] == "hip_landmarks"
    assert a.verdict.weaker_side == "insufficient"
    assert "could not be judged" in a.not_measured["pelvic_drop_deg"]
    assert any("could not be judged" in r for r in a.verdict.reasons)
    assert all(r.metric != "pelvic_drop_deg" for r in a.evidence)


def test_hands_on_the_hips_hide_the_hip_contour():
    pose = make_pose(n_frames=3)
    xy = pose.xy_px.copy()
    for side, hip in (("left", L_HIP), ("right", R_HIP)):
        elbow, wrist = INDEX[f"{side}_elbow"], INDEX[f"{side}_wrist"]
        out = np.sign(xy[:, hip, 0] - xy[:, [L_HIP, R_HIP], 0].mean(1))[:, None]
        xy[:, elbow] = xy[:, hip] + np.array([1.0, -1.2])[None] * 60.0 * np.array([out[:, 0], np.ones(3)]).T
        xy[:, wrist] = xy[:, hip] + np.array([0.3, -0.4])[None] * 60.0 * np.array([out[:, 0], np.ones(3)]).T
    assert not hands_on_hips(pose.xy_px).any()  # arms hanging
    assert hands_on_hips(xy).all()
    t = np.linspace(0, 5, 10)
    rows = np.ones(10, dtype=bool)
    line = pelvis_line(
        hip_obliquity_deg=t, waist_obliquity_deg=None, baseline_rows=rows, active_rows=rows,
        silhouette_obliquity_deg=2 * t, hands_on_hips=rows,
    )  # fmt: skip
    assert line.source == "hip_landmarks" and not line.judges_drop
    assert "hands rest on the hips" in line.note
