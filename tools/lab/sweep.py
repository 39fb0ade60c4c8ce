"""The condition sweep: camera yaw, stance styles, outfits and arms, in a tune and a held-out split.

Rendered on demand (``python -m tools.lab.render_samples --catalog sweep --out DIR``), not
committed: about 45 clips. ``hipcheck validate DIR`` then states each metric's error against
the 3D truth per condition. The held-out split uses bodies, outfits and camera placements
that the tune split does not have; measures are never tuned on it.
"""

from __future__ import annotations

import dataclasses

from tools.lab.body import BodyShape
from tools.lab.catalog import LOOK_B, LOOK_C, LOOK_D, SLS_S
from tools.lab.scenarios import CameraSpec, Look, Motion, Scenario

FPS = 20.0
"""The sweep is rendered at 20 frames/s (the samples at 30) to keep its ~45 clips quick to make."""

# tune-side bodies and looks (the committed tune samples' default body, plus one more)
BODY_T2 = BodyShape(gender=0.7, weight=0.55, height=0.6, muscle=0.5)
LOOK_ONE_TUNE = Look(shirt=(0.22, 0.24, 0.30), shorts=(0.22, 0.24, 0.30), waistband=(0.22, 0.24, 0.30))
LOOK_LONG_TUNE = Look(shirt=(0.70, 0.70, 0.72), shirt_hem_m=0.22)

# held-out bodies and looks: none of them is in the tune split
BODY_H1 = BodyShape(gender=0.95, weight=0.3, height=0.3, muscle=0.3, age=0.3)
BODY_H2 = BodyShape(gender=0.05, weight=0.85, height=0.7, muscle=0.7, age=0.5)
BODY_H3 = BodyShape(gender=0.4, weight=0.5, height=0.95, proportions=0.4)
BODY_H4 = BodyShape(gender=0.6, weight=0.7, height=0.2, age=0.7)
LOOK_H1 = Look(
    skin=(0.62, 0.45, 0.34), shirt=(0.85, 0.70, 0.20), shorts=(0.05, 0.25, 0.20), waistband=(0.90, 0.90, 0.90),
    shoes=(0.10, 0.10, 0.40), hair=(0.50, 0.35, 0.20), floor=(0.35, 0.35, 0.38), walls=(0.90, 0.88, 0.84),
)  # fmt: skip
LOOK_H2 = Look(
    skin=(0.30, 0.20, 0.14), shirt=(0.15, 0.50, 0.60), shorts=(0.45, 0.30, 0.15), waistband=(0.15, 0.15, 0.15),
    shoes=(0.70, 0.20, 0.20), hair=(0.02, 0.02, 0.02), floor=(0.70, 0.62, 0.50), walls=(0.65, 0.70, 0.62),
)  # fmt: skip
LOOK_H3 = Look(
    skin=(0.95, 0.80, 0.70), shirt=(0.60, 0.20, 0.55), shorts=(0.20, 0.20, 0.20), waistband=(0.95, 0.60, 0.10),
    shoes=(0.30, 0.30, 0.30), hair=(0.75, 0.60, 0.30), floor=(0.40, 0.30, 0.22), walls=(0.80, 0.80, 0.86),
)  # fmt: skip
LOOK_H4 = Look(
    skin=(0.70, 0.50, 0.38), shirt=(0.92, 0.92, 0.92), shorts=(0.50, 0.10, 0.10), waistband=(0.10, 0.10, 0.30),
    shoes=(0.05, 0.05, 0.05), hair=(0.20, 0.12, 0.05), floor=(0.52, 0.52, 0.55), walls=(0.72, 0.66, 0.58),
)  # fmt: skip
LOOK_ONE_H1 = Look(  # one-colour leggings and top: no waistline to see
    skin=(0.45, 0.30, 0.22), shirt=(0.08, 0.08, 0.10), shorts=(0.08, 0.08, 0.10), waistband=(0.08, 0.08, 0.10),
    shoes=(0.85, 0.85, 0.85), floor=(0.60, 0.50, 0.40), walls=(0.75, 0.78, 0.80),
)  # fmt: skip
LOOK_ONE_H2 = Look(shirt=(0.55, 0.15, 0.35), shorts=(0.55, 0.15, 0.35), waistband=(0.55, 0.15, 0.35))
LOOK_LONG_H = Look(  # a long loose shirt over the hips
    skin=(0.85, 0.66, 0.55), shirt=(0.25, 0.45, 0.30), shorts=(0.15, 0.15, 0.20), waistband=(0.80, 0.80, 0.80),
    shirt_hem_m=0.24,
)  # fmt: skip


