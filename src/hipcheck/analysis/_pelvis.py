"""The pelvis line that pelvic drop is measured from, and the stance columns the assessment compares.

MediaPipe's hip landmarks are joint centres: on rendered bodies they read an
isolated pelvic drop at only 30–35 % of its size. The visible waistline
(:mod:`hipcheck.extract`) tilts with the pelvis; it is used when it was seen
often enough, else the silhouette's hip contour (an outfit with no visible
waistline), else the hip landmarks, from which no drop is judged; the report
says which.

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
    joint_angle_deg,
    pelvic_baseline_deg,
    pelvic_obliquity_deg,
)
from hipcheck.landmarks import INDEX, L_HIP, L_SHOULDER, R_HIP, R_SHOULDER, PoseSeries
from hipcheck.types import SIDES, BoolArray, FloatArray, Side

L_ELBOW, R_ELBOW = INDEX["left_elbow"], INDEX["right_elbow"]
L_WRIST, R_WRIST = INDEX["left_wrist"], INDEX["right_wrist"]
WAIST_MIN_COVERAGE = 0.5
"""Fraction of baseline and of single-leg rows where a pelvis line must be seen to use it."""
HANDS_ON_HIPS_REACH = 1.3
"""A wrist this many hip-joint widths from its hip, with the elbow bent, rests on the hip."""


@dataclass(frozen=True)
class PelvisLine:
    """The per-frame pelvis line used for pelvic drop, and where it comes from.

    ``theta_deg`` (T,) is an obliquity (+ = the subject's left side higher,
    degrees, roll-corrected); ``source`` is ``"waistline"`` (the visible
    waistline, :mod:`hipcheck.extract`), ``"silhouette"`` (the body outline's
    hip contour) or ``"hip_landmarks"``; ``note`` says so in words, with the
    coverage that decided it.
    """

    theta_deg: FloatArray
    source: str
    note: str

    @property
    def judges_drop(self) -> bool:
        """True when a drop measured on this line can be judged: the visible waistline or the
        silhouette's hip contour. The hip landmarks under-read a drop by two thirds, so "no
        drop" from them means nothing.
        """
        return self.source in ("waistline", "silhouette")

    @property
    def unjudged_reason(self) -> str:
        """Why a drop on this line cannot be judged ('' when it can), for the report and verdict."""
        if self.judges_drop:
            return ""
        return (
            f"pelvic drop could not be judged: {self.note}. Record again in clothes whose waistline "
            "can be seen (shorts or leggings with a waistband of another colour than the top, shirt tucked in)"
        )


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


def _coverage(theta: FloatArray, baseline_rows: BoolArray, active_rows: BoolArray) -> tuple[float, float]:
    """Share of the baseline rows and of the single-leg rows where the line was seen."""
    seen = np.isfinite(theta)
    cover_base = float(seen[baseline_rows].mean()) if baseline_rows.any() else 0.0
    cover_active = float(seen[active_rows].mean()) if active_rows.any() else 0.0
    return cover_base, cover_active


def pelvis_line(
    *,
    hip_obliquity_deg: FloatArray,
    waist_obliquity_deg: FloatArray | None,
    baseline_rows: BoolArray,
    active_rows: BoolArray,
    silhouette_obliquity_deg: FloatArray | None = None,
    hands_on_hips: BoolArray | None = None,
) -> PelvisLine:
    """Choose the pelvis line for pelvic drop: the first of three seen often enough.

    "Often enough" = in at least :data:`WAIST_MIN_COVERAGE` of the ``baseline_rows`` and of
    the ``active_rows`` (single-leg stance):

    1. the visible waistline (reads a drop within ≈ 1° on rendered bodies);
    2. the silhouette's hip contour (``pelvic_tilt_deg``, for an outfit without a visible
       waistline: one colour, a long shirt; within ≈ 0.3–1.3° with the trunk upright, up to
       ≈ 3° low with the trunk following the pelvis), unless the hands rest on the hips
       (``hands_on_hips`` in more than half of the single-leg rows: they are part of the contour);
    3. the hip landmarks, which under-read an isolated drop (≈ 30–35 % of it): a drop measured
       on them cannot be judged (:attr:`PelvisLine.judges_drop`).
    """
    note = ""
    if waist_obliquity_deg is not None:
        cover_base, cover_active = _coverage(waist_obliquity_deg, baseline_rows, active_rows)
        if min(cover_base, cover_active) >= WAIST_MIN_COVERAGE:
            return PelvisLine(waist_obliquity_deg, "waistline", f"visible waistline (seen in {cover_base:.0%} of "
                              f"baseline and {cover_active:.0%} of single-leg frames)")  # fmt: skip
        note = f"waistline seen in only {cover_base:.0%} of baseline / {cover_active:.0%} of single-leg frames"
    else:
        note = "no waistline measured"
    if silhouette_obliquity_deg is not None:
        hands = float(hands_on_hips[active_rows].mean()) if hands_on_hips is not None and active_rows.any() else 0.0
        cover_base, cover_active = _coverage(silhouette_obliquity_deg, baseline_rows, active_rows)
        if hands > 0.5:
            note += f"; the hands rest on the hips in {hands:.0%} of single-leg frames, hiding the hip contour"
        elif min(cover_base, cover_active) >= WAIST_MIN_COVERAGE:
            return PelvisLine(silhouette_obliquity_deg, "silhouette", f"{note}: the silhouette's hip contour "
                              f"(seen in {cover_base:.0%} of baseline and {cover_active:.0%} of single-leg frames; "
                              "it can read a drop up to ≈ 3° low when the trunk tilts with the pelvis)")  # fmt: skip
        else:
            note += f"; the hip contour seen in only {cover_active:.0%} of single-leg frames"
    note += ": hip landmarks, which under-read an isolated pelvic drop (≈ 30–35 % of it with an upright trunk)"
    return PelvisLine(hip_obliquity_deg, "hip_landmarks", note)


def hands_on_hips(xy_px: FloatArray) -> BoolArray:
    """(T,) True where either hand rests on its hip: elbow bent past 50° and the wrist within
    :data:`HANDS_ON_HIPS_REACH` hip widths of that side's hip joint (image pixels).
    """
    hip_width = np.linalg.norm(xy_px[:, L_HIP] - xy_px[:, R_HIP], axis=-1)
    out = np.zeros(xy_px.shape[0], dtype=bool)
    for shoulder, elbow, wrist, hip in ((L_SHOULDER, L_ELBOW, L_WRIST, L_HIP), (R_SHOULDER, R_ELBOW, R_WRIST, R_HIP)):
        bend = 180.0 - joint_angle_deg(a=xy_px[:, shoulder], vertex=xy_px[:, elbow], b=xy_px[:, wrist])
        reach = np.linalg.norm(xy_px[:, wrist] - xy_px[:, hip], axis=-1)
        with np.errstate(invalid="ignore"):
            out |= (bend > 50.0) & (reach < HANDS_ON_HIPS_REACH * hip_width)
    return out


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
