"""Side comparison and the evidence table: per-rep peaks, per-side statistics, findings.

Input: a :class:`~hipcheck.results.MetricTable` (per-frame metrics, sided
columns ``<metric>_left/_right``) and the movement segments (exercise, side,
reps as row indices).

Conventions
-----------
- Sides are the person's anatomical sides.
- ``difference`` is left − right of the two values shown. A difference is a
  *finding* only when it exceeds both the measurement threshold of 2D video
  for the number of reps averaged (see :mod:`hipcheck.assessment._norms`) and
  twice its rep-to-rep uncertainty. An indicator with a ``floor`` (knee FPPA,
  trunk lean: a knee pushed out or a lean away from the stance leg is no sign
  of weakness) is *compared* with each side raised to the floor
  (:func:`compared_difference`); the row still shows the values as measured.
  A whole-body value is a finding when it exceeds its threshold and twice its
  uncertainty (rep-to-rep, plus the camera-yaw correction's error,
  :func:`correction_uncertainty`); the row's threshold and band use the larger of the two.
- Bands, one rule per kind of row (:func:`evidence_kind`, :func:`band_rule`):
  a left/right difference against its finding threshold; one tested leg's
  value against the one-leg limit (the Trendelenburg MDC); a whole-body value
  against its threshold; a ratio against its typical range. Green = within
  the limit, amber = past it, red = past twice it (a ratio: below 3/4 of its
  typical lower end). Rows kept for the record are not banded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

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
from hipcheck.assessment._norms import MEASUREMENT_ERRORS, Reference, difference_band, range_band, reference_for
from hipcheck.metrics import METRICS, format_metric
from hipcheck.results import EvidenceRow, ExerciseResult, MetricTable, Rep, SideSummary
from hipcheck.types import SIDES, UNILATERAL, Side

EvidenceKind = Literal["difference", "one_leg", "whole_body", "ratio", "record"]
"""What an evidence row compares: a left/right ``difference``, ``one_leg`` (only one leg was tested),
a ``whole_body`` signed value, a ``ratio`` against its typical range, or a ``record`` (shown, never judged)."""


def _extreme(finite: NDArray[np.float64]) -> float:
    """The 10th or 90th percentile, whichever is farther from 0 (robust extreme of a signed series)."""
    lo, hi = np.percentile(finite, [10, 90])
    return float(lo if abs(lo) > abs(hi) else hi)


_REDUCERS: dict[str, Callable[[NDArray[np.float64]], float]] = {
    "max": lambda v: float(v.max()),
    "p90": lambda v: float(np.percentile(v, 90)),
    "median": lambda v: float(np.median(v)),
    "extreme": _extreme,
    "std": lambda v: float(v.std()),
}


def reduce_window(values: NDArray[np.float64], t_s: NDArray[np.float64], rep: RepLike, how: str) -> float:
    """One number for a rep window ``[start, end)`` of a per-frame series; NaN if no data
    (``how``: see :class:`~hipcheck.assessment.Indicator`).
    """
    if how == "duration":
        end = min(rep.end, len(t_s)) - 1
        return float(t_s[end] - t_s[rep.start]) if end > rep.start else math.nan
    if how == "bottom":
        return float(values[rep.bottom]) if 0 <= rep.bottom < len(values) else math.nan
    window = values[rep.start : max(rep.end, rep.start + 1)]
    finite = window[np.isfinite(window)]
    return _REDUCERS[how](finite) if finite.size else math.nan


@dataclass(frozen=True)
class _Bout:
    """A whole bout as one window (a test without reps, such as quiet standing)."""

    start: int
    bottom: int
    end: int


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
            if ind.correction_column in metrics:
                peaks[ind.correction_column] = reduce_window(
                    metrics[ind.correction_column], metrics.t_s, rep, ind.reduce
                )
        else:
            for side in _rep_sides(segment.exercise, segment.side):
                name = f"{col}_{side}"
                if name in metrics:
                    peaks[f"{ind.metric}_{side}"] = reduce_window(metrics[name], metrics.t_s, rep, ind.reduce)
    return peaks


def build_exercise_results(metrics: MetricTable, segments: Sequence[SegmentLike]) -> list[ExerciseResult]:
    """Per segment: reps with their per-side peak values and per-metric summaries.

    A bout without reps (quiet standing) is summarised over the whole bout, so
    its hip-height difference reaches the evidence table; it has no reps.
    """
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
        windows = [r.peaks for r in reps]
        if not seg.reps and seg.end > seg.start:
            windows = [_peaks_for_rep(metrics, seg, _Bout(seg.start, seg.start, seg.end), INDICATORS + WHOLE_BODY)]
        results.append(
            ExerciseResult(seg.exercise, float(t[seg.start]), float(t[min(seg.end, len(t)) - 1]),
                           tuple(reps), _summaries(windows), seg.side)
        )  # fmt: skip
    return results


def _summaries(windows: Sequence[Mapping[str, float]]) -> dict[str, dict[str, SideSummary]]:
    keys = sorted({k for w in windows for k in w})
    out: dict[str, dict[str, SideSummary]] = {}
    for key in keys:
        metric, side = _split_side(key)
        out.setdefault(metric, {})[side] = summarise(w.get(key, math.nan) for w in windows)
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
        """Left − right of the medians as measured (the numbers the row shows)."""
        return self.left.median - self.right.median

    @property
    def compared(self) -> float:
        """Left − right of the medians, each raised to ``floor`` first (what decides a finding)."""
        return max(self.left.median, self.floor) - max(self.right.median, self.floor)

    @property
    def uncertainty(self) -> float:
        """Standard error of the difference from rep-to-rep spread (NaN if < 2 reps a side)."""
        terms = [s.spread**2 / s.n for s in (self.left, self.right) if s.n > 1 and math.isfinite(s.spread)]
        return math.sqrt(sum(terms)) if len(terms) == 2 else math.nan


def compared_difference(row: EvidenceRow) -> float:
    """The left − right difference a finding is judged on: each side raised to its indicator's floor
    first (knee FPPA and trunk lean: values below 0 carry no sign of weakness); ``row.difference``
    for rows without a floor or without two sides.
    """
    try:
        floor = next(i.floor for i in INDICATORS if i.metric == row.metric)
    except StopIteration:
        return row.difference
    if not (math.isfinite(row.left) and math.isfinite(row.right)) or not math.isfinite(floor):
        return row.difference
    return max(row.left, floor) - max(row.right, floor)


def _evidence_row(ind: Indicator, task: str, stats: _SideStats, sex: str | None, not_judged: str = "") -> EvidenceRow:
    diff, compared = stats.difference, stats.compared
    thr = finding_threshold(ind.metric, stats.left.n, stats.right.n)
    unc = stats.uncertainty
    judged = ind.weight > 0 and math.isfinite(thr)
    finding = (
        judged
        and math.isfinite(compared)
        and abs(compared) >= thr
        and not (math.isfinite(unc) and abs(compared) < 2.0 * unc)
    )
    weaker: Side | None = None
    if finding:
        higher: Side = "left" if compared > 0 else "right"
        weaker = higher if ind.weaker == "higher" else ("right" if higher == "left" else "left")
    mean = (stats.left.median + stats.right.median) / 2.0
    si = diff / mean * 100.0 if ind.unit == "s" and mean > 0 else math.nan
    ref = _reference(ind.metric, task, sex)
    note = _row_note(ind.metric, stats, thr, judged)
    return EvidenceRow(
        metric=ind.metric, exercise=task, left=stats.left.median, right=stats.right.median,
        difference=diff, uncertainty=unc, unit=ind.unit,
        reference=ref.text if ref else "", source=ref.source if ref else "",
        band=difference_band(compared, thr) if judged else "none",
        finding=bool(finding), weaker_side=weaker, symmetry_index_pct=si,
        note=note, threshold=thr if math.isfinite(thr) else math.nan,
    )  # fmt: skip


def _row_note(metric: str, stats: _SideStats, thr: float, judged: bool) -> str:
    note = f"n = {stats.left.n} left, {stats.right.n} right; "
    note += f"threshold {format_metric(metric, thr)}" if judged else "for the record (never a finding)"
    below = [s for s, v in (("left", stats.left.median), ("right", stats.right.median)) if v < stats.floor]
    if below and judged:
        sides = " and ".join(below)
        floor = format_metric(metric, stats.floor)
        note += (
            f"; {sides} below {floor} (no sign of weakness): compared as {floor}, "
            f"difference compared {format_metric(metric, stats.compared, sign=True)}"
        )
    return note


def correction_uncertainty(metric: str, corrections: Sequence[float]) -> float:
    """Standard error a camera correction adds to a reading: the metric's
    :attr:`~hipcheck.assessment.MeasurementError.correction_error` × the median size of the
    per-rep corrections (metric unit; 0 without corrections or without an error model).
    """
    err = MEASUREMENT_ERRORS.get(metric)
    sizes = [abs(c) for c in corrections if math.isfinite(c)]
    if err is None or not sizes:
        return 0.0
    return err.correction_error * float(np.median(sizes))


def _whole_body_row(
    ind: Indicator, task: str, values: list[float], corrections: Sequence[float] = ()
) -> EvidenceRow | None:
    s = summarise(values)
    if s.n == 0:
        return None
    ref = reference_for(ind.metric, task)
    unc = s.spread / math.sqrt(s.n) if s.n > 1 else math.nan
    camera = correction_uncertainty(ind.metric, corrections)
    if camera > 0:
        unc = math.hypot(unc, camera) if math.isfinite(unc) else camera
    if METRICS[ind.metric].unit == "ratio":
        low = ref.lower_normal if ref is not None else math.nan
        return EvidenceRow(
            metric=ind.metric, exercise=task, left=s.median, right=math.nan, difference=s.median,
            uncertainty=unc, unit=ind.unit, reference=ref.text if ref else "", source=ref.source if ref else "",
            band=range_band(s.median, low), threshold=low,
            note=f"one value for both legs, judged against its typical range; n = {s.n}",
        )  # fmt: skip
    err = MEASUREMENT_ERRORS.get(ind.metric)
    base = err.threshold if err else math.inf
    # a value is told apart from 0 only beyond twice its uncertainty: the threshold (and so the band) rises to it
    thr = max(base, 2.0 * unc) if math.isfinite(unc) else base
    raised = f"; threshold raised from {format_metric(ind.metric, base)} to twice its uncertainty" if thr > base else ""
    weaker: Side | None = None
    finding = abs(s.median) >= thr and ind.weight > 0
    if finding and ind.metric == "lateral_pelvic_shift":  # people shift toward the stronger side
        weaker = "right" if s.median > 0 else "left"
    return EvidenceRow(
        metric=ind.metric, exercise=task, left=s.median, right=math.nan, difference=s.median,
        uncertainty=unc, unit=ind.unit, reference=ref.text if ref else "", source=ref.source if ref else "",
        band=difference_band(s.median, thr), finding=finding, weaker_side=weaker,
        note=f"one signed value for the whole body ({METRICS[ind.metric].convention}); n = {s.n}"
        + (f"; ± {format_metric(ind.metric, camera)} from the camera-yaw correction" if camera > 0 else "")
        + raised
        + ("" if ind.weight > 0 else "; for the record (never a finding)"),
        threshold=thr if math.isfinite(thr) else math.nan,
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
        band=difference_band(max(value, 0.0), limit), finding=finding,
        weaker_side=side if finding else None, threshold=limit,
        note=f"only the {side} leg was tested (n = {summary.n}); ≥ {format_metric(ind.metric, limit)} on one leg "
        f"is a sign by itself; test the {other} leg to compare sides",
    )  # fmt: skip


def build_evidence(
    results: Sequence[ExerciseResult],
    *,
    frontal: bool,
    sex: str | None = None,
) -> list[EvidenceRow]:
    """Evidence rows: one per indicator and test where both sides were measured,
    or where one leg alone was tested for an indicator with a one-leg limit
    (:data:`ONE_SIDED_LIMITS`).
    """
    rows: list[EvidenceRow] = []
    for ind in INDICATORS:
        if ind.needs_frontal_view and not frontal:
            continue
        for task in ind.exercises:
            row = _sided_row(ind, task, results, sex)
            if row is not None:
                rows.append(row)
    if frontal:
        for ind in WHOLE_BODY:
            for task in ind.exercises:
                corrections = _pooled(results, ind.correction_column, (task,))["both"] if ind.correction_column else []
                row = _whole_body_row(ind, task, _pooled(results, ind.metric, (task,))["both"], corrections)
                if row is not None:
                    rows.append(row)
    return rows


def _sided_row(ind: Indicator, task: str, results: Sequence[ExerciseResult], sex: str | None) -> EvidenceRow | None:
    """The row of a sided indicator in one test: both sides, one tested leg, or None."""
    pooled = _pooled(results, ind.metric, (task,))
    stats = _SideStats(summarise(pooled["left"]), summarise(pooled["right"]), ind.floor)
    if stats.left.n and stats.right.n:
        return _evidence_row(ind, task, stats, sex)
    if ind.metric not in ONE_SIDED_LIMITS or not (stats.left.n or stats.right.n):
        return None
    side: Side = "left" if stats.left.n else "right"
    return _one_sided_row(ind, task, side, stats.left if stats.left.n else stats.right, sex)


def evidence_kind(row: EvidenceRow) -> EvidenceKind:
    """What the row compares (see :data:`EvidenceKind`); decides its band rule (:func:`band_rule`)."""
    if row.metric in {i.metric for i in WHOLE_BODY}:
        return "ratio" if METRICS[row.metric].unit == "ratio" else "whole_body"
    if math.isnan(row.difference) and math.isfinite(row.left) != math.isfinite(row.right):
        return "one_leg"
    if row.band == "none" or not math.isfinite(row.threshold):
        return "record"
    return "difference"


def band_rule(row: EvidenceRow) -> str:
    """The rule behind the row's band in words, with its numbers (the report's legend and tooltips)."""
    kind = evidence_kind(row)
    thr, twice = format_metric(row.metric, row.threshold), format_metric(row.metric, 2 * row.threshold)
    if kind == "difference":
        return f"left − right difference against the {thr} finding threshold: green below, amber to {twice}, red beyond"
    if kind == "one_leg":
        return f"one tested leg's value against the one-leg limit {thr}: green below, amber to {twice}, red beyond"
    if kind == "whole_body" and math.isfinite(row.threshold):
        return f"whole-body value against {thr}: green below, amber to {twice}, red beyond"
    if kind == "ratio" and math.isfinite(row.threshold):
        low = format_metric(row.metric, 0.75 * row.threshold)
        return f"ratio against its typical range (≥ {thr}): green within, amber below it, red below {low}"
    return "not judged: shown for the record"
