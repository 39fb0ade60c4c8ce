"""Frontal-plane and depth metrics as small pure functions over landmark arrays.

Common convention (each function restates what it uses)
-------------------------------------------------------
- Image points ``*_xy`` are pixels of the upright, unmirrored frame, x right,
  y **down**, already derotated for camera roll (:func:`hipcheck.camera.derotate_xy`).
  Angles are never computed on normalised coordinates.
- Sides are the subject's anatomical sides. Which image side is the subject's
  left is read from the hip landmarks themselves (front view: left hip on the
  image right; back view: on the image left), so every signed metric means
  the same anatomically in front and back views.
- Angles in degrees; missing = NaN (propagated, never 0).
- Shapes: every ``*_xy`` argument is ``(..., 2)`` (typically (T, 2)); outputs
  have the leading shape ``(...)``.

:data:`METRICS` lists every per-frame metric by name; :func:`compute_metrics`
evaluates them on a :class:`~hipcheck.landmarks.PoseSeries` into a
:class:`~hipcheck.results.MetricTable` with columns ``<name>`` or
``<name>_left`` / ``<name>_right``.

The knee metrics live in :mod:`hipcheck.knees` and the silhouette tilt in
:mod:`hipcheck.pelvis_mask`; both are re-exported here, so
``hipcheck.geometry`` stays the one place to import every metric from.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hipcheck._geometry_base import FloatArray, Side, _left_dir, _pts, _same, _side
from hipcheck.camera import derotate_xy
from hipcheck.knees import (
    FPPA_MIN_THIGH_FRACTION,
    foreshortened_thigh,
    joint_angle_deg,
    knee_ankle_separation_ratio,
    knee_flexion_deg,
    knee_fppa_deg,
)
from hipcheck.landmarks import (
    L_ANKLE,
    L_HEEL,
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    NOSE,
    R_ANKLE,
    R_HEEL,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
    PoseSeries,
)
from hipcheck.pelvis_mask import MaskTiltParams, pelvic_tilt_from_mask_deg
from hipcheck.results import SIDES, MetricTable

NOSE_HEIGHT_FRACTION = 0.92
"""Nose height as a fraction of standing body height (anthropometric average)."""

__all__ = [
    "FPPA_MIN_THIGH_FRACTION",
    "METRICS",
    "MaskTiltParams",
    "MetricInputs",
    "MetricSpec",
    "balance_sway",
    "compute_metrics",
    "contralateral_pelvic_drop_deg",
    "foreshortened_thigh",
    "hip_drop_ratio",
    "hip_height_difference_cm",
    "joint_angle_deg",
    "knee_ankle_separation_ratio",
    "knee_flexion_deg",
    "knee_fppa_deg",
    "lateral_pelvic_shift",
    "pelvic_obliquity_deg",
    "pelvic_rotation_deg",
    "pelvic_tilt_from_mask_deg",
    "trunk_lean_deg",
]


# ------------------------------------------------------------------ pelvis
def pelvic_obliquity_deg(*, left_hip_xy: ArrayLike, right_hip_xy: ArrayLike) -> FloatArray:
    """Pelvic obliquity from the hip landmarks: θ = atan2(y_R − y_L, |x_L − x_R|).

    Convention:
        Degrees, **positive = the subject's left hip higher** in the image.
        Pixels, y down, roll-corrected. Front and back views alike.
    """
    left, right = _pts("left_hip_xy", left_hip_xy), _pts("right_hip_xy", right_hip_xy)
    _same(left_hip_xy=left, right_hip_xy=right)
    return np.degrees(np.arctan2(right[..., 1] - left[..., 1], np.abs(left[..., 0] - right[..., 0])))


def contralateral_pelvic_drop_deg(*, obliquity_deg: ArrayLike, baseline_deg: float, stance_side: str) -> FloatArray:
    """Contralateral pelvic drop (CPD) while standing on ``stance_side``.

    CPD_L = θ − θ0 (standing on the left, the right hip drops), CPD_R = −(θ − θ0),
    where θ is the obliquity (or silhouette tilt) and θ0 the clip's quiet
    bipedal baseline.

    Convention:
        Degrees, **positive = the swing-side hip drops** (Trendelenburg-type,
        points to weak abductors of the stance side); negative = hip hike.
    """
    side = _side(stance_side, "stance_side")
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
    left, right = _pts("left_hip_world_m", left_hip_world_m, 3), _pts("right_hip_world_m", right_hip_world_m, 3)
    _same(left_hip_world_m=left, right_hip_world_m=right)
    s = _left_dir(left, right)
    return np.degrees(np.arctan2(s * (left[..., 2] - right[..., 2]), np.abs(left[..., 0] - right[..., 0])))


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
    lh, rh = _pts("left_hip_xy", left_hip_xy), _pts("right_hip_xy", right_hip_xy)
    la, ra = _pts("left_ankle_xy", left_ankle_xy), _pts("right_ankle_xy", right_ankle_xy)
    _same(left_hip_xy=lh, right_hip_xy=rh, left_ankle_xy=la, right_ankle_xy=ra)
    width = np.linalg.norm(lh - rh, axis=-1)
    offset = (lh[..., 0] + rh[..., 0] - la[..., 0] - ra[..., 0]) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(width > 0, _left_dir(lh, rh) * offset / width, np.nan)


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


# ------------------------------------------------------------------ depth
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


# ------------------------------------------------------------------ trunk
def trunk_lean_deg(
    *, left_hip_xy: ArrayLike, right_hip_xy: ArrayLike, left_shoulder_xy: ArrayLike, right_shoulder_xy: ArrayLike
) -> FloatArray:
    """Trunk lateral lean: hip-midpoint → shoulder-midpoint line against the vertical.

    Convention:
        Degrees, **positive = the trunk leans toward the subject's left**
        (shoulders displaced to the left of the hips). Pixels, y down,
        roll-corrected; front and back views alike.
    """
    lh, rh = _pts("left_hip_xy", left_hip_xy), _pts("right_hip_xy", right_hip_xy)
    ls, rs = _pts("left_shoulder_xy", left_shoulder_xy), _pts("right_shoulder_xy", right_shoulder_xy)
    _same(left_hip_xy=lh, right_hip_xy=rh, left_shoulder_xy=ls, right_shoulder_xy=rs)
    v = (ls + rs - lh - rh) / 2.0
    return np.degrees(np.arctan2(_left_dir(lh, rh) * v[..., 0], -v[..., 1]))


# ------------------------------------------------------------------ metric table
@dataclass(frozen=True)
class MetricInputs:
    """Everything a metric may read, prepared once per clip by :func:`compute_metrics`.

    ``xy_px`` and ``xyz_world_m`` are already derotated for ``roll_deg``.
    """

    xy_px: FloatArray
    xyz_world_m: FloatArray
    resolution_wh: tuple[int, int]
    roll_deg: float
    body_height_m: float | None
    pelvis_mask: NDArray[np.uint8] | None
    pelvis_box_px: FloatArray | None
    raw_xy_px: FloatArray


MetricFunction = Callable[[MetricInputs, Side | None], FloatArray]


@dataclass(frozen=True)
class MetricSpec:
    """One per-frame metric of :data:`METRICS`.

    ``function(inputs, side)`` returns the (T,) column; ``side`` is
    ``"left"``/``"right"`` for sided metrics and None otherwise.
    """

    name: str
    unit: str
    sided: bool
    needs_frontal_view: bool
    description: str
    function: MetricFunction


def _lr(inp: MetricInputs, left: int, right: int, side: Side | None) -> tuple[FloatArray, FloatArray]:
    a, b = inp.xy_px[:, left], inp.xy_px[:, right]
    return (a, b) if side in (None, "left") else (b, a)


def _m_obliquity(inp: MetricInputs, side: Side | None) -> FloatArray:
    return pelvic_obliquity_deg(left_hip_xy=inp.xy_px[:, L_HIP], right_hip_xy=inp.xy_px[:, R_HIP])


def _m_tilt_mask(inp: MetricInputs, side: Side | None) -> FloatArray:
    if inp.pelvis_mask is None or inp.pelvis_box_px is None:
        return np.full(inp.xy_px.shape[0], np.nan)
    return pelvic_tilt_from_mask_deg(
        pelvis_mask=inp.pelvis_mask, pelvis_box_px=inp.pelvis_box_px, xy_px=inp.raw_xy_px, roll_deg=inp.roll_deg
    )


def _m_fppa(inp: MetricInputs, side: Side | None) -> FloatArray:
    hip, other = _lr(inp, L_HIP, R_HIP, side)
    knee, _ = _lr(inp, L_KNEE, R_KNEE, side)
    ankle, _ = _lr(inp, L_ANKLE, R_ANKLE, side)
    fppa = knee_fppa_deg(hip_xy=hip, knee_xy=knee, ankle_xy=ankle, contralateral_hip_xy=other)
    return np.where(foreshortened_thigh(hip_xy=hip, knee_xy=knee), np.nan, fppa)


def _m_sep(inp: MetricInputs, side: Side | None) -> FloatArray:
    xy = inp.xy_px
    return knee_ankle_separation_ratio(
        left_knee_xy=xy[:, L_KNEE],
        right_knee_xy=xy[:, R_KNEE],
        left_ankle_xy=xy[:, L_ANKLE],
        right_ankle_xy=xy[:, R_ANKLE],
    )


def _px_per_m(inp: MetricInputs) -> float:
    """Pixels per metre from a standing nose-to-heel height and the user's body height."""
    xy = inp.xy_px
    nose_to_heel = np.nanmean(xy[:, [L_HEEL, R_HEEL], 1], axis=1) - xy[:, NOSE, 1]
    if inp.body_height_m is None or not np.isfinite(nose_to_heel).any():
        return math.nan
    return float(np.nanpercentile(nose_to_heel, 90) / (NOSE_HEIGHT_FRACTION * inp.body_height_m))


