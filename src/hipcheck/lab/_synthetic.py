"""Synthetic BlazePose skeletons with the answer built in, for tests and demos.

:func:`make_pose` builds a :class:`~hipcheck.landmarks.PoseSeries` of a
stick-figure body whose frontal-plane angles are set exactly: pelvic
obliquity, knee valgus (FPPA), trunk lean, camera roll. Movement and
assessment tests use it to fabricate squats, single-leg stances and lunges.

Body frame and projection
-------------------------
The body is built in metres in a body frame: ``X`` toward the subject's
**left**, ``Y`` up (floor at ``Y = 0``), ``Z`` toward the subject's front.
The body is then turned about the vertical by ``yaw_deg`` and projected
orthographically onto the image (x right, y **down**, pixels; the series says so in
``provenance.extra["projection"] = "orthographic"``, so the analysis undoes no perspective):

- ``yaw_deg = 0`` (``view="front"``): the subject faces the camera, their
  left appears on the image **right**.
- ``yaw_deg = 180`` (``view="back"``): the camera sees their back, their left
  appears on the image **left**.
- ``yaw_deg = 90`` (``view="side"``): the subject faces the image right, their
  right side toward the camera.

Then the image is rolled by ``roll_deg`` about the image centre with the
convention of :mod:`hipcheck.analysis.geometry._roll`: a true horizontal is drawn at
``roll_deg`` degrees, positive = descending toward the image right
(y down). ``xyz_world_m`` gets the same roll (it is camera-aligned, as
MediaPipe's world landmarks are): origin at the hip midpoint, x image right,
y down, z away from the camera.

Exact quantities (in the un-rolled image; with roll, after derotation)
----------------------------------------------------------------------
- Hip-landmark line: ``atan2(y_R - y_L, |x_L - x_R|)`` equals
  ``hip_landmark_gain * pelvic_obliquity_deg`` (+ = left hip higher) in
  front and back views. The pelvis *silhouette* (``pelvis_mask``) is always
  tilted by the full ``pelvic_obliquity_deg``; a gain below 1 mimics
  MediaPipe under-reading an isolated pelvic drop.
- Knee FPPA: ``180 - angle(hip, knee, ankle)`` in the image equals
  ``knee_valgus_deg[side]`` (+ = valgus, knee toward the body midline).
- Trunk lean: the hip-midpoint → shoulder-midpoint line is tilted from the
  vertical by ``trunk_lean_deg`` (+ = toward the subject's left).
- Feet on the floor (not lifted) have heel and toe points exactly on the
  floor line ``Y = 0``; legs are scaled slightly so both reach it.

All landmarks have visibility and presence 1, except the 11 face landmarks
in views where the face is turned away (|yaw| > 100°): visibility 0.05.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import ArrayLike, NDArray

from hipcheck.io import MASK_SIZE
from hipcheck.landmarks import INDEX, N_LANDMARKS, PoseSeries, Provenance
from hipcheck.types import FloatArray

VIEW_YAW_DEG: Mapping[str, float] = {"front": 0.0, "back": 180.0, "side": 90.0, "oblique": 45.0}
"""Yaw (degrees) used for each ``view`` shortcut of :func:`make_pose`."""


@dataclass(frozen=True)
class BodyDims:
    """Segment sizes of the synthetic body in metres (a ~1.75 m adult)."""

    hip_half_width: float = 0.11
    thigh: float = 0.45
    shank: float = 0.43
    ankle_height: float = 0.08
    trunk: float = 0.52
    shoulder_half_width: float = 0.19
    upper_arm: float = 0.30
    forearm: float = 0.26
    stance_abduction_deg: float = 3.0


def _per_frame(name: str, value: ArrayLike, n: int) -> FloatArray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name}: expected a scalar or shape ({n},), got {arr.shape}")
    return arr.copy()


def _sided(name: str, value: ArrayLike | Mapping[str, ArrayLike], n: int) -> dict[str, FloatArray]:
    if isinstance(value, Mapping):
        unknown = set(value) - {"left", "right"}
        if unknown:
            raise ValueError(f"{name}: expected keys 'left'/'right', got {sorted(unknown)}")
        return {s: _per_frame(f"{name}[{s}]", value.get(s, 0.0), n) for s in ("left", "right")}
    both = _per_frame(name, value, n)
    return {"left": both, "right": both.copy()}


def _vec(x: FloatArray, y: FloatArray, z: FloatArray) -> FloatArray:
    return np.stack([x, y, z], axis=-1)


def _leg(
    *,
    hip: FloatArray,
    lateral: float,
    dims: BodyDims,
    valgus_deg: FloatArray,
    depth: FloatArray,
    lift: FloatArray,
    shift_m: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Knee, ankle and floor-scale of one leg in the body frame, each (T, 3).

    The frontal projection of thigh and shank differ in direction by exactly
    ``valgus_deg`` with the knee toward the midline for positive values.
    """
    # a pelvis shifted by shift_m toward the subject's left leans both legs the other way
    abd = np.deg2rad(dims.stance_abduction_deg) - lateral * np.arctan2(shift_m, hip[:, 1] - dims.ankle_height)
    a1 = abd - np.deg2rad(valgus_deg) / 2  # thigh, angle from vertical toward lateral
    a2 = abd + np.deg2rad(valgus_deg) / 2  # shank
    pt0, ps0 = np.deg2rad(80.0) * depth, np.deg2rad(35.0) * depth  # sagittal pitches in stance
    reach = dims.thigh * np.cos(pt0) * np.cos(a1) + dims.shank * np.cos(ps0) * np.cos(a2)
    k = (hip[:, 1] - dims.ankle_height) / reach  # makes a standing foot reach the floor
    pt = pt0 + np.deg2rad(25.0) * lift  # lifted leg: hip flexes, shank swings back
    ps = ps0 - np.deg2rad(70.0) * lift
    lt, ls = k * dims.thigh, k * dims.shank
    knee = hip + _vec(lateral * lt * np.cos(pt) * np.sin(a1), -lt * np.cos(pt) * np.cos(a1), lt * np.sin(pt))
    ankle = knee + _vec(lateral * ls * np.cos(ps) * np.sin(a2), -ls * np.cos(ps) * np.cos(a2), -ls * np.sin(ps))
    return knee, ankle, k


