"""One clip's assessment, built once: per-rep results, evidence, verdict, what was not measured, the plan."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hipcheck.assessment._coverage import PoseCoverage, coverage_statements, pose_lacks, tested_rows
from hipcheck.assessment._evidence import build_evidence, build_exercise_results
from hipcheck.assessment._indicators import INDICATORS, WHOLE_BODY, SegmentLike
from hipcheck.assessment._norms import MEASUREMENT_ERRORS
from hipcheck.assessment._plan import build_plan
from hipcheck.assessment._verdict import VerdictInputs, decide
from hipcheck.metrics import METRICS
from hipcheck.results import Assessment, MetricTable
from hipcheck.types import FRONTAL_VIEWS, STANCE_TESTS, View

FRONTAL_EVIDENCE: tuple[str, ...] = tuple(
    m.name
    for m in METRICS.values()
    if m.needs_frontal_view and m.kind != "rep" and m.name in {i.metric for i in INDICATORS + WHOLE_BODY}
)
"""The evidence metrics a side or oblique view cannot measure, in registry order. (A statistic of a
stance, such as sway, is not listed apart from its test.)"""


def not_measured(
    view: View, segments: Sequence[SegmentLike], view_reason: str = "", unjudged: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Evidence metric → why it was not measured in this clip (empty when everything was).

    ``unjudged`` names metrics that were measured but cannot be judged (e.g. the pelvic drop
    from a pelvis line known to under-read it), with the reason; they are listed first.
    """
    out: dict[str, str] = dict(unjudged or {})
    if view not in FRONTAL_VIEWS:
        why = (
            f"needs a front or back view; the view is unknown: {view_reason}"
            if view_reason
            else f"needs a front or back view; this clip is {'an' if view[0] in 'aeiou' else 'a'} {view} view, "
            "where frontal-plane angles are foreshortened and would be invented"
        )
        out.update(dict.fromkeys(FRONTAL_EVIDENCE, why))
    if not {s.exercise for s in segments} & set(STANCE_TESTS):
        out.setdefault("pelvic_drop_deg", "needs a single-leg stance or single-leg squat on each leg")
        out.setdefault("balance_hold_s", "needs a single-leg stance on each leg")
    return out


WAISTLINE_UNDER_READ = (
    "the visible waistline reads a drop about 1° low (measured − true −0.9° to −1.2° on rendered bodies, "
    "hipcheck validate)"
)
"""What the report states about a drop measured from the waistline (README, Accuracy)."""


def measurement_errors(pelvic_drop_source: str = "", pelvic_drop_line: str = "") -> dict[str, str]:
    """Metric → its stated measurement error with the source; the pelvic drop's names the line it was
    measured from when one is given, and the waistline's known under-read when it is that line.
    """
    errors = {k: f"{v.text} ({v.source})" for k, v in MEASUREMENT_ERRORS.items()}
    if pelvic_drop_source:
        under = f"{WAISTLINE_UNDER_READ}; " if pelvic_drop_line == "waistline" else ""
        errors["pelvic_drop_deg"] = f"pelvis line: {pelvic_drop_source}; {under}{errors.get('pelvic_drop_deg', '')}"
    return errors


def _who_and_what(
    coverage: PoseCoverage | None, segments: Sequence[SegmentLike], n_rows: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(blocking, caveats) of the verdict from who was measured and what the pose file lacks."""
    if coverage is None:
        return (), ()
    blocking, caveats = coverage_statements(coverage, tested_rows(segments, n_rows))
    caveats += list(pose_lacks(coverage).values())
    return tuple(blocking), tuple(caveats)


def assess(
    metrics: MetricTable,
    segments: Sequence[SegmentLike],
    *,
    view: View,
    roll_deg: float,
    detected_fraction: float,
    sex: str | None = None,
    labels: Mapping[str, Sequence[str]] | None = None,
    provenance: Mapping[str, Any] | None = None,
    view_reason: str = "",
    pelvic_drop_source: str = "",
    pelvic_drop_line: str = "",
    coverage: PoseCoverage | None = None,
    unjudged: Mapping[str, str] | None = None,
    yaw_deg: float = float("nan"),
) -> Assessment:
    """The side comparison, verdict and corrective plan of one clip's metrics and segments.

    Args:
        metrics: the per-frame metric table (stance columns included).
        segments: the recognised exercises with their reps (row indices into ``metrics``).
        view: the camera's view; frontal-plane evidence only in a front or back view.
        roll_deg: the camera roll the metrics were corrected for (recorded).
        detected_fraction: share of frames with a person found (below 0.5 nothing is called).
        sex: ``"f"`` / ``"m"`` for sex-specific reference values.
        labels: per-frame ``"exercise"`` and ``"phase"`` labels (recorded for ``metrics.csv``).
        provenance: how the input was made (recorded).
        view_reason: why the view is ``unknown`` (a reason of the verdict and of what was not measured).
        pelvic_drop_source: the pelvis line the drop was measured from, in words, when a stance test was found.
        pelvic_drop_line: the kind of that line (``"waistline"``, ...): a drop from the waistline is stated
            to read about 1° low.
        unjudged: metric → why it cannot be judged in this clip; its rows leave the evidence, the
            reason goes to ``not_measured`` and, when nothing else is found, the verdict is
            ``insufficient`` rather than "no difference".
        yaw_deg: the body's yaw to the camera the frontal metrics were corrected for (recorded).
        coverage: who was measured and what the pose series carries (:func:`pose_coverage`): several
            people not followed through, or a partial body, stop any side call; the verdict says so.
    """
    unjudged = dict(unjudged or {})
    results = build_exercise_results(metrics, segments)
    evidence = [
        row for row in build_evidence(results, frontal=view in FRONTAL_VIEWS, sex=sex) if row.metric not in unjudged
    ]
    n_reps = sum(len(r.reps) for r in results)
    reasons = (view_reason,) if view_reason else ()
    blocking, caveats = _who_and_what(coverage, segments, len(metrics.t_s))
    inputs = VerdictInputs(
        view, detected_fraction, n_reps, reasons, blocking=blocking, caveats=caveats, unjudged=tuple(unjudged.values())
    )
    verdict = decide(evidence, inputs)
    return Assessment(
        verdict=verdict, view=view, roll_deg=roll_deg, yaw_deg=yaw_deg, exercises=tuple(results),
        evidence=tuple(evidence), metrics=metrics, labels=dict(labels or {}),
        not_measured=not_measured(view, segments, view_reason, unjudged),
        provenance=dict(provenance or {}), measurement_error=measurement_errors(pelvic_drop_source, pelvic_drop_line),
        plan=build_plan(verdict, evidence),
    )  # fmt: skip
