"""Side comparison and the evidence table: per-rep peaks, per-side statistics, findings.

Input: a :class:`~hipcheck.results.MetricTable` (per-frame metrics, sided
columns ``<metric>_left/_right``) and the movement segments (exercise, side,
reps as row indices).

Conventions
-----------
- Sides are the person's anatomical sides.
- ``difference`` is left − right. A difference is a *finding* only when it
  exceeds both the measurement threshold of 2D video for the number of reps
  averaged (see :mod:`hipcheck.assessment._norms`) and twice its rep-to-rep
  uncertainty.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hipcheck.assessment._indicators import (
    INDICATORS,
    ONE_SIDED_LIMITS,
    WHOLE_BODY,
    Indicator,
    RepLike,
    SegmentLike,
)
from hipcheck.assessment._norms import MEASUREMENT_ERRORS, Reference, difference_band, reference_for, symmetry_band
from hipcheck.results import EvidenceRow, ExerciseResult, MetricTable, Rep, SideSummary
from hipcheck.types import SIDES, UNILATERAL, Side


def reduce_window(values: NDArray[np.float64], t_s: NDArray[np.float64], rep: RepLike, how: str) -> float:
    """One number for a rep window ``[start, end)`` of a per-frame series; NaN if no data."""
    window = values[rep.start : max(rep.end, rep.start + 1)]
    finite = window[np.isfinite(window)]
    if how == "duration":
        end = min(rep.end, len(t_s)) - 1
        return float(t_s[end] - t_s[rep.start]) if end > rep.start else math.nan
    if how == "bottom":
        return float(values[rep.bottom]) if 0 <= rep.bottom < len(values) else math.nan
    if finite.size == 0:
        return math.nan
    if how == "max":
        return float(finite.max())
    if how == "p90":
        return float(np.percentile(finite, 90))
    return float(finite.std())  # "std"


def summarise(values: Iterable[float]) -> SideSummary:
    """Median and spread (half IQR for ≥ 4 values, else SD) of finite values."""
    vals = [float(v) for v in values if math.isfinite(v)]
    if not vals:
        return SideSummary(math.nan, math.nan, 0, ())
    arr = np.asarray(vals)
    if arr.size >= 4:
        q1, q3 = np.percentile(arr, [25, 75])
        spread = float((q3 - q1) / 2.0)
    else:
        spread = float(arr.std(ddof=1)) if arr.size > 1 else math.nan
    return SideSummary(float(np.median(arr)), spread, int(arr.size), tuple(vals))


def _rep_sides(exercise: str, segment_side: Side | None) -> tuple[Side, ...]:
    """Which sides a rep of this exercise measures (both for bilateral tests)."""
    if exercise in UNILATERAL:
        return (segment_side,) if segment_side else ()
    return SIDES


def _peaks_for_rep(
    metrics: MetricTable, segment: SegmentLike, rep: RepLike, indicators: Sequence[Indicator]
) -> dict[str, float]:
    peaks: dict[str, float] = {}
    for ind in indicators:
        if segment.exercise not in ind.exercises:
            continue
        col = ind.source_column
        if ind.reduce == "duration":
            for side in _rep_sides(segment.exercise, segment.side):
                peaks[f"{ind.metric}_{side}"] = reduce_window(metrics.t_s, metrics.t_s, rep, "duration")
        elif col in metrics:
            peaks[ind.metric] = reduce_window(metrics[col], metrics.t_s, rep, ind.reduce)
        else:
            for side in _rep_sides(segment.exercise, segment.side):
                name = f"{col}_{side}"
                if name in metrics:
                    peaks[f"{ind.metric}_{side}"] = reduce_window(metrics[name], metrics.t_s, rep, ind.reduce)
    return peaks


def build_exercise_results(metrics: MetricTable, segments: Sequence[SegmentLike]) -> list[ExerciseResult]:
    """Per segment: reps with their per-side peak values and per-metric summaries."""
    t = metrics.t_s
    results = []
    for seg in segments:
        reps = []
        for i, r in enumerate(seg.reps):
            peaks = _peaks_for_rep(metrics, seg, r, INDICATORS + WHOLE_BODY)
            reps.append(
                Rep(i + 1, seg.exercise, float(t[r.start]), float(t[min(r.bottom, len(t) - 1)]),
                    float(t[min(r.end, len(t)) - 1]), seg.side, peaks)
            )  # fmt: skip
        results.append(
            ExerciseResult(seg.exercise, float(t[seg.start]), float(t[min(seg.end, len(t)) - 1]),
                           tuple(reps), _summaries(reps), seg.side)
        )  # fmt: skip
    return results


def _summaries(reps: Sequence[Rep]) -> dict[str, dict[str, SideSummary]]:
    keys = sorted({k for r in reps for k in r.peaks})
    out: dict[str, dict[str, SideSummary]] = {}
    for key in keys:
        metric, side = _split_side(key)
        out.setdefault(metric, {})[side] = summarise(r.peaks.get(key, math.nan) for r in reps)
    return out


def _split_side(key: str) -> tuple[str, str]:
    for side in SIDES:
        if key.endswith("_" + side):
            return key[: -len(side) - 1], side
    return key, "both"


def _pooled(results: Sequence[ExerciseResult], metric: str, exercises: tuple[str, ...]) -> dict[str, list[float]]:
    """Per-side rep values of ``metric`` pooled over every bout of the given exercises."""
    pooled: dict[str, list[float]] = {"left": [], "right": [], "both": []}
    for res in results:
        if res.exercise not in exercises:
            continue
        for side, summary in res.summary.get(metric, {}).items():
            pooled[side].extend(summary.values)
    return pooled


def finding_threshold(metric: str, n_left: int, n_right: int) -> float:
    """Smallest left−right difference (metric unit) that counts as a finding.

    Scales the single-trial smallest detectable difference by 1/√n of the
    reps averaged, never below the measurement SEM × 1.5 (a few degrees).
    """
    err = MEASUREMENT_ERRORS.get(metric)
    if err is None:
        return math.inf
    n = max(1, min(n_left, n_right))
    if metric == "pelvic_drop_deg":  # SDD 2.7° holds for ≥ 7 averaged steps; MDC 4° for one trial
        return float(np.clip(err.threshold * math.sqrt(7.0 / n), err.threshold, 4.0))
    if metric == "knee_fppa_deg":  # SDD 7.5-8.9° for one trial (Munro 2012)
        return max(err.threshold / math.sqrt(n), 1.5 * err.sem)
    return err.threshold


@dataclass(frozen=True)
class _SideStats:
    left: SideSummary
    right: SideSummary
    floor: float = -math.inf

    @property
    def difference(self) -> float:
        """Left − right of the medians, each raised to ``floor`` first."""
        return max(self.left.median, self.floor) - max(self.right.median, self.floor)

    @property
    def uncertainty(self) -> float:
        """Standard error of the difference from rep-to-rep spread (NaN if < 2 reps a side)."""
        terms = [s.spread**2 / s.n for s in (self.left, self.right) if s.n > 1 and math.isfinite(s.spread)]
        return math.sqrt(sum(terms)) if len(terms) == 2 else math.nan


def _evidence_row(ind: Indicator, task: str, stats: _SideStats, sex: str | None) -> EvidenceRow:
    diff = stats.difference
    thr = finding_threshold(ind.metric, stats.left.n, stats.right.n)
    unc = stats.uncertainty
    finding = math.isfinite(diff) and abs(diff) >= thr and not (math.isfinite(unc) and abs(diff) < 2.0 * unc)
    weaker: Side | None = None
    if finding and ind.weight > 0:
        higher: Side = "left" if diff > 0 else "right"
        weaker = higher if ind.weaker == "higher" else ("right" if higher == "left" else "left")
    mean = (stats.left.median + stats.right.median) / 2.0
    si = diff / mean * 100.0 if ind.unit in ("s", "ratio") and mean > 0 else math.nan
    ref = _reference(ind.metric, task, sex)
    return EvidenceRow(
        metric=ind.metric, exercise=task, left=stats.left.median, right=stats.right.median,
        difference=diff, uncertainty=unc, unit=ind.unit,
        reference=ref.text if ref else "", source=ref.source if ref else "",
        band=symmetry_band(si) if math.isfinite(si) else difference_band(diff, thr),
        finding=bool(finding and ind.weight > 0), weaker_side=weaker, symmetry_index_pct=si,
        note=_row_note(stats, thr, ind.unit), threshold=thr if math.isfinite(thr) else math.nan,
    )  # fmt: skip


def _row_note(stats: _SideStats, thr: float, unit: str) -> str:
    note = f"n = {stats.left.n} left, {stats.right.n} right; "
    note += f"threshold {thr:.1f} {unit}" if math.isfinite(thr) else "for the record (never a finding)"
    below = [s for s, v in (("left", stats.left.median), ("right", stats.right.median)) if v < stats.floor]
    if below:
        sides = " and ".join(below)
        note += f"; {sides} below {stats.floor:g} {unit} (no sign of weakness), compared as {stats.floor:g}"
    return note


def _whole_body_row(ind: Indicator, task: str, values: list[float]) -> EvidenceRow | None:
    s = summarise(values)
    if s.n == 0:
        return None
    err = MEASUREMENT_ERRORS.get(ind.metric)
    thr = err.threshold if err else math.inf
    weaker: Side | None = None
    finding = abs(s.median) >= thr and ind.weight > 0
    if finding and ind.metric == "lateral_pelvic_shift":  # people shift toward the stronger side
        weaker = "right" if s.median > 0 else "left"
    ref = reference_for(ind.metric, task)
    return EvidenceRow(
        metric=ind.metric, exercise=task, left=s.median, right=math.nan, difference=s.median,
        uncertainty=s.spread / math.sqrt(s.n) if s.n > 1 else math.nan, unit=ind.unit,
        reference=ref.text if ref else "", source=ref.source if ref else "",
        band=difference_band(s.median, thr), finding=finding, weaker_side=weaker,
        note=f"whole-body signed value (+ = toward / higher on the subject's left); n = {s.n}", threshold=thr,
    )  # fmt: skip


def _reference(metric: str, task: str, sex: str | None) -> Reference | None:
    """:func:`reference_for` with an unknown sex treated as not given."""
    return reference_for(metric, task, "f" if sex == "f" else "m" if sex == "m" else None)


def _one_sided_row(ind: Indicator, task: str, side: Side, summary: SideSummary, sex: str | None) -> EvidenceRow:
    limit = ONE_SIDED_LIMITS[ind.metric]
    value = summary.median
    finding = value >= limit
    other = "right" if side == "left" else "left"
    ref = _reference(ind.metric, task, sex)
    return EvidenceRow(
        metric=ind.metric, exercise=task, left=value if side == "left" else math.nan,
        right=value if side == "right" else math.nan, difference=math.nan,
        uncertainty=summary.spread / math.sqrt(summary.n) if summary.n > 1 else math.nan, unit=ind.unit,
        reference=ref.text if ref else "", source=ref.source if ref else "",
        band=difference_band(value, limit) if value > 0 else "green", finding=finding,
        weaker_side=side if finding else None, threshold=limit,
        note=f"only the {side} leg was tested (n = {summary.n}); ≥ {limit:g} {ind.unit} on one leg is a sign by "
        f"itself; test the {other} leg to compare sides",
    )  # fmt: skip


def build_evidence(results: Sequence[ExerciseResult], *, frontal: bool, sex: str | None = None) -> list[EvidenceRow]:
    """Evidence rows: one per indicator and test where both sides were measured,
    or where one leg alone was tested for an indicator with a one-leg limit
    (:data:`ONE_SIDED_LIMITS`).
    """
    rows: list[EvidenceRow] = []
    for ind in INDICATORS:
        if ind.needs_frontal_view and not frontal:
            continue
        for task in ind.exercises:
            pooled = _pooled(results, ind.metric, (task,))
            stats = _SideStats(summarise(pooled["left"]), summarise(pooled["right"]), ind.floor)
            if stats.left.n and stats.right.n:
                rows.append(_evidence_row(ind, task, stats, sex))
            elif ind.metric in ONE_SIDED_LIMITS and (stats.left.n or stats.right.n):
                side: Side = "left" if stats.left.n else "right"
                rows.append(_one_sided_row(ind, task, side, stats.left if stats.left.n else stats.right, sex))
    if frontal:
        for ind in WHOLE_BODY:
            for task in ind.exercises:
                row = _whole_body_row(ind, task, _pooled(results, ind.metric, (task,))["both"])
                if row is not None:
                    rows.append(row)
    return rows
