"""Pose specification → per-bone world rotations for the anny rig (numpy only).

World frame (anny's): metres, Z up, +X the subject's **left**, −Y the subject's
**front**; the floor is the plane z = 0 (see :class:`Skeleton.floor_offset`).

A :class:`PoseSpec` says where the pelvis is and how it is tilted, how the
trunk is oriented, and for each leg either a planted foot (two-bone IK to a
fixed ankle target, with a chosen knee valgus rotation) or a free swing leg
(hip / knee flexion angles). :func:`bone_world_rotations` turns it into one
world rotation ``G`` per bone (relative to the bone's rest orientation), to be
fed to anny's ``world-orient`` pose parameterisation as ``D = G @ R_rest``.

Rotation sign conventions used below (right-handed, about world axes):
``rot_y(+a)`` moves +X (the left side) **down** and +Z toward +X;
``rot_x(+a)`` moves +Z toward −Y (forward); ``rot_z(+a)`` turns −Y (front)
toward +X (the subject's left).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Vec = NDArray[np.float64]
Mat = NDArray[np.float64]

SIDES = ("L", "R")


def rot_x(deg: float) -> Mat:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1.0, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(deg: float) -> Mat:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1.0, 0], [-s, 0, c]])


def rot_z(deg: float) -> Mat:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


def rot_between(a: Vec, b: Vec) -> Mat:
    """Smallest rotation taking direction ``a`` onto direction ``b``."""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    if c < -0.999999:
        axis = np.cross(a, [1.0, 0, 0])
        if np.linalg.norm(axis) < 1e-6:
            axis = np.cross(a, [0, 1.0, 0])
        axis /= np.linalg.norm(axis)
        return 2 * np.outer(axis, axis) - np.eye(3)
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx / (1.0 + c)


def frontal_tilt(deg_left_up: float) -> Mat:
    """Rotation about the front–back axis raising the subject's left side by ``deg_left_up``."""
    return rot_y(-deg_left_up)


def lateral_lean(deg_toward_left: float) -> Mat:
    """Rotation tilting the top of a vertical segment toward the subject's left."""
    return rot_y(deg_toward_left)


@dataclass(frozen=True)
class Skeleton:
    """Rest geometry of one body (anny heads in its rest pose, root at the origin).

    Attributes:
        heads: bone label → rest head position (3,), metres, root at (0, 0, 0).
        parents: bone label → parent label ('' for the root).
        labels: bone labels in anny's order.
        sole_z: lowest rest vertex z (the soles), metres.
        ball_offset: rest offset ankle → ball of the foot per side ('L'/'R'), metres.
    """

    heads: dict[str, Vec]
    parents: dict[str, str]
    labels: tuple[str, ...]
    sole_z: float
    ball_offset: dict[str, Vec]

    def hip(self, s: str) -> Vec:
        return self.heads[f"upperleg01.{s}"]

    def knee(self, s: str) -> Vec:
        return self.heads[f"lowerleg01.{s}"]

    def ankle(self, s: str) -> Vec:
        return self.heads[f"foot.{s}"]

    def thigh_len(self, s: str) -> float:
        return float(np.linalg.norm(self.knee(s) - self.hip(s)))

    def shin_len(self, s: str) -> float:
        return float(np.linalg.norm(self.ankle(s) - self.knee(s)))

    @property
    def ankle_height(self) -> float:
        """Height of the ankle joint centre above the floor with the foot flat, metres."""
        return float(0.5 * (self.ankle("L")[2] + self.ankle("R")[2]) - self.sole_z)

    @property
    def hip_half_width(self) -> float:
        return float(0.5 * (self.hip("L")[0] - self.hip("R")[0]))


@dataclass(frozen=True)
class Planted:
    """A foot on the floor: the ankle goes to ``ankle_xy`` (flat foot), IK places the knee.

    Attributes:
        ankle_xy: ankle position on the floor plane for a flat foot, metres.
        valgus_deg: rotation of the knee about the hip–ankle axis toward the midline
            (+ = medial = valgus); 0 = knee straight over the toes.
        toe_out_deg: foot turned outward (about Z), degrees.
        heel_raise_deg: foot rotated about the ball of the foot, heel up, degrees.
    """

    ankle_xy: tuple[float, float]
    valgus_deg: float = 0.0
    toe_out_deg: float = 8.0
    heel_raise_deg: float = 0.0


@dataclass(frozen=True)
class Swing:
    """A free leg: hip flexion (knee forward), knee flexion (shin back), hip abduction, degrees."""

    hip_flex_deg: float
    knee_flex_deg: float
    hip_abd_deg: float = 0.0


