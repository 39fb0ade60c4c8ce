"""The ground-truth lab inside hipcheck: truth files, the validity benchmark, synthetic skeletons.

- ``<clip>.gt.json`` next to each rendered clip (schema ``hipcheck-groundtruth/1``):
  :func:`load_ground_truth`, :func:`find_samples`, :func:`compute_metrics` (the
  truth's metrics from the true joints, with hipcheck's own metric functions).
- the validity benchmark (``hipcheck validate``): :func:`validate_dir` runs the
  full pipeline on every clip and compares with the truth, measured − true.
- :func:`make_pose`: a synthetic :class:`~hipcheck.landmarks.PoseSeries` of a
  body with known angles (pelvis tilted exactly 8°, knee valgus exactly 12°),
  for unit tests that never run MediaPipe.

Rendering the clips needs the optional lab dependencies and stays in ``tools/lab``.
"""

from hipcheck.lab._groundtruth import (
    GT_SUFFIX,
    METRIC_NAMES,
    REQUIRED_JOINTS,
    SCHEMA,
    SPLITS,
    STANCE_SIDES,
    WEAKER_SIDES,
    GroundTruth,
    baseline_mask,
    compute_metrics,
    compute_metrics_3d,
    find_samples,
    frontal_plane_joints,
    load_ground_truth,
    phase_pelvic_drop_deg,
)
from hipcheck.lab._synthetic import VIEW_YAW_DEG, BodyDims, make_pose, squat_depth_profile, step_profile
from hipcheck.lab._validate import TOLERANCES_DEG, ClipResult, ValidationReport, validate_clip, validate_dir

__all__ = [
    "GT_SUFFIX",
    "METRIC_NAMES",
    "REQUIRED_JOINTS",
    "SCHEMA",
    "SPLITS",
    "STANCE_SIDES",
    "TOLERANCES_DEG",
    "VIEW_YAW_DEG",
    "WEAKER_SIDES",
    "BodyDims",
    "ClipResult",
    "GroundTruth",
    "ValidationReport",
    "baseline_mask",
    "compute_metrics",
    "compute_metrics_3d",
    "find_samples",
    "frontal_plane_joints",
    "load_ground_truth",
    "make_pose",
    "phase_pelvic_drop_deg",
    "squat_depth_profile",
    "step_profile",
    "validate_clip",
    "validate_dir",
]
