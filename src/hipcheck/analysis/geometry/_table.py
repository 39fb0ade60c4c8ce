"""The per-frame metric table: each ``frame`` metric of the registry computed by name from a PoseSeries.

:data:`COMPUTE` maps every ``frame`` metric of :data:`hipcheck.metrics.METRICS`
to the function that computes its column(s); unit, sides and the frontal-view
flag come from the registry. :func:`metric_columns` evaluates them after
derotating the landmarks for camera roll.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from hipcheck.analysis.geometry._body import hip_drop_ratio, lateral_pelvic_shift, trunk_lean_deg
from hipcheck.analysis.geometry._knees import (
    foreshortened_thigh,
    knee_ankle_separation_ratio,
    knee_flexion_deg,
    knee_fppa_deg,
)
from hipcheck.analysis.geometry._pelvis import hip_height_difference_cm, pelvic_obliquity_deg, pelvic_rotation_deg
from hipcheck.analysis.geometry._roll import derotate_world_m, derotate_xy
from hipcheck.analysis.geometry._silhouette import pelvic_tilt_from_mask_deg
from hipcheck.analysis.geometry._yaw import body_depth_px, derotate_yaw_xy, undo_perspective_xy
from hipcheck.landmarks import (
    L_ANKLE,
    L_FOOT,
    L_HEEL,
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    NOSE,
    R_ANKLE,
    R_FOOT,
    R_HEEL,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
    PoseSeries,
)
from hipcheck.metrics import METRICS
from hipcheck.results import MetricTable
from hipcheck.types import SIDES, FloatArray, Side

NOSE_HEIGHT_FRACTION = 0.92
"""Nose height as a fraction of standing body height (anthropometric average)."""


@dataclass(frozen=True)
class MetricInputs:
    """Everything a metric may read, prepared once per clip by :func:`metric_columns`.

    ``xy_px`` and ``xyz_world_m`` are already derotated for ``roll_deg``; ``xy_px`` is
    also moved into the body's frontal plane for ``yaw_deg`` (:func:`frontal_plane_xy`).
    """

    xy_px: FloatArray
    xyz_world_m: FloatArray
    resolution_wh: tuple[int, int]
    roll_deg: float
    body_height_m: float | None
    pelvis_mask: NDArray[np.uint8] | None
    pelvis_box_px: FloatArray | None
    raw_xy_px: FloatArray
    yaw_deg: float = math.nan


YAW_CORRECT_MAX_DEG = 30.0
"""Yaw is undone up to this angle; beyond it the view is oblique and frontal metrics are not reported."""


def _hip_pivot(xy: FloatArray) -> FloatArray:
    """(T,) x of the hip midpoint (the one hip seen, NaN with neither; no all-NaN warning)."""
    hips_x = xy[:, [L_HIP, R_HIP], 0]
    seen = np.isfinite(hips_x).sum(axis=1)
    return np.where(seen > 0, np.nansum(hips_x, axis=1) / np.maximum(seen, 1), np.nan)


def frontal_plane_xy(xy_px: FloatArray, yaw_deg: float, *, resolution_wh: tuple[int, int] | None = None) -> FloatArray:
    """Roll-corrected image landmarks (T, 33, 2) moved into the body's own frontal plane.

    Each joint's depth comes from the limbs' foreshortening (:func:`body_depth_px`).
    With ``resolution_wh`` the perspective is undone first (focal length = the frame's
    longer side, principal point = its centre; :func:`~hipcheck.analysis.geometry.undo_perspective_xy`),
    then each joint's x is rotated back about the vertical through the hip midpoint by
    the body's yaw (:func:`~hipcheck.analysis.geometry.derotate_yaw_xy`; skipped when the yaw
    is not finite or beyond :data:`YAW_CORRECT_MAX_DEG`).

    Convention:
        Pixels, x right, y down; ``yaw_deg`` + = the subject's left side farther
        from the camera (see :mod:`hipcheck.analysis.geometry._yaw`).
    """
    xy = np.asarray(xy_px, dtype=np.float64)
    pivot = _hip_pivot(xy)
    if not np.isfinite(pivot).any():
        return xy.copy()
    depth = body_depth_px(
        xy, hips=(L_HIP, R_HIP), legs=((L_HIP, L_KNEE, L_ANKLE), (R_HIP, R_KNEE, R_ANKLE)),
        feet=((L_HEEL, L_FOOT), (R_HEEL, R_FOOT)), shoulders=(L_SHOULDER, R_SHOULDER),
    )  # fmt: skip
    yaw = yaw_deg if math.isfinite(yaw_deg) and abs(yaw_deg) <= YAW_CORRECT_MAX_DEG else math.nan
    if resolution_wh is not None:
        w, h = resolution_wh
        # depth along the camera axis: the body's depth turned by the yaw, plus the frontal offset's share
        t = math.radians(yaw) if math.isfinite(yaw) else 0.0
        camera_depth = (xy[..., 0] - pivot[:, None]) * math.tan(t) + depth * math.cos(t)
        xy = undo_perspective_xy(xy_px=xy, depth_px=camera_depth, focal_px=float(max(w, h)), centre_px=(w / 2, h / 2))
        pivot = _hip_pivot(xy)
    if not math.isfinite(yaw):
        return xy.copy()
    return derotate_yaw_xy(xy_px=xy, depth_px=depth, yaw_deg=yaw, pivot_x_px=pivot)


MetricFunction = Callable[[MetricInputs, Side | None], FloatArray]
"""``function(inputs, side)`` → the (T,) column; ``side`` is None for a metric that is not sided."""


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


COMPUTE: Mapping[str, MetricFunction] = MappingProxyType({
    "pelvic_obliquity_deg": _m_obliquity,
    "pelvic_tilt_deg": _m_tilt_mask,
    "hip_height_asymmetry_deg": _m_obliquity,
    "hip_height_asymmetry_cm": _m_height_cm,
    "knee_fppa_deg": _m_fppa,
    "knee_ankle_separation_ratio": _m_sep,
    "lateral_pelvic_shift": _m_shift,
    "trunk_lean_deg": _m_lean,
    "pelvic_rotation_deg": _m_rotation,
    "knee_flexion_deg": _m_flexion,
    "squat_depth": _m_depth,
})  # fmt: skip
"""The function of every per-frame metric computed from one frame's landmarks, by registry name."""

