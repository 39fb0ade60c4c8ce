"""The analysis on real clips, from their recorded landmark fixtures.

``tests/fixtures/real/<clip>.npz`` are what ``hipcheck analyze`` extracts from
each clip of ``../shared/videos`` (flip-averaged MediaPipe landmarks, recorded
by ``tools/record_real_fixtures.py``), so these tests never run MediaPipe. The
expected view and exercise come from the clip's CATALOG.tsv entry, judged by
eye. Mirroring: flip-averaged landmarks of a mirrored video are exactly the
mirrored landmarks (``test_pipeline_e2e.py`` checks that on a real file), so
``pose.mirrored()`` stands for the mirrored copy of the clip.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from hipcheck.landmarks import L_ANKLE, L_HIP, L_KNEE, L_SHOULDER, R_ANKLE, R_HIP, R_KNEE, R_SHOULDER, PoseSeries
from support import CATALOG, FIXTURES, analysed_fixture

OPPOSITE = {"left": "right", "right": "left", "none": "none", "insufficient": "insufficient"}

# catalog view text -> the views hipcheck may answer (only where the catalog is unambiguous)
VIEW_MAP = {
    "front": {"front"},
    "back": {"back"},
    "side": {"side"},
    "oblique (~45 deg)": {"oblique"},
    "oblique (3/4)": {"oblique"},
    "front-oblique (~30 deg)": {"front", "oblique"},
    "oblique (~30 deg from front)": {"front", "oblique"},
    "oblique-front (~30 deg)": {"front", "oblique"},
    "oblique-side": {"side", "oblique"},
    "oblique / side": {"side", "oblique"},
    "back-oblique": {"back", "oblique"},
}

SYMMETRIC_FRONT_SQUATS = (
    "squat_front_bodyweight_armsup_01",
    "squat_front_bodyweight_armsup_02",
    "squat_front_bodyweight_armsup_03",
    "squat_front_bodyweight_armsup_04",
    "squat_front_bodyweight_shallow_bad_01",
    "squat_front_bodyweight_wide_01",
    "squat_front_banded_overhead_01",
)


def expected_exercise(text: str) -> str | None:
    """hipcheck's exercise name for a catalog description, None where it names none of them."""
    t = text.lower()
    rules = (
        ("single-leg squat", "single_leg_squat"), ("single-leg stance", "single_leg_stance"),
        ("split squat", "lunge"), ("lunge", "lunge"), ("walking", "walking"), ("limping", "walking"),
        ("t-pose", "standing"), ("squat", "squat"),
    )  # fmt: skip
    if "wall sit" in t or "deadlift" in t or "warrior" in t:
        return None
    return next((name for key, name in rules if key in t), None)


@cache
def catalog() -> dict[str, dict[str, str]]:
    if not CATALOG.is_file():
        return {}
    with CATALOG.open() as fh:
        return {Path(r["file"]).stem: r for r in csv.DictReader(fh, delimiter="\t")}


def fixture_names() -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob("*.npz"))


analysed = analysed_fixture  # cached once per session, shared with the report-text test


def _row(name: str) -> dict[str, str]:
    row = catalog().get(name)
    if row is None:
        pytest.skip("../shared/videos/CATALOG.tsv not available")
    return row


def _dominant_exercise(assessment) -> str:
    """The exercise held longest, quiet standing counting only when nothing else was found."""
    totals: dict[str, float] = {}
    for ex in assessment.exercises:
        totals[ex.exercise] = totals.get(ex.exercise, 0.0) + (ex.t_end_s - ex.t_start_s)
    if len(totals) > 1:
        totals.pop("standing", None)
    return max(totals, key=totals.__getitem__) if totals else "unknown"


@pytest.mark.parametrize("name", fixture_names())
def test_mirrored_clip_gives_the_opposite_verdict(name):
    a = analysed(name)
    b = analysed(name, mirrored=True)
    assert b.verdict.weaker_side == OPPOSITE[a.verdict.weaker_side]
    assert b.verdict.score == pytest.approx(-a.verdict.score, abs=1e-6)
    assert b.view == a.view


MISREAD_POSES = {
    # The plate hides the head; MediaPipe puts the shoulders on the plate and the ankles on the shorts' hem.
    "squat_side_barbell_03",
}
"""Clips whose landmarks are wrong (checked by eye): the view must be ``unknown``, saying why, never a guess."""


