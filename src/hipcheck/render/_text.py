"""Plain-language text of an assessment, shared by the HTML report, the terminal and the notebook.

Every number of a metric goes through :func:`hipcheck.metrics.format_metric`
(the registry's decimals and unit), so one value reads the same in the
headline, the evidence table, the plan, the key frames and the terminal; a
missing value is ``–``, never ``nan``. Sides are the person's anatomical
sides; nothing is computed here.
"""

from __future__ import annotations

import math

from hipcheck.assessment import WHOLE_BODY, evidence_kind
from hipcheck.metrics import METRICS, format_metric, format_value, plain_name
from hipcheck.results import Assessment, EvidenceRow
from hipcheck.types import Side, other_side

BAND_WORDS = {"green": "green", "amber": "amber", "red": "red", "none": "not judged"}
"""How a band is named to people (``none``: the row is not judged)."""


def fmt(value: float | None, digits: int = 1) -> str:
    """A number with ``digits`` decimals, ``–`` for NaN/None/inf (no unit: see :func:`format_metric`)."""
    return format_value(value, digits)


def digits_of(metric: str) -> int:
    """Decimals of a metric in every output (the registry's ``digits``; 1 outside it)."""
    info = METRICS.get(metric)
    return info.digits if info is not None else 1


def shown_difference(row: EvidenceRow) -> float:
    """Left − right of the two values *as shown* (each rounded to the metric's decimals), so the
    evidence table adds up; NaN when a side is missing.
    """
    if not (math.isfinite(row.left) and math.isfinite(row.right)):
        return math.nan
    d = digits_of(row.metric)
    return round(round(row.left, d) - round(row.right, d), d)


def is_whole_body(row: EvidenceRow) -> bool:
    """One value for the whole body (sideways hip shift, hip height, knee / ankle width ratio)."""
    return row.metric in {i.metric for i in WHOLE_BODY}


# ------------------------------------------------------------------ verdict in plain words
def finding_phrase(row: EvidenceRow, weaker: Side) -> str:
    """One plain-language clause for a finding, weaker side first.

    E.g. pelvic drop: "your pelvis dropped 9.1° when standing on the left leg vs 3.0° on the right".
    """
    w = row.left if weaker == "left" else row.right
    o = row.right if weaker == "left" else row.left
    wt, ot = format_metric(row.metric, w), format_metric(row.metric, o)
    other = other_side(weaker)
    ex = row.exercise.replace("_", " ")
    if evidence_kind(row) == "one_leg":  # one leg tested (see assessment.ONE_SIDED_LIMITS)
        return f"your pelvis dropped {wt} when standing on the {weaker} leg ({ex}; {other} leg not tested)"
    templates = {
        "pelvic_drop_deg": f"your pelvis dropped {wt} when standing on the {weaker} leg vs {ot} on the {other} ({ex})",
        "knee_fppa_deg": f"your {weaker} knee moved inward by {wt} vs {ot} on the {other} ({ex})",
        "trunk_lean_deg": f"you leaned your trunk {wt} over the {weaker} leg vs {ot} over the {other} ({ex})",
        "balance_hold_s": f"you balanced on the {weaker} leg for {wt} vs {ot} on the {other}",
        "balance_sway": f"you swayed more standing on the {weaker} leg ({wt} vs {ot})",
    }
    if row.metric in templates:
        return templates[row.metric]
    if row.metric == "lateral_pelvic_shift":
        toward = "left" if row.left > 0 else "right"
        return f"your hips shifted toward the {toward} in the {ex} ({format_metric(row.metric, abs(row.left))})"
    return f"{plain_name(row.metric).lower()} in the {ex}: {weaker} {wt} vs {other} {ot}"


def _caveats(assessment: Assessment) -> str:
    caveats = [c.rstrip(". ") for c in assessment.verdict.caveats]
    return " " + ". ".join(c[0].upper() + c[1:] for c in caveats) + "." if caveats else ""


