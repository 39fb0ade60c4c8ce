"""The validity benchmark: error table on the committed rendered samples, and its tolerance check."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from hipcheck.lab import ClipResult, ValidationReport
from support import REPO


def _clip(group: str, errors: list[float], split: str = "tune", ok: bool = True, **kw: object) -> ClipResult:
    e = {group: np.asarray(errors)}
    return ClipResult("c", split, e, "left", "left" if ok else "none", "x", (), errors_3d=e, **kw)  # type: ignore[arg-type]


def test_failures_list_groups_whose_mae_against_the_3d_truth_exceeds_the_tolerance():
    report = ValidationReport(
        (_clip("knee_fppa_deg", [1.0, -1.0]), _clip("pelvic_drop_deg/upright", [3.0, -2.5], ok=False))
    )
    assert report.failures() == ["pelvic_drop_deg/upright: mean absolute error against the 3D truth 2.75° > 2.0°"]
    assert report.verdict_accuracy() == 0.5
    (group, split, n, bias, mae, mx), *_ = report.table()
    assert (group, split, n, bias, mae, mx) == ("knee_fppa_deg", "tune", 2, 0.0, 1.0, 1.0)


def test_conditions_and_mirrors_are_tallied():
    a = _clip("knee_fppa_deg", [2.0], conditions={"yaw": "|yaw| 10°"}, weaker_mirrored="right")
    b = _clip("knee_fppa_deg", [4.0], conditions={"yaw": "|yaw| 0°"}, weaker_mirrored="left")
    report = ValidationReport((a, b))
    assert report.mirror_accuracy() == 0.5
    assert report.errors("knee_fppa_deg", truth="3d", where={"yaw": "|yaw| 10°"}).tolist() == [2.0]
    rows = {(key, value): mae for key, value, _, _, _, mae, _ in report.condition_table()}
    assert rows == {("yaw", "|yaw| 0°"): 4.0, ("yaw", "|yaw| 10°"): 2.0}


@pytest.mark.e2e
def test_validate_on_the_committed_samples_meets_the_stated_tolerances(sample_pose_cache):
    res = subprocess.run(  # the pose cache is shared with the report-text test: each sample's pose is made once
        [sys.executable, "-m", "hipcheck.cli", "validate", str(REPO / "samples"), "--cache", str(sample_pose_cache)],
        check=False, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    print(res.stdout)
    assert "hipcheck validity" in res.stdout and "verdict accuracy" in res.stdout
    for group in ("knee_fppa_deg", "pelvic_drop_deg/upright", "pelvic_drop_deg/following"):
        assert group in res.stdout
    assert "per condition" in res.stdout and "NOT MIRRORED" not in res.stdout
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    verdicts = dict(re.findall(r"^(\w+/\w+): verdict .*? (ok|WRONG)\b", res.stdout, flags=re.M))
    assert len(verdicts) == len(list((REPO / "samples").rglob("*.gt.json")))
    wrong = {name for name, mark in verdicts.items() if mark == "WRONG"}
    assert wrong == set(KNOWN_VERDICT_MISSES), f"verdict misses changed: {sorted(wrong)}"


KNOWN_VERDICT_MISSES = {
    # MediaPipe's knee does not follow the rendered front knee inward (true FPPA up to 17.8°, read ≤ −0.1°)
    "tune/lunge_left_valgus": "front-view lunge: knee valgus not seen by the pose model",
    # true 5° drop, read 4.0°: at the 4° one-leg limit (the waistline reads drops ~1° low)
    "heldout/sls_left_drop5_upright": "5° drop read at the one-leg limit",
}
"""Clips whose verdict is not the expected one, and why (README, Accuracy). Any change is a test failure:
a new miss is a regression, a fixed one must be taken off this list."""