_UNREGISTERED = sorted(set(COMPUTE) - {m.name for m in METRICS.values() if m.kind == "frame"})
if _UNREGISTERED:  # pragma: no cover - a programming error caught at import
    raise RuntimeError(f"geometry computes metrics missing from the registry: {_UNREGISTERED}")


def metric_columns(
    pose: PoseSeries,
    *,
    roll_deg: float = 0.0,
    body_height_m: float | None = None,
    names: tuple[str, ...] | None = None,
    yaw_deg: float = math.nan,
) -> dict[str, FloatArray]:
    """The columns of :func:`compute_metrics` as a dict (column name → (T,) array).

    ``pelvic_tilt_deg`` is left out when the series carries no pelvis mask. The image
    landmarks are first moved into the body's frontal plane (:func:`frontal_plane_xy`):
    perspective undone (unless the series' provenance says ``"projection":
    "orthographic"``, as synthetic skeletons do) and, with a finite ``yaw_deg``, the yaw.
    """
    if not math.isfinite(roll_deg):
        raise ValueError(f"roll_deg: expected a finite angle in degrees, got {roll_deg}")
    if body_height_m is not None and not (0.5 < body_height_m < 2.8):
        raise ValueError(f"body_height_m: expected a height in metres (0.5-2.8), got {body_height_m}")
    chosen = tuple(COMPUTE) if names is None else names
    unknown = [n for n in chosen if n not in COMPUTE]
    if unknown:
        raise ValueError(f"names: expected metric names from METRICS, got unknown {unknown}")
    level_xy = derotate_xy(xy_px=pose.xy_px, roll_deg=roll_deg, resolution_wh=pose.resolution_wh)
    perspective = pose.provenance.extra.get("projection") != "orthographic"
    inp = MetricInputs(
        xy_px=frontal_plane_xy(level_xy, yaw_deg, resolution_wh=pose.resolution_wh if perspective else None),
        xyz_world_m=derotate_world_m(xyz_world_m=pose.xyz_world_m, roll_deg=roll_deg),
        resolution_wh=pose.resolution_wh, roll_deg=float(roll_deg), body_height_m=body_height_m,
        pelvis_mask=pose.pelvis_mask, pelvis_box_px=pose.pelvis_box_px, raw_xy_px=pose.xy_px, yaw_deg=yaw_deg,
    )  # fmt: skip
    cols: dict[str, FloatArray] = {}
    for name in chosen:
        if name == "pelvic_tilt_deg" and pose.pelvis_mask is None:
            continue  # no silhouette recorded: leave the column out rather than all-NaN
        function = COMPUTE[name]
        if METRICS[name].sided:
            for side in SIDES:
                cols[f"{name}_{side}"] = function(inp, side)
        else:
            cols[name] = function(inp, None)
    return cols


def compute_metrics(
    pose: PoseSeries,
    *,
    roll_deg: float = 0.0,
    body_height_m: float | None = None,
    names: tuple[str, ...] | None = None,
    yaw_deg: float = math.nan,
) -> MetricTable:
    """Evaluate per-frame metrics (:data:`COMPUTE`) on a pose series.

    Landmarks are first derotated for ``roll_deg`` (image points about the
    image centre, world x–y about the origin).

    Args:
        pose: the (cleaned) landmark series.
        roll_deg: camera roll, + = a true horizontal descends toward the image right.
        body_height_m: the subject's height; if given, ``hip_height_asymmetry_cm``
            uses the image scale from it instead of world landmarks.
        names: metric names to compute (default: every ``frame`` metric of the registry).
        yaw_deg: the body's yaw to the camera (+ = its left side farther); frontal-plane
            metrics are then measured in the body's own frontal plane. NaN = not corrected.

    Returns:
        MetricTable with columns ``<name>`` or ``<name>_left``/``<name>_right``.
    """
    cols = metric_columns(pose, roll_deg=roll_deg, body_height_m=body_height_m, names=names, yaw_deg=yaw_deg)
    return MetricTable(t_s=pose.t_s, columns=cols)