def _body_points(
    *,
    n: int,
    dims: BodyDims,
    obliquity_deg: FloatArray,
    valgus: Mapping[str, FloatArray],
    lean_deg: FloatArray,
    depth: FloatArray,
    lift: Mapping[str, FloatArray],
    shift_m: FloatArray,
) -> FloatArray:
    """All 33 landmarks in the body frame (T, 33, 3), metres."""
    p = np.full((n, N_LANDMARKS, 3), np.nan)
    zeros = np.zeros(n)
    hip_y = (
        dims.ankle_height
        + dims.thigh * np.cos(np.deg2rad(80.0) * depth)
        + dims.shank * np.cos(np.deg2rad(35.0) * depth)
    )
    hip_z = dims.shank * np.sin(np.deg2rad(35.0) * depth) - dims.thigh * np.sin(np.deg2rad(80.0) * depth)
    hip_mid = _vec(shift_m, hip_y, hip_z)
    th = np.deg2rad(obliquity_deg)
    half = _vec(dims.hip_half_width * np.cos(th), dims.hip_half_width * np.sin(th), zeros)
    hips = {"left": hip_mid + half, "right": hip_mid - half}
    for side, lateral in (("left", 1.0), ("right", -1.0)):
        knee, ankle, _ = _leg(
            hip=hips[side],
            lateral=lateral,
            dims=dims,
            valgus_deg=valgus[side],
            depth=depth,
            lift=lift[side],
            shift_m=shift_m,
        )
        foot_y = ankle[:, 1] - dims.ankle_height
        p[:, INDEX[f"{side}_hip"]] = hips[side]
        p[:, INDEX[f"{side}_knee"]] = knee
        p[:, INDEX[f"{side}_ankle"]] = ankle
        p[:, INDEX[f"{side}_heel"]] = _vec(ankle[:, 0], foot_y, ankle[:, 2] - 0.05)
        p[:, INDEX[f"{side}_foot_index"]] = _vec(ankle[:, 0] + lateral * 0.03, foot_y, ankle[:, 2] + 0.15)
    _upper_body(p, dims, hip_mid, np.deg2rad(lean_deg))
    return p


