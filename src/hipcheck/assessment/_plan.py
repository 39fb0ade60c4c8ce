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

import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from hipcheck.assessment._indicators import WHOLE_BODY
from hipcheck.metrics import METRICS, format_metric, plain_name
from hipcheck.results import PHASES, EvidenceRow, Phase, Plan, PlanItem, Verdict
from hipcheck.types import Side

PHASE_TITLES: Mapping[str, str] = {
    "activation": "Phase 1 – activation (weeks 1–2, then as a warm-up): slow, controlled reps",
    "strength": "Phase 2 – one-leg strength (from week 3, or once phase 1 feels easy)",
    "progression": "Progression",
    "mobility": "Hip-flexor stretches (every session, and after long sitting)",
    "core": "Core",
    "adductors": "Inner thigh (adductors)",
}
BIASED_PHASES: frozenset[str] = frozenset({"activation", "strength"})
WHOLE_BODY_METRICS: frozenset[str] = frozenset(i.metric for i in WHOLE_BODY)

FOCUS_TEXT: Mapping[str, str] = {
    "glute_med": "gluteus medius (keeps the pelvis level on one leg)",
    "hip_abductors_external_rotators": "hip abductors and external rotators (keep the knee from caving in)",
    "core": "trunk control against rotation",
}

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
    error says nothing). Each metric's target is in the registry
    (:attr:`hipcheck.metrics.MetricInfo.target`): pelvic drop, trunk lean, hip
    height and balance → ``glute_med``; knee FPPA / knee–ankle separation →
    ``hip_abductors_external_rotators``; pelvic rotation → ``core``.
    """
    out: list[str] = []
    for row in evidence:
        info = METRICS.get(row.metric)
        if row.finding and info is not None and info.target is not None and info.target not in out:
            out.append(info.target)
    return tuple(out)


def finding_sentence(row: EvidenceRow) -> str:
    """One finding in plain words with the registry's rounding (:func:`hipcheck.metrics.format_metric`):
    both sides, the one tested leg, or the whole-body value; never a missing number.
    """
    name, ex = plain_name(row.metric), row.exercise.replace("_", " ")
    side = f" (points to the {row.weaker_side} side)" if row.weaker_side else ""
    has_l, has_r = math.isfinite(row.left), math.isfinite(row.right)
    if has_l and has_r:
        values = f"left {format_metric(row.metric, row.left)}, right {format_metric(row.metric, row.right)}"
    elif row.metric in WHOLE_BODY_METRICS:
        values = f"{format_metric(row.metric, row.left, sign=True)} for the whole body"
    elif has_l or has_r:
        tested = "left" if has_l else "right"
        values = (
            f"{tested} {format_metric(row.metric, row.left if has_l else row.right)} (only the {tested} leg tested)"
        )
    else:
        values = "not measured"
    return f"{name} in {ex}: {values}{side}"


def _finding_sentences(evidence: Iterable[EvidenceRow]) -> tuple[str, ...]:
    return tuple(finding_sentence(row) for row in evidence if row.finding)


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
        schedule=SCHEDULE, progression=PROGRESSION, habits=HABITS, retest=RETEST, rerecord=rerecord,
        see_professional=SEE_PROFESSIONAL, note=NOT_DIAGNOSIS, phase_titles=PHASE_TITLES,
    )  # fmt: skip
