"""The weaker-side verdict: findings of the evidence table combined into one call.

The score is the signed sum of finding strengths, + = left weaker; see
:func:`decide` for the rule. Sides are the person's anatomical sides.

Confidence reflects what was measured. "No clear difference" is only as
certain as the comparisons that support it (:func:`no_difference_support`): a
comparison supports it as far as its difference *as measured* stays below its
finding threshold, and not at all when the two sides read differently but a
floor made them compare equal (both knees read as pushed out, so neither shows
valgus: a knee collapse the pose model missed looks like this). So a clip
whose asymmetry the detector could not see is never "high" just because the
compared numbers are close.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from hipcheck.assessment._evidence import compared_difference, evidence_kind
from hipcheck.assessment._indicators import ONE_SIDED_CONFIDENCE, ONE_SIDED_LIMITS, indicator_of
from hipcheck.assessment._norms import MEASUREMENT_ERRORS
from hipcheck.metrics import format_metric, plain_name
from hipcheck.results import EvidenceRow, Verdict
from hipcheck.types import FRONTAL_VIEWS, Side, View


@dataclass(frozen=True)
class VerdictInputs:
    """What the verdict needs besides the evidence rows.

    ``reasons`` are stated when the verdict is ``insufficient`` for another reason;
    ``blocking`` are reasons that by themselves stop any side call (several people
    not followed through, a partial body); ``caveats`` are stated with any verdict.
    """

    view: View
    detected_fraction: float
    n_reps: int
    reasons: tuple[str, ...] = field(default_factory=tuple)
    blocking: tuple[str, ...] = field(default_factory=tuple)
    caveats: tuple[str, ...] = field(default_factory=tuple)
    unjudged: tuple[str, ...] = field(default_factory=tuple)
    """Why an indicator of this clip could not be judged: with no other finding, ``insufficient``."""


def decide(evidence: Sequence[EvidenceRow], inputs: VerdictInputs) -> Verdict:
    """Combine findings into ``left`` / ``right`` / ``none`` / ``insufficient``.

    Each finding adds ``weight × min(2, |difference| / threshold)`` toward its
    weaker side. A side is called when the net score is ≥ 1 and ≥ 2/3 of all
    finding strength agrees; otherwise ``none``. Confidence of a call grows
    with the net score, the agreement and the number of reps; confidence of
    ``none`` without findings is ``0.3 + 0.6 × support × coverage``
    (:func:`no_difference_support`; coverage = reps / 6, at most 1).
    ``inputs.caveats`` go with every verdict (:attr:`Verdict.caveats`).
    """
    verdict = _decide(evidence, inputs)
    return dataclasses.replace(verdict, caveats=tuple(inputs.caveats)) if inputs.caveats else verdict


def no_difference_support(evidence: Sequence[EvidenceRow]) -> float:
    """How well the comparisons support "no left/right difference", in [0, 1].

    The weight-averaged ``1 − |L − R| / threshold`` over the two-sided rows that can
    call a side, the difference taken **as measured** (clipped to [0, 1]); a row
    where a floor made two different readings compare alike (a side below its
    floor and the measured difference at least half its threshold) supports
    nothing, and neither does a row with both sides below the floor (knees both
    read pushed out: it shows neither side's valgus, so it cannot show that the
    two are alike; MediaPipe misses a lunge's knee collapse this way). 0 when no
    such row exists.
    """
    total = weight = 0.0
    for row in evidence:
        if evidence_kind(row) != "difference":
            continue
        w = indicator_of(row.metric).weight
        if w <= 0:
            continue
        measured = abs(row.difference) / row.threshold
        floor = indicator_of(row.metric).floor
        below = row.left < floor and row.right < floor
        hidden = below or (abs(compared_difference(row) - row.difference) > 1e-9 and measured >= 0.5)
        total += w * (0.0 if hidden else max(0.0, 1.0 - measured))
        weight += w
    return total / weight if weight > 0 else 0.0


def _decide(evidence: Sequence[EvidenceRow], inputs: VerdictInputs) -> Verdict:
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
        support = no_difference_support(evidence)
        conf = 0.3 + 0.6 * support * coverage
        why = "no left/right difference exceeded the 2D measurement error"
        if support < 0.5:
            why += "; the sides did not read alike, so this is not a confident 'no difference'"
        return Verdict("none", round(conf, 2), (why,), 0.0)
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
    return ind.weight * min(2.0, abs(compared_difference(row)) / thr)


def _is_one_sided(row: EvidenceRow) -> bool:
    """A row of one tested leg (see :func:`_one_sided_row`)."""
    return (
        row.metric in ONE_SIDED_LIMITS
        and math.isnan(row.difference)
        and math.isfinite(row.left) != math.isfinite(row.right)
    )


def _reason_text(row: EvidenceRow) -> str:
    label = plain_name(row.metric)
    ex = row.exercise.replace("_", " ")
    if _is_one_sided(row):
        value = row.left if math.isfinite(row.left) else row.right
        return f"{label} in {ex} on the {row.weaker_side} leg: {format_metric(row.metric, value)}"
    if math.isnan(row.right):
        return f"{label} in {ex}: {format_metric(row.metric, row.left, sign=True)} → {row.weaker_side} weaker"
    return (
        f"{label} in {ex}: left {format_metric(row.metric, row.left)} vs right "
        f"{format_metric(row.metric, row.right)} → {row.weaker_side} weaker"
    )


def _blocking_reasons(evidence: Sequence[EvidenceRow], inputs: VerdictInputs) -> list[str]:
    """Reasons that make any call impossible; empty when a verdict can be made."""
    blocking = []
    if inputs.view not in FRONTAL_VIEWS:
        blocking.append(f"{inputs.view} view: pelvic drop and knee valgus need a front or back view")
    if inputs.detected_fraction < 0.5:
        blocking.append(f"the body was found in only {inputs.detected_fraction:.0%} of frames")
    blocking.extend(inputs.blocking)
    if not blocking and not _has_two_sided(evidence) and not any(_is_one_sided(r) for r in evidence):
        blocking.append("no test measured both sides (record squats, or single-leg stands on each leg)")
    elif not blocking and not inputs.unjudged and not any(_can_call(r) for r in evidence):
        blocking.append("no measurement in this clip can call a side (the rows shown are for the record)")
    return [*blocking, *inputs.reasons, *inputs.unjudged] if blocking else []


def _has_two_sided(evidence: Sequence[EvidenceRow]) -> bool:
    return any(math.isfinite(r.left) and math.isfinite(r.right) for r in evidence)


def _can_call(row: EvidenceRow) -> bool:
    """The row may call a side: a judged left/right difference or one tested leg, of an indicator with weight."""
    kind = evidence_kind(row)
    return kind in ("difference", "one_leg") and row.band != "none" and indicator_of(row.metric).weight > 0