def _upper_body(p: FloatArray, dims: BodyDims, hip_mid: FloatArray, lean: FloatArray) -> None:
    """Fill trunk, arms and face landmarks in place."""
    n = hip_mid.shape[0]
    zeros, ones = np.zeros(n), np.ones(n)
    up = _vec(np.sin(lean), np.cos(lean), zeros)  # trunk axis, + lean toward the subject's left (+X)
    lat = _vec(np.cos(lean), -np.sin(lean), zeros)  # toward the subject's left, perpendicular to the trunk
    fwd = _vec(zeros, zeros, ones)
    sh_mid = hip_mid + dims.trunk * up

    def at(base: FloatArray, a_up: float, a_lat: float, a_fwd: float) -> FloatArray:
        return base + a_up * up + a_lat * lat + a_fwd * fwd

    for side, s in (("left", 1.0), ("right", -1.0)):
        sh = at(sh_mid, 0.0, s * dims.shoulder_half_width, 0.0)
        elbow = at(sh, -dims.upper_arm, s * 0.03, 0.0)
        wrist = at(elbow, -dims.forearm, s * 0.02, 0.03)
        p[:, INDEX[f"{side}_shoulder"]] = sh
        p[:, INDEX[f"{side}_elbow"]] = elbow
        p[:, INDEX[f"{side}_wrist"]] = wrist
        p[:, INDEX[f"{side}_pinky"]] = at(wrist, -0.08, s * 0.02, 0.0)
        p[:, INDEX[f"{side}_index"]] = at(wrist, -0.09, s * 0.0, 0.02)
        p[:, INDEX[f"{side}_thumb"]] = at(wrist, -0.05, -s * 0.01, 0.04)
        p[:, INDEX[f"{side}_eye_inner"]] = at(sh_mid, 0.28, s * 0.015, 0.09)
        p[:, INDEX[f"{side}_eye"]] = at(sh_mid, 0.28, s * 0.032, 0.085)
        p[:, INDEX[f"{side}_eye_outer"]] = at(sh_mid, 0.28, s * 0.048, 0.08)
        p[:, INDEX[f"{side}_ear"]] = at(sh_mid, 0.26, s * 0.075, -0.01)
        p[:, INDEX[f"mouth_{side}"]] = at(sh_mid, 0.21, s * 0.025, 0.08)
    p[:, INDEX["nose"]] = at(sh_mid, 0.25, 0.0, 0.11)


