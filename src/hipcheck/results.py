"""Result containers of the analysis: metric table, reps, evidence, verdict.

These are plain frozen dataclasses with a ``to_dict`` that gives the stable
``report.json`` form (schema :data:`SCHEMA`). Renderers read them; nothing in
here computes a metric.

Conventions: sides are the person's anatomical sides (``"left"``,
``"right"``); angles in degrees; times in seconds from the source's own
timestamps; missing values are ``NaN`` in arrays and ``null`` in JSON.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from hipcheck.metrics import metric_of_column
from hipcheck.types import Band, Side, View, WeakerSide

SCHEMA = "hipcheck.report/1"


def _num(v: float | None) -> float | None:
    """JSON-safe float: NaN/inf become None, others rounded to 4 decimals."""
    if v is None:
        return None
    v = float(v)
    return round(v, 4) if math.isfinite(v) else None


@dataclass(frozen=True)
class MetricTable:
    """Per-frame metric values, one column per metric and side.

    Column names are ``<metric>`` for whole-body metrics (e.g.
    ``pelvic_obliquity_deg``) and ``<metric>_left`` / ``<metric>_right`` for
    sided ones (e.g. ``knee_fppa_deg_left``), metric names of the registry
    (:data:`hipcheck.metrics.METRICS`). Every column has shape (T,) matching
    ``t_s``; NaN where not measurable.
    """

    t_s: NDArray[np.float64]
    columns: Mapping[str, NDArray[np.float64]]

    def __post_init__(self) -> None:
        t = np.asarray(self.t_s, dtype=np.float64)
        for name, col in self.columns.items():
            if np.shape(col) != t.shape:
                raise ValueError(f"column {name}: expected shape {t.shape}, got {np.shape(col)}")

    def __getitem__(self, name: str) -> NDArray[np.float64]:
        return np.asarray(self.columns[name], dtype=np.float64)

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def get(self, name: str) -> NDArray[np.float64] | None:
        """Column ``name``, or None when the table has no such column."""
        return self[name] if name in self.columns else None

    def sided(self, metric: str, side: Side) -> NDArray[np.float64]:
        """Column ``<metric>_<side>``."""
        return self[f"{metric}_{side}"]

    @property
    def units(self) -> dict[str, str]:
        """Metric name → unit of every registered metric with a column here (from the registry)."""
        infos = (metric_of_column(name) for name in self.columns)
        return {m.name: m.unit for m in infos if m is not None}


@dataclass(frozen=True)
class Rep:
    """One repetition (squat/lunge) or stance phase (single-leg stand).

    ``side`` is the working/stance/front leg for unilateral tests, None for
    bilateral ones. ``peaks`` maps metric column names (as in
    :class:`MetricTable`) to the value at this rep's worst point.
    """

    index: int
    exercise: str
    t_start_s: float
    t_bottom_s: float
    t_end_s: float
    side: Side | None = None
    peaks: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "index": self.index,
            "exercise": self.exercise,
            "side": self.side,
            "t_start_s": _num(self.t_start_s),
            "t_bottom_s": _num(self.t_bottom_s),
            "t_end_s": _num(self.t_end_s),
            "peaks": {k: _num(v) for k, v in self.peaks.items()},
        }


@dataclass(frozen=True)
class SideSummary:
    """Statistics of one metric on one side over the reps of one test."""

    median: float
    spread: float  # half the interquartile range, or SD for < 4 values; degrees/units of the metric
    n: int
    values: Sequence[float] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "median": _num(self.median),
            "spread": _num(self.spread),
            "n": self.n,
            "values": [_num(v) for v in self.values],
        }


@dataclass(frozen=True)
class ExerciseResult:
    """One recognised test within the clip (e.g. squats, or single-leg stance on the left)."""

    exercise: str
    t_start_s: float
    t_end_s: float
    reps: Sequence[Rep] = ()
    summary: Mapping[str, Mapping[str, SideSummary]] = field(default_factory=dict)
    side: Side | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form; ``summary`` is metric → side ("left"/"right"/"both") → stats."""
        return {
            "exercise": self.exercise,
            "side": self.side,
            "t_start_s": _num(self.t_start_s),
            "t_end_s": _num(self.t_end_s),
            "reps": [r.to_dict() for r in self.reps],
            "summary": {m: {s: v.to_dict() for s, v in d.items()} for m, d in self.summary.items()},
        }


