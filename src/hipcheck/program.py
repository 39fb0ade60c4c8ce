"""Corrective plan built from the verdict and the evidence behind it.

The exercises live as data in ``hipcheck/data/exercises.toml``; this module
only chooses, orders and doses them. Rules (from the domain facts in
DESIGN.md):

- phase 1 activation (10–20 slow reps), phase 2 unilateral strength, then
  progression with bands, load and sets; hip-flexor stretches, core and
  adductor work in every plan; 2–3 sets of 10–15, 3–4 sessions a week;
- volume bias when one side is weaker: about double the sets on the weaker
  side for one-sided activation and strength exercises, start with the weaker
  side, stop the stronger side at the weaker side's rep count;
- pelvic-drop findings emphasise gluteus medius work, knee-valgus findings
  abductor / external-rotator work; no asymmetry gives a balanced
  maintenance plan; not enough evidence gives a general plan plus what to
  re-record.

Sides are the person's anatomical sides. This is a screening aid's
suggestion, not a prescription: every plan says when to see a professional.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from hipcheck.results import EvidenceRow, Side, Verdict, WeakerSide

Phase = Literal["activation", "strength", "progression", "mobility", "core", "adductors"]
PHASES: tuple[Phase, ...] = ("activation", "strength", "progression", "mobility", "core", "adductors")
PHASE_TITLES: Mapping[str, str] = {
    "activation": "Phase 1 – activation (weeks 1–2, then as a warm-up): slow, controlled reps",
    "strength": "Phase 2 – one-leg strength (from week 3, or once phase 1 feels easy)",
    "progression": "Progression",
    "mobility": "Hip-flexor stretches (every session, and after long sitting)",
    "core": "Core",
    "adductors": "Inner thigh (adductors)",
}
BIASED_PHASES: frozenset[str] = frozenset({"activation", "strength"})

FOCUS_BY_METRIC_PREFIX: tuple[tuple[str, str], ...] = (
    ("pelvic_drop", "glute_med"),
    ("trunk_lean", "glute_med"),
    ("hip_height_asymmetry", "glute_med"),
    ("lateral_pelvic_shift", "glute_med"),
    ("balance", "glute_med"),
    ("knee_fppa", "hip_abductors_external_rotators"),
    ("knee_ankle_separation", "hip_abductors_external_rotators"),
    ("pelvic_rotation", "core"),
)
"""Evidence metric (prefix) → training target it points to."""

FOCUS_TEXT: Mapping[str, str] = {
    "glute_med": "gluteus medius (keeps the pelvis level on one leg)",
    "hip_abductors_external_rotators": "hip abductors and external rotators (keep the knee from caving in)",
    "core": "trunk control against rotation",
}

METRIC_NAMES: Mapping[str, str] = {
    "pelvic_drop_deg": "Pelvic drop",
    "knee_fppa_deg": "Knee valgus (FPPA)",
    "trunk_lean_deg": "Trunk lean",
    "hip_height_asymmetry_deg": "Hip height difference",
    "hip_height_asymmetry_cm": "Hip height difference (cm)",
    "lateral_pelvic_shift": "Sideways hip shift",
    "knee_ankle_separation_ratio": "Knee / ankle width ratio",
    "balance_hold_s": "Single-leg hold time",
    "balance_sway": "Single-leg sway",
    "pelvic_rotation_deg": "Pelvic rotation",
    "pelvic_obliquity_deg": "Pelvic obliquity",
}
"""Plain names of metrics for people (plan, report, terminal)."""


def metric_name(metric: str) -> str:
    """Plain name of a metric, e.g. ``knee_fppa_deg`` → ``"Knee valgus (FPPA)"``."""
    return METRIC_NAMES.get(metric, metric.replace("_", " ").capitalize())


SCHEDULE = "3–4 sessions a week; 2–3 sets of 10–15 reps unless stated; rest a day between hard sessions."
PROGRESSION: tuple[str, ...] = (
    "When the last set feels easy with good form for two sessions in a row, progress one thing at a time.",
    "Add a resistance band (lateral band walks, banded bridges and clamshells), then a heavier band.",
    "Add load to the one-leg exercises (dumbbell or backpack), then add a set.",
    "Keep the form cue first: a level pelvis and the knee over the middle toes beat extra weight.",
)
HABITS: tuple[str, ...] = (
    "Stand up or move every 30–60 minutes when sitting.",
    "Alternate the side you carry bags, children or a backpack strap on.",
    "Don't cross your legs or always stand with your weight on the same leg.",
)
RETEST = "Record the same test again in about 4–6 weeks (same camera spot, same clothes) to compare."
SEE_PROFESSIONAL = (
    "See a physiotherapist or doctor if you have pain that persists or gets worse, severe limitation, "
    "numbness, or if the cause is unclear. Stop any exercise that causes sharp pain."
)
NOT_DIAGNOSIS = "This plan is general exercise guidance from a video screening, not a diagnosis or a prescription."
RERECORD: tuple[str, ...] = (
    "Film from the front (or back), camera level at hip height, 2–4 m away, the whole body from head to feet in frame.",
    "Good even light, a plain background, one person in the picture.",
    "Fitted clothing with a visible waistband or belt so the hip line can be seen.",
    "Do at least 5 slow single-leg squats on each side and a 20–30 s single-leg stand on each leg, plus 5 squats.",
)


@dataclass(frozen=True)
class LibraryExercise:
    """One entry of the exercise library (``data/exercises.toml``).

    ``sets`` is the default per side for one-sided exercises; ``reps`` and
    ``hold_s`` are text ranges such as ``"10-15"`` or ``"30-60"`` (seconds).
    """

    key: str
    name: str
    phase: Phase
    targets: tuple[str, ...]
    unilateral: bool
    cue: str
    sets: int
    reps: str = ""
    hold_s: str = ""
    always: bool = True


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
    """A corrective plan: what to do, how much, in which order, and when to re-test."""

    weaker_side: WeakerSide
    headline: str
    focus: tuple[str, ...]
    findings: tuple[str, ...]
    items: tuple[PlanItem, ...]
    volume_rules: tuple[str, ...] = ()
    schedule: str = SCHEDULE
    progression: tuple[str, ...] = PROGRESSION
    habits: tuple[str, ...] = HABITS
    retest: str = RETEST
    rerecord: tuple[str, ...] = ()
    see_professional: str = SEE_PROFESSIONAL
    note: str = NOT_DIAGNOSIS
    phase_titles: Mapping[str, str] = field(default_factory=lambda: dict(PHASE_TITLES))

    def items_in(self, phase: str) -> tuple[PlanItem, ...]:
        """The items of one phase, in plan order."""
        return tuple(i for i in self.items if i.phase == phase)

    def item(self, key: str) -> PlanItem:
        """The item with library key ``key`` (KeyError when absent)."""
        for i in self.items:
            if i.key == key:
                return i
        raise KeyError(key)

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


def _parse_entry(key: str, d: Mapping[str, Any]) -> LibraryExercise:
    phase = d["phase"]
    if phase not in PHASES:
        raise ValueError(f"exercise {key}: expected phase in {PHASES}, got {phase!r}")
    return LibraryExercise(
        key=key, name=str(d["name"]), phase=phase, targets=tuple(d["targets"]),
        unilateral=bool(d["unilateral"]), cue=str(d["cue"]), sets=int(d["sets"]),
        reps=str(d.get("reps", "")), hold_s=str(d.get("hold_s", "")), always=bool(d.get("always", True)),
    )  # fmt: skip


def load_library(path: str | Path | None = None) -> dict[str, LibraryExercise]:
    """Read the exercise library (default: the packaged ``data/exercises.toml``).

    Raises:
        ValueError: an entry lacks a field or names an unknown phase.
    """
    if path is None:
        text = resources.files("hipcheck").joinpath("data/exercises.toml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    try:
        return {key: _parse_entry(key, d) for key, d in raw.items()}
    except KeyError as exc:
        raise ValueError(f"exercise library: missing field {exc}") from None


def focus_from_evidence(evidence: Iterable[EvidenceRow]) -> tuple[str, ...]:
    """Training targets the findings point to, in order of first appearance.

    Only rows with ``finding=True`` count (a difference within measurement
    error says nothing). Pelvic drop, trunk lean, hip height and balance →
    ``glute_med``; knee FPPA / knee–ankle separation →
    ``hip_abductors_external_rotators``; pelvic rotation → ``core``.
    """
    out: list[str] = []
    for row in evidence:
        if not row.finding:
            continue
        for prefix, target in FOCUS_BY_METRIC_PREFIX:
            if row.metric.startswith(prefix) and target not in out:
                out.append(target)
    return tuple(out)


def _finding_sentences(evidence: Iterable[EvidenceRow]) -> tuple[str, ...]:
    out = []
    for row in evidence:
        if row.finding:
            side = f" (points to the {row.weaker_side} side)" if row.weaker_side else ""
            unit = "°" if row.unit == "deg" else f" {row.unit}"
            out.append(f"{metric_name(row.metric)} in {row.exercise.replace('_', ' ')}: left {row.left:.1f}{unit}, "
                       f"right {row.right:.1f}{unit}{side}")  # fmt: skip
    return tuple(out)


def weaker_side_of(verdict: Verdict) -> Side | None:
    """The weaker side as ``"left"``/``"right"``, or None for ``none``/``insufficient``."""
    if verdict.weaker_side == "left":
        return "left"
    if verdict.weaker_side == "right":
        return "right"
    return None


def _sets_for(ex: LibraryExercise, weaker: Side | None) -> tuple[int, int]:
    """(sets_left, sets_right): about double on the weaker side for one-sided activation/strength work."""
    if weaker is None or not ex.unilateral or ex.phase not in BIASED_PHASES:
        return ex.sets, ex.sets
    return (2 * ex.sets, ex.sets) if weaker == "left" else (ex.sets, 2 * ex.sets)


def _choose(library: Mapping[str, LibraryExercise], focus: Sequence[str]) -> list[tuple[LibraryExercise, bool]]:
    """Library entries in the plan, with an emphasis flag; emphasised first within each phase."""
    chosen = []
    for ex in library.values():
        hit = bool(set(ex.targets) & set(focus))
        if ex.always or hit:
            chosen.append((ex, hit))
    order = {p: i for i, p in enumerate(PHASES)}
    return sorted(chosen, key=lambda c: (order[c[0].phase], not c[1]))


def _volume_rules(weaker: Side | None) -> tuple[str, ...]:
    if weaker is None:
        return ("Same sets on both sides; start with a different side each session.",)
    other = "right" if weaker == "left" else "left"
    return (
        f"Start every one-leg exercise with your {weaker} side.",
        f"Do about twice the sets on the {weaker} side (see each exercise).",
        f"On the {other} side, stop at the number of good reps you managed on the {weaker} side.",
    )


def _headline(verdict: Verdict, focus: Sequence[str]) -> str:
    emph = "; ".join(FOCUS_TEXT[f] for f in focus if f in FOCUS_TEXT)
    emph_txt = f" Emphasis: {emph}." if emph else ""
    if verdict.weaker_side in ("left", "right"):
        return f"Strengthen your {verdict.weaker_side} hip with extra one-leg work on that side.{emph_txt}"
    if verdict.weaker_side == "none":
        return "No clear left/right difference: a balanced maintenance plan, same work on both sides." + emph_txt
    return "Not enough evidence to call a side: re-record (see below) and meanwhile follow this general plan."


def build_plan(
    verdict: Verdict,
    evidence: Sequence[EvidenceRow] = (),
    *,
    library: Mapping[str, LibraryExercise] | None = None,
) -> Plan:
    """A corrective plan tailored to the verdict and the evidence.

    Args:
        verdict: the weaker-side call; ``left``/``right`` get the volume bias
            on that side, ``none`` a balanced maintenance plan,
            ``insufficient`` a general plan plus re-recording advice.
        evidence: evidence rows; findings choose the emphasis (see
            :func:`focus_from_evidence`). When a side is weaker but no row
            names a target, gluteus medius is the default emphasis.
        library: exercise library (default: the packaged one).

    Returns:
        The plan (``Plan.to_dict()`` is its JSON form).
    """
    lib = load_library() if library is None else library
    weaker = weaker_side_of(verdict)
    focus = focus_from_evidence(evidence)
    if weaker is not None and not focus:
        focus = ("glute_med",)
    if verdict.weaker_side == "insufficient":
        focus = ()
    items = []
    for ex, hit in _choose(lib, focus):
        left, right = _sets_for(ex, weaker)
        items.append(PlanItem(
            key=ex.key, name=ex.name, phase=ex.phase, targets=ex.targets, cue=ex.cue, unilateral=ex.unilateral,
            sets_left=left, sets_right=right, reps=ex.reps, hold_s=ex.hold_s, emphasis=hit,
        ))  # fmt: skip
    rerecord: tuple[str, ...] = ()
    if verdict.weaker_side == "insufficient":
        rerecord = tuple(f"Why: {r}" for r in verdict.reasons) + RERECORD
    return Plan(
        weaker_side=verdict.weaker_side, headline=_headline(verdict, focus), focus=focus,
        findings=_finding_sentences(evidence), items=tuple(items), volume_rules=_volume_rules(weaker),
        rerecord=rerecord,
    )  # fmt: skip
