"""Per-side statistics, the evidence table, the weaker-side verdict, reference values and the plan.

::

    MetricTable + Segments ─▶ per-rep peaks ─▶ per-side medians over reps (build_exercise_results)
        ─▶ evidence rows: left vs right, difference, threshold from the 2D measurement error (build_evidence)
        ─▶ verdict: left / right / none / insufficient, with reasons (decide)
        ─▶ corrective plan (build_plan)                                    = Assessment (assess)

Conventions: sides are the person's anatomical sides; every indicator is
oriented so that a larger value points to the weaker side; ``difference`` is
left − right; a difference smaller than the measurement error of 2D video is
never called a finding. Reference values and measurement errors, each with
its source, are in :mod:`hipcheck.assessment._norms`.
"""

from hipcheck.assessment._assess import FRONTAL_EVIDENCE, assess, measurement_errors, not_measured
from hipcheck.assessment._coverage import (
    BODY_LANDMARKS,
    MAX_PARTIAL_FRACTION,
    PoseCoverage,
    coverage_statements,
    pose_coverage,
    pose_lacks,
    tested_rows,
)
from hipcheck.assessment._evidence import (
    EvidenceKind,
    band_rule,
    build_evidence,
    build_exercise_results,
    compared_difference,
    evidence_kind,
    finding_threshold,
    reduce_window,
    summarise,
)
from hipcheck.assessment._indicators import (
    INDICATORS,
    ONE_SIDED_CONFIDENCE,
    ONE_SIDED_LIMITS,
    WHOLE_BODY,
    Indicator,
    RepLike,
    SegmentLike,
    indicator_of,
)
from hipcheck.assessment._norms import (
    MEASUREMENT_ERRORS,
    REFERENCES,
    MeasurementError,
    Reference,
    difference_band,
    range_band,
    reference_for,
    symmetry_band,
)
from hipcheck.assessment._plan import (
    FOCUS_TEXT,
    NOT_DIAGNOSIS,
    PHASE_TITLES,
    RERECORD,
    SEE_PROFESSIONAL,
    LibraryExercise,
    build_plan,
    finding_sentence,
    focus_from_evidence,
    load_library,
    weaker_side_of,
)
from hipcheck.assessment._verdict import VerdictInputs, decide, no_difference_support

__all__ = [
    "BODY_LANDMARKS",
    "FOCUS_TEXT",
    "FRONTAL_EVIDENCE",
    "INDICATORS",
    "MAX_PARTIAL_FRACTION",
    "MEASUREMENT_ERRORS",
    "NOT_DIAGNOSIS",
    "ONE_SIDED_CONFIDENCE",
    "ONE_SIDED_LIMITS",
    "PHASE_TITLES",
    "REFERENCES",
    "RERECORD",
    "SEE_PROFESSIONAL",
    "WHOLE_BODY",
    "EvidenceKind",
    "Indicator",
    "LibraryExercise",
    "MeasurementError",
    "PoseCoverage",
    "Reference",
    "RepLike",
    "SegmentLike",
    "VerdictInputs",
    "assess",
    "band_rule",
    "build_evidence",
    "build_exercise_results",
    "build_plan",
    "compared_difference",
    "coverage_statements",
    "decide",
    "difference_band",
    "evidence_kind",
    "finding_sentence",
    "finding_threshold",
    "focus_from_evidence",
    "indicator_of",
    "load_library",
    "measurement_errors",
    "no_difference_support",
    "not_measured",
    "pose_coverage",
    "pose_lacks",
    "range_band",
    "reduce_window",
    "reference_for",
    "summarise",
    "symmetry_band",
    "tested_rows",
    "weaker_side_of",
]
