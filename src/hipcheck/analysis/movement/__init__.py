"""Exercise recognition, rep segmentation and single-leg stance phases.

::

    PoseSeries ─▶ movement_features (scale-free, per frame) ─▶ per-frame posture labels
               ─▶ runs merged with hysteresis ─▶ Segments (exercise, side, reps) ─▶ Movement

:func:`analyze_movement` does it once per clip and returns the segments with
the quiet bipedal baseline rows (for pelvic drop θ0) and per-frame labels.
Conventions: sides are the person's anatomical sides (``Segment.side`` is the
stance leg of a single-leg test, the front leg of a lunge); rows index the
pose series, ``end`` exclusive; features are dimensionless (lengths divided by
the subject's own leg, thigh or shank length); NaN = missing.
"""

from hipcheck.analysis.movement._features import (
    FOOT_GAP_S,
    QUIET_KNEE_DEG,
    SCALE_BONES,
    STAND_OFFSET_MAX,
    MovementFeatures,
    movement_features,
)
from hipcheck.analysis.movement._movement import Movement, analyze_movement, bipedal_baseline_rows, frame_labels
from hipcheck.analysis.movement._reps import (
    GAP_S,
    LIFT_OFF,
    LIFT_ON,
    MIN_RUN_S,
    MIN_STANCE_S,
    STEP_MAX_S,
    Label,
    RepSegment,
    Run,
    find_reps,
    merge_runs,
    stance_phases_from_lift,
)
from hipcheck.analysis.movement._segments import (
    BACK_FOOT_BEHIND,
    BENT_LIFT_KNEE_DEG,
    FRONT_FOOT_AHEAD,
    KNEE_ASYM_DEG,
    LUNGE_BACK_LIFT,
    SIDE_LIFT_ABD_DEG,
    SLDL_TRUNK_DEG,
    SLS_KNEE_DEG,
    SPLIT_ON,
    SQUAT_DEPTH,
    SQUAT_KNEE_DEG,
    STEP_SPLIT,
    TOES_LIFT,
    WALK_MIN_S,
    WALK_SPEED,
    WIDE_ON,
    Segment,
    find_stance_phases,
    frame_postures,
    segment_movement,
    single_leg_phases,
    swing_lift,
)

__all__ = [
    "BACK_FOOT_BEHIND",
    "BENT_LIFT_KNEE_DEG",
    "FOOT_GAP_S",
    "FRONT_FOOT_AHEAD",
    "GAP_S",
    "KNEE_ASYM_DEG",
    "LIFT_OFF",
    "LIFT_ON",
    "LUNGE_BACK_LIFT",
    "MIN_RUN_S",
    "MIN_STANCE_S",
    "QUIET_KNEE_DEG",
    "SCALE_BONES",
    "SIDE_LIFT_ABD_DEG",
    "SLDL_TRUNK_DEG",
    "SLS_KNEE_DEG",
    "SPLIT_ON",
    "SQUAT_DEPTH",
    "SQUAT_KNEE_DEG",
    "STAND_OFFSET_MAX",
    "STEP_MAX_S",
    "STEP_SPLIT",
    "TOES_LIFT",
    "WALK_MIN_S",
    "WALK_SPEED",
    "WIDE_ON",
    "Label",
    "Movement",
    "MovementFeatures",
    "RepSegment",
    "Run",
    "Segment",
    "analyze_movement",
    "bipedal_baseline_rows",
    "find_reps",
    "find_stance_phases",
    "frame_labels",
    "frame_postures",
    "merge_runs",
    "movement_features",
    "segment_movement",
    "single_leg_phases",
    "stance_phases_from_lift",
    "swing_lift",
]
