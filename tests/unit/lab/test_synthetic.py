"""The synthetic skeleton builder carries its built-in answers exactly."""

from __future__ import annotations

import numpy as np
import pytest

from hipcheck.lab import make_pose, squat_depth_profile, step_profile
from hipcheck.landmarks import (
    L_ANKLE,
    L_HEEL,
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    R_ANKLE,
    R_HEEL,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
)


def _obliquity(xy: np.ndarray) -> np.ndarray:
    left, right = xy[:, L_HIP], xy[:, R_HIP]
    return np.degrees(np.arctan2(right[:, 1] - left[:, 1], np.abs(left[:, 0] - right[:, 0])))


def _interior(xy: np.ndarray, h: int, k: int, a: int) -> np.ndarray:
    u, v = xy[:, h] - xy[:, k], xy[:, a] - xy[:, k]
    cos = (u * v).sum(1) / np.linalg.norm(u, axis=1) / np.linalg.norm(v, axis=1)
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


@pytest.mark.parametrize("view", ["front", "back"])
def test_obliquity_and_valgus_exact(view: str) -> None:
    depth = np.linspace(0, 1, 7)
    p = make_pose(
        n_frames=7,
        view=view,
        pelvic_obliquity_deg=8.0,
        knee_valgus_deg={"left": -3.0, "right": 12.0},
        squat_depth=depth,
    )
    np.testing.assert_allclose(_obliquity(p.xy_px), 8.0, atol=1e-9)
    np.testing.assert_allclose(180 - _interior(p.xy_px, R_HIP, R_KNEE, R_ANKLE), 12.0, atol=1e-6)
    np.testing.assert_allclose(180 - _interior(p.xy_px, L_HIP, L_KNEE, L_ANKLE), 3.0, atol=1e-6)  # varus: unsigned
    # left hip higher (smaller y) and the subject's left on the correct image side
    assert np.all(p.xy_px[:, L_HIP, 1] < p.xy_px[:, R_HIP, 1])
    left_on_right = p.xy_px[:, L_HIP, 0] > p.xy_px[:, R_HIP, 0]
    assert np.all(left_on_right) if view == "front" else not np.any(left_on_right)


@pytest.mark.parametrize("view", ["front", "back"])
def test_valgus_knee_moves_toward_midline(view: str) -> None:
    p0 = make_pose(n_frames=1, view=view)
    p1 = make_pose(n_frames=1, view=view, knee_valgus_deg={"right": 12.0})
    mid = p0.xy_px[0, [L_HIP, R_HIP], 0].mean()
    assert abs(p1.xy_px[0, R_KNEE, 0] - mid) < abs(p0.xy_px[0, R_KNEE, 0] - mid)


def test_feet_on_floor_and_roll() -> None:
    p = make_pose(n_frames=2, pelvic_obliquity_deg=6.0, roll_deg=5.0, resolution_wh=(720, 1280))
    heel_l, heel_r = p.xy_px[0, L_HEEL], p.xy_px[0, R_HEEL]
    # front view: the right heel is on the image left; the floor descends 5 deg toward the image right
    assert np.degrees(np.arctan2(heel_l[1] - heel_r[1], heel_l[0] - heel_r[0])) == pytest.approx(5.0, abs=1e-9)


def test_trunk_lean_sign() -> None:
    p = make_pose(n_frames=1, trunk_lean_deg=10.0)
    sh = p.xy_px[0, [L_SHOULDER, R_SHOULDER]].mean(0)
    hip = p.xy_px[0, [L_HIP, R_HIP]].mean(0)
    # front view: the subject's left is image right
    assert np.degrees(np.arctan2(sh[0] - hip[0], hip[1] - sh[1])) == pytest.approx(10.0)


def test_world_landmarks_metres_and_hip_centred() -> None:
    p = make_pose(n_frames=3, view="back")
    hip_mid = p.xyz_world_m[:, [L_HIP, R_HIP]].mean(1)
    np.testing.assert_allclose(hip_mid, 0, atol=1e-12)
    assert 0.8 < p.xyz_world_m[0, L_HEEL, 1] < 1.0  # floor about 0.9 m below the hips (y down)
    assert p.visibility[0, 0] < 0.5  # face turned away


def test_pelvis_mask_symmetric_only_when_level() -> None:
    p = make_pose(n_frames=2, pelvic_obliquity_deg=np.array([0.0, 10.0]), hip_landmark_gain=0.3, with_pelvis_mask=True)
    assert p.pelvis_mask is not None and p.pelvis_box_px is not None
    m = p.pelvis_mask.astype(float)
    assert (m[0] > 127).sum() > 500
    # the box is centred on the hip midpoint: a level pelvis gives a mirror-symmetric mask
    assert np.abs(m[0] - m[0][:, ::-1]).mean() < 1.0
    assert np.abs(m[1] - m[1][:, ::-1]).mean() > 5.0
    np.testing.assert_allclose(_obliquity(p.xy_px), [0.0, 3.0], atol=1e-9)  # landmarks show 30 %


def test_profiles() -> None:
    d = squat_depth_profile(n_frames=300, fps=30, n_reps=3)
    assert d[0] == 0 and d.max() == pytest.approx(1.0, abs=1e-3)
    s = step_profile(n_frames=100, fps=10, t_on_s=2, t_off_s=6)
    assert s[0] == 0 and s[40] == 1 and s[-1] == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_frames": 0}, "n_frames: expected >= 1, got 0"),
        ({"n_frames": 3, "view": "top"}, "view: expected one of"),
        ({"n_frames": 3, "squat_depth": np.zeros(4)}, "squat_depth: expected a scalar or shape (3,), got (4,)"),
        ({"n_frames": 3, "knee_valgus_deg": {"middle": 1.0}}, "knee_valgus_deg: expected keys"),
    ],
)
def test_bad_inputs(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make_pose(**kwargs)
