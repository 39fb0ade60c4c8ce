"""Side comparison and verdict on metric tables with the answer built in."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest

from hipcheck.assessment import assess, compared_difference, finding_threshold, reduce_window, summarise
from hipcheck.results import MetricTable

FPS = 30.0


@dataclass(frozen=True)
class R:
    start: int
    bottom: int
    end: int


@dataclass(frozen=True)
class Seg:
    exercise: str
    side: str | None
    start: int
    end: int
    reps: tuple[R, ...] = field(default_factory=tuple)


def _table(n: int, **cols: np.ndarray) -> MetricTable:
    t = np.arange(n) / FPS
    return MetricTable(t, {k: np.asarray(v, dtype=float) for k, v in cols.items()})


def _single_leg_table(drop_left: float, drop_right: float, lean_left: float = 0.0, lean_right: float = 0.0):
    """2 s bipedal, then 3 stance phases per side of 2 s each, alternating."""
    n = int(FPS * 14)
    drop_l = np.full(n, np.nan)
    drop_r = np.full(n, np.nan)
    lean_l = np.full(n, np.nan)
    lean_r = np.full(n, np.nan)
    segs = []
    rng = np.random.default_rng(0)
    pair_noise = [rng.normal(0, 0.3, int(FPS * 2)) for _ in range(3)]  # shared by a pair: swapping sides mirrors
    for k in range(6):
        a = int(FPS * (2 + 2 * k))
        b = a + int(FPS * 2)
        side = "left" if k % 2 == 0 else "right"
        noise = pair_noise[k // 2]
        if side == "left":
            drop_l[a:b] = drop_left + noise
            lean_l[a:b] = lean_left + noise
        else:
            drop_r[a:b] = drop_right + noise
            lean_r[a:b] = lean_right + noise
        segs.append(Seg("single_leg_stance", side, a, b, (R(a, (a + b) // 2, b),)))
    sway_l = np.where(np.isfinite(drop_l), 0.0, np.nan)
    sway_r = np.where(np.isfinite(drop_r), 0.0, np.nan)
    table = _table(
        n, pelvic_drop_deg_left=drop_l, pelvic_drop_deg_right=drop_r,
        trunk_lean_ipsi_deg_left=lean_l, trunk_lean_ipsi_deg_right=lean_r,
        hip_sway_left=sway_l, hip_sway_right=sway_r,
    )  # fmt: skip
    return table, segs


def _squat_table(fppa_left: float, fppa_right: float, n_reps: int = 5):
    per = int(FPS * 2)
    n = per * n_reps
    phase = np.tile(np.sin(np.linspace(0, np.pi, per)), n_reps)
    table = _table(n, knee_fppa_deg_left=fppa_left * phase, knee_fppa_deg_right=fppa_right * phase,
                   lateral_pelvic_shift=np.zeros(n), knee_ankle_separation_ratio=np.ones(n))  # fmt: skip
    reps = tuple(R(i * per, i * per + per // 2, (i + 1) * per) for i in range(n_reps))
    return table, [Seg("squat", None, 0, n, reps)]


def _assess(table, segs, view="front"):
    return assess(table, segs, view=view, roll_deg=0.0, detected_fraction=1.0)


def test_reduce_window_and_summary_known_values():
    t = np.arange(10) / FPS
    v = np.arange(10, dtype=float)
    rep = R(2, 5, 8)
    assert reduce_window(v, t, rep, "max") == 7.0
    assert reduce_window(v, t, rep, "bottom") == 5.0
    assert reduce_window(v, t, rep, "duration") == pytest.approx(5 / FPS)
    assert math.isnan(reduce_window(np.full(10, np.nan), t, rep, "max"))
    s = summarise([1.0, 2.0, 3.0, 4.0, 5.0, math.nan])
    assert (s.median, s.n, s.spread) == (3.0, 5, 1.0)


def test_left_pelvic_drop_calls_left_weaker_and_swapping_sides_calls_right():
    table, segs = _single_leg_table(drop_left=9.0, drop_right=3.0)
    a = _assess(table, segs)
    assert a.verdict.weaker_side == "left"
    row = next(r for r in a.evidence if r.metric == "pelvic_drop_deg")
    assert row.finding and row.weaker_side == "left"
    assert row.difference == pytest.approx(6.0, abs=0.5)
    assert row.source  # every row cites its reference
    swapped_table, swapped_segs = _single_leg_table(drop_left=3.0, drop_right=9.0)
    b = _assess(swapped_table, swapped_segs)
    assert b.verdict.weaker_side == "right"
    assert b.verdict.score == pytest.approx(-a.verdict.score)


def test_right_knee_valgus_in_squats_calls_right():
    table, segs = _squat_table(fppa_left=3.0, fppa_right=15.0)
    a = _assess(table, segs)
    assert a.verdict.weaker_side == "right"
    assert len(a.exercises[0].reps) == 5
    assert a.exercises[0].reps[0].peaks["knee_fppa_deg_right"] == pytest.approx(15.0, abs=0.01)


def test_difference_below_measurement_error_is_not_a_finding():
    table, segs = _squat_table(fppa_left=6.0, fppa_right=8.0)
    a = _assess(table, segs)
    assert a.verdict.weaker_side == "none"
    assert not any(r.finding for r in a.evidence)


def test_a_single_finding_past_its_own_threshold_calls_the_side():
    """3 reps a side: the FPPA threshold is max(7.5/√3, 1.5 × SEM) ≈ 4.5°; a 6° difference is a finding
    by itself, and a finding alone must be able to call the side (its strength is measured against
    the threshold it passed, not the single-trial one)."""
    table, segs = _squat_table(fppa_left=2.0, fppa_right=8.0, n_reps=3)
    a = _assess(table, segs)
    row = next(r for r in a.evidence if r.metric == "knee_fppa_deg")
    assert row.finding and row.threshold == pytest.approx(finding_threshold("knee_fppa_deg", 3, 3))
    assert 4.0 < row.threshold < 6.0
    assert a.verdict.weaker_side == "right"
    assert a.verdict.score == pytest.approx(-6.0 / row.threshold, rel=1e-3)
    assert a.to_dict()["evidence"][0]["threshold"] == pytest.approx(row.threshold)


def test_side_view_is_insufficient_with_a_reason():
    table, segs = _squat_table(fppa_left=3.0, fppa_right=15.0)
    a = _assess(table, segs, view="side")
    assert a.verdict.weaker_side == "insufficient"
    assert any("side view" in r for r in a.verdict.reasons)


def test_one_leg_with_a_trendelenburg_drop_points_to_that_leg():
    table, segs = _single_leg_table(drop_left=9.0, drop_right=3.0)
    a = _assess(table, [s for s in segs if s.side == "left"])
    assert a.verdict.weaker_side == "left"
    row = next(r for r in a.evidence if r.metric == "pelvic_drop_deg")
    assert math.isnan(row.right) and math.isnan(row.difference) and "test the right leg" in row.note
    b = _assess(table, [s for s in segs if s.side == "right"])  # 3° on the right: below the 4° MDC
    assert b.verdict.weaker_side == "none" and b.verdict.confidence < 0.5
    assert "no sign of weakness on the leg tested" in b.verdict.reasons


def test_one_leg_hip_hike_is_not_a_drop():
    table, segs = _single_leg_table(drop_left=-6.0, drop_right=0.0)
    a = _assess(table, [s for s in segs if s.side == "left"])
    assert a.verdict.weaker_side == "none"


def test_nothing_comparable_is_insufficient():
    table, _ = _squat_table(fppa_left=3.0, fppa_right=15.0)
    a = _assess(table, [])
    assert a.verdict.weaker_side == "insufficient"
    assert any("both sides" in r for r in a.verdict.reasons)


def test_conflicting_indicators_give_none():
    # pelvis drops more on the left, trunk leans more over the right: the two disagree
    table, segs = _single_leg_table(drop_left=7.0, drop_right=2.0, lean_left=0.0, lean_right=14.0)
    a = _assess(table, segs)
    assert a.verdict.weaker_side == "none"
    assert "different sides" in a.verdict.reasons[0]


@pytest.mark.parametrize(("n", "expected"), [(1, 7.5), (4, 4.5), (9, 4.5)])
def test_fppa_threshold_shrinks_with_reps_but_not_below_a_floor(n, expected):
    assert finding_threshold("knee_fppa_deg", n, n) == pytest.approx(max(7.5 / math.sqrt(n), 4.5))
    assert finding_threshold("knee_fppa_deg", n, n) == pytest.approx(expected)


def test_report_dict_is_json_ready():
    import json

    table, segs = _single_leg_table(drop_left=9.0, drop_right=3.0)
    doc = _assess(table, segs).to_dict()
    text = json.dumps(doc, allow_nan=False)
    assert '"schema": "hipcheck.report/1"' in text
    assert doc["verdict"]["weaker_side"] == "left"


def test_knees_pushed_out_on_both_sides_are_not_a_valgus_finding():
    table, segs = _squat_table(fppa_left=1.0, fppa_right=1.0)
    n = len(table.t_s)
    table = MetricTable(table.t_s, {**table.columns, "knee_fppa_deg_left": np.full(n, -18.0),
                                    "knee_fppa_deg_right": np.full(n, -9.0)})  # fmt: skip
    a = _assess(table, segs)
    row = next(r for r in a.evidence if r.metric == "knee_fppa_deg")
    assert (row.left, row.right) == (-18.0, -9.0)  # the raw medians are shown
    assert row.difference == -9.0  # ... and their difference, so the row adds up
    assert compared_difference(row) == 0.0 and not row.finding  # compared from the floor: no valgus either side
    assert "below 0.0° (no sign of weakness)" in row.note
    assert a.verdict.weaker_side == "none"
    assert a.verdict.confidence < 0.5  # the sides read 9° apart: not a confident "no difference"


def test_valgus_on_one_side_against_a_pushed_out_knee_counts_from_zero():
    table, segs = _squat_table(fppa_left=-10.0, fppa_right=12.0)
    row = next(r for r in _assess(table, segs).evidence if r.metric == "knee_fppa_deg")
    assert row.left == pytest.approx(0.0, abs=0.01)  # the left knee's largest value is at the rep's ends
    assert compared_difference(row) == pytest.approx(row.difference) == pytest.approx(-12.0, abs=0.01)
    assert row.finding and row.weaker_side == "right"


def test_one_leg_just_past_the_limit_is_called_with_lower_confidence():
    table, segs = _single_leg_table(drop_left=2.0, drop_right=5.3)
    one = _assess(table, [s for s in segs if s.side == "right"])
    both = _assess(*_single_leg_table(drop_left=0.0, drop_right=5.3))
    assert one.verdict.weaker_side == "right" == both.verdict.weaker_side
    assert one.verdict.confidence < both.verdict.confidence


def _shift_table(shift: float, correction: float | None, n_reps: int = 4):
    """Symmetric knees; the hips `shift` hip widths to the left at each rep's bottom, of which
    `correction` came from the camera-yaw correction (no column when None)."""
    table, segs = _squat_table(4.0, 4.0, n_reps)
    n = len(table.t_s)
    phase = np.tile(np.sin(np.linspace(0, np.pi, int(FPS * 2))), n_reps)
    cols = {**table.columns, "lateral_pelvic_shift": shift * phase}
    if correction is not None:
        cols["lateral_pelvic_shift_yaw_correction"] = correction * phase
    return MetricTable(table.t_s[:n], cols), segs


def _shift_row(a):
    return next(r for r in a.evidence if r.metric == "lateral_pelvic_shift")


@pytest.mark.parametrize("correction", [None, 0.0, 0.1])
def test_a_clear_hip_shift_is_a_finding_toward_the_stronger_side(correction):
    a = _assess(*_shift_table(0.3, correction))
    row = _shift_row(a)
    assert row.finding and row.weaker_side == "right"  # shifted toward the left: the left carries the load


def test_a_hip_shift_made_mostly_by_the_yaw_correction_is_not_a_finding():
    """0.4 hip widths read, 0.6 of them put there by correcting for the camera's yaw: the correction
    is known to half its size (± 0.3), so the reading is not twice its uncertainty and calls nothing."""
    a = _assess(*_shift_table(0.4, 0.6))
    row = _shift_row(a)
    assert row.uncertainty == pytest.approx(0.3, abs=0.01)
    assert not row.finding and row.weaker_side is None
    assert row.threshold == pytest.approx(0.6, abs=0.02) and row.band == "green"  # 0.4 < 2 × 0.3
    assert "camera-yaw correction" in row.note and "threshold raised from 0.15" in row.note
