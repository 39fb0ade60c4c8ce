"""The committed sample set: every scenario rendered into ``samples/`` (tune) and ``samples/heldout/``."""

from __future__ import annotations

from tools.lab.body import BodyShape
from tools.lab.scenarios import LUNGE_CHANGE_S, CameraSpec, Look, Motion, Scenario

SLS_S = 4.2
PORTRAIT = CameraSpec()
WIDE = CameraSpec(width=640, height=480, vfov_deg=48.0, distance_m=3.0, height_m=0.95, aim_height_m=0.85)

LOOK_B = Look(
    skin=(0.55, 0.36, 0.26), shirt=(0.75, 0.22, 0.18), shorts=(0.16, 0.20, 0.30), waistband=(0.05, 0.05, 0.05),
    shoes=(0.20, 0.20, 0.22), hair=(0.05, 0.04, 0.03), floor=(0.45, 0.45, 0.48), walls=(0.82, 0.80, 0.74),
)  # fmt: skip
LOOK_C = Look(
    skin=(0.92, 0.72, 0.60), shirt=(0.30, 0.55, 0.35), shorts=(0.10, 0.10, 0.10), waistband=(0.80, 0.75, 0.30),
    shoes=(0.85, 0.30, 0.25), hair=(0.35, 0.22, 0.10), floor=(0.62, 0.48, 0.33), walls=(0.70, 0.76, 0.80),
)  # fmt: skip
LOOK_D = Look(
    skin=(0.38, 0.24, 0.17), shirt=(0.90, 0.88, 0.82), shorts=(0.25, 0.25, 0.45), waistband=(0.10, 0.10, 0.12),
    shoes=(0.15, 0.15, 0.15), hair=(0.03, 0.03, 0.03), floor=(0.50, 0.36, 0.24), walls=(0.86, 0.84, 0.80),
)  # fmt: skip

BODY_F = BodyShape(gender=0.9, weight=0.45, height=0.45, muscle=0.45)
BODY_M_HEAVY = BodyShape(gender=0.1, weight=0.75, height=0.55, muscle=0.6, age=0.6)
BODY_TALL = BodyShape(gender=0.2, weight=0.4, height=0.85, proportions=0.6)
BODY_SMALL_F = BodyShape(gender=0.85, weight=0.6, height=0.15, age=0.62)


def _sls(stance: str, drop: float, trunk: str, **kw: object) -> Motion:
    return Motion(kind="single_leg_stance", stance=stance, drop_deg=drop, trunk=trunk, duration_s=SLS_S, **kw)  # type: ignore[arg-type]


def _squat(left: float, right: float) -> Motion:
    return Motion(kind="squat", valgus_left_deg=left, valgus_right_deg=right, depth_m=0.30, reps=3, rep_s=1.4,
                  baseline_s=0.6, duration_s=4.8)  # fmt: skip


def _lunge(front: str, valgus: float, reps: int = 3, rep_s: float = 1.2, baseline_s: float = 0.6) -> Motion:
    """Lunges on both sides, ``front`` leading first; only the ``front`` knee collapses by ``valgus``."""
    vl, vr = (valgus, 0.0) if front == "left" else (0.0, valgus)
    duration = baseline_s + 2 * reps * rep_s + LUNGE_CHANGE_S + 0.4
    return Motion(kind="lunge", stance=front, valgus_left_deg=vl, valgus_right_deg=vr, depth_m=0.30, reps=reps,
                  rep_s=rep_s, baseline_s=baseline_s, duration_s=duration)  # fmt: skip


TUNE: tuple[Scenario, ...] = (
    Scenario("sls_left_drop8_upright", "tune", _sls("left", 8.0, "upright"), "left"),
    Scenario("sls_right_drop8_upright", "tune", _sls("right", 8.0, "upright"), "right", look=LOOK_B),
    Scenario("sls_left_drop8_follow", "tune", _sls("left", 8.0, "follow"), "left", look=LOOK_C),
    Scenario("sls_right_drop8_follow", "tune", _sls("right", 8.0, "follow"), "right"),
    Scenario("sls_left_hiphike6", "tune", _sls("left", -6.0, "upright"), "none", look=LOOK_D),
    Scenario("squat_valgus_right", "tune", _squat(0.0, 14.0), "right", camera=WIDE),
    Scenario("squat_symmetric", "tune", _squat(0.0, 0.0), "none", camera=WIDE, look=LOOK_B),
    Scenario("lunge_left_valgus", "tune", _lunge("left", 18.0), "left", camera=WIDE, look=LOOK_C),
    Scenario("stand_hipdiff_left_up3", "tune", Motion(kind="quiet_standing", tilt_deg=3.0, duration_s=3.0), "none"),
)

HELDOUT: tuple[Scenario, ...] = (
    Scenario("sls_left_drop5_upright", "heldout", _sls("left", 5.0, "upright"), "left", body=BODY_F,
             camera=CameraSpec(yaw_deg=10.0, roll_deg=2.0, distance_m=2.8), look=LOOK_C),
    Scenario("sls_right_drop11_upright", "heldout", _sls("right", 11.0, "upright"), "right", body=BODY_M_HEAVY,
             camera=CameraSpec(yaw_deg=-12.0, height_m=1.3, distance_m=3.2), look=LOOK_D),
    Scenario("sls_left_drop10_follow", "heldout", _sls("left", 10.0, "follow"), "left", body=BODY_TALL,
             camera=CameraSpec(roll_deg=-3.0, distance_m=3.5, aim_height_m=0.95, vfov_deg=62.0), look=LOOK_B),
    Scenario("sls_right_drop6_follow", "heldout", _sls("right", 6.0, "follow"), "right", body=BODY_SMALL_F,
             camera=CameraSpec(yaw_deg=8.0, height_m=0.8, aim_height_m=0.75, distance_m=2.6)),
    Scenario("sls_right_drop0_upright", "heldout", _sls("right", 0.0, "upright"), "none", body=BODY_M_HEAVY,
             camera=CameraSpec(yaw_deg=5.0), look=LOOK_C),
    Scenario("squat_valgus_left", "heldout", _squat(20.0, 0.0), "left", body=BODY_M_HEAVY,
             camera=CameraSpec(width=640, height=480, vfov_deg=46.0, distance_m=3.2, yaw_deg=-8.0), look=LOOK_D),
    Scenario("squat_symmetric", "heldout", _squat(0.0, 0.0), "none", body=BODY_F,
             camera=CameraSpec(width=640, height=480, vfov_deg=50.0, distance_m=2.9, roll_deg=-2.0), look=LOOK_C),
    Scenario("lunge_right_valgus", "heldout", _lunge("right", 20.0), "right", body=BODY_TALL,
             camera=CameraSpec(width=640, height=480, vfov_deg=62.0, distance_m=3.2, yaw_deg=6.0)),
)  # fmt: skip

ALL: tuple[Scenario, ...] = TUNE + HELDOUT


def subdir(sc: Scenario) -> str:
    """Folder of a scenario under the samples root: '' (tune) or 'heldout'."""
    return "" if sc.split == "tune" else "heldout"
