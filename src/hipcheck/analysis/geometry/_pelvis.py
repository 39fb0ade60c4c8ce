"""Pelvis metrics: obliquity, contralateral pelvic drop and its baseline, hip height, pelvic rotation.

Conventions as in :mod:`hipcheck.analysis.geometry`: image points in pixels,
y down, roll-corrected; world points in metres; degrees; NaN = missing.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from hipcheck.analysis.geometry._checks import left_direction, points, same_shape, side_arg
from hipcheck.types import FloatArray


def pelvic_obliquity_deg(*, left_hip_xy: ArrayLike, right_hip_xy: ArrayLike) -> FloatArray:
    """Pelvic obliquity from the hip landmarks: θ = atan2(y_R − y_L, |x_L − x_R|).

    Convention:
        Degrees, **positive = the subject's left hip higher** in the image.
        Pixels, y down, roll-corrected. Front and back views alike.
    """
    left, right = points("left_hip_xy", left_hip_xy), points("right_hip_xy", right_hip_xy)
    same_shape(left_hip_xy=left, right_hip_xy=right)
    return np.degrees(np.arctan2(right[..., 1] - left[..., 1], np.abs(left[..., 0] - right[..., 0])))


def pelvic_baseline_deg(*, obliquity_deg: ArrayLike, baseline_rows: ArrayLike) -> float:
    """θ0, the clip's quiet bipedal pelvis line that contralateral pelvic drop is taken against.

    The median of ``obliquity_deg`` over the ``baseline_rows`` (quiet
    standing on both feet) where it has a value; when none of them has one,
    the median over every frame; NaN when the series has no value at all. The
    one definition of θ0 used by the analysis, the validity benchmark, the
    ground truth and the live readouts.

    Convention:
        Degrees, + = the subject's left side higher (as the obliquity given).
    """
    theta = np.asarray(obliquity_deg, dtype=np.float64)
    rows = np.asarray(baseline_rows, dtype=bool)
    if rows.shape != theta.shape:
        raise ValueError(f"baseline_rows: expected shape {theta.shape} like obliquity_deg, got {rows.shape}")
    finite = np.isfinite(theta)
    vals = theta[rows & finite]
    if vals.size == 0:
        vals = theta[finite]
    return float(np.median(vals)) if vals.size else math.nan


def contralateral_pelvic_drop_deg(*, obliquity_deg: ArrayLike, baseline_deg: float, stance_side: str) -> FloatArray:
    """Contralateral pelvic drop (CPD) while standing on ``stance_side``.

    CPD_L = θ − θ0 (standing on the left, the right hip drops), CPD_R = −(θ − θ0),
    where θ is the obliquity (or waistline tilt) and θ0 the clip's quiet
    bipedal baseline (:func:`pelvic_baseline_deg`).

    Convention:
        Degrees, **positive = the swing-side hip drops** (Trendelenburg-type,
        points to weak abductors of the stance side); negative = hip hike.
    """
    side = side_arg(stance_side, "stance_side")
    theta = np.asarray(obliquity_deg, dtype=np.float64)
    if not math.isfinite(baseline_deg):
        raise ValueError(f"baseline_deg: expected a finite angle, got {baseline_deg}")
    d = theta - baseline_deg
    return d if side == "left" else -d


def hip_height_difference_cm(
    *, left_hip_y: ArrayLike, right_hip_y: ArrayLike, metres_per_unit: ArrayLike = 1.0
) -> FloatArray:
    """Hip height difference in centimetres, + = left hip higher.

    Convention:
        ``*_y`` in a y-down frame (image pixels or world metres), roll-corrected;
        ``metres_per_unit`` converts their unit to metres (1 for world
        landmarks, 1/(pixels per metre) for image pixels).
    """
    yl, yr = np.asarray(left_hip_y, dtype=np.float64), np.asarray(right_hip_y, dtype=np.float64)
    if yl.shape != yr.shape:
        raise ValueError(f"right_hip_y: expected shape {yl.shape} like left_hip_y, got {yr.shape}")
    return (yr - yl) * np.asarray(metres_per_unit, dtype=np.float64) * 100.0


def pelvic_rotation_deg(*, left_hip_world_m: ArrayLike, right_hip_world_m: ArrayLike) -> FloatArray:
    """Pelvic rotation about the vertical from world landmarks (x–z plane).

    atan2(s·(z_L − z_R), |x_L − x_R|) with s = +1 when the left hip is on the
    image right (front view), −1 in a back view.

    Convention:
        Degrees, **positive = the left hip is behind the right** (pelvis turned
        toward the subject's left, counter-clockwise seen from above). World
        landmarks in metres: x image right, y down, z away from the camera.
    """
    left = points("left_hip_world_m", left_hip_world_m, 3)
    right = points("right_hip_world_m", right_hip_world_m, 3)
    same_shape(left_hip_world_m=left, right_hip_world_m=right)
    s = left_direction(left, right)
    return np.degrees(np.arctan2(s * (left[..., 2] - right[..., 2]), np.abs(left[..., 0] - right[..., 0])))
