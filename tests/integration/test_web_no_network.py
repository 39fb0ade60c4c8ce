"""Nothing leaves the machine while ``hipcheck serve`` takes an upload and analyses it:
``strace -f -e trace=connect`` over the server and its worker processes finds no connection to a
non-loopback address. Skips when strace is missing or cannot trace here.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import httpx
import pytest
from test_no_network import _internet_connects, short_clip

from webserver import Server

__all__ = ["short_clip"]  # the fixture, shared with the CLI's no-network test
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="strace is Linux only"),
]


def test_serve_handling_an_upload_connects_nowhere(tmp_path: Path, short_clip: Path) -> None:
    trace = tmp_path / "trace.txt"
    prefix = ("strace", "-f", "-qq", "-e", "trace=connect,execve", "-o", str(trace))
    try:
        srv = Server(tmp_path / "data", "--workers", "1", prefix=prefix)
    except RuntimeError as exc:
        pytest.skip(f"strace cannot trace the server here: {str(exc)[:200]}")
    try:
        with short_clip.open("rb") as fh:
            res = httpx.post(srv.url + "/api/jobs", files={"video": ("short.mp4", fh, "video/mp4")},
                             data={"person": "strace", "recorded_on": "2026-11-30"}, timeout=120)  # fmt: skip
        assert res.status_code == 201, res.text
        job = srv.wait_state(res.json()["id"], ("done", "failed"), timeout_s=600)
        assert job["state"] == "done", job
    finally:
        srv.stop()
    text = trace.read_text()
    execs = [line for line in text.splitlines() if "execve(" in line and "= 0" in line]
    assert len(execs) >= 2, execs  # the server and at least one worker process were traced
    assert _internet_connects(text) == []
    assert not any("MediaPipe could not be kept off the network" in line for line in srv.stderr)
