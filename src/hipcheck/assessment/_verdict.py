"""The weaker-side verdict: findings of the evidence table combined into one call.

The score is the signed sum of finding strengths, + = left weaker; see
:func:`decide` for the rule. Sides are the person's anatomical sides.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from hipcheck.assessment._indicators import ONE_SIDED_CONFIDENCE, ONE_SIDED_LIMITS, indicator_of
from hipcheck.assessment._norms import MEASUREMENT_ERRORS
from hipcheck.results import EvidenceRow, Verdict
from hipcheck.types import FRONTAL_VIEWS, Side, View


@dataclass(frozen=True)
class VerdictInputs:
    """What the verdict needs besides the evidence rows."""

    view: View
    detected_fraction: float
    n_reps: int
    reasons: tuple[str, ...] = field(default_factory=tuple)
    unjudged: tuple[str, ...] = field(default_factory=tuple)
    """Why an indicator of this clip could not be judged: with no other finding, ``insufficient``."""


def decide(evidence: Sequence[EvidenceRow], inputs: VerdictInputs) -> Verdict:
    """Combine findings into ``left`` / ``right`` / ``none`` / ``insufficient``.

    Each finding adds ``weight × min(2, |difference| / threshold)`` toward its
    weaker side. A side is called when the net score is ≥ 1 and ≥ 2/3 of all
    finding strength agrees; otherwise ``none``. Confidence grows with the net
    score, the agreement and the number of reps.
    """
    blocking = _blocking_reasons(evidence, inputs)
    if blocking:
        return Verdict("insufficient", 0.0, tuple(blocking))
    score, total, reasons = 0.0, 0.0, []
    for row in evidence:
        if not row.finding or row.weaker_side is None:
            continue
        strength = _strength(row)
        score += strength if row.weaker_side == "left" else -strength
        total += strength
        reasons.append(_reason_text(row))
    coverage = min(1.0, inputs.n_reps / 6.0)
    if total == 0.0 and inputs.unjudged:
        return Verdict("insufficient", 0.0, inputs.unjudged)
    if total == 0.0 and not _has_two_sided(evidence):
        one = [r.note for r in evidence if _is_one_sided(r)]
        return Verdict("none", 0.3, ("no sign of weakness on the leg tested", *one[:1]), 0.0)
    if total == 0.0:
        conf = 0.5 + 0.4 * coverage
        return Verdict("none", round(conf, 2), ("no left/right difference exceeded the 2D measurement error",), 0.0)
    agreement = abs(score) / total
    if abs(score) >= 1.0 and agreement >= 2.0 / 3.0:
        side: Side = "left" if score > 0 else "right"
        conf = min(0.95, (0.45 + 0.2 * min(abs(score), 2.0)) * agreement * (0.7 + 0.3 * coverage))
        if not _has_two_sided(evidence):
            conf *= ONE_SIDED_CONFIDENCE
        return Verdict(side, round(conf, 2), tuple(reasons), score)
    why = "indicators point to different sides" if agreement < 2.0 / 3.0 else "differences are small"
    return Verdict("none", round(0.4 * (1 - agreement) + 0.3, 2), (why, *reasons), score)


def _strength(row: EvidenceRow) -> float:
    """Strength of a finding: weight × min(2, size / the row's own finding threshold), so a
    finding counts at least its weight.
    """
    ind = indicator_of(row.metric)
    if _is_one_sided(row):
        value = row.left if math.isfinite(row.left) else row.right
        return ind.weight * min(2.0, value / ONE_SIDED_LIMITS[row.metric])
    thr = row.threshold
    if not (math.isfinite(thr) and thr > 0):
        thr = MEASUREMENT_ERRORS[row.metric].threshold if row.metric in MEASUREMENT_ERRORS else 1.0
    return ind.weight * min(2.0, abs(row.difference) / thr)


def _is_one_sided(row: EvidenceRow) -> bool:
    """A row of one tested leg (see :func:`_one_sided_row`)."""
    return (
        row.metric in ONE_SIDED_LIMITS
        and math.isnan(row.difference)
        and math.isfinite(row.left) != math.isfinite(row.right)
    )


def _reason_text(row: EvidenceRow) -> str:
    label = row.metric.replace("_deg", "").replace("_", " ")
    if _is_one_sided(row):
        value = row.left if math.isfinite(row.left) else row.right
        return f"{label} in {row.exercise.replace('_', ' ')} on the {row.weaker_side} leg: {value:.1f} {row.unit}"
    if math.isnan(row.right):
        return f"{label} in {row.exercise.replace('_', ' ')}: {row.left:+.2f} {row.unit} → {row.weaker_side} weaker"
    return (
        f"{label} in {row.exercise.replace('_', ' ')}: left {row.left:.1f} vs right {row.right:.1f} {row.unit} "
        f"→ {row.weaker_side} weaker"
    )


def _blocking_reasons(evidence: Sequence[EvidenceRow], inputs: VerdictInputs) -> list[str]:
    """Reasons that make any call impossible; empty when a verdict can be made."""
    blocking = []
    if inputs.view not in FRONTAL_VIEWS:
        blocking.append(f"{inputs.view} view: pelvic drop and knee valgus need a front or back view")
    if inputs.detected_fraction < 0.5:
        blocking.append(f"the body was found in only {inputs.detected_fraction:.0%} of frames")
    if not blocking and not _has_two_sided(evidence) and not any(_is_one_sided(r) for r in evidence):
        blocking.append("no test measured both sides (record squats, or single-leg stands on each leg)")
    return [*blocking, *inputs.reasons, *inputs.unjudged] if blocking else []


def _has_two_sided(evidence: Sequence[EvidenceRow]) -> bool:
    return any(math.isfinite(r.left) and math.isfinite(r.right) for r in evidence)
