"""Camera roll and view: synthetic known answers and the recorded catalog fixtures."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest

from hipcheck import analysis as camera
from hipcheck.lab import BodyDims, make_pose
from hipcheck.landmarks import L_HIP, PoseSeries
from support import FIXTURES

FIXTURE_DIRS = (FIXTURES,)


@pytest.mark.parametrize("roll", [-5.0, 0.0, 3.0, 5.0])
@pytest.mark.parametrize("view", ["front", "back"])
def test_roll_recovered_from_standing_body(roll: float, view: str) -> None:
    pose = make_pose(n_frames=30, view=view, roll_deg=roll, resolution_wh=(720, 1280))
    est = camera.estimate_roll_deg(pose)
    assert est.roll_deg == pytest.approx(roll, abs=0.1)
    assert est.method == "floor_line+body_vertical" and est.n_frames == 30


def test_roll_side_view_uses_feet() -> None:
    est = camera.estimate_roll_deg(make_pose(n_frames=10, view="side", roll_deg=4.0))
    assert est.roll_deg == pytest.approx(4.0, abs=0.1) and est.method == "floor_line"


def test_roll_uses_only_standing_frames() -> None:
    depth = np.r_[np.zeros(10), np.linspace(0, 1, 20)]
    lift = np.r_[np.zeros(10), np.ones(20)]
    pose = make_pose(
        n_frames=30, roll_deg=-3.0, squat_depth=depth * 0, foot_lift={"left": lift}, trunk_lean_deg=lift * 8
    )
    est = camera.estimate_roll_deg(pose)
    assert est.roll_deg == pytest.approx(-3.0, abs=0.1) and est.n_frames == 10


def test_roll_none_without_standing() -> None:
    pose = make_pose(n_frames=5)
    xy = pose.xy_px.copy()
    xy[:] = np.nan
    est = camera.estimate_roll_deg(pose.replace(xy_px=xy), view="front")
    assert np.isnan(est.roll_deg) and est.method == "none"


def test_derotate_inverts_roll() -> None:
    level = make_pose(n_frames=2, resolution_wh=(640, 480))
    rolled = make_pose(n_frames=2, resolution_wh=(640, 480), roll_deg=7.0)
    back = camera.derotate_xy(xy_px=rolled.xy_px, roll_deg=7.0, resolution_wh=(640, 480))
    np.testing.assert_allclose(back, level.xy_px, atol=1e-9)
    # the convention: a level horizontal drawn under +roll descends toward the image right
    seg = camera.derotate_xy(xy_px=np.array([[0.0, 0.0], [1.0, 0.0]]), roll_deg=-10.0, resolution_wh=(2, 2))
    d = seg[1] - seg[0]
    assert np.degrees(np.arctan2(d[1], d[0])) == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("yaw", "view"),
    [(0, "front"), (20, "front"), (45, "oblique"), (-40, "oblique"), (90, "side"), (-80, "side"),
     (135, "oblique"), (180, "back"), (165, "back")],
)  # fmt: skip
def test_view_from_synthetic_yaw(yaw: float, view: str) -> None:
    est = camera.classify_view(make_pose(n_frames=8, yaw_deg=yaw, squat_depth=np.linspace(0, 0.8, 8)))
    assert est.view == view
    assert est.yaw_deg == pytest.approx(abs(yaw), abs=0.5)


def test_view_without_world_landmarks_uses_image() -> None:
    for yaw, view in ((0, "front"), (180, "back"), (90, "side")):
        pose = make_pose(n_frames=6, yaw_deg=yaw)
        pose = pose.replace(xyz_world_m=np.full_like(pose.xyz_world_m, np.nan))
        assert camera.classify_view(pose).view == view


def test_leg_torso_ratio_known_body_and_a_misread_one() -> None:
    """Leg (0.45 + 0.43 m, as built to ~0.5 %) over torso (0.52 m) = 1.69 in any view; legs 3× too long are a misread
    pose: view unknown, with the reason, whatever the yaw."""
    for yaw in (0, 90, 180):
        assert camera.leg_torso_ratio(make_pose(n_frames=5, yaw_deg=yaw)) == pytest.approx(0.88 / 0.52, abs=0.01)
    long_legs = make_pose(n_frames=5, dims=BodyDims(thigh=1.35, shank=1.29))
    assert camera.leg_torso_ratio(long_legs) == pytest.approx(2.64 / 0.52, abs=0.03)
    est = camera.classify_view(long_legs)
    assert est.view == "unknown" and "misread the body" in est.reason
    assert camera.classify_view(make_pose(n_frames=5)).reason == ""


def test_view_unknown_without_body() -> None:
    pose = make_pose(n_frames=4)
    assert camera.classify_view(pose.replace(xy_px=np.full_like(pose.xy_px, np.nan))).view == "unknown"


def _scene(roll: float) -> np.ndarray:
    img = np.full((480, 640, 3), 40, np.uint8)
    for y in (120, 240, 360):  # three long horizontal edges (shelves, floor line)
        cv2.rectangle(img, (40, y), (600, y + 30), (220, 220, 220), -1)
    rot = cv2.getRotationMatrix2D((320, 240), -roll, 1.0)  # OpenCV angle + = counter-clockwise on screen
    return cv2.warpAffine(img, rot, (640, 480), borderValue=(40, 40, 40))


@pytest.mark.parametrize("roll", [-4.0, 0.0, 6.0])
def test_roll_from_image_lines(roll: float) -> None:
    est = camera.estimate_roll_from_image(_scene(roll))
    assert est is not None and est == pytest.approx(roll, abs=0.5)


def test_roll_from_image_none_on_blank() -> None:
    assert camera.estimate_roll_from_image(np.zeros((100, 100, 3), np.uint8)) is None


BAD = [
    (lambda: camera.derotate_xy(xy_px=np.zeros((3, 3)), roll_deg=0.0, resolution_wh=(10, 10)),
     "xy_px: expected shape (..., 2), got (3, 3)"),
    (lambda: camera.derotate_xy(xy_px=np.zeros((3, 2)), roll_deg=float("nan"), resolution_wh=(10, 10)),
     "roll_deg: expected a finite angle in degrees, got nan"),
    (lambda: camera.derotate_xy(xy_px=np.zeros((3, 2)), roll_deg=0.0, resolution_wh=(0, 10)),
     "resolution_wh: expected (width, height) > 0, got (0, 10)"),
    (lambda: camera.estimate_roll_from_image(np.zeros((4, 4, 3), np.float32)),
     "image_bgr: expected a uint8 (H, W[, 3]) image, got float32 (4, 4, 3)"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "message"), BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_bad_inputs(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        call()


# ---------------------------------------------------------------- recorded fixtures (real MediaPipe output)
CATALOG_VIEWS = {
    "squat_front_bodyweight_armsup_01": "front",
    "squat_front_bodyweight_armsup_02": "front",
    "squat_front_bodyweight_armsup_03": "front",
    "squat_front_bodyweight_armsup_04": "front",
    "squat_front_bodyweight_shallow_bad_01": "front",
    "squat_front_bodyweight_shallow_bad_02": "front",
    "squat_front_bodyweight_wide_01": "front",
    "squat_front_banded_overhead_01": "front",
    "squat_frontoblique_bodyweight_01": "oblique",  # catalog: front-oblique (~30 deg)
    "squat_oblique_bodyweight_armsup_01": "oblique",
    "squat_oblique_bodyweight_armsup_04": "oblique",
    "squat_oblique_bodyweight_armsup_bad_02": "oblique",
    "lunge_oblique_banded_reverse_02": "oblique",
    "squat_side_bodyweight_armsup_03": "side",
    "lunge_side_bodyweight_04": "side",
    "gait_side_04": "side",
}


def _fixture(name: str) -> PoseSeries:
    for folder in FIXTURE_DIRS:
        path = folder / f"{name}.npz"
        if path.is_file():
            return PoseSeries.load_npz(path)
    pytest.skip(f"fixture {name}.npz not recorded")


@pytest.mark.parametrize("name", list(CATALOG_VIEWS))
def test_catalog_views(name: str) -> None:
    pose = _fixture(name)
    assert camera.classify_view(pose).view == CATALOG_VIEWS[name]
    assert camera.classify_view(pose.mirrored()).view == CATALOG_VIEWS[name]


@pytest.mark.parametrize("name", [n for n, v in CATALOG_VIEWS.items() if v == "front"])
def test_catalog_front_clips_roll_small_and_mirror_flips(name: str) -> None:
    pose = _fixture(name)
    est = camera.estimate_roll_deg(pose)
    assert abs(est.roll_deg) < 3.0  # the catalog's phone and studio cameras are level within a few degrees
    mirrored = camera.estimate_roll_deg(pose.mirrored())
    assert mirrored.roll_deg == pytest.approx(-est.roll_deg, abs=1e-6)
    assert np.all(np.isfinite(pose.xy_px[:, L_HIP]))
