"""Scenario parameters and the motions they generate (numpy only, deterministic).

A :class:`Scenario` = body shape + camera + motion + clothing colours. Its
motion is expanded frame by frame into :class:`~tools.lab.posing.PoseSpec`
objects and phase labels by :func:`motion_frames`. Same scenario → same specs
(no randomness anywhere).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tools.lab.body import BodyShape
from tools.lab.posing import Planted, PoseSpec, Skeleton, Swing, pelvis_for_hip

STAND_REACH = 0.997  # hip–ankle distance / leg length when standing (knees ≈ 9° flexed)
LUNGE_CHANGE_S = 0.8  # lunge: time to change the lead leg between the two sides' reps


@dataclass(frozen=True)
class CameraSpec:
    """Render camera, placed around the subject and aimed at a point above the pelvis.

    Attributes:
        distance_m: horizontal distance camera → subject's vertical axis.
        height_m: camera height above the floor.
        yaw_deg: camera moved around the subject, + = toward the subject's left
            (0 = straight in front, 180 = behind).
        roll_deg: camera turned about its viewing axis, + = counter-clockwise seen
            from behind the camera, so level lines appear with their image-right end lower.
        aim_height_m: height of the point the camera looks at.
        vfov_deg: vertical field of view.
        width, height: image size in pixels.
    """

    distance_m: float = 2.6
    height_m: float = 1.0
    yaw_deg: float = 0.0
    roll_deg: float = 0.0
    aim_height_m: float = 0.9
    vfov_deg: float = 50.0
    width: int = 480
    height: int = 640


@dataclass(frozen=True)
class Motion:
    """What the body does.

    Attributes:
        kind: 'single_leg_stance' | 'squat' | 'lunge' | 'quiet_standing'.
        stance: single-leg stance: the standing leg; lunge: the front leg of the first reps
            (the other leg leads the second set) ('left'/'right').
        drop_deg: single-leg stance: final pelvis tilt toward the swing side (contralateral
            drop, + = swing-side hip lower; negative = hip hike), reached after ``ramp_s``.
        trunk: 'upright' (spine counter-rotates above the pelvis) or 'follow' (trunk tilts with it).
        valgus_left_deg, valgus_right_deg: knee rotation toward the midline about the
            hip–ankle axis at full depth (squat, lunge), degrees.
        depth_m: squat / lunge: pelvis descent at the bottom, metres.
        reps: squat repetitions; lunge repetitions per side.
        rep_s: seconds per repetition.
        tilt_deg: quiet standing: pelvic tilt, + = left hip higher.
        baseline_s: quiet bipedal stance at the start, seconds.
        ramp_s: single-leg stance: time for the drop to grow to ``drop_deg``.
        duration_s: clip length, seconds.
        lift: single-leg stance: how the free leg is lifted: 'front' (knee raised in front to about
            hip height, hip 75°, knee 90°), 'behind' (thigh near vertical, knee bent ``lift_knee_deg``,
            the foot behind the body and often hidden behind the stance leg) or 'side' (hip abducted
            25°, knee slightly bent, the foot out to the side).
        lift_knee_deg: single-leg stance with ``lift='behind'``: swing-knee flexion, degrees.
        arms: 'down' (hanging, the default) or 'hips' (hands on the hips).
    """

    kind: str
    stance: str = "left"
    drop_deg: float = 0.0
    trunk: str = "upright"
    valgus_left_deg: float = 0.0
    valgus_right_deg: float = 0.0
    depth_m: float = 0.0
    reps: int = 3
    rep_s: float = 1.6
    tilt_deg: float = 0.0
    baseline_s: float = 1.0
    ramp_s: float = 1.2
    duration_s: float = 4.0
    lift: str = "front"
    lift_knee_deg: float = 65.0
    arms: str = "down"


@dataclass(frozen=True)
class Look:
    """Colours (linear RGB in [0, 1]) of skin, clothes and room."""

    skin: tuple[float, float, float] = (0.80, 0.58, 0.46)
    shirt: tuple[float, float, float] = (0.20, 0.42, 0.70)
    shorts: tuple[float, float, float] = (0.12, 0.12, 0.16)
    waistband: tuple[float, float, float] = (0.85, 0.85, 0.85)
    shoes: tuple[float, float, float] = (0.92, 0.92, 0.92)
    hair: tuple[float, float, float] = (0.10, 0.07, 0.05)
    floor: tuple[float, float, float] = (0.55, 0.40, 0.28)
    walls: tuple[float, float, float] = (0.78, 0.76, 0.70)
    shirt_hem_m: float = 0.0
    """How far below the waistline the shirt reaches (m): 0 = tucked in at the waistband; 0.2 =
    a long shirt over the hips that hides the waistband (its hem is a second, lower edge)."""


@dataclass(frozen=True)
class Scenario:
    """One rendered clip: body, camera, motion, look, and the intended answer.

    Attributes:
        name: file stem, e.g. 'sls_left_drop8_upright'.
        split: 'tune' (measures may be tuned on it) or 'heldout' (check only).
        weaker_side: the side the motion was built to show as weaker ('left'/'right'/'none').
        fps: frames per second.
    """

    name: str
    split: str
    motion: Motion
    weaker_side: str
    body: BodyShape = field(default_factory=BodyShape)
    camera: CameraSpec = field(default_factory=CameraSpec)
    look: Look = field(default_factory=Look)
    fps: float = 30.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters."""
        return dataclasses.asdict(self)

    @property
    def n_frames(self) -> int:
        return round(self.motion.duration_s * self.fps)

    @property
    def stance_side(self) -> str:
        """'left'/'right' for single-leg stance, 'both' for bipedal tasks."""
        return self.motion.stance if self.motion.kind == "single_leg_stance" else "both"