def _m_height_cm(inp: MetricInputs, side: Side | None) -> FloatArray:
    if inp.body_height_m is not None:
        xy = inp.xy_px
        return hip_height_difference_cm(
            left_hip_y=xy[:, L_HIP, 1], right_hip_y=xy[:, R_HIP, 1], metres_per_unit=1.0 / _px_per_m(inp)
        )
    w = inp.xyz_world_m
    return hip_height_difference_cm(left_hip_y=w[:, L_HIP, 1], right_hip_y=w[:, R_HIP, 1])


def _m_shift(inp: MetricInputs, side: Side | None) -> FloatArray:
    xy = inp.xy_px
    return lateral_pelvic_shift(
        left_hip_xy=xy[:, L_HIP], right_hip_xy=xy[:, R_HIP], left_ankle_xy=xy[:, L_ANKLE], right_ankle_xy=xy[:, R_ANKLE]
    )


def _m_lean(inp: MetricInputs, side: Side | None) -> FloatArray:
    xy = inp.xy_px
    return trunk_lean_deg(
        left_hip_xy=xy[:, L_HIP], right_hip_xy=xy[:, R_HIP],
        left_shoulder_xy=xy[:, L_SHOULDER], right_shoulder_xy=xy[:, R_SHOULDER],
    )  # fmt: skip