def _pelvis_outline(body: FloatArray, th: FloatArray, dims: BodyDims) -> FloatArray:
    """Silhouette polygon (T, 16, 3) of lower trunk, pelvis and thighs in the body frame.

    Three rigid parts, as on a real body: the lower trunk follows the trunk
    axis (hip midpoint → shoulder midpoint), the pelvis part (waist, iliac
    flare, lateral hip contour at the greater trochanter, crotch) is rotated
    by the true pelvic tilt ``th`` (radians, + = left side up) about the hip
    midpoint, and the thigh contours run to the knees.
    """
    hip_mid = body[:, [INDEX["left_hip"], INDEX["right_hip"]]].mean(axis=1)
    up = body[:, [INDEX["left_shoulder"], INDEX["right_shoulder"]]].mean(axis=1) - hip_mid
    up /= np.linalg.norm(up, axis=-1, keepdims=True)
    lat = np.stack([up[:, 1], -up[:, 0], np.zeros_like(up[:, 0])], axis=-1)  # toward the subject's left
    w = dims.hip_half_width
    pelvis_uv = np.array([(0.135, 0.12), (0.15, 0.06), (0.175, 0.0), (w + 0.08, -0.05), (w + 0.075, -0.10)])
    c, s_ = np.cos(th)[:, None], np.sin(th)[:, None]

    def pelvis(sign: float) -> FloatArray:
        u, v = sign * pelvis_uv[:, 0], pelvis_uv[:, 1]
        out: FloatArray = hip_mid[:, None, :] + np.stack([u * c - v * s_, u * s_ + v * c, np.zeros_like(u * c)], -1)
        return out

    def trunk(sign: float) -> FloatArray:
        out: FloatArray = (hip_mid + 0.30 * up + sign * 0.15 * lat)[:, None, :]
        return out

    def thigh(side: str, sign: float) -> FloatArray:
        knee = body[:, INDEX[f"{side}_knee"]]
        outer, inner = knee + sign * 0.055 * lat, knee - sign * 0.05 * lat
        return np.stack([outer, inner], axis=1)

    crotch = (hip_mid + np.stack([0.09 * s_[:, 0], -0.09 * c[:, 0], np.zeros_like(th)], axis=-1))[
        :, None
    ]  # (0, -0.09) tilted
    parts = [
        trunk(1.0), pelvis(1.0), thigh("left", 1.0), crotch,
        thigh("right", -1.0)[:, ::-1], pelvis(-1.0)[:, ::-1], trunk(-1.0),
    ]  # fmt: skip
    return np.concatenate(parts, axis=1)


@dataclass(frozen=True)
class _Camera:
    yaw_deg: float
    scale: float
    origin_px: FloatArray
    roll_deg: float
    centre: FloatArray


def _project(pts_m: FloatArray, cam_: _Camera) -> tuple[FloatArray, FloatArray]:
    """Body-frame points (..., 3) → rolled image xy_px (..., 2) and camera-frame xyz (..., 3)."""
    yaw_deg, scale, origin_px, roll_deg, centre = cam_.yaw_deg, cam_.scale, cam_.origin_px, cam_.roll_deg, cam_.centre
    psi = np.deg2rad(yaw_deg)
    x, y, z = pts_m[..., 0], pts_m[..., 1], pts_m[..., 2]
    xc = x * np.cos(psi) + z * np.sin(psi)  # image right
    depth = -(-x * np.sin(psi) + z * np.cos(psi))  # away from the camera
    cam = np.stack([xc, -y, depth], axis=-1)  # x right, y down, z away (metres)
    r = np.deg2rad(roll_deg)
    rot = np.array([[np.cos(r), -np.sin(r)], [np.sin(r), np.cos(r)]])
    cam[..., :2] = cam[..., :2] @ rot.T
    xy = origin_px + scale * np.stack([xc, -y], axis=-1)
    xy = centre + (xy - centre) @ rot.T
    return xy, cam


def _render_masks(
    outline_xy: FloatArray, hip_mid_xy: FloatArray, hip_width_px: FloatArray
) -> tuple[NDArray[np.uint8], FloatArray]:
    """Soft 64x64 pelvis masks and their boxes from image-plane outlines."""
    n = outline_xy.shape[0]
    half = 1.5 * hip_width_px  # as hipcheck.io.pelvis_box: side 3 x hip width, centred on the hip midpoint
    box = np.stack(
        [hip_mid_xy[:, 0] - half, hip_mid_xy[:, 1] - half, hip_mid_xy[:, 0] + half, hip_mid_xy[:, 1] + half], 1
    )
    masks = np.zeros((n, MASK_SIZE, MASK_SIZE), np.uint8)
    up = 4  # supersampling for a soft edge
    for i in range(n):
        big = np.zeros((MASK_SIZE * up, MASK_SIZE * up), np.uint8)
        rel = (outline_xy[i] - box[i, :2]) / (box[i, 2:] - box[i, :2]) * MASK_SIZE * up - 0.5  # pixel centres
        cv2.fillPoly(big, [np.round(rel * 16).astype(np.int32)], 255, lineType=cv2.LINE_AA, shift=4)
        masks[i] = cv2.resize(big, (MASK_SIZE, MASK_SIZE), interpolation=cv2.INTER_AREA)
    return masks, box