def smoothstep(x: float) -> float:
    """0 → 1 smoothly for x in [0, 1] (clamped)."""
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)


def _stand_height(sk: Skeleton, hip_xy: tuple[float, float], ankle_xy: tuple[float, float], side: str) -> float:
    """Hip-joint height that leaves the leg at :data:`STAND_REACH` of its length."""
    reach = STAND_REACH * (sk.thigh_len(side) + sk.shin_len(side))
    dxy2 = (hip_xy[0] - ankle_xy[0]) ** 2 + (hip_xy[1] - ankle_xy[1]) ** 2
    return sk.ankle_height + float(np.sqrt(reach**2 - dxy2))


def _sgn(side: str) -> float:
    return 1.0 if side == "left" else -1.0


def single_leg_stance(sk: Skeleton, m: Motion, t: float) -> tuple[PoseSpec, str]:
    """Quiet stance, weight shift, swing-leg lift, then a growing contralateral pelvic drop."""
    s = _sgn(m.stance)
    st, sw = ("L", "R") if m.stance == "left" else ("R", "L")
    ax = 0.8 * sk.hip_half_width
    ankles = {"L": (ax, 0.0), "R": (-ax, 0.0)}
    shift = s * 0.6 * sk.hip_half_width * smoothstep((t - m.baseline_s) / 0.5)
    lift = smoothstep((t - m.baseline_s - 0.5) / 0.5)
    drop = m.drop_deg * smoothstep((t - m.baseline_s - 1.0) / m.ramp_s)
    tilt = s * drop  # stance left: right hip drops = left hip higher = + tilt
    hip0 = np.array([sk.hip(st)[0] + shift, 0.0, 0.0])
    hip0[2] = _stand_height(sk, (hip0[0], 0.0), ankles[st], st)
    pelvis = pelvis_for_hip(sk, hip0, st, tilt)
    legs: dict[str, Planted | Swing] = {st: Planted(ankles[st])}
    if lift <= 0.0:
        legs[sw] = Planted(ankles[sw])
    else:
        legs[sw] = swing_leg(m, lift)
    lean = -tilt if m.trunk == "follow" else 0.0
    phase = "bipedal" if t < m.baseline_s else ("transition" if t < m.baseline_s + 1.0 else f"single_leg_{m.stance}")
    spec = PoseSpec(tuple(pelvis), pelvis_tilt_deg=tilt, trunk_lean_deg=lean, left=legs["L"], right=legs["R"],
                    hands_on_hips=m.arms == "hips")  # fmt: skip
    return spec, phase


