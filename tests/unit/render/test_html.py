"""The HTML report: one self-contained file, escaped text, every section present."""

from __future__ import annotations

import dataclasses
import math
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from hipcheck.assessment import build_plan
from hipcheck.render import finding_phrase, render_html, verdict_sentence, write_html_report
from hipcheck.results import EvidenceRow


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            self.attrs.append((tag, k, v or ""))
            if k == "id":
                self.ids.add(v or "")


def _parse(text: str) -> _Collect:
    p = _Collect()
    p.feed(text)
    p.close()
    return p


@pytest.mark.parametrize("weaker", ["left", "insufficient"])
def test_report_is_self_contained(tmp_path, weaker, fake_assessment):
    frame = np.full((1080, 1920, 3), 120, np.uint8)
    path = write_html_report(fake_assessment(weaker), tmp_path / "out", keyframes={"Left leg: rep 2": frame})
    assert path == tmp_path / "out" / "report.html"
    assert sorted(p.name for p in path.parent.iterdir()) == ["report.html"]
    text = path.read_text(encoding="utf-8")
    doc = _parse(text)
    assert "script" not in doc.tags and "link" not in doc.tags and "iframe" not in doc.tags
    for tag, key, value in doc.attrs:
        if key in ("src", "href", "srcset", "action", "poster", "data"):
            assert value.startswith(("data:", "#")), (tag, key, value[:80])
    urls = re.findall(r"url\(([^)]*)\)", text)
    assert all(u.strip("'\"").startswith("data:") for u in urls)
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:|//)", text)
    assert "@import" not in text
    assert {"verdict", "verdict-text", "evidence", "plan", "provenance", "note"} <= doc.ids
    jpgs = [v for _, k, v in doc.attrs if k == "src" and v.startswith("data:image/jpeg;base64,")]
    assert len(jpgs) == 1
    pngs = [v for _, k, v in doc.attrs if k == "src" and v.startswith("data:image/png;base64,")]
    assert (len(pngs) >= 10) == (weaker != "insufficient")


def test_verdict_in_plain_words(fake_assessment):
    a = fake_assessment("left")
    assert verdict_sentence(a) == (
        "Your left side looks weaker: your pelvis dropped 9.0° when standing on the left leg vs 3.0° on the right "
        "(single leg squat); your left knee moved inward by 16.0° vs 7.0° on the right (single leg squat)."
    )
    assert verdict_sentence(fake_assessment("right")).startswith(
        "Your right side looks weaker: your pelvis dropped 9.0° when standing on the right leg vs 3.0° on the left"
    )
    assert verdict_sentence(fake_assessment("none")).startswith("No clear difference")
    assert verdict_sentence(fake_assessment("insufficient")) == (
        "Not enough evidence to say which side is weaker: The camera saw you from the side: pelvic drop needs a "
        "front or back view."
    )


def test_none_with_disagreeing_findings_is_worded_honestly(fake_assessment):
    a = fake_assessment("none")
    row = dataclasses.replace(a.evidence[0], finding=True, weaker_side="right")
    a = dataclasses.replace(a, evidence=[row, *a.evidence[1:]])
    assert verdict_sentence(a).startswith("No clear weaker side: the left/right differences found were small")


def test_balance_and_shift_phrases():
    hold = EvidenceRow("balance_hold_s", "single_leg_stance", 3.1, 5.0, -1.9, 0.2, "s", "", "", finding=True,
                       weaker_side="left")  # fmt: skip
    assert finding_phrase(hold, "left") == "you balanced on the left leg for 3.1 s vs 5.0 s on the right"
    shift = EvidenceRow("lateral_pelvic_shift", "squat", -0.3, math.nan, -0.3, 0.05, "hip widths", "", "")
    assert finding_phrase(shift, "left") == "your hips shifted toward the right in the squat (0.30 hip widths)"


@pytest.fixture(scope="module")
def left_html(fake_assessment) -> str:
    return render_html(fake_assessment("left"))


def test_everything_is_escaped(fake_assessment):
    a = fake_assessment("left")
    evil = "<script>alert(1)</script>"
    rows = [dataclasses.replace(a.evidence[0], reference=evil, source="<img src=x onerror=alert(2)>"), *a.evidence[1:]]
    a = dataclasses.replace(a, evidence=rows, not_measured={"x": evil}, exercises=[],
                            provenance={**a.provenance, "source_path": "/tmp/<b>clip</b>.mp4"})  # fmt: skip
    text = render_html(a)
    doc = _parse(text)
    assert "script" not in doc.tags and "b" not in doc.tags
    assert not any(t == "img" and v == "x" for t, k, v in doc.attrs if k == "src")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_report_contains_numbers_plan_provenance_and_note(left_html):
    text = left_html
    for needle in (
        "Confidence: high (80 %)",
        "Nakagawa et al. 2012, JOSPT 42:491",  # reference source in the evidence table
        "What could not be measured", "no single-leg deadlift in the clip",
        "Start every one-leg exercise with your left side.",
        "Clamshell", "10-20 slow: left 4 sets, right 2 sets",
        "a" * 64, "b" * 64, "Frame rate (frames/s)", "Camera roll used", "0.7°",
        "2D FPPA SEM 2.7–3.0°",  # measurement error per metric
        "not a diagnosis", "See a physiotherapist or doctor",
    ):  # fmt: skip
        assert needle in text, needle


def test_plan_from_assessment_is_used_when_present(fake_assessment):
    a = fake_assessment("left")
    plan = dataclasses.replace(build_plan(a.verdict, a.evidence), headline="A custom headline from the analysis")
    text = render_html(dataclasses.replace(a, plan=plan, exercises=[]))  # no exercises: no plots, fast
    assert "A custom headline from the analysis" in text


def test_given_plot_pngs_are_embedded_not_redrawn(tmp_path, fake_assessment):
    a = fake_assessment("left")
    a = dataclasses.replace(a, exercises=[e for e in a.exercises if e.exercise == "squat"])  # 2 plots: fast
    from hipcheck.render import save_plots

    paths = save_plots(a, tmp_path)
    pngs = {p.stem: p.read_bytes() for p in paths}
    marker = pngs["squat_knee_fppa_deg_reps"]
    text = render_html(a, plot_pngs=pngs)
    import base64

    assert base64.b64encode(marker).decode() in text
    fake = {"squat_knee_fppa_deg_reps": b"\x89PNG-not-really"}
    assert base64.b64encode(fake["squat_knee_fppa_deg_reps"]).decode() in render_html(a, plot_pngs=fake)


def test_verdict_sentence_for_one_tested_leg_says_the_other_was_not_tested():
    import math

    from hipcheck.render import finding_phrase
    from hipcheck.results import EvidenceRow

    row = EvidenceRow("pelvic_drop_deg", "single_leg_stance", 6.5, math.nan, math.nan, math.nan, "deg", "", "",
                      finding=True, weaker_side="left")  # fmt: skip
    text = finding_phrase(row, "left")
    assert "dropped 6.5° when standing on the left leg" in text and "right leg not tested" in text
    assert "–" not in text