def make_pose(
    *,
    n_frames: int,
    fps: float = 30.0,
    resolution_wh: tuple[int, int] = (1280, 720),
    view: str = "front",
    yaw_deg: float | None = None,
    pelvic_obliquity_deg: ArrayLike = 0.0,
    hip_landmark_gain: float = 1.0,
    knee_valgus_deg: ArrayLike | Mapping[str, ArrayLike] = 0.0,
    trunk_lean_deg: ArrayLike = 0.0,
    squat_depth: ArrayLike = 0.0,
    foot_lift: Mapping[str, ArrayLike] | None = None,
    lateral_shift_m: ArrayLike = 0.0,
    roll_deg: float = 0.0,
    scale_px_per_m: float | None = None,
    translate_px: tuple[float, float] = (0.0, 0.0),
    with_pelvis_mask: bool = False,
    dims: BodyDims | None = None,
) -> PoseSeries:
    """A synthetic PoseSeries with exactly known frontal-plane angles.

    Every per-frame parameter takes a scalar or a (n_frames,) array.

    Args:
        n_frames: number of frames T (> 0).
        fps: frame rate; ``t_s = arange(T) / fps``.
        resolution_wh: (width, height) of the frame in pixels.
        view: ``"front"``, ``"back"``, ``"side"`` or ``"oblique"`` (see module doc).
        yaw_deg: explicit body yaw in degrees, overrides ``view``.
        pelvic_obliquity_deg: true pelvic tilt, + = left hip higher, degrees.
        hip_landmark_gain: fraction of the tilt the hip *landmarks* show (1 = all).
        knee_valgus_deg: FPPA per side, + = valgus (knee toward the midline);
            a scalar applies to both sides, or ``{"left": .., "right": ..}``.
        trunk_lean_deg: trunk lateral lean from vertical, + = toward the subject's left.
        squat_depth: 0 (standing) .. 1 (deep squat); bends hips and knees sagittally.
        foot_lift: ``{"left": .., "right": ..}`` 0 (foot on the floor) .. 1 (lifted).
        lateral_shift_m: pelvis shift over the feet in metres, + = toward the
            subject's left (both legs lean to keep the feet in place).
        roll_deg: camera roll (see :mod:`hipcheck.analysis.geometry._roll`), + = a true horizontal
            descends toward the image right.
        scale_px_per_m: pixels per metre; default fits the body in 80 % of the height.
        translate_px: (dx, dy) pixels added before the roll.
        with_pelvis_mask: also render ``pelvis_mask`` / ``pelvis_box_px``.
        dims: body segment sizes.

    Returns:
        PoseSeries in pixels (y down) with camera-aligned world landmarks in metres.

    Raises:
        ValueError: a parameter has the wrong shape or value ("expected …, got …").
    """
    if n_frames < 1:
        raise ValueError(f"n_frames: expected >= 1, got {n_frames}")
    if view not in VIEW_YAW_DEG and yaw_deg is None:
        raise ValueError(f"view: expected one of {sorted(VIEW_YAW_DEG)}, got {view!r}")
    dims = dims or BodyDims()
    n = n_frames
    yaw = VIEW_YAW_DEG[view] if yaw_deg is None else float(yaw_deg)
    true_tilt = _per_frame("pelvic_obliquity_deg", pelvic_obliquity_deg, n)
    lift = _sided("foot_lift", foot_lift or 0.0, n)
    body = _body_points(
        n=n,
        dims=dims,
        obliquity_deg=true_tilt * hip_landmark_gain,
        valgus=_sided("knee_valgus_deg", knee_valgus_deg, n),
        lean_deg=_per_frame("trunk_lean_deg", trunk_lean_deg, n),
        depth=np.clip(_per_frame("squat_depth", squat_depth, n), 0, 1),
        lift=lift,
        shift_m=_per_frame("lateral_shift_m", lateral_shift_m, n),
    )
    w, h = int(resolution_wh[0]), int(resolution_wh[1])
    scale = float(scale_px_per_m) if scale_px_per_m is not None else 0.8 * h / 1.75
    centre = np.array([w / 2.0, h / 2.0])
    origin = np.array([w / 2.0 + translate_px[0], 0.9 * h + translate_px[1]])  # floor under the body centre
    proj = _Camera(yaw_deg=yaw, scale=scale, origin_px=origin, roll_deg=float(roll_deg), centre=centre)
    xy, cam = _project(body, proj)
    hip_mid_cam = cam[:, [INDEX["left_hip"], INDEX["right_hip"]]].mean(axis=1, keepdims=True)
    world = cam - hip_mid_cam
    visibility = np.ones((n, N_LANDMARKS))
    if abs(((yaw + 180.0) % 360.0) - 180.0) > 100.0:
        visibility[:, :11] = 0.05
    mask = box = None
    if with_pelvis_mask:
        hip_mid_body = body[:, [INDEX["left_hip"], INDEX["right_hip"]]].mean(axis=1)
        outline_xy, _ = _project(_pelvis_outline(body, np.deg2rad(true_tilt), dims), proj)
        hip_mid_xy, _ = _project(hip_mid_body, proj)
        mask, box = _render_masks(
            outline_xy, hip_mid_xy, np.full(n, max(2 * dims.hip_half_width, 0.4 * dims.trunk) * scale)
        )
    return PoseSeries(
        xy_px=xy, z=world[..., 2] * scale, visibility=visibility, presence=np.ones((n, N_LANDMARKS)),
        xyz_world_m=world, t_s=np.arange(n) / float(fps), resolution_wh=(w, h),
        pelvis_mask=mask, pelvis_box_px=box,
        provenance=Provenance(
            source_path="synthetic", fps=float(fps),
            extra={"generator": "hipcheck.lab.make_pose", "projection": "orthographic"},
        ),
    )  # fmt: skip