@pytest.mark.parametrize("name", [n for n in fixture_names() if n.startswith(("squat_", "lunge_", "gait_", "single"))])
def test_view_matches_catalog(name):
    allowed = VIEW_MAP.get(_row(name)["view"])
    if allowed is None:
        pytest.skip(f"catalog view {_row(name)['view']!r} is mixed or vague")
    a = analysed(name)
    if name in MISREAD_POSES:
        assert a.view == "unknown"
        assert any("misread the body" in r for r in a.verdict.reasons)
        assert a.verdict.weaker_side == "insufficient"
    else:
        assert a.view in allowed


def test_only_misread_poses_fail_the_proportions_check():
    """Every catalog clip but the misread ones has plausible world-landmark proportions."""
    from hipcheck.analysis import LEG_TORSO_MAX, leg_torso_ratio

    for name in fixture_names():
        ratio = leg_torso_ratio(PoseSeries.load_npz(FIXTURES / f"{name}.npz"))
        assert (ratio > LEG_TORSO_MAX) == (name in MISREAD_POSES), f"{name}: legs {ratio:.2f}× the torso"


@pytest.mark.parametrize("name", fixture_names())
def test_exercise_matches_catalog(name):
    row = _row(name)
    if row["whole_body"] != "yes" or row["people"].strip() != "1":
        pytest.skip("partial body or several people: no exercise claim")
    want = expected_exercise(row["exercise"])
    if want is None:
        pytest.skip(f"catalog exercise {row['exercise']!r} is none of hipcheck's tests")
    assert _dominant_exercise(analysed(name)) == want


def test_warrior_clip_holds_standing_then_lunge():
    name = "lunge_front_yoga_warrior2_01"
    if not (FIXTURES / f"{name}.npz").exists():
        pytest.skip("fixture not recorded")
    found = [e.exercise for e in analysed(name).exercises]
    assert "standing" in found and "lunge" in found
    assert found.index("standing") < found.index("lunge")


@pytest.mark.parametrize("name", SYMMETRIC_FRONT_SQUATS)
def test_clearly_symmetric_front_squats_get_none(name):
    if not (FIXTURES / f"{name}.npz").exists():
        pytest.skip("fixture not recorded")
    a = analysed(name)
    assert a.view == "front"
    assert a.verdict.weaker_side == "none", a.verdict.reasons


@pytest.mark.parametrize("name", fixture_names())
def test_landmarks_have_one_row_per_decoded_frame_and_sit_on_the_person(name):
    """What ``hipcheck landmarks`` extracts for every clip with one whole person in it."""
    row = _row(name)
    pose = PoseSeries.load_npz(FIXTURES / f"{name}.npz")
    stride = pose.provenance.stride
    assert len(pose) == -(-int(row["frames"]) // stride)  # one row per decoded frame at this stride
    assert np.all(np.diff(pose.frame_index) == stride)
    if row["whole_body"] != "yes" or row["people"].strip() != "1":
        return
    assert pose.detected.mean() >= 0.6
    xy = pose.xy_px
    shoulder_y = xy[:, [L_SHOULDER, R_SHOULDER], 1].mean(axis=1)
    hip_y = xy[:, [L_HIP, R_HIP], 1].mean(axis=1)
    knee_y = xy[:, [L_KNEE, R_KNEE], 1].mean(axis=1)
    ankle_y = xy[:, [L_ANKLE, R_ANKLE], 1].mean(axis=1)
    span = ankle_y - shoulder_y
    ok = np.isfinite(span) & np.isfinite(hip_y) & np.isfinite(knee_y)
    standing = ok & (span >= 0.85 * np.nanpercentile(span, 90))  # upright frames: body near its full height
    ordered = standing & (hip_y < knee_y) & (knee_y < ankle_y)  # hips above knees above ankles (y down)
    assert ordered.sum() >= 0.9 * standing.sum()
    w, h = pose.resolution_wh
    hips = xy[ok][:, [L_HIP, R_HIP]]
    inside = (hips[..., 0] > 0) & (hips[..., 0] < w) & (hips[..., 1] > 0) & (hips[..., 1] < h)
    assert inside.mean() >= 0.95


def test_side_view_reports_no_frontal_plane_numbers():
    name = "squat_side_bodyweight_armsup_03"
    if not (FIXTURES / f"{name}.npz").exists():
        pytest.skip("fixture not recorded")
    a = analysed(name)
    assert a.view == "side" and a.verdict.weaker_side == "insufficient"
    for col in ("knee_fppa_deg_left", "knee_fppa_deg_right", "pelvic_obliquity_deg", "trunk_lean_deg"):
        assert np.isnan(a.metrics[col]).all(), col
    assert "front or back view" in a.not_measured["knee_fppa_deg"]
    assert np.isfinite(a.metrics["knee_flexion_deg_left"]).any()  # sagittal numbers stay
