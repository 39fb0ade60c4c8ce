"""The validity benchmark: error table on the committed rendered samples, and its tolerance check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hipcheck.validate import ClipResult, ValidationReport

ROOT = Path(__file__).resolve().parents[1]


def _clip(group: str, errors: list[float], split: str = "tune", ok: bool = True) -> ClipResult:
    return ClipResult("c", split, {group: np.asarray(errors)}, "left", "left" if ok else "none", "x", ())


def test_failures_list_groups_whose_mae_exceeds_the_tolerance():
    report = ValidationReport(
        (_clip("knee_fppa_deg", [1.0, -1.0]), _clip("pelvic_drop_deg/upright", [3.0, -2.5], ok=False))
    )
    assert report.failures() == ["pelvic_drop_deg/upright: mean absolute error 2.75° > 2.0°"]
    assert report.verdict_accuracy() == 0.5
    (group, split, n, bias, mae, mx), *_ = report.table()
    assert (group, split, n, bias, mae, mx) == ("knee_fppa_deg", "tune", 2, 0.0, 1.0, 1.0)


@pytest.mark.e2e
def test_validate_on_the_committed_samples_meets_the_stated_tolerances(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "hipcheck.cli", "validate", str(ROOT / "samples"), "--cache", str(tmp_path)],
        check=False, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    print(res.stdout)
    assert "hipcheck validity" in res.stdout and "verdict accuracy" in res.stdout
    for group in ("knee_fppa_deg", "pelvic_drop_deg/upright", "pelvic_drop_deg/following"):
        assert group in res.stdout
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