def swing_leg(m: Motion, lift: float) -> Swing:
    """The free leg of a single-leg stance, ``lift`` of the way (0..1) to its final position.

    'front': knee raised in front to about hip height (hip 75°, knee 90°), the foot visible and
    clearly above the floor in a front view. 'behind': thigh near vertical (hip 8°), knee bent
    ``m.lift_knee_deg``: the foot goes up behind the body and is often hidden behind the stance
    leg. 'side': hip abducted 25°, knee 15°: the foot out to the side, a little off the floor.
    """
    if m.lift == "front":
        return Swing(hip_flex_deg=75 * lift, knee_flex_deg=90 * lift, hip_abd_deg=-4.0 * (1 - lift))
    if m.lift == "behind":
        return Swing(hip_flex_deg=8 * lift, knee_flex_deg=m.lift_knee_deg * lift, hip_abd_deg=-4.0 * (1 - lift))
    if m.lift == "side":
        return Swing(hip_flex_deg=5 * lift, knee_flex_deg=15 * lift, hip_abd_deg=-4.0 + 29.0 * lift)
    raise ValueError(f"lift: expected 'front', 'behind' or 'side', got {m.lift!r}")


def rep_fraction(m: Motion, t_into_reps: float) -> float:
    """Depth fraction 0 → 1 → 0 of each rep, ``t_into_reps`` seconds after the reps start; 0 outside them."""
    if 0.0 <= t_into_reps < m.reps * m.rep_s:
        return float(0.5 * (1 - np.cos(2 * np.pi * t_into_reps / m.rep_s)))
    return 0.0


def squat(sk: Skeleton, m: Motion, t: float) -> tuple[PoseSpec, str]:
    """Bilateral squat reps after a quiet stance; knee valgus per side grows with depth."""
    ax = sk.hip_half_width + 0.02
    tr = t - m.baseline_s
    frac = rep_fraction(m, tr)
    hip_z = _stand_height(sk, (sk.hip("L")[0], 0.0), (ax, 0.0), "L")
    hip = np.array([sk.hip("L")[0], 0.45 * m.depth_m * frac, hip_z - m.depth_m * frac])
    flex = 15.0 * frac
    pelvis = pelvis_for_hip(sk, hip, "L", 0.0, flex)
    pelvis[0] = 0.0
    left = Planted((ax, 0.0), valgus_deg=m.valgus_left_deg * frac, toe_out_deg=4.0)
    right = Planted((-ax, 0.0), valgus_deg=m.valgus_right_deg * frac, toe_out_deg=4.0)
    phase = "bipedal" if tr < 0 or tr >= m.reps * m.rep_s else "squat"
    spec = PoseSpec(tuple(pelvis), pelvis_flex_deg=flex, trunk_flex_deg=35.0 * frac, left=left, right=right,
                    arm_flex_deg=80.0 * frac, arm_abd_deg=12.0, hands_on_hips=m.arms == "hips")  # fmt: skip
    return spec, phase


def lunge_schedule(m: Motion) -> tuple[float, float, float]:
    """Start times (s) of the first side's reps, the change of lead leg, and the second side's reps."""
    first = m.baseline_s
    change = first + m.reps * m.rep_s
    return first, change, change + LUNGE_CHANGE_S


