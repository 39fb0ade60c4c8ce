"""Tests for hipcheck.analysis.movement: exercise recognition, reps and stance phases.

The sequences are built here by a small kinematic generator: feet placed on
the floor (or lifted), the pelvis moved, knees found by two-link inverse
kinematics, projected by a pinhole camera. So every answer (rep bottoms,
lift / touch-down times, stance and front sides) is known exactly.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from hipcheck.analysis import clean as clean_pose
from hipcheck.analysis import movement as mv
from hipcheck.landmarks import INDEX, MIRROR_PERMUTATION, N_LANDMARKS, PoseSeries
from support import CATALOG, FIXTURES

THIGH, SHANK, ANKLE_H = 0.45, 0.43, 0.07
HIP_HALF, SHOULDER_HALF, TRUNK = 0.09, 0.18, 0.5
STAND_Y = -(THIGH + SHANK + ANKLE_H) + 0.005  # pelvis height (y down, floor at 0) with straight legs
FPS = 30.0


# ----------------------------------------------------------------------------------- generator
@dataclass
class Track:
    """Per-frame controls in floor coordinates (lat = person's left +, y down with floor 0, fwd +)."""

    pelvis: list[NDArray[np.float64]] = field(default_factory=list)  # (lat, y, fwd)
    trunk_deg: list[float] = field(default_factory=list)  # forward trunk flexion
    foot_l: list[NDArray[np.float64]] = field(default_factory=list)  # ankle (lat, y, fwd)
    foot_r: list[NDArray[np.float64]] = field(default_factory=list)

    def add(self, pelvis, trunk, foot_l, foot_r) -> None:
        self.pelvis.append(np.asarray(pelvis, float))
        self.trunk_deg.append(float(trunk))
        self.foot_l.append(np.asarray(foot_l, float))
        self.foot_r.append(np.asarray(foot_r, float))

    def __len__(self) -> int:
        return len(self.pelvis)


def _ease(n: int) -> NDArray[np.float64]:
    """0→1→0 raised cosine over n frames (peak at the middle frame)."""
    return (1 - np.cos(2 * np.pi * np.arange(n) / (n - 1))) / 2


def _ramp(n: int) -> NDArray[np.float64]:
    return (1 - np.cos(np.pi * np.arange(n) / (n - 1))) / 2


FOOT_L0 = (0.12, -ANKLE_H, 0.05)
FOOT_R0 = (-0.12, -ANKLE_H, 0.05)


def stand(tr: Track, seconds: float) -> None:
    for _ in range(round(seconds * FPS)):
        tr.add((0, STAND_Y, 0), 3, FOOT_L0, FOOT_R0)


def squats(tr: Track, reps: int, rep_s: float = 2.0, pause_s: float = 0.5, depth: float = 0.42) -> list[int]:
    bottoms = []
    for _ in range(reps):
        s = _ease(round(rep_s * FPS))
        bottoms.append(len(tr) + int(np.argmax(s)))
        for v in s:
            tr.add((0, STAND_Y + depth * v, -0.2 * v), 3 + 40 * v, FOOT_L0, FOOT_R0)
        stand(tr, pause_s)
    return bottoms


def lunges(tr: Track, front: str, reps: int, rep_s: float = 2.0) -> list[int]:
    """Static split-squat reps: front foot 0.4 m ahead, back foot 0.45 m behind on its toes at the bottom."""
    f, b = (0.12, 0.4), (-0.12, -0.45)
    fl, fr = (f, b) if front == "left" else ((-b[0], b[1]), (-f[0], f[1]))
    bottoms = []

    def feet(v: float) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        back_up = 0.08 * v  # back heel rises
        left = (fl[0], -ANKLE_H - (back_up if front == "right" else 0), fl[1])
        right = (fr[0], -ANKLE_H - (back_up if front == "left" else 0), fr[1])
        return left, right

    for v in _ramp(round(0.6 * FPS)):  # step into the split stance
        left, right = feet(0)
        tr.add((0, STAND_Y + 0.12 * v, 0), 3, np.array(FOOT_L0) * (1 - v) + np.array(left) * v,
               np.array(FOOT_R0) * (1 - v) + np.array(right) * v)  # fmt: skip
    for _ in range(reps):
        s = _ease(round(rep_s * FPS))
        bottoms.append(len(tr) + int(np.argmax(s)))
        for v in s:
            tr.add((0, STAND_Y + 0.12 + 0.31 * v, 0), 5, *feet(v))
        for _ in range(round(0.3 * FPS)):
            tr.add((0, STAND_Y + 0.12, 0), 5, *feet(0))
    for v in _ramp(round(0.6 * FPS)):  # step back
        left, right = feet(0)
        tr.add((0, STAND_Y + 0.12 * (1 - v), 0), 3, np.array(left) * (1 - v) + np.array(FOOT_L0) * v,
               np.array(right) * (1 - v) + np.array(FOOT_R0) * v)  # fmt: skip
    return bottoms


def single_leg(tr: Track, stance: str, hold_s: float = 3.0, rise_s: float = 0.3, knee_dip: float = 0.0,
               trunk: float = 3.0, swing_back: bool = False, dips: int = 1) -> tuple[int, int]:  # fmt: skip
    """Lift the other foot (rise_s), hold, put it down; returns (lift row, first row back on the floor)."""
    n_rise, n_hold = round(rise_s * FPS), round(hold_s * FPS)
    prof = np.r_[_ramp(n_rise)[1:], np.ones(n_hold), _ramp(n_rise)[::-1][:-1]]
    lift_row = len(tr)
    for k, v in enumerate(prof):
        dip = knee_dip * np.sin(np.pi * dips * k / (len(prof) - 1)) ** 2
        shift = 0.08 if stance == "left" else -0.08  # pelvis over the stance foot
        if swing_back:
            swing = (-0.12 if stance == "left" else 0.12, -ANKLE_H - 0.55 * v, -0.75 * v)
        else:
            swing = (-0.12 if stance == "left" else 0.12, -ANKLE_H - 0.35 * v, -0.25 * v)
        still = FOOT_L0 if stance == "left" else FOOT_R0
        pel = (shift * min(1.0, 3 * v), STAND_Y + dip, 0.0)
        tr.add(pel, 3 + (trunk - 3) * v, *((still, swing) if stance == "left" else (swing, still)))
    return lift_row + 1, lift_row + len(prof) - 1


def walk(tr: Track, seconds: float, speed: float = 1.0, step_s: float = 0.5) -> None:
    """Walk forward from fwd = -speed * seconds / 2: feet alternate, 0.1 m swing clearance."""
    x0 = -speed * seconds / 2
    step = speed * step_s
    for k in range(round(seconds * FPS)):
        t = k / FPS
        fwd = x0 + speed * t
        phase, n = (t / step_s) % 1.0, int(t / step_s)
        planted = x0 + n * step + step / 2  # the stance foot of step n
        swing = planted - step + 2 * step * phase  # from one step behind to one step ahead
        up = -ANKLE_H - 0.1 * np.sin(np.pi * phase)
        stance_is_left = n % 2 == 0
        left = (0.12, -ANKLE_H, planted) if stance_is_left else (0.12, up, swing)
        right = (-0.12, up, swing) if stance_is_left else (-0.12, -ANKLE_H, planted)
        tr.add((0, STAND_Y + 0.05, fwd), 5, left, right)


def _ik_knee(hip: NDArray[np.float64], ankle: NDArray[np.float64], fwd_sign: float = 1.0) -> NDArray[np.float64]:
    """Knee of a two-link leg (thigh, shank) between hip and ankle, bent forward (lat, y, fwd coordinates)."""
    d_vec = ankle - hip
    d = min(float(np.linalg.norm(d_vec)), THIGH + SHANK - 1e-6)
    u = d_vec / np.linalg.norm(d_vec)
    alpha = np.arccos(np.clip((THIGH**2 + d**2 - SHANK**2) / (2 * THIGH * d), -1, 1))
    side = np.array([0.0, 0.0, fwd_sign]) - u * u[2] * fwd_sign  # forward, orthogonal to u
    if np.linalg.norm(side) < 1e-9:
        side = np.array([0.0, -1.0, 0.0])
    side /= np.linalg.norm(side)
    return hip + THIGH * (np.cos(alpha) * u + np.sin(alpha) * side)


def body_points(pelvis, trunk_deg, foot_l, foot_r) -> NDArray[np.float64]:
    """(33, 3) landmarks in floor coordinates (lat, y down, fwd)."""
    p = np.zeros((N_LANDMARKS, 3))
    half = np.array([HIP_HALF, 0, 0])
    hip_l, hip_r = pelvis + half, pelvis - half
    tf = np.radians(trunk_deg)
    up = np.array([0, -np.cos(tf), np.sin(tf)])
    sh = pelvis + TRUNK * up
    put = lambda name, v: p.__setitem__(INDEX[name], v)  # noqa: E731
    put("left_hip", hip_l)
    put("right_hip", hip_r)
    for side, hip, foot in (("left", hip_l, foot_l), ("right", hip_r, foot_r)):
        sgn = 1 if side == "left" else -1
        put(f"{side}_knee", _ik_knee(hip, foot))
        put(f"{side}_ankle", foot)
        put(f"{side}_heel", foot + np.array([0, 0.05, -0.06]))
        put(f"{side}_foot_index", foot + np.array([0, 0.06, 0.16]))
        s_pt = sh + np.array([sgn * SHOULDER_HALF, 0, 0])
        put(f"{side}_shoulder", s_pt)
        put(f"{side}_elbow", s_pt + np.array([sgn * 0.03, 0.28, 0]))
        put(f"{side}_wrist", s_pt + np.array([sgn * 0.04, 0.53, 0]))
        for part in ("pinky", "index", "thumb"):
            put(f"{side}_{part}", s_pt + np.array([sgn * 0.04, 0.6, 0.02]))
    head = sh + 0.25 * up
    for name in mv_face_names():
        sgn = 1 if "left" in name else -1 if "right" in name else 0
        p[INDEX[name]] = head + np.array([sgn * 0.04, 0.0, 0.09])
    return p


def mv_face_names() -> list[str]:
    return [n for n in INDEX if INDEX[n] <= INDEX["mouth_right"]]


def render(tr: Track, *, yaw_deg: float = 0.0, noise_px: float = 0.6, noise_m: float = 0.004, seed: int = 0,
           wh: tuple[int, int] = (720, 1280), dist_m: float = 3.5, f_px: float = 1000.0) -> PoseSeries:  # fmt: skip
    """Project a track into a PoseSeries. yaw 0 = facing the camera; 90 = facing image right (side view)."""
    rng = np.random.default_rng(seed)
    yaw = np.radians(yaw_deg)
    # floor coords (lat, y, fwd) → camera (X right, Y down, Z away); facing the camera: lat→+X, fwd→−Z
    rot = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
    base = np.array([[1, 0, 0], [0, 1, 0], [0, 0, -1]], float)
    pts = np.stack([body_points(*a) for a in zip(tr.pelvis, tr.trunk_deg, tr.foot_l, tr.foot_r, strict=True)])
    cam = pts @ (rot @ base).T
    hips = (cam[:, INDEX["left_hip"]] + cam[:, INDEX["right_hip"]]) / 2
    world = cam - hips[:, None] + rng.normal(0, noise_m, cam.shape)
    cam = cam + np.array([0.0, 1.0, dist_m])  # camera 1 m above the floor
    xy = np.stack([wh[0] / 2 + f_px * cam[..., 0] / cam[..., 2], wh[1] / 2 + f_px * cam[..., 1] / cam[..., 2]], -1)
    xy = xy + rng.normal(0, noise_px, xy.shape)
    t = len(tr)
    return PoseSeries(
        xy_px=xy, z=world[..., 2] * wh[0], visibility=np.full((t, N_LANDMARKS), 0.99),
        presence=np.full((t, N_LANDMARKS), 0.99), xyz_world_m=world, t_s=np.arange(t) / FPS, resolution_wh=wh,
    )  # fmt: skip


def names(segs: list[mv.Segment], min_s: float = 0.0) -> list[tuple[str, str | None]]:
    return [(s.exercise, s.side) for s in segs if s.t_end_s - s.t_start_s >= min_s]


def non_standing(segs: list[mv.Segment]) -> list[mv.Segment]:
    return [s for s in segs if s.exercise != "standing"]


# ----------------------------------------------------------------------------------- find_reps
def test_find_reps_known_bottoms_in_noise() -> None:
    t = np.arange(600) / 30.0
    bottoms = [60, 150, 250, 330, 480]
    x = np.zeros_like(t)
    for b in bottoms:
        x += 0.4 * np.exp(-0.5 * ((np.arange(600) - b) / 12) ** 2)
    x += np.random.default_rng(1).normal(0, 0.02, x.shape)
    reps = mv.find_reps(x, t, min_depth=0.1, min_duration_s=0.4)
    assert [r.bottom for r in reps] == pytest.approx(bottoms, abs=2)
    for r in reps:
        assert r.start < r.bottom < r.end
    assert all(a.end <= b.start + 1 for a, b in itertools.pairwise(reps))


@pytest.mark.parametrize(
    "signal",
    [np.array([]), np.full(50, np.nan), np.zeros(50), np.array([0.0, 1.0]), 0.03 * np.sin(np.arange(90) / 5)],
    ids=["empty", "all-nan", "flat", "two-rows", "below-min-depth"],
)
def test_find_reps_nothing(signal: NDArray[np.float64]) -> None:
    assert mv.find_reps(signal, np.arange(signal.size) / 30.0, min_depth=0.1, min_duration_s=0.4) == []


def test_find_reps_too_short_is_dropped() -> None:
    t = np.arange(90) / 30.0
    x = 0.5 * np.exp(-0.5 * ((np.arange(90) - 45) / 1.5) ** 2)  # a 0.15 s blip
    assert mv.find_reps(x, t, min_depth=0.1, min_duration_s=0.4) == []


# ----------------------------------------------------------------------------------- recognition
def test_five_squats() -> None:
    tr = Track()
    stand(tr, 1.5)
    bottoms = squats(tr, 5)
    stand(tr, 1.0)
    segs = mv.segment_movement(render(tr))
    sq = [s for s in segs if s.exercise == "squat"]
    assert len(sq) == 1, names(segs)
    assert sq[0].side is None
    assert [r.bottom for r in sq[0].reps] == pytest.approx(bottoms, abs=2)
    assert sq[0].confidence > 0.5


@pytest.mark.parametrize("stance", ["left", "right"])
@pytest.mark.parametrize("yaw", [0.0, 90.0], ids=["front", "side"])
def test_single_leg_stance_side_and_times(stance: str, yaw: float) -> None:
    tr = Track()
    stand(tr, 1.5)
    lift, down = single_leg(tr, stance)
    stand(tr, 1.5)
    pose = render(tr, yaw_deg=yaw)
    segs = non_standing(mv.segment_movement(pose))
    assert names(segs) == [("single_leg_stance", stance)]
    (rep,) = segs[0].reps
    assert abs(pose.t_s[rep.start] - pose.t_s[lift]) <= 0.1
    assert abs(pose.t_s[rep.end - 1] - pose.t_s[down]) <= 0.1
    phases = mv.find_stance_phases(pose)
    assert [p[0] for p in phases] == [stance]


@pytest.mark.parametrize("front", ["left", "right"])
@pytest.mark.parametrize("yaw", [0.0, 90.0, -35.0], ids=["front", "side", "oblique"])
def test_lunge_front_leg(front: str, yaw: float) -> None:
    tr = Track()
    stand(tr, 1.5)
    bottoms = lunges(tr, front, 3)
    stand(tr, 1.5)
    segs = non_standing(mv.segment_movement(render(tr, yaw_deg=yaw)))
    assert names(segs) == [("lunge", front)]
    assert [r.bottom for r in segs[0].reps] == pytest.approx(bottoms, abs=2)


@pytest.mark.parametrize("front", ["left", "right"])
def test_front_view_lunge_with_the_back_foot_hidden_at_the_bottom(front: str) -> None:
    """Facing the camera, the back leg disappears behind the front one at the bottom of each rep
    (here ~0.7 s a rep): the lunge must still be one lunge bout on the right lead leg, not
    single-leg stances cut up by the gaps."""
    tr = Track()
    stand(tr, 1.5)
    bottoms = lunges(tr, front, 3)
    stand(tr, 1.5)
    pose = render(tr)
    back = "right" if front == "left" else "left"
    xy, world = pose.xy_px.copy(), pose.xyz_world_m.copy()
    leg = [INDEX[f"{back}_{part}"] for part in ("knee", "ankle", "heel", "foot_index")]
    hidden = np.zeros(len(pose), dtype=bool)
    for b in bottoms:
        hidden[b - round(0.35 * FPS) : b + round(0.35 * FPS)] = True
    xy[np.ix_(hidden, leg)], world[np.ix_(hidden, leg)] = np.nan, np.nan
    segs = non_standing(mv.segment_movement(pose.replace(xy_px=xy, xyz_world_m=world)))
    assert names(segs) == [("lunge", front)]
    assert [r.bottom for r in segs[0].reps] == pytest.approx(bottoms, abs=3)


@pytest.mark.parametrize("yaw", [90.0, -90.0, 60.0, 0.0, 180.0], ids=["right", "left", "oblique", "toward", "away"])
def test_walking(yaw: float) -> None:
    tr = Track()
    walk(tr, 3.0)
    segs = mv.segment_movement(render(tr, yaw_deg=yaw))
    assert names(segs) == [("walking", None)]
    assert segs[0].reps == ()


def test_alternating_lunges_alternate_sides() -> None:
    tr = Track()
    stand(tr, 1.5)
    for front in ("left", "right", "left", "right"):
        lunges(tr, front, 1)
        stand(tr, 0.5)
    stand(tr, 1.0)
    segs = non_standing(mv.segment_movement(render(tr, yaw_deg=90.0)))
    assert names(segs) == [("lunge", "left"), ("lunge", "right"), ("lunge", "left"), ("lunge", "right")]
    assert [len(s.reps) for s in segs] == [1, 1, 1, 1]


@pytest.mark.parametrize("hidden", ["left", "right"])
def test_side_view_squat_with_the_far_leg_hidden(hidden: str) -> None:
    tr = Track()
    stand(tr, 1.5)
    bottoms = squats(tr, 3)
    pose = render(tr, yaw_deg=90.0)
    xy, world = pose.xy_px.copy(), pose.xyz_world_m.copy()
    leg = [INDEX[f"{hidden}_{part}"] for part in ("knee", "ankle", "heel", "foot_index")]
    xy[:, leg], world[:, leg] = np.nan, np.nan  # what cleaning leaves of an occluded leg
    segs = non_standing(mv.segment_movement(pose.replace(xy_px=xy, xyz_world_m=world)))
    assert names(segs) == [("squat", None)]
    assert [r.bottom for r in segs[0].reps] == pytest.approx(bottoms, abs=2)


def test_single_leg_squat_and_deadlift() -> None:
    tr = Track()
    stand(tr, 1.5)
    single_leg(tr, "right", hold_s=2.0, knee_dip=0.2)
    stand(tr, 1.5)
    single_leg(tr, "left", hold_s=2.0, trunk=75.0, swing_back=True)
    stand(tr, 1.5)
    segs = non_standing(mv.segment_movement(render(tr)))
    assert names(segs) == [("single_leg_squat", "right"), ("single_leg_deadlift", "left")]


def test_single_leg_squat_reps_inside_one_stance_phase() -> None:
    tr = Track()
    stand(tr, 1.5)
    lift, down = single_leg(tr, "left", hold_s=6.0, knee_dip=0.15, dips=3)
    stand(tr, 1.5)
    segs = non_standing(mv.segment_movement(render(tr)))
    assert names(segs) == [("single_leg_squat", "left")]
    n = down - lift + 1
    want = [lift - 1 + round((k + 0.5) * (n + 1) / 3) for k in range(3)]  # sin² peaks
    assert [r.bottom for r in segs[0].reps] == pytest.approx(want, abs=3)


def protocol() -> tuple[Track, list[tuple[str, str | None]]]:
    tr = Track()
    stand(tr, 3.0)
    squats(tr, 3)
    stand(tr, 2.0)
    lunges(tr, "left", 2)
    stand(tr, 2.0)
    lunges(tr, "right", 2)
    stand(tr, 2.0)
    single_leg(tr, "left")
    stand(tr, 2.0)
    single_leg(tr, "right")
    stand(tr, 2.0)
    want = [("standing", None), ("squat", None), ("standing", None), ("lunge", "left"), ("standing", None),
            ("lunge", "right"), ("standing", None), ("single_leg_stance", "left"), ("standing", None),
            ("single_leg_stance", "right"), ("standing", None)]  # fmt: skip
    return tr, want


def test_protocol_in_order() -> None:
    tr, want = protocol()
    pose = render(tr)
    segs = mv.segment_movement(pose)
    assert names(segs) == want
    assert segs[0].start == 0 and segs[-1].end == len(pose)
    assert all(a.end == b.start for a, b in itertools.pairwise(segs))
    ex, ph = mv.frame_labels(segs, len(pose))
    assert len(ex) == len(ph) == len(pose)
    assert ex[0] == "standing" and "descent" in ph and "bottom" in ph and "stance_right" in ph


def test_protocol_survives_dropouts_swaps_and_noise() -> None:
    tr, want = protocol()
    pose = render(tr, noise_px=2.0, noise_m=0.01, seed=3)
    rng = np.random.default_rng(5)
    xy, world = pose.xy_px.copy(), pose.xyz_world_m.copy()
    drop = rng.choice(len(pose), size=len(pose) // 20, replace=False)  # 5 % single missing frames
    xy[drop], world[drop] = np.nan, np.nan
    swap = rng.choice(len(pose), size=len(pose) // 100, replace=False)  # 1 % left/right label swaps
    xy[swap], world[swap] = xy[swap][:, MIRROR_PERMUTATION], world[swap][:, MIRROR_PERMUTATION]
    segs = mv.segment_movement(pose.replace(xy_px=xy, xyz_world_m=world))
    assert names(segs) == want


def test_mirrored_swaps_every_side() -> None:
    tr, want = protocol()
    segs = mv.segment_movement(render(tr).mirrored())
    swap = {"left": "right", "right": "left", None: None}
    assert names(segs) == [(e, swap[s]) for e, s in want]


def test_translation_and_scale_change_nothing() -> None:
    tr, want = protocol()
    a = mv.segment_movement(render(tr))
    b = mv.segment_movement(render(tr, dist_m=5.0, f_px=1400.0, wh=(1280, 720)))
    assert names(a) == names(b) == want
    for sa, sb in zip(a, b, strict=True):
        assert [r.bottom for r in sa.reps] == pytest.approx([r.bottom for r in sb.reps], abs=2)


def test_override_exercise() -> None:
    tr = Track()
    stand(tr, 1.0)
    bottoms = squats(tr, 3)
    pose = render(tr)
    segs = mv.segment_movement(pose, exercise="lunge")
    assert {s.exercise for s in segs} == {"lunge"}
    assert segs[0].start == 0 and segs[-1].end == len(pose)
    assert [r.bottom for s in segs for r in s.reps] == pytest.approx(bottoms, abs=2)
    (only,) = mv.segment_movement(pose, exercise="standing")
    assert only.exercise == "standing" and only.reps == ()


def test_override_unknown_name_is_refused() -> None:
    tr = Track()
    stand(tr, 1.0)
    with pytest.raises(ValueError, match="expected one of"):
        mv.segment_movement(render(tr), exercise="squats")  # type: ignore[arg-type]


def test_override_single_leg_keeps_sides() -> None:
    tr = Track()
    stand(tr, 1.0)
    single_leg(tr, "left", hold_s=2.0)
    stand(tr, 1.0)
    single_leg(tr, "right", hold_s=2.0)
    stand(tr, 1.0)
    segs = mv.segment_movement(render(tr), exercise="single_leg_squat")
    assert names(segs) == [("single_leg_squat", "left"), ("single_leg_squat", "right")]
    assert [len(s.reps) for s in segs] == [1, 1]


def _with_rows(pose: PoseSeries, rows: slice) -> PoseSeries:
    return pose.slice(rows)


def _blank(pose: PoseSeries) -> PoseSeries:
    nan = np.full_like(pose.xy_px, np.nan)
    return pose.replace(xy_px=nan, xyz_world_m=np.full_like(pose.xyz_world_m, np.nan))


@pytest.mark.parametrize("case", ["empty", "all-nan", "one-row", "two-rows", "0.2s"])
def test_degenerate_inputs(case: str) -> None:
    tr = Track()
    stand(tr, 1.0)
    squats(tr, 1)
    pose = render(tr)
    pose = {"empty": lambda p: p.slice(slice(0, 0)), "one-row": lambda p: p.slice(slice(0, 1)),
            "two-rows": lambda p: p.slice(slice(0, 2)), "0.2s": lambda p: p.slice(slice(0, 6)),
            "all-nan": _blank}[case](pose)  # fmt: skip
    want = [] if case in ("empty", "all-nan") else [("standing", None)]  # a still frame is still a posture
    assert names(mv.segment_movement(pose)) == want
    assert [s.exercise for s in mv.segment_movement(pose, exercise="squat")] == ["squat"] * len(want)
    assert mv.find_stance_phases(pose) == []
    base = mv.bipedal_baseline_rows(pose, mv.segment_movement(pose))
    assert base.shape == (len(pose),) and (bool(want) or not base.any())
    ex, _ = mv.frame_labels(mv.segment_movement(pose), len(pose))
    assert ex == ["standing" if want else ""] * len(pose)


def test_missing_stretch_is_not_labelled() -> None:
    tr = Track()
    stand(tr, 2.0)
    squats(tr, 2)
    stand(tr, 2.0)
    pose = render(tr)
    xy = pose.xy_px.copy()
    xy[30:75] = np.nan  # 1.5 s without a person
    segs = mv.segment_movement(pose.replace(xy_px=xy))
    assert all(not (s.start < 75 and s.end > 30) for s in segs)
    assert "squat" in [s.exercise for s in segs]


def test_bipedal_baseline_rows() -> None:
    tr, _ = protocol()
    pose = render(tr)
    segs = mv.segment_movement(pose)
    base = mv.bipedal_baseline_rows(pose, segs)
    ex, ph = mv.frame_labels(segs, len(pose))
    assert base[:60].mean() > 0.8  # the opening quiet stand
    assert not any(base[i] and (ph[i] not in ("standing",) or ex[i] != "standing") for i in range(len(pose)))


# ----------------------------------------------------------------------------------- real fixtures
FIXTURE_CASES: dict[str, tuple[list[str], int | None, str | None]] = {
    # clip: (exercise sequence, standing dropped unless listed; reps of the main exercise, None = not checked;
    #        front / stance side of the main exercise, checked on the video frames, None = not checked)
    "squat_front_bodyweight_armsup_01": (["squat"], 1, None),
    "squat_front_bodyweight_armsup_02": (["squat"], 1, None),
    "squat_front_bodyweight_armsup_03": (["squat"], 1, None),
    "squat_front_bodyweight_armsup_04": (["squat"], 1, None),
    "squat_front_bodyweight_shallow_bad_01": (["squat"], 1, None),
    "squat_front_bodyweight_shallow_bad_02": (["squat"], 1, None),
    "squat_front_bodyweight_wide_01": (["squat"], None, None),
    "squat_side_bodyweight_armsup_03": (["squat"], 1, None),
    "squat_oblique_bodyweight_armsup_01": (["squat"], 1, None),
    "squat_oblique_bodyweight_armsup_04": (["squat"], 1, None),
    "squat_oblique_bodyweight_armsup_bad_02": (["squat"], 1, None),
    "squat_front_banded_overhead_01": (["squat"], 1, None),
    "squat_frontoblique_bodyweight_01": (["squat"], 1, None),
    "squat_oblique_bodyweight_06": (["squat"], None, None),
    "squat_oblique_bodyweight_small_07": (["squat"], None, None),
    "squat_side_bodyweight_05": (["squat"], None, None),
    "lunge_side_bodyweight_04": (["lunge"], 1, None),
    "lunge_oblique_banded_reverse_02": (["lunge"], 3, "right"),
    "splitsquat_bulgarian_oblique_01": (["lunge"], 4, "left"),
    "lunge_front_yoga_warrior2_01": (["standing", "lunge"], None, "right"),
    "gait_side_01": (["walking"], None, None),
    "gait_side_02": (["walking"], None, None),
    "gait_side_04": (["walking"], None, None),
    "gait_side_markers_03": (["walking"], None, None),
    "gait_side_limping_05": (["walking"], None, None),
}


def _main_exercises(segs: list[mv.Segment], min_s: float = 1.0) -> list[str]:
    """Exercise sequence of segments at least min_s long, repeats collapsed."""
    out: list[str] = []
    for s in segs:
        long_enough = s.t_end_s - s.t_start_s >= min_s or s.exercise not in ("standing", "unknown")
        if long_enough and (not out or out[-1] != s.exercise):
            out.append(s.exercise)
    return out


@pytest.mark.parametrize("clean", [False, True], ids=["raw", "cleaned"])
@pytest.mark.parametrize("clip", sorted(FIXTURE_CASES))
def test_fixture_exercise_matches_catalog(clip: str, clean: bool) -> None:
    path = FIXTURES / f"{clip}.npz"
    if not path.is_file():
        pytest.skip(f"fixture {path.name} not recorded")
    pose = PoseSeries.load_npz(path)
    if clean:
        pose = clean_pose(pose)[0]
    segs = mv.segment_movement(pose)
    want, n_reps, side = FIXTURE_CASES[clip]
    got = [e for e in _main_exercises(segs) if e != "standing" or "standing" in want]
    assert got == want, names(segs)
    if n_reps is not None:
        assert sum(len(s.reps) for s in segs if s.exercise == want[-1]) == n_reps
    if side is not None:
        assert {s.side for s in segs if s.exercise == want[-1]} == {side}
    assert names(mv.segment_movement(pose.mirrored())) == [
        (e, {"left": "right", "right": "left", None: None}[s]) for e, s in names(segs)
    ]


def test_catalog_lists_fixture_clips() -> None:
    if not CATALOG.is_file():
        pytest.skip("../shared/videos/CATALOG.tsv absent")
    with CATALOG.open() as fh:
        rows = {Path(r["file"]).stem: r for r in csv.DictReader(fh, delimiter="\t")}
    for clip, (want, _, _) in FIXTURE_CASES.items():
        assert clip in rows
        said = rows[clip]["exercise"]
        assert want[-1] in said or (want[-1], said) in {
            ("lunge", "yoga warrior II (wide lunge stance) + standing"),
            ("walking", "limping gait (simulated)"),
            ("lunge", "dumbbell Bulgarian split squat (rear foot on bench)"),
        }


# ----------------------------------------------------------------------------------- hipcheck.lab.make_pose cross-check
@pytest.mark.parametrize("view", ["front", "back", "side", "oblique"])
def test_synthetic_module_five_squats(view: str) -> None:
    from hipcheck import lab as sy

    n = 12 * 30
    depth = sy.squat_depth_profile(n_frames=n, fps=30.0, n_reps=5)
    segs = mv.segment_movement(sy.make_pose(n_frames=n, squat_depth=depth, view=view))
    (sq,) = [s for s in segs if s.exercise == "squat"]
    want = [i for i in range(1, n - 1) if depth[i] > 0.9 and depth[i] >= depth[i - 1] and depth[i] >= depth[i + 1]]
    assert [r.bottom for r in sq.reps] == pytest.approx(want, abs=2)


@pytest.mark.parametrize("stance", ["left", "right"])
@pytest.mark.parametrize("view", ["front", "back", "side"])
def test_synthetic_module_single_leg_stance(stance: str, view: str) -> None:
    from hipcheck import lab as sy

    lifted = "right" if stance == "left" else "left"
    lift = sy.step_profile(n_frames=150, fps=30.0, t_on_s=1.0, t_off_s=3.5, ramp_s=0.3)
    pose = sy.make_pose(n_frames=150, foot_lift={lifted: lift}, view=view)
    segs = non_standing(mv.segment_movement(pose))
    assert names(segs) == [("single_leg_stance", stance)]
    (rep,) = segs[0].reps
    # the module's ankle rises with an ease-in (1 cm after 2 frames), so 0.15 s here; 0.1 s with a linear lift above
    assert pose.t_s[rep.start] == pytest.approx(1.0, abs=0.15)  # foot leaves the floor
    assert pose.t_s[rep.end - 1] == pytest.approx(3.8 - 1 / 30, abs=0.15)  # last row before touch-down
    mirrored = non_standing(mv.segment_movement(pose.mirrored()))
    assert names(mirrored) == [("single_leg_stance", lifted)]


def test_front_view_squat_found_from_the_thighs_when_world_knees_read_straight() -> None:
    """A small or distant body in a front view: MediaPipe's world knees can read a deep squat as
    nearly straight legs. The thighs' foreshortening in the image still shows the knees bent, so the
    squat is found (and quiet standing with the same frozen world pose is not).
    """
    tr = Track()
    stand(tr, 1.5)
    bottoms = squats(tr, 3, depth=0.35)
    stand(tr, 1.0)
    pose = _world_frozen(render(tr))
    f = mv.movement_features(pose)
    assert np.nanmax(f.knee_flex_deg) < mv.QUIET_KNEE_DEG  # the world knees never read bent
    sq = [s for s in mv.segment_movement(pose) if s.exercise == "squat"]
    assert len(sq) == 1
    assert [r.bottom for r in sq[0].reps] == pytest.approx(bottoms, abs=3)

    still = Track()
    stand(still, 5.0)
    assert [s.exercise for s in mv.segment_movement(_world_frozen(render(still)))] == ["standing"]


def _world_frozen(pose: PoseSeries) -> PoseSeries:
    """``pose`` with its world landmarks those of the first frame (standing) throughout."""
    return dataclasses.replace(pose, xyz_world_m=np.broadcast_to(pose.xyz_world_m[:1], pose.xyz_world_m.shape).copy())