def squat_depth_profile(*, n_frames: int, fps: float, n_reps: int, rest_s: float = 0.5) -> FloatArray:
    """Depth 0..1 per frame for ``n_reps`` smooth (raised-cosine) squats with rests.

    The clip starts and ends standing for ``rest_s`` seconds; reps share the
    rest of the time equally.
    """
    t = np.arange(n_frames) / fps
    total = n_frames / fps
    active = max(total - 2 * rest_s, 1e-9)
    u = np.clip((t - rest_s) / active, 0.0, 1.0) * n_reps
    depth = 0.5 * (1.0 - np.cos(2 * np.pi * u))
    return np.where((t < rest_s) | (t > rest_s + active), 0.0, depth)


def step_profile(*, n_frames: int, fps: float, t_on_s: float, t_off_s: float, ramp_s: float = 0.3) -> FloatArray:
    """0 → 1 → 0 per frame: rises over ``ramp_s`` from ``t_on_s``, falls from ``t_off_s``.

    Useful for ``foot_lift`` (single-leg stance phases) or a pelvic drop that
    develops while standing on one leg (multiply by the drop in degrees).
    """
    t = np.arange(n_frames) / fps
    up = np.clip((t - t_on_s) / ramp_s, 0.0, 1.0)
    down = np.clip((t - t_off_s) / ramp_s, 0.0, 1.0)
    return 0.5 * (1 - np.cos(np.pi * up)) * (1 - 0.5 * (1 - np.cos(np.pi * down)))
