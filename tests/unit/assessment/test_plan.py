"""Corrective plan: weaker side, exercises and set counts follow the verdict."""

from __future__ import annotations

import json

import pytest

from hipcheck.assessment import build_plan, focus_from_evidence, load_library
from hipcheck.results import PHASES, EvidenceRow, Verdict

ACTIVATION = {"clamshell", "glute_bridge_posterior_tilt", "single_leg_glute_bridge", "quadruped_hip_extension"}
STRENGTH = {"bulgarian_split_squat", "single_leg_rdl", "step_up", "single_leg_hip_thrust", "single_leg_squat"}
ALWAYS = ACTIVATION | STRENGTH | {
    "half_kneeling_hip_flexor_stretch", "couch_stretch", "bird_dog", "dead_bug", "copenhagen_plank",
    "cossack_squat", "lateral_band_walk",
}  # fmt: skip


def _row(metric: str, finding: bool = True, side: str | None = "left") -> EvidenceRow:
    return EvidenceRow(metric, "single_leg_squat", 9.0, 3.0, 6.0, 1.0, "deg", "ref", "src",
                       finding=finding, weaker_side=side)  # type: ignore[arg-type]  # fmt: skip


def test_library_loads_with_known_phases():
    lib = load_library()
    assert set(lib) >= ALWAYS
    assert all(e.phase in PHASES for e in lib.values())
    assert lib["clamshell"].unilateral and not lib["glute_bridge_posterior_tilt"].unilateral
    assert lib["couch_stretch"].hold_s == "30-60"


@pytest.mark.parametrize(("weaker", "other"), [("left", "right"), ("right", "left")])
def test_weaker_side_gets_double_sets(weaker, other, fake_assessment):
    a = fake_assessment(weaker)
    plan = build_plan(a.verdict, a.evidence)
    assert plan.weaker_side == weaker
    assert {i.key for i in plan.items} >= ALWAYS
    for key in ("clamshell", "single_leg_glute_bridge", "bulgarian_split_squat", "single_leg_rdl", "step_up"):
        item = plan.item(key)
        sets = {"left": item.sets_left, "right": item.sets_right}
        assert sets[weaker] == 2 * sets[other] == 4
    # two-sided work and stretches stay even
    for key in ("glute_bridge_posterior_tilt", "couch_stretch", "copenhagen_plank", "bird_dog"):
        assert plan.item(key).sets_left == plan.item(key).sets_right
    assert plan.volume_rules[0] == f"Start every one-leg exercise with your {weaker} side."
    assert f"stop at the number of good reps you managed on the {weaker} side" in plan.volume_rules[2]
    assert plan.rerecord == ()
    d = plan.to_dict()
    json.dumps(d)
    assert d["weaker_side"] == weaker
    assert d["sections"][0]["phase"] == "activation"


def test_pelvic_drop_finding_emphasises_glute_med():
    plan = build_plan(Verdict("left", 0.8), [_row("pelvic_drop_deg")])
    assert plan.focus == ("glute_med",)
    assert plan.item("side_lying_hip_abduction").emphasis
    assert "banded_knee_out_squat" not in {i.key for i in plan.items}
    # emphasised exercises come first in their phase
    assert plan.items_in("activation")[0].emphasis


def test_knee_valgus_finding_emphasises_abductors_external_rotators():
    plan = build_plan(Verdict("right", 0.8), [_row("knee_fppa_deg", side="right")])
    assert plan.focus == ("hip_abductors_external_rotators",)
    assert plan.item("banded_knee_out_squat").emphasis
    assert plan.item("clamshell").emphasis
    assert "side_lying_hip_abduction" not in {i.key for i in plan.items}
    assert plan.item("clamshell").sets_right == 4 and plan.item("clamshell").sets_left == 2
    assert plan.item("clamshell").dose() == "10-20 slow: right 4 sets, left 2 sets"  # weaker side first
    assert plan.item("couch_stretch").dose() == "2 × 30-60 s hold per side"


def test_non_findings_do_not_choose_emphasis():
    assert focus_from_evidence([_row("pelvic_drop_deg", finding=False)]) == ()
    assert focus_from_evidence([_row("knee_fppa_deg"), _row("pelvic_drop_deg"), _row("knee_fppa_deg")]) == (
        "hip_abductors_external_rotators", "glute_med",
    )  # fmt: skip


def test_none_gives_balanced_maintenance_plan(fake_assessment):
    a = fake_assessment("none")
    plan = build_plan(a.verdict, a.evidence)
    assert plan.weaker_side == "none"
    assert "balanced maintenance" in plan.headline
    assert {i.key for i in plan.items} >= ALWAYS
    assert all(i.sets_left == i.sets_right for i in plan.items)
    assert plan.focus == ()
    assert plan.rerecord == ()


def test_insufficient_says_what_to_rerecord_plus_general_plan(fake_assessment):
    a = fake_assessment("insufficient")
    plan = build_plan(a.verdict, a.evidence)
    assert plan.weaker_side == "insufficient"
    assert all(i.sets_left == i.sets_right for i in plan.items)
    assert {i.key for i in plan.items} >= ALWAYS
    assert plan.rerecord[0].startswith("Why: The camera saw you from the side")
    assert any("front" in r for r in plan.rerecord[1:])
    assert "re-record" in plan.headline


def test_plan_always_has_habits_retest_and_professional_note():
    plan = build_plan(Verdict("left", 0.5))
    assert any("30–60 minutes" in h for h in plan.habits)
    assert "4–6 weeks" in plan.retest
    assert "pain" in plan.see_professional
    assert "3–4 sessions a week" in plan.schedule
    assert plan.focus == ("glute_med",)  # default emphasis when a side is weaker
