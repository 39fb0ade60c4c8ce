"""The rules behind what a report says: bands per kind of row, bouts without reps, the robust extreme,
what was measured (confidence), who was measured (several people, a partial body), and a drop from the
hip line alone."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest

from hipcheck.assessment import (
    PoseCoverage,
    assess,
    band_rule,
    evidence_kind,
    pose_coverage,
    pose_lacks,
    range_band,
    reduce_window,
)
from hipcheck.metrics import format_metric, format_value
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


def _squats(fppa_left: float, fppa_right: float, n_reps: int = 6, ratio: float = 1.15):
    per = int(FPS * 2)
    n = per * n_reps
    phase = np.tile(np.sin(np.linspace(0, np.pi, per)), n_reps)
    cols = {"knee_fppa_deg_left": fppa_left * phase, "knee_fppa_deg_right": fppa_right * phase,
            "lateral_pelvic_shift": np.zeros(n), "knee_ankle_separation_ratio": np.full(n, ratio)}  # fmt: skip
    reps = tuple(R(i * per, i * per + per // 2, (i + 1) * per) for i in range(n_reps))
    return MetricTable(np.arange(n) / FPS, cols), [Seg("squat", None, 0, n, reps)]


def _stances(drop_left: float, drop_right: float):
    n = int(FPS * 8)
    left, right = np.full(n, np.nan), np.full(n, np.nan)
    left[60:120], right[150:210] = drop_left, drop_right
    segs = [Seg("standing", None, 0, 60), Seg("single_leg_stance", "left", 60, 120, (R(60, 90, 120),)),
            Seg("single_leg_stance", "right", 150, 210, (R(150, 180, 210),))]  # fmt: skip
    cols = {"pelvic_drop_deg_left": left, "pelvic_drop_deg_right": right, "pelvic_obliquity_deg": np.full(n, 2.6)}
    return MetricTable(np.arange(n) / FPS, cols), segs


def _assess(table, segs, **kw):
    return assess(table, segs, view="front", roll_deg=0.0, detected_fraction=1.0, **kw)


def test_format_value_is_one_rule_with_no_raw_values():
    assert format_value(6.46, 1, "deg") == "6.5°" and format_metric("pelvic_drop_deg", 6.46) == "6.5°"
    assert format_metric("knee_ankle_separation_ratio", 1.154) == "1.15"  # a ratio has no unit
    assert format_metric("lateral_pelvic_shift", 0.251, sign=True) == "+0.25 hip widths"
    assert format_value(-0.04, 1, "deg", sign=True) == "0.0°"  # never "-0.0°"
    for raw in (math.nan, math.inf, -math.inf, None):
        assert format_value(raw, 1, "deg") == "–"


def test_quiet_standing_without_reps_reaches_the_evidence_table():
    table, segs = _stances(7.0, 2.0)
    row = next(r for r in _assess(table, segs).evidence if r.metric == "hip_height_asymmetry_deg")
    assert row.exercise == "standing" and row.left == pytest.approx(2.6)  # the bout's median, + = left higher
    assert evidence_kind(row) == "whole_body" and not row.finding


def test_the_peak_of_a_signed_series_is_its_extreme_not_its_signed_maximum():
    t = np.arange(30) / FPS
    lean = np.linspace(-3.4, -0.2, 30)  # leans away from the stance leg throughout
    assert reduce_window(lean, t, R(0, 15, 30), "extreme") == pytest.approx(np.percentile(lean, 10))
    assert reduce_window(lean, t, R(0, 15, 30), "extreme") < -2.9


def test_each_kind_of_row_has_its_own_band_rule():
    table, segs = _squats(2.0, 15.0)
    rows = {r.metric: r for r in _assess(table, segs).evidence}
    knee = rows["knee_fppa_deg"]
    assert evidence_kind(knee) == "difference" and knee.band == "red"  # 13° against a 4.5° threshold
    assert "4.5° finding threshold" in band_rule(knee)
    ratio = rows["knee_ankle_separation_ratio"]  # judged against its typical range, not as a difference
    assert evidence_kind(ratio) == "ratio" and ratio.band == "green" and "typical range" in band_rule(ratio)
    assert (range_band(1.15, 0.8), range_band(0.7, 0.8), range_band(0.5, 0.8)) == ("green", "amber", "red")
    table, segs = _stances(6.5, math.nan)
    drop = next(r for r in _assess(table, [s for s in segs if s.side != "right"]).evidence)
    assert evidence_kind(drop) == "one_leg" and drop.band == "amber" and drop.finding  # past the 4° MDC
    assert "one-leg limit 4.0°" in band_rule(drop)


def test_a_close_comparison_over_many_reps_is_confident_and_a_hidden_one_is_not():
    same = _assess(*_squats(6.0, 6.0))
    assert same.verdict.weaker_side == "none" and same.verdict.confidence >= 0.75
    table, segs = _squats(1.0, 1.0)
    n = len(table.t_s)
    cols = {**table.columns, "knee_fppa_deg_left": np.full(n, -1.0), "knee_fppa_deg_right": np.full(n, -9.0)}
    hidden = _assess(MetricTable(table.t_s, cols), segs)  # both knees read pushed out, 8° apart: no valgus seen
    assert hidden.verdict.weaker_side == "none" and hidden.verdict.confidence < 0.5


def test_a_drop_from_the_hip_line_alone_calls_no_side_and_the_waistline_under_read_is_stated():
    table, segs = _stances(9.0, 2.0)
    waist = _assess(table, segs, pelvic_drop_line="waistline", pelvic_drop_source="visible waistline")
    assert waist.verdict.weaker_side == "left"
    assert "about 1° low" in waist.measurement_error["pelvic_drop_deg"]
    why = "measured from the hip landmarks only, which read a third of a drop"
    hips = _assess(table, segs, pelvic_drop_line="hip_landmarks", unjudged={"pelvic_drop_deg": why})
    assert not any(r.metric == "pelvic_drop_deg" for r in hips.evidence)
    assert hips.not_measured["pelvic_drop_deg"] == why
    assert hips.verdict.weaker_side != "left"  # hold time still compares the legs; the drop calls nothing
    assert (
        "about 1° low" not in hips.measurement_error["pelvic_drop_deg"]
        if "pelvic_drop_deg" in hips.measurement_error
        else True
    )


def _coverage(**kw) -> PoseCoverage:
    return PoseCoverage(**kw)


def test_several_people_not_followed_through_call_no_side_and_followed_through_say_so():
    table, segs = _stances(9.0, 2.0)
    mixed = _assess(table, segs, coverage=_coverage(max_people=2, multi_person_fraction=0.9, subject_selections=3))
    assert mixed.verdict.weaker_side == "insufficient"
    assert any("may mix people" in r for r in mixed.verdict.reasons)
    tracked = _assess(table, segs, coverage=_coverage(max_people=2, multi_person_fraction=0.9, subject_selections=1))
    assert tracked.verdict.weaker_side == "left"
    assert any("followed through the whole clip" in c for c in tracked.verdict.caveats)


def test_a_partial_body_in_the_tested_frames_calls_no_side():
    table, segs = _stances(9.0, 2.0)
    n = len(table.t_s)
    in_frame = np.ones(n, bool)
    in_frame[60:120] = False  # the left stance is filmed with the head cut off
    cov = _coverage(body_in_frame=in_frame, detected=np.ones(n, bool))
    a = _assess(table, segs, coverage=cov)
    assert a.verdict.weaker_side == "insufficient" and any("out of frame" in r for r in a.verdict.reasons)
    walk_in = np.ones(n, bool)
    walk_in[210:] = False  # partial only outside the tests (walking away): not counted
    assert (
        _assess(table, segs, coverage=_coverage(body_in_frame=walk_in, detected=np.ones(n, bool))).verdict.weaker_side
        == "left"
    )


def test_what_a_pose_file_lacks_is_said(fake_pose):
    pose = fake_pose(30)
    bare = pose.replace(waist_px=None)
    lacks = pose_lacks(pose_coverage(bare))
    assert "waistline" in lacks and "calls no side" in lacks["waistline"]
    assert "mirrored pass" in lacks  # the fake pose was not flip-averaged
    cov = pose_coverage(pose)
    assert cov.body_in_frame is not None and cov.body_in_frame.shape == (30,)
