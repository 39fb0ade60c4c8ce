"""The real ``hipcheck live`` window under Xvfb: screenshot, overlay and prompt drawn, keys work.

Needs the Debian packages xvfb, x11-apps (xwd), x11-utils (xwininfo) and xdotool;
skips cleanly when any is missing. Starts its own Xvfb on a free display.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from hipcheck.render import LEFT_BGR, RIGHT_BGR
from support import SHARED_VIDEOS

CLIP = SHARED_VIDEOS / "squat_front_bodyweight_wide_01.mp4"  # 1280x720, bright wall: no burned-in overlay
TOOLS = ("Xvfb", "xwd", "xwininfo", "xdotool")

pytestmark = [pytest.mark.e2e, pytest.mark.shared_videos]


def read_xwd(data: bytes) -> np.ndarray:
    """BGR image of an X window dump (ZPixmap, 24/32 bits per pixel, as xwd writes from Xvfb)."""
    h = np.frombuffer(data[:100], ">u4")
    header_size, width, height, byte_order, bpp, bpl, ncolors = (int(h[i]) for i in (0, 4, 5, 7, 11, 12, 19))
    nb = bpp // 8
    assert nb in (3, 4), f"unsupported xwd pixel size {bpp}"
    off = header_size + ncolors * 12
    rows = np.frombuffer(data[off : off + bpl * height], np.uint8).reshape(height, bpl)
    img = rows[:, : width * nb].reshape(height, width, nb)
    if byte_order == 1:  # MSBFirst: xRGB
        img = img[..., ::-1]
    return np.ascontiguousarray(img[..., :3])


@pytest.fixture
def display() -> Iterator[str]:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"missing {', '.join(missing)} (apt-get install xvfb x11-apps x11-utils xdotool)")
    r, w = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(w), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(w)
    with os.fdopen(r) as fh:
        number = fh.readline().strip()
    if not number:
        xvfb.kill()
        pytest.skip("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        xvfb.terminate()
        xvfb.wait(10)


def _x(env: dict[str, str], *cmd: str) -> str:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=30, check=False).stdout


def _find_window(env: dict[str, str], proc: subprocess.Popen[str], timeout_s: float = 90) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ids = _x(env, "xdotool", "search", "--name", "^hipcheck live$").split()
        if ids:
            return ids[0]
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"live exited (code {proc.returncode}) before its window appeared: {err[-2000:]} {out[-500:]}")
        time.sleep(0.3)
    pytest.fail("no 'hipcheck live' window appeared")


def _geometry(env: dict[str, str], wid: str) -> tuple[int, int, int, int]:
    info = _x(env, "xwininfo", "-id", wid)
    get = {
        k: int(re.search(rf"{k}:\s+(-?\d+)", info).group(1))
        for k in ("Absolute upper-left X", "Absolute upper-left Y", "Width", "Height")
    }  # type: ignore[union-attr]
    return get["Absolute upper-left X"], get["Absolute upper-left Y"], get["Width"], get["Height"]


def _near(img: np.ndarray, bgr: tuple[int, int, int], tol: int = 40) -> int:
    return int((np.abs(img.astype(int) - np.array(bgr)).sum(axis=2) < tol).sum())


def test_window_shows_overlay_and_prompt_and_quits_on_q(display, tmp_path):
    if not CLIP.exists():
        pytest.skip(f"{CLIP.name} not available (../shared/videos)")
    env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
    out = tmp_path / "win"
    cmd = [sys.executable, "-m", "hipcheck.cli", "live", "--source", str(CLIP), "--realtime", "--no-analysis",
           "--protocol", "squat", "--framing-timeout", "1", "-o", str(out)]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wid = _find_window(env, proc)
        time.sleep(4.0)  # pose results arrive, framing → countdown
        shot = read_xwd(subprocess.run(["xwd", "-root", "-silent"], env=env, capture_output=True, timeout=30,
                                       check=True).stdout)  # fmt: skip
        x, y, w, h = _geometry(env, wid)
        win = shot[max(y, 0) : y + h, max(x, 0) : x + w]
        cv2.imwrite(str(tmp_path / "screenshot.png"), win)  # kept for a failing run
        assert win.shape[0] > 200 and win.shape[1] > 300
        # skeleton: both side colours drawn
        assert _near(win, LEFT_BGR) > 100 and _near(win, RIGHT_BGR) > 100
        # prompt banner: dark rows (the darkened top of a bright frame) carrying white text
        grey = win.mean(axis=2)
        text_rows = [(np.median(row) < 120) and ((row > 235).sum() > 10) for row in grey]
        assert sum(text_rows) >= 8
        assert np.median(grey) > 130  # the rest of the picture is the bright studio
        _x(env, "xdotool", "windowfocus", "--sync", wid)
        _x(env, "xdotool", "key", "--window", wid, "q")
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            _x(env, "xdotool", "windowfocus", wid, "key", "q")
            proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode == 0
    log = json.loads((out / "session.json").read_text())
    assert log["end_reason"] == "quit"