def _wide(yaw: float, **kw: float) -> CameraSpec:
    base = {"width": 640, "height": 480, "vfov_deg": 48.0, "distance_m": 3.0, "height_m": 0.95, "aim_height_m": 0.85}
    return CameraSpec(**{**base, **kw, "yaw_deg": yaw})  # type: ignore[arg-type]


def _squat(left: float, right: float) -> Motion:
    """Two bilateral squat reps (the samples' squats have three)."""
    return Motion(kind="squat", valgus_left_deg=left, valgus_right_deg=right, depth_m=0.30, reps=2, rep_s=1.4,
                  baseline_s=0.6, duration_s=3.6)  # fmt: skip


def _sls(stance: str, drop: float, lift: str, trunk: str = "upright", arms: str = "down") -> Motion:
    return Motion(kind="single_leg_stance", stance=stance, drop_deg=drop, trunk=trunk, duration_s=SLS_S,
                  lift=lift, arms=arms)  # fmt: skip


def _name(*parts: object) -> str:
    out = []
    for part in parts:
        if isinstance(part, float | int):
            out.append(f"m{abs(part):g}" if part < 0 else f"{part:g}")
        else:
            out.append(str(part))
    return "_".join(out)


TUNE: tuple[Scenario, ...] = (
    *(Scenario(_name("squat_sym", "yaw", y), "tune", _squat(0.0, 0.0), "none", camera=_wide(y), look=LOOK_B)
      for y in (-12.0, -6.0, 6.0, 12.0)),
    Scenario("squat_valgus_right14_yaw_m10", "tune", _squat(0.0, 14.0), "right", camera=_wide(-10.0)),
    Scenario("squat_valgus_right14_yaw_8", "tune", _squat(0.0, 14.0), "right", camera=_wide(8.0), look=LOOK_C),
    Scenario("squat_valgus_left14_yaw_10", "tune", _squat(14.0, 0.0), "left", camera=_wide(10.0), body=BODY_T2),
    Scenario("sls_left_drop8_behind", "tune", _sls("left", 8.0, "behind"), "left"),
    Scenario("sls_right_drop8_behind_yaw_6", "tune", _sls("right", 8.0, "behind"), "right", look=LOOK_B,
             camera=CameraSpec(yaw_deg=6.0)),
    Scenario("sls_left_drop8_side", "tune", _sls("left", 8.0, "side"), "left", look=LOOK_C),
    Scenario("sls_right_drop8_side", "tune", _sls("right", 8.0, "side", trunk="follow"), "right", body=BODY_T2),
    Scenario("sls_left_drop9_onecolour", "tune", _sls("left", 9.0, "front"), "left", look=LOOK_ONE_TUNE),
    Scenario("sls_right_drop9_longshirt", "tune", _sls("right", 9.0, "behind"), "right", look=LOOK_LONG_TUNE),
    Scenario("sls_left_drop8_hands_hips", "tune", _sls("left", 8.0, "front", arms="hips"), "left", look=LOOK_D),
    Scenario("sls_right_drop0_behind", "tune", _sls("right", 0.0, "behind"), "none", body=BODY_T2, look=LOOK_C),
)  # fmt: skip

_VALGUS_H = ((-15.0, "left", 14.0), (-10.0, "right", 12.0), (-5.0, "left", 16.0), (0.0, "right", 14.0),
             (5.0, "left", 12.0), (10.0, "right", 16.0), (15.0, "left", 14.0))  # fmt: skip