def _m_rotation(inp: MetricInputs, side: Side | None) -> FloatArray:
    w = inp.xyz_world_m
    return pelvic_rotation_deg(left_hip_world_m=w[:, L_HIP], right_hip_world_m=w[:, R_HIP])


def _m_flexion(inp: MetricInputs, side: Side | None) -> FloatArray:
    w = inp.xyz_world_m
    hip, knee, ankle = (L_HIP, L_KNEE, L_ANKLE) if side == "left" else (R_HIP, R_KNEE, R_ANKLE)
    return knee_flexion_deg(hip_world_m=w[:, hip], knee_world_m=w[:, knee], ankle_world_m=w[:, ankle])


def _m_depth(inp: MetricInputs, side: Side | None) -> FloatArray:
    xy = inp.xy_px
    hip_y = xy[:, [L_HIP, R_HIP], 1].mean(axis=1)
    thigh = np.linalg.norm(xy[:, [L_HIP, R_HIP]] - xy[:, [L_KNEE, R_KNEE]], axis=-1).mean(axis=1)
    if not (np.isfinite(hip_y).any() and np.isfinite(thigh).any()):
        return np.full(hip_y.shape, np.nan)
    # standing reference: the highest hip position (5th percentile of y) and the longest projected thigh
    return hip_drop_ratio(
        hip_mid_y_px=hip_y,
        standing_hip_y_px=float(np.nanpercentile(hip_y, 5)),
        thigh_length_px=float(np.nanpercentile(thigh, 95)),
    )


