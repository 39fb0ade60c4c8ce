"""The analysis chain from a video (or a cached PoseSeries) to written reports.

``analyze_pose`` is the pure part: PoseSeries → cleaning → roll and view →
metrics → movement segments → stance-relative metrics → assessment.
``run_analysis`` adds the I/O: pose estimation with a ``.npz`` cache, and the
JSON / CSV / HTML / plot / video outputs. The CLI, live session, batch and
web app all call these two functions; none of them holds math.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipcheck import __version__, camera, cleaning, geometry, movement
from hipcheck.assessment import FRONTAL_VIEWS, assess
from hipcheck.extract import load_or_estimate_pose
from hipcheck.landmarks import PoseSeries
from hipcheck.results import Assessment, MetricTable, View
from hipcheck.util import write_text_atomic

SINGLE_LEG = ("single_leg_stance", "single_leg_squat")
FRONTAL_METRICS = (
    "pelvic_drop_deg", "knee_fppa_deg", "hip_height_asymmetry_deg", "trunk_lean_deg",
    "lateral_pelvic_shift", "knee_ankle_separation_ratio",
)  # fmt: skip


@dataclass(frozen=True)
class AnalysisOptions:
    """Choices a user can make; unpacked by the entry point from CLI flags."""

    exercise: str | None = None
    roll_deg: float | None = None
    sex: str | None = None
    body_height_m: float | None = None


def analyze_pose(pose: PoseSeries, options: AnalysisOptions | None = None) -> Assessment:
    """Assess one clip's landmarks (no I/O).

    Roll is estimated from the clip unless ``options.roll_deg`` is given;
    contralateral pelvic drop is taken relative to the clip's own quiet
    bipedal stance (so a constant roll or posture offset cancels).
    """
    opts = options or AnalysisOptions()
    clean_pose, clean_report = cleaning.clean(pose)
    view_est = camera.classify_view(clean_pose)
    view: View = view_est.view
    roll = opts.roll_deg if opts.roll_deg is not None else _auto_roll(clean_pose)
    table = geometry.compute_metrics(clean_pose, roll_deg=roll, body_height_m=opts.body_height_m)
    table = add_waist_column(table, clean_pose, roll)
    segments = movement.segment_movement(clean_pose, exercise=opts.exercise)  # type: ignore[arg-type]
    baseline = movement.bipedal_baseline_rows(clean_pose, segments)
    single_leg = _rows_of_any(segments, len(clean_pose))
    line = pelvis_line(table, baseline, single_leg)
    table = add_stance_columns(table, segments, baseline, line)
    if view not in FRONTAL_VIEWS:
        table = blank_frontal_columns(table)
    exercise_labels, phase_labels = movement.frame_labels(segments, len(clean_pose))
    provenance = {**pose.provenance.to_dict(), "cleaning": clean_report.to_dict()}
    provenance["analysis"] = {
        "exercise_override": opts.exercise, "roll_deg_given": opts.roll_deg, "sex": opts.sex,
        "pelvic_drop_source": line.source, "pelvic_drop_source_note": line.note,
    }  # fmt: skip
    detected = float(np.mean(pose.detected)) if len(pose) else 0.0
    assessment = assess(
        table, segments, view=view, roll_deg=roll, detected_fraction=detected,
        sex=opts.sex, labels={"exercise": exercise_labels, "phase": phase_labels},
        not_measured=_not_measured(view, segments, view_est.reason), provenance=provenance,
        reasons=(view_est.reason,) if view_est.reason else (),
    )  # fmt: skip
    if not single_leg.any():
        return assessment
    errors = dict(assessment.measurement_error)
    errors["pelvic_drop_deg"] = f"measured from the {line.note}; {errors.get('pelvic_drop_deg', '')}"
    return dataclasses.replace(assessment, measurement_error=errors)


FRONTAL_ONLY = frozenset(
    {name for name, spec in geometry.METRICS.items() if spec.needs_frontal_view}
    | {"waist_obliquity_deg", "pelvic_drop_deg", "trunk_lean_ipsi_deg", "hip_sway"}
)
"""Metric names that need a front or back view (NaN in other views, never invented)."""


def blank_frontal_columns(table: MetricTable) -> MetricTable:
    """The table with every frontal-plane column (:data:`FRONTAL_ONLY`, sided or not) set to NaN."""
    cols = {
        name: np.full_like(np.asarray(col, dtype=np.float64), np.nan)
        if name in FRONTAL_ONLY or name.rsplit("_", 1)[0] in FRONTAL_ONLY
        else col
        for name, col in table.columns.items()
    }
    return MetricTable(table.t_s, cols, table.units)


def _auto_roll(pose: PoseSeries) -> float:
    est = camera.estimate_roll_deg(pose)
    return float(est.roll_deg) if math.isfinite(est.roll_deg) else 0.0


def _not_measured(view: View, segments: Sequence[Any], view_reason: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    if view not in FRONTAL_VIEWS:
        why = (
            f"needs a front or back view; the view is unknown: {view_reason}"
            if view_reason
            else f"needs a front or back view; this clip is a {view} view, where frontal-plane angles "
            "are foreshortened and would be invented"
        )
        out.update(dict.fromkeys(FRONTAL_METRICS, why))
    exercises = {s.exercise for s in segments}
    if not exercises & set(SINGLE_LEG):
        out.setdefault("pelvic_drop_deg", "needs a single-leg stance or single-leg squat on each leg")
        out.setdefault("balance_hold_s", "needs a single-leg stance on each leg")
    return out


WAIST_MIN_COVERAGE = 0.5
"""Fraction of baseline and of single-leg rows where the waistline must be seen to use it."""


@dataclass(frozen=True)
class PelvisLine:
    """The per-frame pelvis line used for pelvic drop, and where it comes from.

    ``theta_deg`` (T,) is an obliquity (+ = the subject's left side higher,
    degrees, roll-corrected); ``source`` is ``"waistline"`` (the visible
    waistline, :mod:`hipcheck.waistline`) or ``"hip_landmarks"``.
    """

    theta_deg: NDArray[np.float64]
    source: str
    note: str


def add_waist_column(table: MetricTable, pose: PoseSeries, roll_deg: float) -> MetricTable:
    """Add ``waist_obliquity_deg``: obliquity of the visible waistline
    (θ = atan2(y_R − y_L, |x_L − x_R|) over ``pose.waist_px``, roll-corrected,
    + = the subject's left side higher). NaN where no waistline was seen.
    """
    if pose.waist_px is None:
        return table
    pts = camera.derotate_xy(xy_px=pose.waist_px, roll_deg=roll_deg, resolution_wh=pose.resolution_wh)
    theta = geometry.pelvic_obliquity_deg(left_hip_xy=pts[:, 0], right_hip_xy=pts[:, 1])
    return MetricTable(table.t_s, {**table.columns, "waist_obliquity_deg": theta},
                       {**table.units, "waist_obliquity_deg": "deg"})  # fmt: skip


def pelvis_line(table: MetricTable, baseline: NDArray[np.bool_], active: NDArray[np.bool_]) -> PelvisLine:
    """Choose the pelvis line for pelvic drop: the visible waistline when it
    was seen in at least :data:`WAIST_MIN_COVERAGE` of the baseline rows and
    of the ``active`` (single-leg) rows, else the hip landmarks.

    Measured on rendered bodies, the hip-landmark line reads an isolated
    pelvic drop at only 30–35 % of its size; the waistline within ≈ 1°.
    """
    hips = table["pelvic_obliquity_deg"]
    if "waist_obliquity_deg" in table:
        waist = table["waist_obliquity_deg"]
        seen = np.isfinite(waist)
        cover_base = float(seen[baseline].mean()) if baseline.any() else 0.0
        cover_active = float(seen[active].mean()) if active.any() else 0.0
        if min(cover_base, cover_active) >= WAIST_MIN_COVERAGE:
            return PelvisLine(waist, "waistline", f"visible waistline (seen in {cover_base:.0%} of baseline and "
                              f"{cover_active:.0%} of single-leg frames)")  # fmt: skip
        note = f"waistline seen in only {cover_base:.0%} of baseline / {cover_active:.0%} of single-leg frames: "
    else:
        note = "no waistline measured: "
    note += "hip landmarks, which under-read an isolated pelvic drop (≈ 30–35 % of it with an upright trunk)"
    return PelvisLine(hips, "hip_landmarks", note)


def add_stance_columns(
    table: MetricTable, segments: Sequence[Any], baseline: NDArray[np.bool_], line: PelvisLine
) -> MetricTable:
    """Add the stance-relative columns the assessment compares between sides.

    Columns (NaN outside single-leg bouts of that side):
    ``pelvic_drop_deg_<S>`` contralateral pelvic drop for stance side S
    (CPD_L = θ − θ0, CPD_R = −(θ − θ0), θ = ``line``, θ0 = its median over
    quiet bipedal rows; + = the swing-side hip drops, − = hip hike),
    ``trunk_lean_ipsi_deg_<S>`` (lean toward the stance side, degrees, + = over
    the stance leg) and ``hip_sway_<S>`` (hip-midpoint shift, hip widths).
    """
    theta = line.theta_deg
    theta0 = _baseline(theta, baseline)
    lean = table["trunk_lean_deg"] if "trunk_lean_deg" in table else np.full_like(theta, np.nan)
    shift = table["lateral_pelvic_shift"] if "lateral_pelvic_shift" in table else np.full_like(theta, np.nan)
    cols = dict(table.columns)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        rows = _rows_of(segments, side, len(theta))
        cols[f"pelvic_drop_deg_{side}"] = np.where(rows, sign * (theta - theta0), np.nan)
        cols[f"trunk_lean_ipsi_deg_{side}"] = np.where(rows, sign * lean, np.nan)
        cols[f"hip_sway_{side}"] = np.where(rows, shift, np.nan)
    units = {**table.units, "pelvic_drop_deg": "deg", "trunk_lean_ipsi_deg": "deg", "hip_sway": "hip widths"}
    return MetricTable(table.t_s, cols, units)


def _rows_of_any(segments: Sequence[Any], n: int) -> NDArray[np.bool_]:
    return _rows_of(segments, "left", n) | _rows_of(segments, "right", n)


def _baseline(theta: NDArray[np.float64], rows: NDArray[np.bool_]) -> float:
    """θ0 for contralateral pelvic drop: median of ``theta`` (degrees) over the
    quiet bipedal ``rows``, or over every frame when none of them has a value.
    """
    vals = theta[rows & np.isfinite(theta)]
    if vals.size == 0:
        vals = theta[np.isfinite(theta)]
    return float(np.median(vals)) if vals.size else math.nan


def _rows_of(segments: Sequence[Any], side: str, n: int) -> NDArray[np.bool_]:
    rows = np.zeros(n, dtype=bool)
    for seg in segments:
        if seg.exercise in SINGLE_LEG and seg.side == side:
            for rep in seg.reps or ():
                rows[rep.start : rep.end] = True
    return rows


# --------------------------------------------------------------------------- I/O


@dataclass(frozen=True)
class AnalysisResult:
    """Paths written by :func:`run_analysis` and the assessment itself."""

    assessment: Assessment
    pose: PoseSeries
    out_dir: Path
    report_json: Path
    metrics_csv: Path
    pose_npz: Path
    report_html: Path | None = None
    plots: tuple[Path, ...] = ()
    annotated_video: Path | None = None


def write_metrics_csv(assessment: Assessment, path: Path) -> Path:
    """One row per frame: ``t_s``, ``exercise``, ``phase``, then each metric column (empty = not measured)."""
    table = assessment.metrics
    names = sorted(table.columns)
    ex = list(assessment.labels.get("exercise", [""] * len(table.t_s)))
    ph = list(assessment.labels.get("phase", [""] * len(table.t_s)))
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["t_s", "exercise", "phase", *names])
        data = np.column_stack([table[n] for n in names]) if names else np.zeros((len(table.t_s), 0))
        for i, t in enumerate(table.t_s):
            cells = ["" if not math.isfinite(v) else f"{v:.4f}" for v in data[i]]
            w.writerow([f"{t:.4f}", ex[i], ph[i], *cells])
    tmp.replace(path)
    return path


def write_report_json(assessment: Assessment, path: Path) -> Path:
    """The ``report.json`` document (schema ``hipcheck.report/1``)."""
    doc = assessment.to_dict()
    doc["provenance"] = {**doc["provenance"], "hipcheck_version": __version__}
    return write_text_atomic(path, json.dumps(_jsonable(doc), indent=2, allow_nan=False, default=str) + "\n")


def _jsonable(obj: Any) -> Any:
    """Replace NaN/inf floats by None, recursively (JSON has no NaN)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    return obj


def run_analysis(
    source: str | Path,
    out_dir: str | Path,
    *,
    options: AnalysisOptions | None = None,
    model_path: str | Path | None = None,
    annotate: bool = False,
    html: bool = True,
    progress: Any = None,
) -> AnalysisResult:
    """Analyse one video (or pose ``.npz``) and write the reports into ``out_dir``.

    Writes ``pose.npz`` (cache), ``report.json``, ``metrics.csv`` and, when
    ``html``, ``report.html`` with ``plots/*.png``; with ``annotate``,
    ``annotated.mp4``. Every file is written atomically.
    """
    source, out = Path(source), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pose_npz = out / "pose.npz"
    series = load_or_estimate_pose(source, pose_npz, model_path=model_path, progress=progress)
    if source.suffix.lower() == ".npz":
        pose_npz = source
    assessment = analyze_pose(series, options)
    assessment = _with_plan(assessment)
    report_json = write_report_json(assessment, out / "report.json")
    metrics_csv = write_metrics_csv(assessment, out / "metrics.csv")
    report_html, plots = _write_html(assessment, series, source, out) if html else (None, ())
    annotated = None
    if annotate and source.suffix.lower() != ".npz":
        from hipcheck.render.overlay import write_annotated_video

        annotated = write_annotated_video(source, series, assessment, out / "annotated.mp4")
    return AnalysisResult(
        assessment, series, out, report_json, metrics_csv, pose_npz, report_html, tuple(plots), annotated
    )


def _with_plan(assessment: Assessment) -> Assessment:
    from hipcheck import program

    plan = program.build_plan(assessment.verdict, assessment.evidence)
    return dataclasses.replace(assessment, plan=plan.to_dict())


def _write_html(assessment: Assessment, series: PoseSeries, source: Path, out: Path) -> tuple[Path, list[Path]]:
    from hipcheck.render import plots, report_html

    plot_paths = plots.save_plots(assessment, out)
    keyframes = None
    if source.suffix.lower() != ".npz":
        from hipcheck.render.keyframes import worst_rep_keyframes

        keyframes = worst_rep_keyframes(source, series, assessment)
    pngs = {p.stem: p.read_bytes() for p in plot_paths}
    return report_html.write_html_report(assessment, out, keyframes=keyframes, plot_pngs=pngs), list(plot_paths)
