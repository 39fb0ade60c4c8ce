"""The web page in real headless Chromium against a real server: upload a clip with a person and a
date, watch the queue reach ``done``, read the verdict, open the person page with a trend over two
sessions. Screenshots are checked to be non-blank. Skips without Playwright or chromium.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest

from support import REPO
from webserver import Server

pytestmark = pytest.mark.e2e
SAMPLE = REPO / "samples" / "sls_left_drop8_upright.mp4"
SHOTS_ENV = "HIPCHECK_SCREENSHOTS"  # a folder to keep the screenshots in (to look at them)


def non_blank(png: bytes) -> float:
    """The grey-level spread of a screenshot (a blank page is ≈ 0)."""
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    return float(image.std())


def test_upload_queue_verdict_and_person_trend(browser, tmp_path: Path) -> None:
    srv = Server(tmp_path / "data", "--workers", "1")
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((srv.url, "data:")) else None)
    try:
        page.goto(srv.url + "/")
        page.fill("#person", "Anna K")
        page.fill("#recorded_on", "2026-10-05")
        page.set_input_files("#video", str(SAMPLE))
        page.click("#submit")
        page.wait_for_selector("#upload-status li.ok-line", timeout=60_000)
        assert "queued" in page.inner_text("#upload-status")
        tmp_path.joinpath("upload.png").write_bytes(page.screenshot(full_page=True))
        page.goto(srv.url + "/jobs")
        page.wait_for_selector("#jobs tr.state-done", timeout=300_000)  # the page updates itself
        result = page.inner_text("#jobs tr.state-done td.result")
        assert result == "likely weaker: left", result
        queue_png = page.screenshot(full_page=True)
        assert non_blank(queue_png) > 10
        # a second session, a few weeks later, through the API
        with SAMPLE.open("rb") as fh:
            res = httpx.post(srv.url + "/api/jobs", files={"video": ("week4.mp4", fh, "video/mp4")},
                             data={"person": "Anna K", "recorded_on": "2026-11-02"}, timeout=120)  # fmt: skip
        assert res.status_code == 201
        srv.wait_state(res.json()["id"], ("done",))
        page.click("#jobs tr.state-done td a")  # the job page of the first clip
        page.wait_for_selector("#job-verdict")
        assert "likely weaker: left" in page.inner_text("#job-verdict")
        frame = page.frame_locator("iframe.report")
        assert "left side looks weaker" in frame.locator("#verdict-text").inner_text(timeout=30_000)
        page.goto(srv.url + "/people")
        page.click("text=Anna K")
        page.wait_for_selector("#trend-sessions")
        rows = page.locator("#trend-sessions tbody tr")
        assert rows.count() == 2
        assert rows.nth(0).locator("td").nth(0).inner_text() == "2026-11-02"  # newest first
        assert page.locator("#trend-note").count() == 0  # two sessions: a trend, not "2 sessions needed"
        trend = page.locator("figure.trend-plot img")
        assert trend.count() == 3  # pelvic drop, knee FPPA, verdict (no standing phase: no hip-height plot)
        assert "not measured in any session" in page.inner_text("#trend")
        assert page.eval_on_selector_all(
            "figure.trend-plot img", "els => els.every(e => e.complete && e.naturalWidth > 300)"
        )
        changes = page.inner_text("#trend-changes")
        assert "Pelvic drop" in changes and "within measurement error" in changes  # the same clip twice: no change
        person_png = page.screenshot(full_page=True)
        assert non_blank(person_png) > 10
        assert non_blank(trend.first.screenshot()) > 10
        keep = Path(os.environ.get(SHOTS_ENV) or tmp_path)
        keep.mkdir(parents=True, exist_ok=True)
        (keep / "person.png").write_bytes(person_png)
        (keep / "queue.png").write_bytes(queue_png)
        assert errors == [] and outside == []
    finally:
        page.close()
        srv.stop()