@dataclass(frozen=True)
class PoseSpec:
    """One frame of the body's pose in world coordinates.

    Attributes:
        pelvis_xyz: position of the pelvis origin (anny root), metres.
        pelvis_tilt_deg: frontal-plane pelvis tilt, + = left hip higher.
        pelvis_flex_deg: anterior pelvic tilt (top forward), degrees.
        trunk_lean_deg: lateral lean of the upper trunk (spine02 and up) from
            vertical, + = toward the subject's left.
        trunk_flex_deg: forward flexion of the upper trunk, degrees.
        left, right: the legs.
        arm_abd_deg: arms hanging, abducted this much from vertical.
        arm_flex_deg: arms raised forward this much from vertical.
        hands_on_hips: elbows out 40°, forearms in toward the iliac crests (overrides the two above).
    """

    pelvis_xyz: tuple[float, float, float]
    pelvis_tilt_deg: float = 0.0
    pelvis_flex_deg: float = 0.0
    trunk_lean_deg: float = 0.0
    trunk_flex_deg: float = 0.0
    left: Planted | Swing = field(default_factory=lambda: Planted((0.1, 0.0)))
    right: Planted | Swing = field(default_factory=lambda: Planted((-0.1, 0.0)))
    arm_abd_deg: float = 12.0
    arm_flex_deg: float = 0.0
    hands_on_hips: bool = False


def pelvis_rotation(spec: PoseSpec) -> Mat:
    """World rotation of the pelvis for ``spec``."""
    return frontal_tilt(spec.pelvis_tilt_deg) @ rot_x(spec.pelvis_flex_deg)


def trunk_rotation(spec: PoseSpec) -> Mat:
    """World rotation of the upper trunk (spine02 and above) for ``spec``."""
    return lateral_lean(spec.trunk_lean_deg) @ rot_x(spec.trunk_flex_deg)


def hip_position(sk: Skeleton, spec: PoseSpec, side: str) -> Vec:
    """World position of a hip joint centre for ``spec``, metres."""
    return np.asarray(spec.pelvis_xyz) + pelvis_rotation(spec) @ sk.hip(side)


def pelvis_for_hip(sk: Skeleton, hip_xyz: Vec, side: str, tilt_deg: float, flex_deg: float = 0.0) -> Vec:
    """Pelvis origin that puts the ``side`` hip joint centre at ``hip_xyz`` for the given tilt."""
    rot = frontal_tilt(tilt_deg) @ rot_x(flex_deg)
    return np.asarray(hip_xyz) - rot @ sk.hip(side)


def _slerp_half(a: Mat, b: Mat) -> Mat:
    """Rotation halfway between ``a`` and ``b`` (axis-angle of a^T b halved)."""
    rel = a.T @ b
    angle = np.arccos(np.clip((np.trace(rel) - 1) / 2, -1.0, 1.0))
    if angle < 1e-9:
        return a
    axis = np.array([rel[2, 1] - rel[1, 2], rel[0, 2] - rel[2, 0], rel[1, 0] - rel[0, 1]])
    axis /= np.linalg.norm(axis)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    half = np.eye(3) + np.sin(angle / 2) * k + (1 - np.cos(angle / 2)) * k @ k
    return a @ half


def _knee_target(sk: Skeleton, side: str, hip: Vec, ankle: Vec, valgus_deg: float, toe_out_deg: float) -> Vec:
    l1, l2 = sk.thigh_len(side), sk.shin_len(side)
    d_vec = ankle - hip
    d = float(np.linalg.norm(d_vec))
    u = d_vec / d
    d = min(d, l1 + l2 - 1e-6)
    a = (l1**2 - l2**2 + d**2) / (2 * d)
    r = float(np.sqrt(max(l1**2 - a**2, 0.0)))
    sgn = 1.0 if side == "L" else -1.0
    forward = rot_z(sgn * toe_out_deg) @ np.array([0.0, -1.0, 0.0])
    n0 = forward - np.dot(forward, u) * u
    n0 /= np.linalg.norm(n0)
    b = np.cross(u, n0)
    medial = np.array([-sgn, 0.0, 0.0])
    if np.dot(b, medial) < 0:
        b = -b
    psi = np.radians(valgus_deg)
    n = np.cos(psi) * n0 + np.sin(psi) * b
    return hip + a * u + r * n


