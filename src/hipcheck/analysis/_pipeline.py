"""The analysis chain from a PoseSeries to an Assessment: each step once, forward only.

::

    PoseSeries ─clean─▶ PoseSeries ─▶ camera (view, roll) ─▶ movement (segments, baseline, labels)
        ─▶ measurements (one metric table: per-frame + waistline + stance columns) ─▶ assess ─▶ Assessment

No I/O here (see :func:`hipcheck.run_job` for the files). Contralateral pelvic
drop is taken relative to the clip's own quiet bipedal stance, so a constant
camera roll or posture offset cancels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from hipcheck.analysis._camera import (
    RollEstimate,
    ViewEstimate,
    YawEstimate,
    classify_view,
    estimate_roll_deg,
    estimate_yaw_deg,
)
from hipcheck.analysis._cleaning import CleanReport, clean
from hipcheck.analysis._pelvis import PelvisLine, hands_on_hips, pelvis_line, stance_columns, waist_obliquity_deg
from hipcheck.analysis.geometry import metric_columns
from hipcheck.analysis.movement import Movement, analyze_movement
from hipcheck.assessment import assess, pose_coverage
from hipcheck.landmarks import PoseSeries
from hipcheck.metrics import metric_of_column
from hipcheck.results import Assessment, MetricTable
from hipcheck.types import FRONTAL_VIEWS, SIDES, STANCE_TESTS, ExerciseName, FloatArray


@dataclass(frozen=True)
class AnalysisOptions:
    """Choices a person can make about one analysis; unpacked by the entry point from CLI flags.

    Attributes:
        exercise: the clip is this exercise (recognition skipped); None = recognise.
        roll_deg: camera roll in degrees (+ = a true horizontal descends toward the image right);
            None = estimate it from the clip.
        sex: ``"f"`` / ``"m"`` for sex-specific reference values; None = not given.
        body_height_m: the person's height in metres, for the hip-height difference in cm.
    """

    exercise: ExerciseName | None = None
    roll_deg: float | None = None
    sex: Literal["f", "m"] | None = None
    body_height_m: float | None = None


YAW_LIMIT_DEG = 20.0
"""Above this body yaw to the camera the yaw-corrected knee angles are not trusted (the lab
validates the correction to ±15°): knee valgus is then not judged and the person is asked
to turn square to the camera."""


@dataclass(frozen=True)
class CameraView:
    """Where the camera looks from, how it is rolled and how the body is turned to it, for one clip.

    ``roll`` is the estimate when the roll was estimated (None when the person gave it);
    ``roll_deg`` is the value used (0 when it could not be estimated). ``yaw`` is the
    body's yaw to the camera (+ = its left side farther), which frontal-plane metrics
    are corrected for in front and back views.
    """

    view: ViewEstimate
    roll_deg: float
    roll: RollEstimate | None = None
    yaw: YawEstimate | None = None

    @property
    def yaw_deg(self) -> float:
        """The yaw frontal metrics are corrected for (NaN outside front/back views or when unknown)."""
        if self.yaw is None or self.view.view not in FRONTAL_VIEWS:
            return math.nan
        return self.yaw.yaw_deg

    def unjudged(self) -> dict[str, str]:
        """Metric → why it cannot be judged from this camera placement (beyond :data:`YAW_LIMIT_DEG`)."""
        yaw = self.yaw_deg
        if not (math.isfinite(yaw) and abs(yaw) > YAW_LIMIT_DEG):
            return {}
        turn = "right" if yaw > 0 else "left"
        why = (
            f"knee valgus could not be judged: the body is turned {abs(yaw):.0f}° from the camera (corrected "
            f"only up to {YAW_LIMIT_DEG:.0f}°). Turn a little to your {turn}, square to the camera, and record again"
        )
        return {"knee_fppa_deg": why, "knee_ankle_separation_ratio": why}


def observe_camera(pose: PoseSeries, *, roll_deg: float | None = None) -> CameraView:
    """The view of the clip, the camera roll (``roll_deg`` when given, else estimated for that view)
    and the body's yaw to the camera.
    """
    view = classify_view(pose)
    yaw = estimate_yaw_deg(pose)
    if roll_deg is not None:
        return CameraView(view, roll_deg, None, yaw)
    est = estimate_roll_deg(pose, view=view.view)
    return CameraView(view, float(est.roll_deg) if math.isfinite(est.roll_deg) else 0.0, est, yaw)


@dataclass(frozen=True)
class Measurements:
    """The clip's metric table, built once, and the pelvis line its pelvic drop was measured from."""

    table: MetricTable
    pelvis: PelvisLine
    stance_found: bool


