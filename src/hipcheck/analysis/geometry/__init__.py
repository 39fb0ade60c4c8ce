"""Frontal-plane and depth metrics as small pure functions over landmark arrays.

Common convention (each function restates what it uses)
-------------------------------------------------------
- Image points ``*_xy`` are pixels of the upright, unmirrored frame, x right,
  y **down**, already derotated for camera roll (:func:`derotate_xy`, roll convention in
  :mod:`hipcheck.analysis.geometry._roll`).
  Angles are never computed on normalised coordinates.
- Sides are the subject's anatomical sides. Which image side is the subject's
  left is read from the hip landmarks themselves (front view: left hip on the
  image right; back view: on the image left), so every signed metric means
  the same anatomically in front and back views.
- Frontal-plane metrics are measured in the body's own frontal plane: the image
  landmarks are moved back by the body's yaw to the camera first
  (:func:`frontal_plane_xy`, yaw convention in :mod:`hipcheck.analysis.geometry._yaw`).
- Angles in degrees; missing = NaN (propagated, never 0).
- Shapes: every ``*_xy`` argument is ``(..., 2)`` (typically (T, 2)); outputs
  have the leading shape ``(...)``.

:data:`COMPUTE` names the function of every per-frame metric of the registry
(:data:`hipcheck.metrics.METRICS`); :func:`compute_metrics` evaluates them on
a :class:`~hipcheck.landmarks.PoseSeries` into a
:class:`~hipcheck.results.MetricTable` with columns ``<name>`` or
``<name>_left`` / ``<name>_right``.
"""

from hipcheck.analysis.geometry._body import balance_sway, hip_drop_ratio, lateral_pelvic_shift, trunk_lean_deg
from hipcheck.analysis.geometry._knees import (
    FPPA_MIN_THIGH_FRACTION,
    foreshortened_thigh,
    joint_angle_deg,
    knee_ankle_separation_ratio,
    knee_flexion_deg,
    knee_fppa_deg,
)
from hipcheck.analysis.geometry._pelvis import (
    contralateral_pelvic_drop_deg,
    hip_height_difference_cm,
    pelvic_baseline_deg,
    pelvic_obliquity_deg,
    pelvic_rotation_deg,
)
from hipcheck.analysis.geometry._roll import derotate_world_m, derotate_xy
from hipcheck.analysis.geometry._silhouette import MaskTiltParams, pelvic_tilt_from_mask_deg
from hipcheck.analysis.geometry._table import (
    COMPUTE,
    YAW_CORRECT_MAX_DEG,
    MetricFunction,
    MetricInputs,
    compute_metrics,
    frontal_plane_xy,
    metric_columns,
)
from hipcheck.analysis.geometry._yaw import (
    BODY_AXES_AGREE_DEG,
    axis_yaw_deg,
    body_depth_px,
    body_yaw_deg,
    derotate_yaw_xy,
    fold_axis_deg,
    segment_forward_px,
    undo_perspective_xy,
)

__all__ = [
    "BODY_AXES_AGREE_DEG",
    "COMPUTE",
    "FPPA_MIN_THIGH_FRACTION",
    "YAW_CORRECT_MAX_DEG",
    "MaskTiltParams",
    "MetricFunction",
    "MetricInputs",
    "axis_yaw_deg",
    "balance_sway",
    "body_depth_px",
    "body_yaw_deg",
    "compute_metrics",
    "contralateral_pelvic_drop_deg",
    "derotate_world_m",
    "derotate_xy",
    "derotate_yaw_xy",
    "fold_axis_deg",
    "foreshortened_thigh",
    "frontal_plane_xy",
    "hip_drop_ratio",
    "hip_height_difference_cm",
    "joint_angle_deg",
    "knee_ankle_separation_ratio",
    "knee_flexion_deg",
    "knee_fppa_deg",
    "lateral_pelvic_shift",
    "metric_columns",
    "pelvic_baseline_deg",
    "pelvic_obliquity_deg",
    "pelvic_rotation_deg",
    "pelvic_tilt_from_mask_deg",
    "segment_forward_px",
    "trunk_lean_deg",
    "undo_perspective_xy",
]