def _planted_leg(sk: Skeleton, side: str, hip: Vec, leg: Planted) -> dict[str, Mat]:
    sgn = 1.0 if side == "L" else -1.0
    foot_rot = rot_z(sgn * leg.toe_out_deg)
    flat_ankle = np.array([leg.ankle_xy[0], leg.ankle_xy[1], sk.ankle_height])
    ball = flat_ankle + foot_rot @ sk.ball_offset[side]
    foot_world = rot_x(leg.heel_raise_deg) @ foot_rot
    ankle = ball - foot_world @ sk.ball_offset[side]
    knee = _knee_target(sk, side, hip, ankle, leg.valgus_deg, leg.toe_out_deg)
    g_thigh = rot_between(sk.knee(side) - sk.hip(side), knee - hip)
    shin_rest = g_thigh @ (sk.ankle(side) - sk.knee(side))
    g_shin = rot_between(shin_rest, ankle - knee) @ g_thigh
    out = {f"upperleg01.{side}": g_thigh, f"upperleg02.{side}": g_thigh}
    out |= {f"lowerleg01.{side}": g_shin, f"lowerleg02.{side}": g_shin, f"foot.{side}": foot_world}
    for label in sk.labels:
        if label.startswith("toe") and label.endswith(f".{side}"):
            out[label] = foot_rot
    return out


def _swing_leg(sk: Skeleton, side: str, pelvis_rot: Mat, leg: Swing) -> dict[str, Mat]:
    sgn = 1.0 if side == "L" else -1.0
    abd = lateral_lean(-sgn * leg.hip_abd_deg)  # knee away from the midline
    down = np.array([0.0, 0.0, -1.0])
    thigh_dir = abd @ rot_x(-leg.hip_flex_deg) @ down
    shin_dir = abd @ rot_x(-leg.hip_flex_deg + leg.knee_flex_deg) @ down
    g_thigh = rot_between(sk.knee(side) - sk.hip(side), thigh_dir)
    g_shin = rot_between(g_thigh @ (sk.ankle(side) - sk.knee(side)), shin_dir) @ g_thigh
    return {
        f"upperleg01.{side}": g_thigh,
        f"upperleg02.{side}": g_thigh,
        f"lowerleg01.{side}": g_shin,
        f"lowerleg02.{side}": g_shin,
    }


def _arms(sk: Skeleton, spec: PoseSpec) -> dict[str, Mat]:
    out: dict[str, Mat] = {}
    for side, sgn in (("L", 1.0), ("R", -1.0)):
        down = np.array([0.0, 0.0, -1.0])
        if spec.hands_on_hips:  # elbow out and a little back, the hand on the iliac crest
            upper = rot_x(12.0) @ lateral_lean(-sgn * 40.0) @ down
            lower = rot_x(-10.0) @ lateral_lean(sgn * 48.0) @ down
        else:
            upper = rot_x(-spec.arm_flex_deg) @ lateral_lean(-sgn * spec.arm_abd_deg) @ down
            lower = rot_x(-spec.arm_flex_deg - 12.0) @ lateral_lean(-sgn * spec.arm_abd_deg * 0.6) @ down
        rest_u = sk.heads[f"lowerarm01.{side}"] - sk.heads[f"upperarm01.{side}"]
        rest_l = sk.heads[f"wrist.{side}"] - sk.heads[f"lowerarm01.{side}"]
        g_u = rot_between(rest_u, upper)
        g_l = rot_between(g_u @ rest_l, lower) @ g_u
        out |= {f"upperarm01.{side}": g_u, f"upperarm02.{side}": g_u}
        out |= {f"lowerarm01.{side}": g_l, f"lowerarm02.{side}": g_l}
    return out


def bone_world_rotations(sk: Skeleton, spec: PoseSpec) -> dict[str, Mat]:
    """World rotation (relative to rest) of every bone for ``spec``.

    Bones not set explicitly inherit their parent's rotation. The lowest spine
    bones (spine05, spine04) follow the pelvis because the pelvis skin is also
    weighted to them; spine03 is halfway; spine02 and above take the trunk
    orientation (so an upright trunk counter-rotates above the pelvis).
    """
    g_pelvis = pelvis_rotation(spec)
    g_trunk = trunk_rotation(spec)
    explicit: dict[str, Mat] = {"root": g_pelvis, "spine05": g_pelvis, "spine04": g_pelvis}
    explicit["spine03"] = _slerp_half(g_pelvis, g_trunk)
    explicit["spine02"] = g_trunk
    explicit |= _arms(sk, spec)
    for side, leg in (("L", spec.left), ("R", spec.right)):
        if isinstance(leg, Planted):
            explicit |= _planted_leg(sk, side, hip_position(sk, spec, side), leg)
        else:
            explicit |= _swing_leg(sk, side, g_pelvis, leg)
    out: dict[str, Mat] = {}
    for label in sk.labels:  # anny orders parents before children
        if label in explicit:
            out[label] = explicit[label]
        else:
            out[label] = out[sk.parents[label]] if sk.parents[label] else np.eye(3)
    return out
