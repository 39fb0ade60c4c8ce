"""Command-line entry point ``hipcheck``: a thin shell over the library.

Each sub-command lives in a private module of this package exposing
``register(subparsers)``, which adds its parser and sets ``func(args) -> int``;
a command imports the library only when it runs, so ``hipcheck --version``
and ``--help`` stay fast.

One error path: every failure ends in one line ``hipcheck: error: <path>:
<problem>`` on stderr and an exit code of :data:`hipcheck.errors.EXIT_CODES`
(the README's table), never a traceback: input, model and output problems
(:class:`~hipcheck.errors.HipcheckError`) with their own code, an ``OSError``
nobody expected with 3 (not found) or 11 (cannot write), Ctrl-C and SIGTERM
with 130, and anything else (a bug) with 1 (``HIPCHECK_DEBUG=1`` shows its
traceback). Warnings are one line each, ``hipcheck: warning: ...``.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import signal
import sys
import warnings
from collections.abc import Sequence
from types import FrameType

from hipcheck import __version__
from hipcheck.errors import HipcheckError, OutputError

COMMANDS: tuple[str, ...] = ("_landmarks", "_analyze", "_batch", "_history", "_serve", "_validate", "_live", "_models")
"""The sub-command modules of this package, in ``--help`` order (imported when the parser is built, so
``hipcheck --version`` imports none of them, nor numpy)."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="hipcheck",
        description="Screen squats, lunges and single-leg stands on video for pelvic drop, "
        "knee valgus and hip-height asymmetry. A screening aid, not a diagnosis.",
    )
    parser.add_argument("--version", action="version", version=f"hipcheck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"hipcheck.cli.{name}").register(sub)
    return parser


DEBUG_ENV_VAR = "HIPCHECK_DEBUG"
"""Set to ``1`` to see the traceback of an internal error instead of its one line."""
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EISDIR})


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM ends a run like Ctrl-C: temporary files removed, exit 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code (see :data:`hipcheck.errors.EXIT_CODES`)."""
    args_in = sys.argv[1:] if argv is None else list(argv)
    if args_in == ["--version"]:  # answered before any sub-command (and numpy) is imported
        print(f"hipcheck {__version__}")
        return 0
    parser = build_parser()
    args = parser.parse_args(args_in)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    previous = signal.signal(signal.SIGTERM, _interrupt) if args.command != "live" else None
    try:
        with warnings.catch_warnings():
            if os.environ.get(DEBUG_ENV_VAR) != "1":  # NaN arithmetic on missing landmarks is expected
                warnings.simplefilter("ignore", RuntimeWarning)
            return int(args.func(args))
    except BaseException as exc:
        if isinstance(exc, SystemExit | GeneratorExit):
            raise
        return _exit_code(exc)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        _warn_network_guard()


def _exit_code(exc: BaseException) -> int:
    """The one line and the exit code of an exception that reached the shell."""
    if isinstance(exc, HipcheckError):
        return error(str(exc), exc.exit_code)
    if isinstance(exc, KeyboardInterrupt):
        print("hipcheck: interrupted", file=sys.stderr)
        return 130
    if isinstance(exc, BrokenPipeError):  # e.g. `hipcheck analyze --json ... | head`: nothing more to print
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    if isinstance(exc, OSError) and exc.errno == errno.ENOENT:
        return error(f"{exc.filename or 'input'}: no such file or folder", 3)
    if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
        out = OutputError(f"{exc.filename or 'output'}: cannot write ({(exc.strerror or '').lower()})")
        return error(str(out), out.exit_code)
    return _internal(exc)


def error(message: str, code: int) -> int:
    """Print ``hipcheck: error: <message>`` (one line) on stderr and return ``code``."""
    print(f"hipcheck: error: {' '.join(message.split())}", file=sys.stderr)
    return code


def warn(message: str) -> None:
    """Print ``hipcheck: warning: <message>`` (one line) on stderr."""
    print(f"hipcheck: warning: {' '.join(message.split())}", file=sys.stderr)


def _internal(exc: BaseException) -> int:
    if os.environ.get(DEBUG_ENV_VAR) == "1":
        raise exc
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return error(f"internal error ({detail}); please report it ({DEBUG_ENV_VAR}=1 shows the traceback)", 1)


def _warn_network_guard() -> None:
    offline = sys.modules.get("hipcheck.io._offline")
    status = getattr(offline, "network_guard_status", lambda: None)()
    if status:
        warn(f"MediaPipe could not be kept off the network ({status}); see the README's privacy section")


__all__ = ["COMMANDS", "DEBUG_ENV_VAR", "build_parser", "error", "main", "warn"]
