"""Keep MediaPipe off the network: run its threads where no internet socket can be opened.

MediaPipe wheels newer than 0.10.21 (the ``mediapipe`` 1.2.x hipcheck uses
included) start a usage-logging thread when a task is created; it resolves
``play.googleapis.com`` and uploads to ``https://play.googleapis.com/log``
(Google's "clearcut" logger; google-ai-edge/mediapipe#6291). The wheel offers
no option or environment setting to turn it off: ``BaseOptions`` has none, the
C API exports none, and the open-source tree does not contain the logger.

So hipcheck creates every pose landmarker inside a short-lived thread that
first installs a Linux seccomp filter refusing ``socket(AF_INET | AF_INET6, …)``
with ``EACCES``. A seccomp filter binds the thread that installs it and every
thread it creates afterwards: MediaPipe's own dispatcher thread (which then
runs every call into the C library) and the logging thread it starts. The
rest of the process is untouched, so a web server in the same process keeps
its sockets; local files, pipes and Unix sockets still work for MediaPipe.

Where seccomp is not available (macOS, Windows, a kernel without it) hipcheck
cannot stop the connection itself; :func:`network_guard_status` says why and
the CLI warns once. ``HIPCHECK_ALLOW_MEDIAPIPE_NETWORK=1`` skips the filter.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

ALLOW_ENV_VAR = "HIPCHECK_ALLOW_MEDIAPIPE_NETWORK"
"""Set to ``1`` to let MediaPipe reach the network (hipcheck then installs no filter)."""

# BPF / seccomp constants (linux/filter.h, linux/seccomp.h, linux/audit.h)
_BPF_LD_W_ABS = 0x00 | 0x00 | 0x20
_BPF_JEQ_K = 0x05 | 0x10 | 0x00
_BPF_RET_K = 0x06 | 0x00
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_X32_SYSCALL_BIT = 0x40000000
# machine -> (AUDIT_ARCH_*, __NR_socket)
_ARCHES = {"x86_64": (0xC000003E, 41), "amd64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
_AF_INET, _AF_INET6 = 2, 10


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _program(audit_arch: int, nr_socket: int) -> list[tuple[int, int, int, int]]:
    """``socket(AF_INET|AF_INET6, ...)`` → EACCES; every other call (and other ABIs) allowed.

    seccomp_data: nr at offset 0, arch at 4, args[0] (the address family) at 16 (low word).
    """
    deny = _SECCOMP_RET_ERRNO | errno.EACCES
    return [
        (_BPF_LD_W_ABS, 0, 0, 4),  # arch
        (_BPF_JEQ_K, 0, 6, audit_arch),  # another ABI: allow
        (_BPF_LD_W_ABS, 0, 0, 0),  # syscall number
        (_BPF_JEQ_K, 1, 0, nr_socket),
        (_BPF_JEQ_K, 0, 3, nr_socket | _X32_SYSCALL_BIT if audit_arch == 0xC000003E else nr_socket),
        (_BPF_LD_W_ABS, 0, 0, 16),  # args[0]: domain
        (_BPF_JEQ_K, 2, 0, _AF_INET),
        (_BPF_JEQ_K, 1, 0, _AF_INET6),
        (_BPF_RET_K, 0, 0, _SECCOMP_RET_ALLOW),
        (_BPF_RET_K, 0, 0, deny),
    ]


def _unsupported_reason() -> str:
    if os.environ.get(ALLOW_ENV_VAR) == "1":
        return f"{ALLOW_ENV_VAR}=1 is set"
    if not sys.platform.startswith("linux"):
        return f"no seccomp on {sys.platform}"
    if platform.machine().lower() not in _ARCHES:
        return f"no seccomp program for {platform.machine()}"
    return ""


def deny_internet_sockets_in_this_thread() -> None:
    """Install the seccomp filter in the calling thread (and the threads it creates from now on).

    Irreversible for this thread: call it only in a thread made for the purpose.

    Raises:
        OSError: the kernel refused the filter (no seccomp, or a policy forbids it).
    """
    audit_arch, nr_socket = _ARCHES[platform.machine().lower()]
    prog_list = _program(audit_arch, nr_socket)
    arr = (_SockFilter * len(prog_list))(*[_SockFilter(*ins) for ins in prog_list])
    prog = _SockFprog(len(prog_list), arr)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_NO_NEW_PRIVS): {os.strerror(err)}")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_SECCOMP): {os.strerror(err)}")


_status_lock = threading.Lock()
_status: list[str] = []  # after the first landmarker: [""] = guarded, else [why not]


def network_guard_status() -> str | None:
    """After a pose landmarker was created: ``""`` when MediaPipe's threads are kept off the
    network, else the reason they are not. None while no landmarker was created in this process.
    """
    with _status_lock:
        return _status[-1] if _status else None


def call_offline(fn: Callable[[], T]) -> T:
    """Run ``fn`` (e.g. creating a MediaPipe task) in a new thread that cannot open internet
    sockets, so the threads MediaPipe starts from it cannot either; returns its result or
    re-raises its exception here. Without seccomp, runs ``fn`` as is (see :func:`network_guard_status`).
    """
    reason = _unsupported_reason()
    box: dict[str, object] = {}

    def run() -> None:
        try:
            if not reason:
                try:
                    deny_internet_sockets_in_this_thread()
                    box["status"] = ""
                except OSError as exc:
                    box["status"] = f"the kernel refused the seccomp filter ({exc.strerror or exc})"
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc

    worker = threading.Thread(target=run, name="hipcheck-offline", daemon=True)
    worker.start()
    worker.join()
    with _status_lock:
        _status[:] = [str(box.get("status", reason))]
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


__all__ = ["ALLOW_ENV_VAR", "call_offline", "deny_internet_sockets_in_this_thread", "network_guard_status"]
