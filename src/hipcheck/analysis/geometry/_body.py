"""Whole-body metrics: trunk lean, lateral pelvic shift, balance sway, squat depth.

Conventions as in :mod:`hipcheck.analysis.geometry`: image points in pixels,
y down, roll-corrected; degrees; NaN = missing; the subject's left side is
read from the hip order, so front and back views mean the same anatomically.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from hipcheck.analysis.geometry._checks import left_direction, points, same_shape
from hipcheck.types import FloatArray


def trunk_lean_deg(
    *, left_hip_xy: ArrayLike, right_hip_xy: ArrayLike, left_shoulder_xy: ArrayLike, right_shoulder_xy: ArrayLike
) -> FloatArray:
    """Trunk lateral lean: hip-midpoint → shoulder-midpoint line against the vertical.

    Convention:
        Degrees, **positive = the trunk leans toward the subject's left**
        (shoulders displaced to the left of the hips). Pixels, y down,
        roll-corrected; front and back views alike.
    """
    lh, rh = points("left_hip_xy", left_hip_xy), points("right_hip_xy", right_hip_xy)
    ls, rs = points("left_shoulder_xy", left_shoulder_xy), points("right_shoulder_xy", right_shoulder_xy)
    same_shape(left_hip_xy=lh, right_hip_xy=rh, left_shoulder_xy=ls, right_shoulder_xy=rs)
    v = (ls + rs - lh - rh) / 2.0
    return np.degrees(np.arctan2(left_direction(lh, rh) * v[..., 0], -v[..., 1]))


def lateral_pelvic_shift(
    *, left_hip_xy: ArrayLike, right_hip_xy: ArrayLike, left_ankle_xy: ArrayLike, right_ankle_xy: ArrayLike
) -> FloatArray:
    """Hip-midpoint offset from the ankle midpoint, in hip widths.

    (x_hipmid − x_anklemid) / |hip width|, signed so that **positive = toward
    the subject's left**.

    Convention:
        Dimensionless (hip widths), pixels y down, roll-corrected; front and
        back views alike (the subject's left side is read from the hip order).
    """
    lh, rh = points("left_hip_xy", left_hip_xy), points("right_hip_xy", right_hip_xy)
    la, ra = points("left_ankle_xy", left_ankle_xy), points("right_ankle_xy", right_ankle_xy)
    same_shape(left_hip_xy=lh, right_hip_xy=rh, left_ankle_xy=la, right_ankle_xy=ra)
    width = np.linalg.norm(lh - rh, axis=-1)
    offset = (lh[..., 0] + rh[..., 0] - la[..., 0] - ra[..., 0]) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(width > 0, left_direction(lh, rh) * offset / width, np.nan)


def balance_sway(*, hip_mid_x_px: ArrayLike, hip_width_px: ArrayLike) -> float:
    """Sway of the hip midpoint during a stance, in hip widths.

    Standard deviation of the hip-midpoint x over the window divided by the
    median hip width (NaN-aware; NaN if fewer than 3 finite samples).

    Convention:
        Dimensionless (hip widths), unsigned; pixels, roll-corrected.
    """
    x = np.asarray(hip_mid_x_px, dtype=np.float64)
    w = np.asarray(hip_width_px, dtype=np.float64)
    if x.ndim != 1 or w.shape != x.shape:
        raise ValueError(f"hip_width_px: expected shape {x.shape} like hip_mid_x_px (1-D), got {w.shape}")
    ok = np.isfinite(x) & np.isfinite(w) & (w > 0)
    if ok.sum() < 3:
        return math.nan
    return float(np.std(x[ok]) / np.median(w[ok]))


def hip_drop_ratio(*, hip_mid_y_px: ArrayLike, standing_hip_y_px: float, thigh_length_px: float) -> FloatArray:
    """Squat depth: vertical drop of the hip midpoint divided by thigh length.

    Convention:
        Dimensionless; 0 = standing height, ≈ 1 when the hips have dropped
        by one thigh length (about thighs parallel). Pixels, y down, roll-corrected.
    """
    y = np.asarray(hip_mid_y_px, dtype=np.float64)
    if not (math.isfinite(thigh_length_px) and thigh_length_px > 0):
        raise ValueError(f"thigh_length_px: expected a positive length, got {thigh_length_px}")
    return (y - standing_hip_y_px) / thigh_length_px