@dataclass(frozen=True)
class EvidenceRow:
    """One line of the evidence table behind the verdict.

    ``difference`` is left − right in the metric's unit; ``weaker_side`` is the
    side this row points to (None when it is not a finding); ``finding`` is
    True only when |difference| exceeds the measurement error; ``threshold``
    is the size (metric unit) a difference — or, for one tested leg, a value —
    must reach to be a finding (NaN when none applies).
    """

    metric: str
    exercise: str
    left: float
    right: float
    difference: float
    uncertainty: float
    unit: str
    reference: str
    source: str
    band: Band = "none"
    finding: bool = False
    weaker_side: Side | None = None
    symmetry_index_pct: float = float("nan")
    note: str = ""
    threshold: float = float("nan")

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "metric": self.metric,
            "exercise": self.exercise,
            "left": _num(self.left),
            "right": _num(self.right),
            "difference": _num(self.difference),
            "uncertainty": _num(self.uncertainty),
            "symmetry_index_pct": _num(self.symmetry_index_pct),
            "unit": self.unit,
            "reference": self.reference,
            "source": self.source,
            "band": self.band,
            "finding": self.finding,
            "weaker_side": self.weaker_side,
            "note": self.note,
            "threshold": _num(self.threshold),
        }


@dataclass(frozen=True)
class Verdict:
    """The weaker-side call: ``left``, ``right``, ``none`` or ``insufficient``.

    ``confidence`` is in [0, 1]; ``reasons`` are plain-language sentences
    (for ``insufficient``: why there was not enough evidence); ``caveats`` are
    what limits the call without stopping it (others in the picture, what the
    pose file lacks), said with the verdict.
    """

    weaker_side: WeakerSide
    confidence: float
    reasons: Sequence[str] = ()
    score: float = 0.0  # signed evidence sum, + = left weaker
    caveats: Sequence[str] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "weaker_side": self.weaker_side,
            "confidence": _num(self.confidence),
            "reasons": list(self.reasons),
            "caveats": list(self.caveats),
            "score": _num(self.score),
        }


Phase = Literal["activation", "strength", "progression", "mobility", "core", "adductors"]
"""A section of the corrective plan."""
PHASES: tuple[Phase, ...] = ("activation", "strength", "progression", "mobility", "core", "adductors")


@dataclass(frozen=True)
class PlanItem:
    """One exercise in a plan with its dose.

    For one-sided exercises ``sets_left`` / ``sets_right`` are the sets on the
    person's left and right leg; for two-sided ones both equal ``sets``.
    ``emphasis`` marks exercises chosen for what the video showed.
    """

    key: str
    name: str
    phase: Phase
    targets: tuple[str, ...]
    cue: str
    unilateral: bool
    sets_left: int
    sets_right: int
    reps: str = ""
    hold_s: str = ""
    emphasis: bool = False

    @property
    def sets(self) -> int:
        """Sets of a two-sided exercise (the larger side count for one-sided ones)."""
        return max(self.sets_left, self.sets_right)

    def dose(self) -> str:
        """Plain-language dose, e.g. ``"10-15: left 4 sets, right 2 sets"`` or ``"2 × 10-15 per side"``."""
        unit = self.reps if self.reps else f"{self.hold_s} s hold"
        if not self.unilateral:
            return f"{self.sets} × {unit}"
        if self.sets_left == self.sets_right:
            return f"{self.sets_left} × {unit} per side"
        if self.sets_right > self.sets_left:  # weaker side first
            return f"{unit}: right {self.sets_right} sets, left {self.sets_left} sets"
        return f"{unit}: left {self.sets_left} sets, right {self.sets_right} sets"

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "key": self.key,
            "name": self.name,
            "phase": self.phase,
            "targets": list(self.targets),
            "cue": self.cue,
            "unilateral": self.unilateral,
            "sets_left": self.sets_left,
            "sets_right": self.sets_right,
            "reps": self.reps,
            "hold_s": self.hold_s,
            "emphasis": self.emphasis,
            "dose": self.dose(),
        }