_BODIES_H = (BODY_H1, BODY_H2, BODY_H3, BODY_H4)
_LOOKS_H = (LOOK_H1, LOOK_H2, LOOK_H3, LOOK_H4)

HELDOUT: tuple[Scenario, ...] = (
    *(Scenario(_name("squat_sym", "yaw", y), "heldout", _squat(0.0, 0.0), "none", body=_BODIES_H[i % 4],
               look=_LOOKS_H[i % 4], camera=_wide(y, distance_m=2.7 + 0.15 * (i % 3), height_m=0.8 + 0.15 * (i % 3)))
      for i, y in enumerate((-15.0, -10.0, -5.0, 0.0, 5.0, 10.0, 15.0))),
    *(Scenario(_name("squat_valgus", side, v, "yaw", y), "heldout",
               _squat(v if side == "left" else 0.0, v if side == "right" else 0.0), side,
               body=_BODIES_H[(i + 1) % 4], look=_LOOKS_H[(i + 2) % 4],
               camera=_wide(y, distance_m=3.2 - 0.15 * (i % 3), height_m=1.1 - 0.1 * (i % 3)))
      for i, (y, side, v) in enumerate(_VALGUS_H)),
    Scenario("sls_left_drop7_behind", "heldout", _sls("left", 7.0, "behind"), "left", body=BODY_H1, look=LOOK_H1,
             camera=CameraSpec(yaw_deg=-7.0, distance_m=2.9)),
    Scenario("sls_right_drop9_behind", "heldout", _sls("right", 9.0, "behind", trunk="follow"), "right",
             body=BODY_H2, look=LOOK_H2, camera=CameraSpec(yaw_deg=4.0, height_m=1.2)),
    Scenario("sls_left_drop6_side", "heldout", _sls("left", 6.0, "side"), "left", body=BODY_H3, look=LOOK_H3,
             camera=CameraSpec(distance_m=3.3, aim_height_m=0.95, vfov_deg=60.0)),
    Scenario("sls_right_drop10_side", "heldout", _sls("right", 10.0, "side", arms="hips"), "right", body=BODY_H4,
             look=LOOK_H1, camera=CameraSpec(yaw_deg=-5.0)),
    Scenario("sls_left_drop8_front_hips", "heldout", _sls("left", 8.0, "front", arms="hips"), "left", body=BODY_H2,
             look=LOOK_H4, camera=CameraSpec(yaw_deg=9.0, roll_deg=2.0)),
    Scenario("sls_right_drop6_front", "heldout", _sls("right", 6.0, "front", trunk="follow"), "right", body=BODY_H1,
             look=LOOK_H2, camera=CameraSpec(yaw_deg=-10.0, height_m=0.85)),
    Scenario("sls_left_drop9_onecolour", "heldout", _sls("left", 9.0, "behind"), "left", body=BODY_H3,
             look=LOOK_ONE_H1),
    Scenario("sls_right_drop9_onecolour", "heldout", _sls("right", 9.0, "front"), "right", body=BODY_H4,
             look=LOOK_ONE_H2, camera=CameraSpec(yaw_deg=5.0)),
    Scenario("sls_left_drop9_longshirt", "heldout", _sls("left", 9.0, "side"), "left", body=BODY_H2,
             look=LOOK_LONG_H),
    Scenario("sls_left_drop0_behind", "heldout", _sls("left", 0.0, "behind"), "none", body=BODY_H4, look=LOOK_H1,
             camera=CameraSpec(yaw_deg=8.0)),
)  # fmt: skip

TUNE = tuple(dataclasses.replace(sc, fps=FPS) for sc in TUNE)
HELDOUT = tuple(dataclasses.replace(sc, fps=FPS) for sc in HELDOUT)
ALL: tuple[Scenario, ...] = TUNE + HELDOUT


def subdir(sc: Scenario) -> str:
    """Folder of a scenario under the sweep's root: its split."""
    return sc.split