def _blank_frontal(cols: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """Every column of a metric that needs a frontal view set to NaN (never invented in other views)."""
    out = {}
    for name, col in cols.items():
        info = metric_of_column(name)
        out[name] = np.full_like(col, np.nan) if info is not None and info.needs_frontal_view else col
    return out


def _yaw_correction(pose: PoseSeries, camera: CameraView, corrected: FloatArray) -> FloatArray:
    """How much the yaw correction moved a yaw-corrected column: corrected − the same metric with
    the yaw left in (perspective undone in both); zeros when no yaw was corrected.

    At the bottom of a squat the hips are behind the feet, so a yawed camera shows a sideways hip
    shift of (that depth) × sin(yaw); the correction takes it off with a depth read from limb
    foreshortening, which is known only roughly (the assessment's error model,
    :data:`hipcheck.assessment.MEASUREMENT_ERRORS`, turns this column into an uncertainty).
    """
    if not math.isfinite(camera.yaw_deg):
        return np.zeros_like(corrected)
    plain = metric_columns(pose, roll_deg=camera.roll_deg, names=("lateral_pelvic_shift",))["lateral_pelvic_shift"]
    return np.asarray(corrected - plain, dtype=np.float64)


def measure(
    pose: PoseSeries, *, camera: CameraView, movement: Movement, body_height_m: float | None = None
) -> Measurements:
    """Every per-frame metric of a cleaned clip in one table (see :data:`hipcheck.metrics.METRICS`).

    The ``frame`` metrics from the roll-corrected landmarks moved into the body's
    frontal plane (its yaw to the camera undone), the visible
    waistline's obliquity, and the ``stance`` columns (pelvic drop, trunk lean
    over the stance leg, hip sway) on the single-leg stance rows. Outside front
    and back views the frontal-plane columns are NaN.
    """
    cols = metric_columns(pose, roll_deg=camera.roll_deg, body_height_m=body_height_m, yaw_deg=camera.yaw_deg)
    cols["lateral_pelvic_shift_yaw_correction"] = _yaw_correction(pose, camera, cols["lateral_pelvic_shift"])
    waist = waist_obliquity_deg(pose, camera.roll_deg)
    if waist is not None:
        cols["waist_obliquity_deg"] = waist
    stance = {side: movement.stance_rows(side, STANCE_TESTS) for side in SIDES}
    active = stance["left"] | stance["right"]
    line = pelvis_line(
        hip_obliquity_deg=cols["pelvic_obliquity_deg"], waist_obliquity_deg=waist,
        baseline_rows=movement.baseline_rows, active_rows=active,
        silhouette_obliquity_deg=cols.get("pelvic_tilt_deg"), hands_on_hips=hands_on_hips(pose.xy_px),
    )  # fmt: skip
    cols.update(stance_columns(
        line=line, baseline_rows=movement.baseline_rows, stance_rows=stance,
        trunk_lean_deg=cols["trunk_lean_deg"], lateral_pelvic_shift=cols["lateral_pelvic_shift"],
    ))  # fmt: skip
    if camera.view.view not in FRONTAL_VIEWS:
        cols = _blank_frontal(cols)
    return Measurements(MetricTable(pose.t_s, cols), line, bool(active.any()))


def _provenance(
    pose: PoseSeries, report: CleanReport, options: AnalysisOptions, line: PelvisLine, camera: CameraView
) -> dict[str, Any]:
    provenance = {**pose.provenance.to_dict(), "cleaning": report.to_dict()}
    yaw = camera.yaw
    provenance["analysis"] = {
        "exercise_override": options.exercise, "roll_deg_given": options.roll_deg, "sex": options.sex,
        "pelvic_drop_source": line.source, "pelvic_drop_source_note": line.note,
        "yaw": None if yaw is None else {
            "yaw_deg": yaw.yaw_deg, "spread_deg": yaw.spread_deg, "frames": yaw.n_frames,
            "corrected": math.isfinite(camera.yaw_deg),
            "method": "world hip and shoulder lines; joint depth from limb foreshortening; perspective undone",
        },
    }  # fmt: skip
    return provenance


def analyze_pose(pose: PoseSeries, options: AnalysisOptions | None = None) -> Assessment:
    """Assess one clip's landmarks (no I/O): verdict, evidence, exercises, metrics and plan.

    Roll is estimated from the clip unless ``options.roll_deg`` is given;
    contralateral pelvic drop is taken relative to the clip's own quiet
    bipedal stance (so a constant roll or posture offset cancels).
    """
    opts = options or AnalysisOptions()
    cleaned, report = clean(pose)
    camera = observe_camera(cleaned, roll_deg=opts.roll_deg)
    movement = analyze_movement(cleaned, exercise=opts.exercise)
    measured = measure(cleaned, camera=camera, movement=movement, body_height_m=opts.body_height_m)
    return assess(
        measured.table, movement.segments, view=camera.view.view, roll_deg=camera.roll_deg,
        detected_fraction=float(np.mean(pose.detected)) if len(pose) else 0.0, sex=opts.sex,
        labels={"exercise": list(movement.exercise_labels), "phase": list(movement.phase_labels)},
        provenance=_provenance(pose, report, opts, measured.pelvis, camera), view_reason=camera.view.reason,
        pelvic_drop_source=measured.pelvis.note if measured.stance_found else "",
        unjudged={**camera.unjudged(), **_unjudged(measured)}, yaw_deg=camera.yaw_deg,
        pelvic_drop_line=measured.pelvis.source if measured.stance_found else "", coverage=pose_coverage(pose),
    )  # fmt: skip


def _unjudged(measured: Measurements) -> dict[str, str]:
    """Metric → why it cannot be judged in this clip: the pelvic drop of a stance test measured
    on a line known to under-read it.
    """
    if measured.stance_found and not measured.pelvis.judges_drop:
        return {"pelvic_drop_deg": measured.pelvis.unjudged_reason}
    return {}
