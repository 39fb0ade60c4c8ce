"""Nothing leaves the machine: ``strace -f -e trace=connect`` on ``hipcheck landmarks``,
``hipcheck analyze`` and ``hipcheck batch`` (with its spawned worker process) of a short real clip
finds no connection to a non-loopback address.

Skips when strace is not installed (``.ci/run`` installs it) or cannot trace here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hipcheck.jobs import JobStore
from support import REPO, first_frames

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="strace is Linux only"),
]
SAMPLE = REPO / "samples" / "stand_hipdiff_left_up3.mp4"
CONNECT = re.compile(
    r"connect\(\d+, \{sa_family=(AF_INET6?),.*?"
    r"(?:inet_addr\(\"([^\"]+)\"\)|inet_pton\(AF_INET6, \"([^\"]+)\")"
)


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 24 frames of a sample (a person in every frame), so the traced runs stay short."""
    return first_frames(SAMPLE, tmp_path_factory.mktemp("clip") / "short.mp4", 24)


def _internet_connects(trace: str) -> list[str]:
    bad = []
    for line in trace.splitlines():
        m = CONNECT.search(line)
        if m is None:
            continue
        addr = m.group(2) or m.group(3) or ""
        if not (addr.startswith("127.") or addr in ("::1", "::ffff:127.0.0.1")):
            bad.append(line.strip())
    return bad


OUTPUT_ARGS = {"landmarks": ["-o", "p.npz"], "analyze": ["-o", "out"], "batch": ["-o", "out", "--workers", "1"]}


@pytest.mark.parametrize("command", sorted(OUTPUT_ARGS))
def test_no_connection_leaves_the_machine(tmp_path: Path, short_clip: Path, command: str) -> None:
    trace = tmp_path / "trace.txt"
    out = [str(tmp_path / a) if a in ("p.npz", "out") else a for a in OUTPUT_ARGS[command]]
    args = [sys.executable, "-m", "hipcheck.cli", command, str(short_clip), *out, "--quiet"]
    res = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=connect,execve", "-o", str(trace), *args],
        check=False, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if res.returncode != 0 and not trace.exists():
        pytest.skip(f"strace cannot trace here: {res.stderr.strip()[:200]}")
    assert res.returncode == 0, res.stderr[-2000:]
    text = trace.read_text()
    if command == "batch":  # the clip was analysed, in a spawned worker process that strace followed
        assert re.search(r'execve\(.*"--multiprocessing-fork"', text), "no worker process was traced"
        with JobStore(tmp_path / "out" / "jobs.sqlite") as store:
            assert [r.state for r in store.rows()] == ["done"]
    assert _internet_connects(text) == []
    assert "warning: MediaPipe could not be kept off the network" not in res.stderr


def test_the_trace_parser_sees_an_internet_connect() -> None:
    line = '123 connect(7, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0'
    local = '124 connect(8, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, 16) = 0'
    v6 = (
        "125 connect(9, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), "
        'inet_pton(AF_INET6, "2a00:1450::1"), sin6_scope_id=0}, 28) = -1'
    )
    assert _internet_connects("\n".join([line, local, v6])) == [line, v6]
