"""The trend page opens in headless Chromium offline: no console errors, nothing fetched but the file and
its data: URIs, every plot loads, and a screenshot of a plot shows the left (blue) and right (orange) data.

Needs Playwright (pip) and Debian's chromium at /usr/bin/chromium; skips cleanly otherwise.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from hipcheck.jobs import ClipSpec, Headline, JobStore, clip_id, write_trend_html
from hipcheck.render import SIDE_HEX

SESSIONS = (
    ("2026-01-05", "left", 0.8, 8.0, 3.0, 14.0, 9.0, 2.0),
    ("2026-01-19", "left", 0.6, 6.5, math.nan, 12.0, 8.5, 1.5),
    ("2026-02-02", "none", 0.55, 5.0, 3.5, math.nan, math.nan, 0.8),
    ("2026-03-02", "none", 0.7, 4.0, 3.2, 5.0, 8.0, -0.5),
)


def trend_page(tmp_path: Path) -> Path:
    with JobStore(tmp_path / "h.sqlite") as store:
        for day, verdict, conf, dl, dr, kl, kr, hip in SESSIONS:
            name = f"sls_{day}.mp4"
            spec = ClipSpec(clip_id(name, "ab" * 32), name, f"/c/{name}", "ab" * 32, {}, "0", "cd", "anna", day)
            head = Headline(verdict, conf, "front", "single_leg_squat", dl, dr, 2.7, kl, kr, 7.5, hip, 3.0)
            store.record(spec, head, str(tmp_path / name))
        rows = store.sessions("anna")
    return write_trend_html(tmp_path / "trend.html", "anna", rows, report_url=lambda r: None)


def test_the_trend_page_loads_offline_with_its_plots(browser, tmp_path: Path) -> None:
    path = trend_page(tmp_path)
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    assert errors == []
    assert all(u.startswith(("file://", "data:")) for u in requests), requests
    broken = page.eval_on_selector_all("img", "els => els.filter(e => !(e.complete && e.naturalWidth > 0)).length")
    assert page.eval_on_selector_all("img", "els => els.length") == 4 and broken == 0
    assert page.inner_text("#trend-changes tbody tr:first-child").split("\t")[-1].strip() == "a real change"
    assert page.eval_on_selector_all("#trend-sessions tbody tr", "els => els.length") == 4
    shot = page.screenshot(full_page=True)
    (tmp_path / "trend.png").write_bytes(shot)
    image = cv2.imdecode(np.frombuffer(shot, np.uint8), cv2.IMREAD_COLOR).astype(int)
    assert image.std() > 20  # not blank
    plot = page.locator("#trend-pelvic_drop img")
    assert plot.bounding_box()["width"] > 600  # type: ignore[index]
    pixels = cv2.imdecode(np.frombuffer(plot.screenshot(), np.uint8), cv2.IMREAD_COLOR).astype(int)
    for side in ("left", "right"):
        rgb = tuple(int(SIDE_HEX[side][k : k + 2], 16) for k in (1, 3, 5))
        near = (np.abs(pixels - rgb[::-1]).sum(axis=2) < 40).sum()
        assert near > 200, (side, near)
    page.close()
