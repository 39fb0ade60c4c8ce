"""Geometry metrics recover the answers built into synthetic skeletons."""

from __future__ import annotations

import numpy as np
import pytest

from hipcheck.analysis import geometry as g
from hipcheck.lab import make_pose
from hipcheck.landmarks import PoseSeries
from hipcheck.metrics import METRICS
from support import FIXTURES

TOL = 0.1  # degrees, issue 4 "Done when"

SIGNED = (
    "pelvic_obliquity_deg", "pelvic_tilt_deg", "hip_height_asymmetry_deg", "hip_height_asymmetry_cm",
    "lateral_pelvic_shift", "trunk_lean_deg", "pelvic_rotation_deg",
)  # fmt: skip


def _case(**kw: object) -> PoseSeries:
    base: dict[str, object] = {
        "n_frames": 5, "pelvic_obliquity_deg": 8.0, "knee_valgus_deg": {"left": 0.0, "right": 12.0},
        "squat_depth": np.linspace(0.0, 0.6, 5), "trunk_lean_deg": 4.0, "lateral_shift_m": 0.03,
    }  # fmt: skip
    base.update(kw)
    return make_pose(**base)  # type: ignore[arg-type]


VARIANTS = {
    "front": {},
    "back": {"view": "back"},
    "roll5": {"roll_deg": 5.0},
    "roll-5_back": {"roll_deg": -5.0, "view": "back"},
    "translated": {"translate_px": (-180.0, 40.0)},
    "scaled": {"scale_px_per_m": 150.0},
    "portrait": {"resolution_wh": (1080, 1920)},
    "small_square": {"resolution_wh": (480, 480), "roll_deg": 5.0},
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_known_answers_recovered(variant: str) -> None:
    kw = VARIANTS[variant]
    pose = _case(**kw)
    t = g.compute_metrics(pose, roll_deg=float(kw.get("roll_deg", 0.0)))  # type: ignore[arg-type]
    np.testing.assert_allclose(t["pelvic_obliquity_deg"], 8.0, atol=TOL)
    np.testing.assert_allclose(t["hip_height_asymmetry_deg"], 8.0, atol=TOL)
    np.testing.assert_allclose(t["knee_fppa_deg_right"], 12.0, atol=TOL)
    np.testing.assert_allclose(t["knee_fppa_deg_left"], 0.0, atol=TOL)
    np.testing.assert_allclose(t["trunk_lean_deg"], 4.0, atol=TOL)
    np.testing.assert_allclose(t["pelvic_rotation_deg"], 0.0, atol=TOL)
    # 0.22 m hip line tilted 8 deg: 0.22 sin 8 deg = 3.06 cm, left higher
    np.testing.assert_allclose(t["hip_height_asymmetry_cm"], 22.0 * np.sin(np.radians(8.0)), atol=0.01)
    assert np.all(t["lateral_pelvic_shift"] > 0.05)  # pelvis shifted 3 cm toward the subject's left


def test_invariant_to_translation_scale_and_frame() -> None:
    ref = g.compute_metrics(_case())
    for kw in ({"translate_px": (77.0, -31.0)}, {"scale_px_per_m": 120.0}, {"resolution_wh": (1920, 1080)}):
        t = g.compute_metrics(_case(**kw))
        for name in ("pelvic_obliquity_deg", "knee_fppa_deg_left", "knee_fppa_deg_right", "trunk_lean_deg",
                     "lateral_pelvic_shift", "knee_ankle_separation_ratio", "squat_depth"):  # fmt: skip
            np.testing.assert_allclose(t[name], ref[name], atol=1e-9, err_msg=f"{name} {kw}")


def test_mirroring_swaps_sides_and_flips_signs() -> None:
    pose = _case(view="back", with_pelvis_mask=True, hip_landmark_gain=0.33)
    t, m = g.compute_metrics(pose), g.compute_metrics(pose.mirrored())
    for name in SIGNED:
        np.testing.assert_allclose(m[name], -t[name], atol=1e-6, err_msg=name)
    for name in ("knee_fppa_deg", "knee_flexion_deg"):
        np.testing.assert_allclose(m[f"{name}_left"], t[f"{name}_right"], atol=1e-6)
        np.testing.assert_allclose(m[f"{name}_right"], t[f"{name}_left"], atol=1e-6)
    np.testing.assert_allclose(m["squat_depth"], t["squat_depth"], atol=1e-9)


def test_back_view_same_anatomical_answers() -> None:
    front = g.compute_metrics(_case(roll_deg=3.0), roll_deg=3.0)
    back = g.compute_metrics(_case(view="back", roll_deg=3.0), roll_deg=3.0)
    for name in (*SIGNED[:1], *SIGNED[2:], "knee_fppa_deg_left", "knee_fppa_deg_right", "knee_ankle_separation_ratio"):
        np.testing.assert_allclose(back[name], front[name], atol=1e-6, err_msg=name)


def test_left_valgus_and_varus_signs() -> None:
    t = g.compute_metrics(_case(knee_valgus_deg={"left": 12.0, "right": -6.0}, view="back"))
    np.testing.assert_allclose(t["knee_fppa_deg_left"], 12.0, atol=TOL)
    np.testing.assert_allclose(t["knee_fppa_deg_right"], -6.0, atol=TOL)
    assert np.all(t["knee_ankle_separation_ratio"] < 1.0)


def test_uncorrected_roll_biases_obliquity_by_the_roll() -> None:
    t = g.compute_metrics(_case(roll_deg=5.0, pelvic_obliquity_deg=0.0))  # front view: roll reads as -5 deg
    np.testing.assert_allclose(t["pelvic_obliquity_deg"], -5.0, atol=1e-6)


@pytest.mark.parametrize("view", ["front", "back"])
@pytest.mark.parametrize("roll", [0.0, 5.0])
def test_silhouette_tilt_follows_a_rigid_trunk_and_pelvis(view: str, roll: float) -> None:
    tilts = np.array([-8.0, -4.0, 0.0, 4.0, 8.0])
    # left side up = the body turns so the trunk leans toward the subject's right (negative lean)
    pose = make_pose(
        n_frames=5, view=view, pelvic_obliquity_deg=tilts, trunk_lean_deg=-tilts, roll_deg=roll,
        squat_depth=0.3, with_pelvis_mask=True,
    )  # fmt: skip
    t = g.compute_metrics(pose, roll_deg=roll)
    np.testing.assert_allclose(t["pelvic_tilt_deg"], tilts, atol=0.3)


@pytest.mark.parametrize("view", ["front", "back"])
def test_silhouette_tilt_reads_more_than_under_reading_landmarks(view: str) -> None:
    tilts = np.array([-8.0, -4.0, 0.0, 4.0, 8.0])
    pose = make_pose(n_frames=5, view=view, pelvic_obliquity_deg=tilts, hip_landmark_gain=0.33, with_pelvis_mask=True)
    t = g.compute_metrics(pose)
    np.testing.assert_allclose(t["pelvic_obliquity_deg"], 0.33 * tilts, atol=1e-6)
    tilt = t["pelvic_tilt_deg"]
    assert abs(tilt[2]) < 0.1 and np.all(np.diff(tilt) > 0)
    # the synthetic waist band mixes the tilted pelvis with an upright lower trunk: about half the drop
    assert np.all(np.abs(tilt[[0, 1, 3, 4]]) > 0.45 * np.abs(tilts[[0, 1, 3, 4]]))


def test_no_mask_no_tilt_column() -> None:
    t = g.compute_metrics(_case())
    assert "pelvic_tilt_deg" not in t
    assert set(t.units) >= {"knee_fppa_deg", "pelvic_obliquity_deg"}


def test_fppa_not_reported_on_a_foreshortened_thigh() -> None:
    depth = np.linspace(0.0, 1.0, 11)  # thigh pitch 0..80 deg toward the camera: projected length cos(pitch)
    t = g.compute_metrics(make_pose(n_frames=11, squat_depth=depth, knee_valgus_deg=10.0))
    pitch = np.radians(80.0 * depth)
    shown = np.cos(pitch) >= g.FPPA_MIN_THIGH_FRACTION
    np.testing.assert_allclose(t["knee_fppa_deg_left"][shown], 10.0, atol=TOL)
    assert np.isnan(t["knee_fppa_deg_right"][~shown]).all() and (~shown).sum() == 3


def test_contralateral_pelvic_drop() -> None:
    theta = np.array([2.0, -6.0])
    np.testing.assert_allclose(
        g.contralateral_pelvic_drop_deg(obliquity_deg=theta, baseline_deg=1.0, stance_side="left"), [1, -7]
    )
    np.testing.assert_allclose(
        g.contralateral_pelvic_drop_deg(obliquity_deg=theta, baseline_deg=1.0, stance_side="right"), [-1, 7]
    )


def test_single_leg_stance_right_hip_drop_is_positive_cpd_left() -> None:
    # standing on the left leg, the right (swing) hip drops 8 deg => obliquity +8 (left higher)
    pose = make_pose(n_frames=3, pelvic_obliquity_deg=8.0, foot_lift={"right": 1.0})
    theta = g.compute_metrics(pose)["pelvic_obliquity_deg"]
    np.testing.assert_allclose(
        g.contralateral_pelvic_drop_deg(obliquity_deg=theta, baseline_deg=0.0, stance_side="left"), 8.0, atol=TOL
    )


def test_depth_and_flexion_grow_with_squat() -> None:
    depth = np.clip(np.linspace(-0.5, 1.0, 40), 0.0, 1.0)  # standing for the first third
    t = g.compute_metrics(make_pose(n_frames=40, squat_depth=depth))
    np.testing.assert_allclose(t["squat_depth"][:13], 0.0, atol=1e-9)
    assert np.all(np.diff(t["squat_depth"][14:]) > 0) and 0.9 < t["squat_depth"][-1] < 1.3
    assert np.all(np.diff(t["knee_flexion_deg_left"][14:]) > 0)
    np.testing.assert_allclose(t["knee_flexion_deg_left"][-1], 80.0 + 35.0, atol=TOL)  # thigh 80 + shank 35 deg pitch


def test_balance_sway() -> None:
    x = np.array([100.0, 102.0, 98.0, 100.0, np.nan])
    assert g.balance_sway(hip_mid_x_px=x, hip_width_px=np.full(5, 40.0)) == pytest.approx(np.std(x[:4]) / 40.0)
    assert np.isnan(g.balance_sway(hip_mid_x_px=x[:2], hip_width_px=np.full(2, 40.0)))


def test_nan_propagates() -> None:
    pose = _case()
    xy = pose.xy_px.copy()
    xy[2, 23] = np.nan  # left hip: obliquity and both FPPAs (the other hip gives the medial side) are missing
    xy[3, 25] = np.nan  # left knee: only the left FPPA is missing
    t = g.compute_metrics(pose.replace(xy_px=xy))
    assert np.isnan(t["pelvic_obliquity_deg"][2]) and np.isfinite(t["pelvic_obliquity_deg"][1])
    assert np.isnan(t["knee_fppa_deg_right"][2]) and np.isnan(t["knee_fppa_deg_left"][2])
    assert np.isnan(t["knee_fppa_deg_left"][3]) and np.isfinite(t["knee_fppa_deg_right"][3])


def test_metric_table_entries() -> None:
    for name, spec in METRICS.items():
        assert spec.name == name and spec.unit and spec.description
    assert METRICS["knee_fppa_deg"].sided and METRICS["knee_fppa_deg"].needs_frontal_view
    assert not METRICS["pelvic_rotation_deg"].needs_frontal_view
    assert set(g.COMPUTE) <= set(METRICS)  # every computed metric is registered


P2 = np.zeros((4, 2))
BAD = [
    (lambda: g.pelvic_obliquity_deg(left_hip_xy=np.zeros((4, 3)), right_hip_xy=P2),
     "left_hip_xy: expected shape (..., 2), got (4, 3)"),
    (lambda: g.pelvic_obliquity_deg(left_hip_xy=P2, right_hip_xy=np.zeros((5, 2))),
     "right_hip_xy: expected shape (4, 2) like the other points, got (5, 2)"),
    (lambda: g.knee_fppa_deg(hip_xy=P2, knee_xy=P2, ankle_xy=P2, contralateral_hip_xy=np.zeros(2)),
     "contralateral_hip_xy: expected shape (4, 2) like the other points, got (2,)"),
    (lambda: g.contralateral_pelvic_drop_deg(obliquity_deg=[1.0], baseline_deg=0.0, stance_side="both"),
     "stance_side: expected 'left' or 'right', got 'both'"),
    (lambda: g.contralateral_pelvic_drop_deg(obliquity_deg=[1.0], baseline_deg=float("nan"), stance_side="left"),
     "baseline_deg: expected a finite angle, got nan"),
    (lambda: g.hip_drop_ratio(hip_mid_y_px=[1.0], standing_hip_y_px=0.0, thigh_length_px=0.0),
     "thigh_length_px: expected a positive length, got 0.0"),
    (lambda: g.compute_metrics(_case(), roll_deg=float("inf")),
     "roll_deg: expected a finite angle in degrees, got inf"),
    (lambda: g.compute_metrics(_case(), body_height_m=175.0), "body_height_m: expected a height in metres"),
    (lambda: g.compute_metrics(_case(), names=("knee_angle",)), "names: expected metric names from METRICS"),
    (lambda: g.pelvic_tilt_from_mask_deg(pelvis_mask=np.zeros((2, 8, 9), np.uint8), pelvis_box_px=np.zeros((2, 4)),
                                         xy_px=np.zeros((2, 33, 2))),
     "pelvis_mask: expected uint8 shape (T, M, M), got uint8 (2, 8, 9)"),
    (lambda: g.balance_sway(hip_mid_x_px=np.zeros(3), hip_width_px=np.zeros(4)),
     "hip_width_px: expected shape (3,) like hip_mid_x_px (1-D), got (4,)"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "message"), BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_bad_inputs(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="^" + __import__("re").escape(message)):
        call()


def test_real_fixture_mirroring_flips_signed_metrics_with_roll() -> None:

    path = FIXTURES / "squat_front_bodyweight_armsup_03.npz"
    if not path.is_file():
        pytest.skip("fixture not recorded")
    pose = PoseSeries.load_npz(path).slice(slice(0, 20))
    t = g.compute_metrics(pose, roll_deg=2.5)
    m = g.compute_metrics(pose.mirrored(), roll_deg=-2.5)
    for name in SIGNED:
        np.testing.assert_allclose(m[name], -t[name], atol=0.05, equal_nan=True, err_msg=name)
    np.testing.assert_allclose(m["knee_fppa_deg_left"], t["knee_fppa_deg_right"], atol=1e-6, equal_nan=True)
    assert np.isfinite(t["pelvic_tilt_deg"]).mean() > 0.8