def verdict_sentence(assessment: Assessment) -> str:
    """The verdict in plain words (unescaped text), with its caveats (others in the picture, what the
    pose file lacks) as further sentences.
    """
    return _verdict_core(assessment) + _caveats(assessment)


def _verdict_core(assessment: Assessment) -> str:
    v = assessment.verdict
    if v.weaker_side in ("left", "right"):
        rows = [r for r in assessment.evidence if r.finding and r.weaker_side == v.weaker_side]
        rows.sort(key=lambda r: -abs(r.difference) / (r.uncertainty if r.uncertainty > 0 else 1.0))
        detail = "; ".join(finding_phrase(r, v.weaker_side) for r in rows[:2])
        head = f"Your {v.weaker_side} side looks weaker"
        return f"{head}: {detail}." if detail else f"{head}."
    if v.weaker_side == "none":
        if any(r.finding for r in assessment.evidence):
            return (
                "No clear weaker side: the left/right differences found were small or pointed to different "
                "sides (see the evidence below)."
            )
        if v.confidence < 0.5:
            return (
                "No side could be called: no left/right difference passed what a single 2D video can measure, "
                "but the two sides did not read alike, so this does not show that they are equal."
            )
        return (
            "No clear difference between your left and right side: every left/right difference was within "
            "what a single 2D video can measure."
        )
    why = "; ".join(r.rstrip(". ") for r in v.reasons)
    return "Not enough evidence to say which side is weaker" + (f": {why}." if why else ".")


def confidence_words(confidence: float) -> str:
    """``"high"`` (≥ 0.75), ``"moderate"`` (≥ 0.5) or ``"low"``."""
    if not math.isfinite(confidence):
        return "unknown"
    return "high" if confidence >= 0.75 else ("moderate" if confidence >= 0.5 else "low")


def confidence_line(assessment: Assessment) -> str:
    """``Confidence: moderate (59 %)``; "" for ``insufficient`` (nothing was called)."""
    v = assessment.verdict
    if v.weaker_side == "insufficient":
        return ""
    return f"Confidence: {confidence_words(v.confidence)} ({fmt(100 * v.confidence, 0)} %)"


def verdict_line(assessment: Assessment) -> str:
    """The verdict as one line for a log or a terminal: ``Verdict: <sentence> Confidence: …``."""
    conf = confidence_line(assessment)
    return f"Verdict: {verdict_sentence(assessment)}" + (f" {conf}." if conf else "")


def evidence_lines(assessment: Assessment) -> list[str]:
    """The evidence table as plain lines (the notebook's and any text log's form), one per row:
    ``Pelvic drop, single leg stance: left 6.5°, right –, …, band amber``.
    """
    out = []
    for r in assessment.evidence:
        name = f"{plain_name(r.metric)}, {r.exercise.replace('_', ' ')}"
        if is_whole_body(r):
            values = f"whole body {format_metric(r.metric, r.left, sign=evidence_kind(r) != 'ratio')}"
        else:
            diff = format_metric(r.metric, shown_difference(r), sign=True)
            values = f"left {format_metric(r.metric, r.left)}, right {format_metric(r.metric, r.right)}, L − R {diff}"
        points = f", points to the {r.weaker_side}" if r.finding and r.weaker_side else ""
        out.append(f"{name}: {values}; band {BAND_WORDS.get(r.band, r.band)}{points}")
    return out


def yaw_phrase(yaw_deg: float) -> str:
    """The body's yaw to the camera in words ('' when it was not estimated).

    ``yaw_deg`` + = the subject's left side farther from the camera (turned to their own left).
    """
    if not math.isfinite(yaw_deg):
        return ""
    if abs(yaw_deg) < 1.0:
        return "square to the camera"
    side = "left" if yaw_deg > 0 else "right"
    return f"turned {fmt(abs(yaw_deg), 0)}° to their {side} (angles corrected to the body's own frontal plane)"
