"""The pelvis line that pelvic drop is measured from, and the stance columns the assessment compares.

MediaPipe's hip landmarks are joint centres: on rendered bodies they read an
isolated pelvic drop at only 30–35 % of its size. The visible waistline
(:mod:`hipcheck.extract`) tilts with the pelvis; it is used when it was seen
often enough, else the hip landmarks, and the report says which.

Conventions: obliquity θ in degrees, + = the subject's left side higher,
roll-corrected; contralateral pelvic drop + = the swing-side hip drops
(:func:`~hipcheck.analysis.geometry.contralateral_pelvic_drop_deg`); sides are
anatomical; NaN outside the rows a column applies to.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from hipcheck.analysis.geometry import (
    contralateral_pelvic_drop_deg,
    derotate_xy,
    pelvic_baseline_deg,
    pelvic_obliquity_deg,
)
from hipcheck.landmarks import PoseSeries
from hipcheck.types import SIDES, BoolArray, FloatArray, Side

WAIST_MIN_COVERAGE = 0.5
"""Fraction of baseline and of single-leg rows where the waistline must be seen to use it."""


@dataclass(frozen=True)
class PelvisLine:
    """The per-frame pelvis line used for pelvic drop, and where it comes from.

    ``theta_deg`` (T,) is an obliquity (+ = the subject's left side higher,
    degrees, roll-corrected); ``source`` is ``"waistline"`` (the visible
    waistline, :mod:`hipcheck.extract`) or ``"hip_landmarks"``; ``note`` says
    so in words, with the coverage that decided it.
    """

    theta_deg: FloatArray
    source: str
    note: str


def waist_obliquity_deg(pose: PoseSeries, roll_deg: float) -> FloatArray | None:
    """Obliquity of the visible waistline, θ = atan2(y_R − y_L, |x_L − x_R|) over ``pose.waist_px``.

    Convention:
        Degrees, roll-corrected, + = the subject's left side higher. NaN where
        no waistline was seen; None when the series carries no waistline at all.
    """
    if pose.waist_px is None:
        return None
    pts = derotate_xy(xy_px=pose.waist_px, roll_deg=roll_deg, resolution_wh=pose.resolution_wh)
    return pelvic_obliquity_deg(left_hip_xy=pts[:, 0], right_hip_xy=pts[:, 1])


def pelvis_line(
    *,
    hip_obliquity_deg: FloatArray,
    waist_obliquity_deg: FloatArray | None,
    baseline_rows: BoolArray,
    active_rows: BoolArray,
) -> PelvisLine:
    """Choose the pelvis line for pelvic drop: the visible waistline when it was seen in at least
    :data:`WAIST_MIN_COVERAGE` of the ``baseline_rows`` and of the ``active_rows`` (single-leg
    stance), else the hip landmarks.

    Measured on rendered bodies, the hip-landmark line reads an isolated
    pelvic drop at only 30–35 % of its size; the waistline within ≈ 1°.
    """
    if waist_obliquity_deg is not None:
        seen = np.isfinite(waist_obliquity_deg)
        cover_base = float(seen[baseline_rows].mean()) if baseline_rows.any() else 0.0
        cover_active = float(seen[active_rows].mean()) if active_rows.any() else 0.0
        if min(cover_base, cover_active) >= WAIST_MIN_COVERAGE:
            return PelvisLine(waist_obliquity_deg, "waistline", f"visible waistline (seen in {cover_base:.0%} of "
                              f"baseline and {cover_active:.0%} of single-leg frames)")  # fmt: skip
        note = f"waistline seen in only {cover_base:.0%} of baseline / {cover_active:.0%} of single-leg frames: "
    else:
        note = "no waistline measured: "
    note += "hip landmarks, which under-read an isolated pelvic drop (≈ 30–35 % of it with an upright trunk)"
    return PelvisLine(hip_obliquity_deg, "hip_landmarks", note)


def stance_columns(
    *,
    line: PelvisLine,
    baseline_rows: BoolArray,
    stance_rows: Mapping[Side, BoolArray],
    trunk_lean_deg: FloatArray,
    lateral_pelvic_shift: FloatArray,
) -> dict[str, FloatArray]:
    """The stance-relative columns the assessment compares between sides.

    Columns (NaN outside the stance rows of that side):
    ``pelvic_drop_deg_<S>`` contralateral pelvic drop for stance side S
    (CPD_L = θ − θ0, CPD_R = −(θ − θ0), θ = ``line``, θ0 =
    :func:`~hipcheck.analysis.geometry.pelvic_baseline_deg` over the quiet
    bipedal rows; + = the swing-side hip drops, − = hip hike),
    ``trunk_lean_ipsi_deg_<S>`` (lean toward the stance side, degrees, + = over
    the stance leg) and ``hip_sway_<S>`` (hip-midpoint shift, hip widths).
    """
    theta = line.theta_deg
    theta0 = pelvic_baseline_deg(obliquity_deg=theta, baseline_rows=baseline_rows)
    cols: dict[str, FloatArray] = {}
    for side, sign in zip(SIDES, (1.0, -1.0), strict=True):
        rows = stance_rows[side]
        drop = (
            contralateral_pelvic_drop_deg(obliquity_deg=theta, baseline_deg=theta0, stance_side=side)
            if math.isfinite(theta0)
            else np.full(theta.shape, np.nan)
        )
        cols[f"pelvic_drop_deg_{side}"] = np.where(rows, drop, np.nan)
        cols[f"trunk_lean_ipsi_deg_{side}"] = np.where(rows, sign * trunk_lean_deg, np.nan)
        cols[f"hip_sway_{side}"] = np.where(rows, lateral_pelvic_shift, np.nan)
    return cols
