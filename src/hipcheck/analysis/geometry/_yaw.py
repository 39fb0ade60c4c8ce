"""The body's yaw to the camera, and frontal-plane coordinates free of it.

Why: at the bottom of a squat the knees are well ahead of the hip–ankle line.
A camera yawed θ off square shows that forward offset sideways (offset × sin θ):
both knees move the same way in the image, so one reads more valgus and the
other more varus (≈ 20° apart at 6° of yaw on a 50° squat). hipcheck therefore
measures the frontal-plane angles in the **body's own frontal plane**: each
joint's image x is rotated back by the yaw using its depth.

Yaw convention (used everywhere in hipcheck)
--------------------------------------------
``yaw_deg`` is the angle of the body's left–right axis to the image plane, about the
vertical: **+ = the subject's left side is farther from the camera** (a person facing
the camera turned a little to their own left). 0 = square on. In a back view the
same rule holds for the left–right axis (the angle is folded into −90…+90°).

The same depths undo the perspective (a knee that comes toward the camera is
magnified, :func:`undo_perspective_xy`), with the focal length assumed to be the
frame's longer side (a ≈ 53° field of view across it, typical of phones and
webcams). The depth each joint needs comes from the image itself, not from MediaPipe's world
z (which reads a squatting knee's forward offset unreliably): a loaded thigh is
shorter in the image by exactly how far its knee is ahead of the hip, a shank by how
far the ankle is behind the knee (:func:`segment_forward_px`). The yaw comes from
MediaPipe's world landmarks (the hip and shoulder lines, :func:`axis_yaw_deg`),
where a left–right axis is read well: 13.5° for a true 12° on a rendered squat.
World landmarks: metres, hip-centred, z **away from the camera**.
"""

from __future__ import annotations

import math

import numpy as np

from hipcheck.analysis.geometry._checks import points
from hipcheck.landmarks import L_HIP, L_SHOULDER, R_HIP, R_SHOULDER
from hipcheck.types import FloatArray


def fold_axis_deg(angle_deg: FloatArray) -> FloatArray:
    """An axis direction in degrees folded into [−90, 90) (a line has no arrow)."""
    a = np.asarray(angle_deg, dtype=np.float64)
    return np.asarray((a + 90.0) % 180.0 - 90.0, dtype=np.float64)


def axis_yaw_deg(*, left_world_m: FloatArray, right_world_m: FloatArray) -> FloatArray:
    """Yaw of one left–right body axis (hips or shoulders) from world landmarks, per frame.

    Convention:
        Degrees, + = the subject's left side farther from the camera, folded to
        [−90, 90) so front and back views read alike; world metres, z away from
        the camera. NaN where a point is missing.
    """
    lw, rw = points("left_world_m", left_world_m, 3), points("right_world_m", right_world_m, 3)
    d = lw - rw
    angle = np.degrees(np.arctan2(d[..., 2], d[..., 0]))
    return fold_axis_deg(angle)


BODY_AXES_AGREE_DEG = 45.0
"""Hip and shoulder lines further apart than this (a twisted or misread frame) give no yaw."""


def body_yaw_deg(xyz_world_m: FloatArray) -> FloatArray:
    """The body's yaw from (..., 33, 3) world landmarks: the mean of the hip and shoulder lines'
    yaws (:func:`axis_yaw_deg`), per frame.

    Convention:
        Degrees, + = the subject's left side farther from the camera; NaN where either line is
        missing or the two disagree by :data:`BODY_AXES_AGREE_DEG` or more.
    """
    w = points("xyz_world_m", xyz_world_m, 3)
    hips = axis_yaw_deg(left_world_m=w[..., L_HIP, :], right_world_m=w[..., R_HIP, :])
    shoulders = axis_yaw_deg(left_world_m=w[..., L_SHOULDER, :], right_world_m=w[..., R_SHOULDER, :])
    with np.errstate(invalid="ignore"):
        agree = np.abs(hips - shoulders) < BODY_AXES_AGREE_DEG
    return np.asarray(np.where(agree, (hips + shoulders) / 2, np.nan), dtype=np.float64)


def segment_forward_px(*, top_xy: FloatArray, bottom_xy: FloatArray) -> FloatArray:
    """How far a limb segment reaches toward or away from the camera, from its foreshortening, per frame.

    ``sqrt(max(L0² − L², 0))`` where L is the segment's image length and L0 its
    95th percentile over the clip (its length seen square on, standing). A thigh
    or a trunk flexed forward is shorter in the image by exactly this depth.

    Convention:
        Pixels (the image scale at the body), ≥ 0, unsigned: the caller knows the
        direction (a loaded knee is ahead of its hip, an ankle behind its knee).
        NaN where a point is missing.
    """
    top, bottom = points("top_xy", top_xy), points("bottom_xy", bottom_xy)
    length = np.linalg.norm(top - bottom, axis=-1)
    finite = length[np.isfinite(length)]
    if finite.size == 0:
        return np.full(length.shape, np.nan)
    standing = float(np.percentile(finite, 95))
    return np.asarray(np.sqrt(np.clip(standing**2 - length**2, 0.0, None)), dtype=np.float64)