METRICS: Mapping[str, MetricSpec] = MappingProxyType(
    {
        s.name: s
        for s in (
            MetricSpec("pelvic_obliquity_deg", "deg", False, True,
                       "hip-landmark line tilt, + = left hip higher", _m_obliquity),
            MetricSpec("pelvic_tilt_deg", "deg", False, True,
                       "pelvis silhouette tilt from the segmentation mask, + = left side higher", _m_tilt_mask),
            MetricSpec("hip_height_asymmetry_deg", "deg", False, True,
                       "hip height difference as an angle (= obliquity), + = left higher", _m_obliquity),
            MetricSpec("hip_height_asymmetry_cm", "cm", False, True,
                       "hip height difference, + = left higher (world landmarks or body height)", _m_height_cm),
            MetricSpec("knee_fppa_deg", "deg", True, True,
                       "knee frontal plane projection angle, + = valgus (NaN where the thigh is foreshortened)",
                       _m_fppa),
            MetricSpec("knee_ankle_separation_ratio", "ratio", False, True,
                       "knee gap / ankle gap, < 1 = knees in", _m_sep),
            MetricSpec("lateral_pelvic_shift", "hip widths", False, True,
                       "hip midpoint offset from ankle midpoint, + = toward the left", _m_shift),
            MetricSpec("trunk_lean_deg", "deg", False, True,
                       "trunk lateral lean from vertical, + = toward the left", _m_lean),
            MetricSpec("pelvic_rotation_deg", "deg", False, False,
                       "hip line yaw in world x-z, + = left hip behind the right", _m_rotation),
            MetricSpec("knee_flexion_deg", "deg", True, False,
                       "knee flexion from world landmarks, 0 = straight", _m_flexion),
            MetricSpec("squat_depth", "thigh lengths", False, False,
                       "hip-midpoint drop below standing height / thigh length", _m_depth),
        )
    }
)  # fmt: skip
"""Every per-frame metric by name (see :class:`MetricSpec`)."""


def _derotate_world(world: FloatArray, roll_deg: float) -> FloatArray:
    r = -math.radians(roll_deg)
    rot = np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]])
    out = world.copy()
    out[..., :2] = world[..., :2] @ rot.T
    return out


def compute_metrics(
    pose: PoseSeries,
    *,
    roll_deg: float = 0.0,
    body_height_m: float | None = None,
    names: tuple[str, ...] | None = None,
) -> MetricTable:
    """Evaluate metrics of :data:`METRICS` on a pose series.

    Landmarks are first derotated for ``roll_deg`` (image points about the
    image centre, world x–y about the origin).

    Args:
        pose: the (cleaned) landmark series.
        roll_deg: camera roll, + = a true horizontal descends toward the image right.
        body_height_m: the subject's height; if given, ``hip_height_asymmetry_cm``
            uses the image scale from it instead of world landmarks.
        names: metric names to compute (default: all).

    Returns:
        MetricTable with columns ``<name>`` or ``<name>_left``/``<name>_right``,
        and ``units`` per metric name.
    """
    if not math.isfinite(roll_deg):
        raise ValueError(f"roll_deg: expected a finite angle in degrees, got {roll_deg}")
    if body_height_m is not None and not (0.5 < body_height_m < 2.8):
        raise ValueError(f"body_height_m: expected a height in metres (0.5-2.8), got {body_height_m}")
    chosen = tuple(METRICS) if names is None else names
    unknown = [n for n in chosen if n not in METRICS]
    if unknown:
        raise ValueError(f"names: expected metric names from METRICS, got unknown {unknown}")
    inp = MetricInputs(
        xy_px=derotate_xy(xy_px=pose.xy_px, roll_deg=roll_deg, resolution_wh=pose.resolution_wh),
        xyz_world_m=_derotate_world(pose.xyz_world_m, roll_deg),
        resolution_wh=pose.resolution_wh, roll_deg=float(roll_deg), body_height_m=body_height_m,
        pelvis_mask=pose.pelvis_mask, pelvis_box_px=pose.pelvis_box_px, raw_xy_px=pose.xy_px,
    )  # fmt: skip
    cols: dict[str, FloatArray] = {}
    for name in chosen:
        spec = METRICS[name]
        if name == "pelvic_tilt_deg" and pose.pelvis_mask is None:
            continue  # no silhouette recorded: leave the column out rather than all-NaN
        if spec.sided:
            for side in SIDES:
                cols[f"{name}_{side}"] = spec.function(inp, side)
        else:
            cols[name] = spec.function(inp, None)
    return MetricTable(t_s=pose.t_s, columns=cols, units={n: METRICS[n].unit for n in chosen})
