"""Plain-language text of an assessment, shared by the HTML report and the terminal.

Sides are the person's anatomical sides; nothing is computed here.
"""

from __future__ import annotations

import math

from hipcheck.metrics import plain_name, unit_symbol
from hipcheck.results import Assessment, EvidenceRow
from hipcheck.types import Side, other_side


def fmt(value: float, digits: int = 1) -> str:
    """A number with ``digits`` decimals, ``–`` for NaN/None."""
    if value is None or not math.isfinite(float(value)):
        return "–"
    return f"{float(value):.{digits}f}"


# ------------------------------------------------------------------ verdict in plain words
def finding_phrase(row: EvidenceRow, weaker: Side) -> str:
    """One plain-language clause for a finding, weaker side first.

    E.g. pelvic drop: "your pelvis dropped 9° when standing on the left leg vs 3° on the right".
    """
    w = row.left if weaker == "left" else row.right
    o = row.right if weaker == "left" else row.left
    other = other_side(weaker)
    ex = row.exercise.replace("_", " ")
    if row.metric == "pelvic_drop_deg" and math.isnan(o):  # one leg tested (see assessment.ONE_SIDED_LIMITS)
        return f"your pelvis dropped {fmt(w, 0)}° when standing on the {weaker} leg ({ex}; {other} leg not tested)"
    templates = {
        "pelvic_drop_deg": f"your pelvis dropped {fmt(w, 0)}° when standing on the {weaker} leg vs {fmt(o, 0)}° "
        f"on the {other} ({ex})",
        "knee_fppa_deg": f"your {weaker} knee moved inward by {fmt(w, 0)}° vs {fmt(o, 0)}° on the {other} ({ex})",
        "trunk_lean_deg": f"you leaned your trunk {fmt(w, 0)}° over the {weaker} leg vs {fmt(o, 0)}° over the "
        f"{other} ({ex})",
        "balance_hold_s": f"you balanced on the {weaker} leg for {fmt(w)} s vs {fmt(o)} s on the {other}",
        "balance_sway": f"you swayed more standing on the {weaker} leg ({fmt(w, 2)} vs {fmt(o, 2)} hip widths)",
    }
    if row.metric in templates:
        return templates[row.metric]
    if row.metric == "lateral_pelvic_shift":
        toward = "left" if row.left > 0 else "right"
        return f"your hips shifted toward the {toward} in the {ex} ({fmt(abs(row.left), 2)} hip widths)"
    return f"{plain_name(row.metric).lower()} in the {ex}: {weaker} {fmt(w)} vs {other} {fmt(o)}{unit_symbol(row.unit)}"


def verdict_sentence(assessment: Assessment) -> str:
    """The verdict in plain words (unescaped text)."""
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