def derotate_yaw_xy(*, xy_px: FloatArray, depth_px: FloatArray, yaw_deg: float, pivot_x_px: FloatArray) -> FloatArray:
    """Image points moved into the body's own frontal plane: the camera's yaw undone.

    ``x' = pivot + ((x − pivot) + d · sin θ) / cos θ`` with θ = ``yaw_deg`` and d = the
    point's depth behind the body's frontal plane through the pivot; y is unchanged
    (yaw is about the vertical). Under weak perspective the camera sees a point at
    lateral X and depth d at ``X cos θ − d sin θ``: a point on the frontal plane is only
    foreshortened by cos θ, and a point in front of it (d < 0: a squatting knee) is
    also shown ``|d| sin θ`` to one side. This solves that for X, exactly.

    Args:
        xy_px: (T, K, 2) image points, pixels, x right, y down, roll-corrected.
        depth_px: (T, K) each point's depth behind the frontal plane, pixels at the body's
            image scale (+ = behind, − = in front); NaN is taken as 0 (on the plane).
        yaw_deg: the body's yaw (module convention), degrees, |θ| < 90.
        pivot_x_px: (T,) x of the body's vertical axis (the hip midpoint), pixels.

    Returns:
        (T, K, 2) frontal-plane points in pixels. NaN points stay NaN; a non-finite
        ``yaw_deg`` returns the points unchanged.
    """
    xy = np.asarray(xy_px, dtype=np.float64)
    if not math.isfinite(yaw_deg):
        return xy.copy()
    if abs(yaw_deg) >= 90.0:
        raise ValueError(f"yaw_deg: expected |yaw| < 90°, got {yaw_deg}")
    t = math.radians(yaw_deg)
    pivot = np.asarray(pivot_x_px, dtype=np.float64)[:, None]
    depth = np.nan_to_num(np.asarray(depth_px, dtype=np.float64), nan=0.0)
    out = xy.copy()
    out[..., 0] = pivot + (xy[..., 0] - pivot + depth * math.sin(t)) / math.cos(t)
    return out


def undo_perspective_xy(
    *, xy_px: FloatArray, depth_px: FloatArray, focal_px: float, centre_px: tuple[float, float]
) -> FloatArray:
    """Image points as a camera infinitely far away (at the hips' image scale) would show them.

    A point ``d`` pixels (at the hips' scale) nearer the camera than the hips is drawn
    ``(f + d) / f`` times farther from the principal point than it would be at their
    distance: ``x' = c + (x − c)·(f + d)/f`` undoes it (f = ``focal_px``, d = the point's
    depth relative to the hips along the camera axis, + = farther; c = ``centre_px``).
    At the bottom of a squat the knees, 0.3 m in front of the hips, are otherwise
    spread ≈ 10 % apart and read several degrees less valgus than the body has.

    Convention:
        Pixels, x right, y down; (T, K, 2) points, (T, K) depths (NaN taken as 0).
    """
    xy = np.asarray(xy_px, dtype=np.float64)
    if not (math.isfinite(focal_px) and focal_px > 0):
        raise ValueError(f"focal_px: expected a focal length > 0 in pixels, got {focal_px}")
    factor = (focal_px + np.nan_to_num(np.asarray(depth_px, dtype=np.float64), nan=0.0)) / focal_px
    centre = np.asarray(centre_px, dtype=np.float64)
    return np.asarray(centre + (xy - centre) * factor[..., None], dtype=np.float64)


def body_depth_px(xy_px: FloatArray, *, hips: tuple[int, int], legs: tuple[tuple[int, int, int], ...],
                  feet: tuple[tuple[int, ...], ...], shoulders: tuple[int, int]) -> FloatArray:  # fmt: skip
    """(T, K) depth of each landmark behind the frontal plane through the hips, from foreshortening.

    Knees are ahead of their hip by the thigh's foreshortening, ankles (and the
    feet's points) behind their knee by the shank's; the shoulders ahead of the
    hips by the trunk's (a squat's forward lean). Every other landmark is taken
    on the plane (0).

    Convention:
        Pixels at the body's image scale, + = behind the plane, − = in front; NaN
        where a segment is missing. ``legs`` are (hip, knee, ankle) indices per
        side, ``feet`` the indices that move with each ankle (same order).
    """
    xy = points("xy_px", xy_px)
    depth = np.zeros(xy.shape[:-1])
    for (hip, knee, ankle), foot in zip(legs, feet, strict=True):
        knee_ahead = segment_forward_px(top_xy=xy[:, hip], bottom_xy=xy[:, knee])
        ankle_behind = segment_forward_px(top_xy=xy[:, knee], bottom_xy=xy[:, ankle])
        depth[:, knee] = -knee_ahead
        for k in (ankle, *foot):
            depth[:, k] = ankle_behind - knee_ahead
    hip_mid = xy[:, list(hips)].mean(axis=1)
    sh_mid = xy[:, list(shoulders)].mean(axis=1)
    trunk_ahead = segment_forward_px(top_xy=sh_mid, bottom_xy=hip_mid)
    for k in shoulders:
        depth[:, k] = -trunk_ahead
    return depth