def lunge(sk: Skeleton, m: Motion, t: float) -> tuple[PoseSpec, str]:
    """Static (split-stance) lunge reps on each side in turn, as a lunge test is done: ``m.reps``
    with ``m.stance`` in front, a change of lead leg (the feet slide through a parallel stance),
    then ``m.reps`` with the other leg in front. Only the front knee collapses inward (its side's
    valgus, growing with depth); the back knee tracks straight.
    """
    first_side = m.stance
    second_side = "right" if first_side == "left" else "left"
    t1, t_change, t2 = lunge_schedule(m)
    ax = 0.9 * sk.hip_half_width
    step = 0.40  # half the fore-aft split, metres
    heel = 35.0
    x = {"L": ax, "R": -ax}

    def split(front: str) -> dict[str, tuple[float, float, float]]:  # side -> (x, y, heel raise)
        f = "L" if front == "left" else "R"
        b = "R" if f == "L" else "L"
        return {f: (x[f], -step, 0.0), b: (x[b], step, heel)}

    frac, front = 0.0, first_side
    if t < t_change:
        feet = split(first_side)
        frac = rep_fraction(m, t - t1)
        phase = f"lunge_{first_side}" if t >= t1 else "bipedal"
    elif t < t2:
        a, b, u = split(first_side), split(second_side), smoothstep((t - t_change) / LUNGE_CHANGE_S)
        feet = {k: tuple((1 - u) * np.asarray(a[k]) + u * np.asarray(b[k])) for k in a}  # type: ignore[misc]
        phase = "transition"
    else:
        feet, front = split(second_side), second_side
        frac = rep_fraction(m, t - t2)
        # after the last rep: holding the split stance
        phase = f"lunge_{second_side}" if t < t2 + m.reps * m.rep_s else "transition"
    fk = "L" if front == "left" else "R"
    back = "R" if fk == "L" else "L"
    leg_len = sk.thigh_len(back) + sk.shin_len(back)
    reach = 0.985 * leg_len
    hip_z = sk.ankle_height + float(np.sqrt(reach**2 - step**2)) + 0.02
    hip = np.array([sk.hip(fk)[0], 0.0, hip_z - m.depth_m * frac])
    pelvis = pelvis_for_hip(sk, hip, fk, 0.0)
    pelvis[0] = 0.0
    valg = {"L": m.valgus_left_deg, "R": m.valgus_right_deg}
    legs = {
        k: Planted((v[0], v[1]), valgus_deg=valg[k] * frac if k == fk else 0.0, toe_out_deg=5.0, heel_raise_deg=v[2])
        for k, v in feet.items()
    }
    spec = PoseSpec(tuple(pelvis), trunk_flex_deg=5.0 * frac, left=legs["L"], right=legs["R"], arm_abd_deg=14.0)
    return spec, phase


def quiet_standing(sk: Skeleton, m: Motion, t: float) -> tuple[PoseSpec, str]:
    """Bipedal stance with a constant pelvic tilt (hip-height difference), trunk upright, slight sway."""
    ax = 0.9 * sk.hip_half_width
    high = "L" if m.tilt_deg >= 0 else "R"
    sway = 0.004 * np.sin(2 * np.pi * 0.4 * t)
    hip_x = sk.hip(high)[0] + sway
    hip = np.array([hip_x, 0.0, _stand_height(sk, (hip_x, 0.0), (ax if high == "L" else -ax, 0.0), high)])
    hip[2] -= 0.004  # a little slack so the tilted-down side stays reachable
    pelvis = pelvis_for_hip(sk, hip, high, m.tilt_deg)
    spec = PoseSpec(tuple(pelvis), pelvis_tilt_deg=m.tilt_deg, left=Planted((ax, 0.0)), right=Planted((-ax, 0.0)),
                    hands_on_hips=m.arms == "hips")  # fmt: skip
    return spec, "bipedal"


MOTIONS = {
    "single_leg_stance": single_leg_stance,
    "squat": squat,
    "lunge": lunge,
    "quiet_standing": quiet_standing,
}


def motion_frames(sk: Skeleton, sc: Scenario) -> tuple[list[float], list[PoseSpec], list[str]]:
    """Times (s), pose specs and phase labels of every frame of ``sc``."""
    fn = MOTIONS[sc.motion.kind]
    times = [i / sc.fps for i in range(sc.n_frames)]
    specs, phases = [], []
    for t in times:
        spec, phase = fn(sk, sc.motion, t)
        specs.append(spec)
        phases.append(phase)
    return times, specs, phases
