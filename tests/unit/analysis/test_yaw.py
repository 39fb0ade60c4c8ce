"""Frontal-plane metrics follow the body, not the camera: a yawed camera is undone."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hipcheck.analysis import YAW_LIMIT_DEG, analyze_pose, estimate_yaw_deg, observe_camera
from hipcheck.analysis import geometry as g
from hipcheck.lab import make_pose, squat_depth_profile
from hipcheck.landmarks import L_ANKLE, L_HIP, L_KNEE, R_ANKLE, R_HIP, R_KNEE

N, FPS = 120, 30.0
DEPTH = squat_depth_profile(n_frames=N, fps=FPS, n_reps=3, rest_s=0.5)


def _fppa(xy: np.ndarray) -> dict[str, np.ndarray]:
    out = {}
    for side, (h, k, a, o) in {
        "left": (L_HIP, L_KNEE, L_ANKLE, R_HIP),
        "right": (R_HIP, R_KNEE, R_ANKLE, L_HIP),
    }.items():
        out[side] = g.knee_fppa_deg(hip_xy=xy[:, h], knee_xy=xy[:, k], ankle_xy=xy[:, a], contralateral_hip_xy=xy[:, o])
    return out


def _squat(yaw: float, valgus: dict[str, float] | float = 0.0, **kw: object):
    return make_pose(n_frames=N, fps=FPS, yaw_deg=yaw, squat_depth=0.8 * DEPTH, knee_valgus_deg=valgus, **kw)  # type: ignore[arg-type]


def test_axis_yaw_reads_the_sign_convention():
    # the left hip 0.1 m farther from the camera than the right one, 0.2 m apart: +26.6°
    yaw = g.axis_yaw_deg(left_world_m=np.array([[0.1, 0.0, 0.05]]), right_world_m=np.array([[-0.1, 0.0, -0.05]]))
    assert yaw[0] == pytest.approx(math.degrees(math.atan2(0.1, 0.2)))
    # a back view (the left hip on the image left) folds to the same angle
    back = g.axis_yaw_deg(left_world_m=np.array([[-0.1, 0.0, -0.05]]), right_world_m=np.array([[0.1, 0.0, 0.05]]))
    assert back[0] == pytest.approx(yaw[0])


def test_derotate_yaw_is_the_inverse_rotation():
    rng = np.random.default_rng(3)
    body = rng.normal(size=(4, 5, 3))  # x lateral (image right square on), y down, z behind the frontal plane
    t = math.radians(12.0)
    seen_x = body[..., 0] * math.cos(t) - body[..., 2] * math.sin(t)
    seen = np.stack([seen_x, body[..., 1]], axis=-1)
    # depth of each point behind the frontal plane in the body's frame, as foreshortening gives it
    back = g.derotate_yaw_xy(xy_px=seen, depth_px=body[..., 2], yaw_deg=12.0, pivot_x_px=np.zeros(4))
    np.testing.assert_allclose(back[..., 0], body[..., 0], atol=1e-12)
    np.testing.assert_allclose(back[..., 1], body[..., 1])


def test_segment_forward_reads_foreshortening():
    # standing (its full length) in most frames, then pitched 60° toward the camera, then missing
    bottom = np.array([[0.0, 0.45]] * 20 + [[0.0, 0.45 * math.cos(math.radians(60))], [np.nan, np.nan]])
    fwd = g.segment_forward_px(top_xy=np.zeros_like(bottom), bottom_xy=bottom)
    assert fwd[0] == pytest.approx(0.0)
    assert fwd[20] == pytest.approx(0.45 * math.sin(math.radians(60)))
    assert math.isnan(fwd[21])


@pytest.mark.parametrize("yaw", [-12.0, -6.0, 6.0, 12.0])
def test_a_symmetric_squat_filmed_off_square_reads_symmetric_in_the_bodys_plane(yaw):
    pose = _squat(yaw)
    raw = _fppa(pose.xy_px)
    fixed = _fppa(g.frontal_plane_xy(pose.xy_px, yaw))
    deep = DEPTH > 0.5
    raw_gap = np.nanmax(np.abs(raw["left"][deep] - raw["right"][deep]))
    fixed_gap = np.nanmax(np.abs(fixed["left"][deep] - fixed["right"][deep]))
    assert raw_gap > 8.0  # the artefact: one knee valgus, the other varus
    assert fixed_gap < 1.5
    assert np.nanmax(np.abs(fixed["left"][deep])) < 1.5


def test_yaw_is_estimated_from_the_world_hip_and_shoulder_lines():
    est = estimate_yaw_deg(_squat(9.0))
    assert est.yaw_deg == pytest.approx(9.0, abs=0.2)
    assert est.n_frames == N


@pytest.mark.parametrize("yaw", [-12.0, 0.0, 12.0])
def test_verdicts_follow_the_body_at_any_yaw(yaw):
    assert analyze_pose(_squat(yaw)).verdict.weaker_side == "none"
    right = analyze_pose(_squat(yaw, {"left": 0.0, "right": 14.0}))
    assert right.verdict.weaker_side == "right"
    assert right.yaw_deg == pytest.approx(yaw, abs=0.5)
    assert right.to_dict()["yaw_deg"] == pytest.approx(yaw, abs=0.5)
    assert analyze_pose(_squat(yaw, {"left": 0.0, "right": 14.0}).mirrored()).verdict.weaker_side == "left"


def test_beyond_the_yaw_limit_knee_valgus_is_not_judged():
    pose = _squat(YAW_LIMIT_DEG + 4.0, {"left": 0.0, "right": 14.0})
    camera = observe_camera(pose)
    assert camera.view.view == "front"
    a = analyze_pose(pose)
    assert (
        "knee_fppa_deg" in a.not_measured and "turn a little to your right" in a.not_measured["knee_fppa_deg"].lower()
    )
    assert all(r.metric != "knee_fppa_deg" for r in a.evidence)
    assert a.verdict.weaker_side == "insufficient"
    turned_right = observe_camera(_squat(-(YAW_LIMIT_DEG + 4.0))).unjudged()
    assert "turn a little to your left" in turned_right["knee_fppa_deg"].lower()
