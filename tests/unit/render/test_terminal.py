"""Terminal summary."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from hipcheck.render import print_summary


def _text(weaker: str, fake_assessment) -> str:
    buf = io.StringIO()
    print_summary(fake_assessment(weaker), Console(file=buf, width=140, color_system=None))
    return buf.getvalue()


def test_left_summary_names_side_and_numbers(fake_assessment):
    out = _text("left", fake_assessment)
    assert out.startswith("Your left side looks weaker: your pelvis dropped 9.0° when standing on the left leg vs 3.0°")
    assert "Confidence: high (80 %)" in out
    row = next(line for line in out.splitlines() if "Pelvic drop" in line)
    assert [c.strip() for c in row.split("│")[3:8]] == ["9.0", "3.0", "+6.0", "red", "left"]
    assert "not a diagnosis" in out


@pytest.mark.parametrize(("weaker", "start"), [
    ("right", "Your right side looks weaker: your pelvis dropped 9.0° when standing on the right leg vs 3.0°"),
    ("none", "No clear difference between your left and right side"),
    ("insufficient", "Not enough evidence to say which side is weaker: The camera saw you from the side"),
])  # fmt: skip
def test_other_verdicts(weaker, start, fake_assessment):
    out = _text(weaker, fake_assessment)
    assert out.startswith(start)
    assert ".." not in out
    assert ("Confidence" in out) == (weaker != "insufficient")
