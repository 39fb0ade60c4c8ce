"""MediaPipe's threads cannot open internet sockets (``hipcheck.io.call_offline``); the rest of the process can."""

from __future__ import annotations

import socket
import sys
import threading

import pytest

from hipcheck.io import call_offline

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="seccomp is Linux only")


def _try(family: int, kind: int = socket.SOCK_DGRAM) -> str:
    try:
        socket.socket(family, kind).close()
    except PermissionError:
        return "refused"
    return "ok"


def test_the_offline_thread_and_its_children_cannot_open_internet_sockets() -> None:
    def inside() -> dict[str, str]:
        seen = {"inet": _try(socket.AF_INET), "inet6": _try(socket.AF_INET6), "unix": _try(socket.AF_UNIX)}
        child: dict[str, str] = {}
        t = threading.Thread(target=lambda: child.update(inet=_try(socket.AF_INET, socket.SOCK_STREAM)))
        t.start()
        t.join()
        return {**seen, "child_inet": child["inet"]}

    got = call_offline(inside)
    assert got == {"inet": "refused", "inet6": "refused", "unix": "ok", "child_inet": "refused"}
    assert _try(socket.AF_INET) == "ok"  # this thread (and a web server in it) keeps its network


def test_errors_inside_come_back_to_the_caller() -> None:
    def fail() -> None:
        raise ValueError("from the offline thread")

    with pytest.raises(ValueError, match="offline thread"):
        call_offline(fail)