@dataclass(frozen=True)
class Plan:
    """A corrective plan: what to do, how much, in which order, and when to re-test.

    Built by :func:`hipcheck.assessment.build_plan`; ``phase_titles`` names each
    section of :data:`PHASES`.
    """

    weaker_side: WeakerSide
    headline: str
    focus: tuple[str, ...]
    findings: tuple[str, ...]
    items: tuple[PlanItem, ...]
    volume_rules: tuple[str, ...]
    schedule: str
    progression: tuple[str, ...]
    habits: tuple[str, ...]
    retest: str
    rerecord: tuple[str, ...]
    see_professional: str
    note: str
    phase_titles: Mapping[str, str]

    def items_in(self, phase: str) -> tuple[PlanItem, ...]:
        """The items of one phase, in plan order."""
        return tuple(i for i in self.items if i.phase == phase)

    def item(self, key: str) -> PlanItem:
        """The item with library key ``key`` (KeyError when absent)."""
        for i in self.items:
            if i.key == key:
                return i
        raise KeyError(key)

    def sections(self) -> list[tuple[str, tuple[PlanItem, ...]]]:
        """``(title, items)`` of every phase that has items, in :data:`PHASES` order."""
        return [(self.phase_titles.get(p, p), self.items_in(p)) for p in PHASES if self.items_in(p)]

    def to_dict(self) -> dict[str, Any]:
        """JSON form (goes into ``report.json`` as ``plan``)."""
        return {
            "weaker_side": self.weaker_side,
            "headline": self.headline,
            "focus": list(self.focus),
            "findings": list(self.findings),
            "sections": [
                {"phase": p, "title": self.phase_titles.get(p, p), "items": [i.to_dict() for i in self.items_in(p)]}
                for p in PHASES
                if self.items_in(p)
            ],
            "volume_rules": list(self.volume_rules),
            "schedule": self.schedule,
            "progression": list(self.progression),
            "habits": list(self.habits),
            "retest": self.retest,
            "rerecord": list(self.rerecord),
            "see_professional": self.see_professional,
            "note": self.note,
        }


@dataclass(frozen=True)
class Assessment:
    """Everything the analysis found in one clip; renderers read only this.

    ``roll_deg`` is the camera roll and ``yaw_deg`` the body's yaw to the camera (degrees, +
    = the subject's left side farther from the camera; NaN = not estimated) that the
    frontal-plane metrics were corrected for.
    """

    verdict: Verdict
    view: View
    roll_deg: float
    exercises: Sequence[ExerciseResult]
    evidence: Sequence[EvidenceRow]
    metrics: MetricTable
    labels: Mapping[str, Sequence[str]] = field(default_factory=dict)  # per-frame "exercise", "phase"
    not_measured: Mapping[str, str] = field(default_factory=dict)  # metric → reason
    provenance: Mapping[str, Any] = field(default_factory=dict)
    measurement_error: Mapping[str, str] = field(default_factory=dict)  # metric → stated error
    plan: Plan | None = None
    yaw_deg: float = math.nan

    def to_dict(self) -> dict[str, Any]:
        """The ``report.json`` document (schema :data:`SCHEMA`)."""
        return {
            "schema": SCHEMA,
            "verdict": self.verdict.to_dict(),
            "view": self.view,
            "roll_deg": _num(self.roll_deg),
            "yaw_deg": _num(self.yaw_deg),
            "exercises": [e.to_dict() for e in self.exercises],
            "evidence": [r.to_dict() for r in self.evidence],
            "not_measured": dict(self.not_measured),
            "measurement_error": dict(self.measurement_error),
            "provenance": dict(self.provenance),
            "plan": None if self.plan is None else self.plan.to_dict(),
        }


__all__ = [
    "PHASES",
    "SCHEMA",
    "Assessment",
    "EvidenceRow",
    "ExerciseResult",
    "MetricTable",
    "Phase",
    "Plan",
    "PlanItem",
    "Rep",
    "SideSummary",
    "Verdict",
]
