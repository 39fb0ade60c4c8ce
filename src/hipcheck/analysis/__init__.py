"""The analysis: cleaning, camera view and roll, geometry, movement, and the chain that runs them.

::

    PoseSeries ─▶ clean (gate, swap repair, outliers, short gaps, 6 Hz zero-lag low-pass)
        ─▶ observe_camera (view, roll, body yaw) ─▶ analyze_movement (segments, baseline, labels)
        ─▶ measure (one metric table) ─▶ assess ─▶ Assessment          = analyze_pose

Every function here is pure (arrays in, new arrays out); the files are
written by :func:`hipcheck.run_job`. The metrics themselves are in
:mod:`hipcheck.analysis.geometry`, exercise recognition in
:mod:`hipcheck.analysis.movement`.
"""

from hipcheck.analysis._camera import (
    FRONTAL_SHOULDER_RATIO,
    LEG_TORSO_MAX,
    MAX_FLOOR_ANGLE_DEG,
    RollEstimate,
    ViewEstimate,
    YawEstimate,
    classify_view,
    estimate_roll_deg,
    estimate_roll_from_image,
    estimate_yaw_deg,
    leg_torso_ratio,
    view_from_yaw,
)
from hipcheck.analysis._cleaning import (
    CUTOFF_HZ,
    FILTER_ORDER,
    MAX_GAP_S,
    MIN_FPS_FOR_FILTER,
    SWAP_GROUPS,
    VISIBILITY_THRESHOLD,
    CleanReport,
    OneEuroFilter,
    butterworth_1d,
    clean,
    fill_short_gaps,
    gate_by_visibility,
    lowpass_butterworth,
    one_euro_series,
    preload,
    reject_outliers,
    repair_swaps,
)
from hipcheck.analysis._pelvis import (
    HANDS_ON_HIPS_REACH,
    WAIST_MIN_COVERAGE,
    PelvisLine,
    hands_on_hips,
    pelvis_line,
    stance_columns,
    waist_obliquity_deg,
)
from hipcheck.analysis._pipeline import (
    YAW_LIMIT_DEG,
    AnalysisOptions,
    CameraView,
    Measurements,
    analyze_pose,
    measure,
    observe_camera,
)
from hipcheck.analysis.geometry import derotate_xy

__all__ = [
    "CUTOFF_HZ",
    "FILTER_ORDER",
    "FRONTAL_SHOULDER_RATIO",
    "HANDS_ON_HIPS_REACH",
    "LEG_TORSO_MAX",
    "MAX_FLOOR_ANGLE_DEG",
    "MAX_GAP_S",
    "MIN_FPS_FOR_FILTER",
    "SWAP_GROUPS",
    "VISIBILITY_THRESHOLD",
    "WAIST_MIN_COVERAGE",
    "YAW_LIMIT_DEG",
    "AnalysisOptions",
    "CameraView",
    "CleanReport",
    "Measurements",
    "OneEuroFilter",
    "PelvisLine",
    "RollEstimate",
    "ViewEstimate",
    "YawEstimate",
    "analyze_pose",
    "butterworth_1d",
    "classify_view",
    "clean",
    "derotate_xy",
    "estimate_roll_deg",
    "estimate_roll_from_image",
    "estimate_yaw_deg",
    "fill_short_gaps",
    "gate_by_visibility",
    "hands_on_hips",
    "leg_torso_ratio",
    "lowpass_butterworth",
    "measure",
    "observe_camera",
    "one_euro_series",
    "pelvis_line",
    "preload",
    "reject_outliers",
    "repair_swaps",
    "stance_columns",
    "view_from_yaw",
    "waist_obliquity_deg",
]
