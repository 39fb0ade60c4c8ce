"""The HTML report opens in headless Chromium: no console errors, no failed requests, every image loads.

Needs Playwright (pip) and Debian's chromium at /usr/bin/chromium; skips cleanly otherwise.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from hipcheck.render import PoseAnnotator, metrics_row, write_html_report
from support import FIXTURES


def _report(tmp_path, fake_assessment, fake_pose, weaker="left"):
    a = fake_assessment(weaker)
    pose = fake_pose(1, (640, 480))
    frame = PoseAnnotator().annotate(np.full((480, 640, 3), 90, np.uint8), pose.xy_px[0], metrics_row(a, 480),
                                     exercise="single_leg_squat (left)", rep=3)  # fmt: skip
    return write_html_report(a, tmp_path, keyframes={"Left leg: worst rep": frame})


def test_report_loads_offline_with_all_images(browser, tmp_path, fake_assessment, fake_pose):
    path = _report(tmp_path, fake_assessment, fake_pose)
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    errors: list[str] = []
    failed: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    assert errors == []
    assert failed == []
    # only the file itself and its own data: URIs are fetched
    assert all(u.startswith(("file://", "data:")) for u in requests), requests
    n_images = page.eval_on_selector_all("img", "els => els.length")
    broken = page.eval_on_selector_all("img", "els => els.filter(e => !(e.complete && e.naturalWidth > 0)).length")
    assert n_images >= 10 and broken == 0
    verdict = page.inner_text("#verdict-text")
    assert verdict.startswith("Your left side looks weaker: your pelvis dropped 9.0° when standing on the left leg")
    # the plots are laid out at a readable size
    widths = page.eval_on_selector_all("figure img", "els => els.map(e => e.getBoundingClientRect().width)")
    assert min(widths) > 250
    # the verdict is visible at the top of the first screen
    box = page.locator("#verdict-text").bounding_box()
    assert box is not None and box["y"] < 400 and box["height"] > 20
    # a screenshot of the single-leg-squat pelvic drop plot, as rendered, shows blue (left) and orange (right) data
    plot = page.locator("img[alt='single leg squat pelvic drop deg series']")
    shot = cv2.imdecode(np.frombuffer(plot.screenshot(), np.uint8), cv2.IMREAD_COLOR).astype(int)
    assert shot.shape[1] > 250
    for rgb in ((0x25, 0x63, 0xEB), (0xEA, 0x58, 0x0C)):
        near = (np.abs(shot - rgb[::-1]).sum(axis=2) < 40).sum()
        assert near > 500, (rgb, near)
    page.close()


FIXTURE = FIXTURES / "squat_front_bodyweight_wide_01.npz"


def test_report_of_recorded_clip_loads(browser, tmp_path):
    """A real clip's landmarks (recorded fixture) through the real analysis, rendered and opened."""
    if not FIXTURE.exists():
        pytest.skip(f"{FIXTURE.name} not recorded")
    from hipcheck import analysis
    from hipcheck.landmarks import PoseSeries

    a = analysis.analyze_pose(PoseSeries.load_npz(FIXTURE))
    path = write_html_report(a, tmp_path)
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: problems.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    assert problems == []
    assert page.inner_text("#verdict-text").strip()
    n = page.eval_on_selector_all("img", "els => els.filter(e => e.complete && e.naturalWidth > 0).length")
    assert n == page.eval_on_selector_all("img", "els => els.length") >= 2  # squat plots
    page.close()


def test_insufficient_report_renders_reasons(browser, tmp_path, fake_assessment, fake_pose):
    path = _report(tmp_path, fake_assessment, fake_pose, "insufficient")
    page = browser.new_page()
    page.goto(path.as_uri(), wait_until="load")
    assert "Not enough evidence" in page.inner_text("#verdict-text")
    assert "Re-record to get a verdict" in page.inner_text("#plan ~ h3")
    page.close()
