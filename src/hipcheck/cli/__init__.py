"""Command-line entry point ``hipcheck``: a thin shell over the library.

Each sub-command lives in a private module of this package exposing
``register(subparsers)``, which adds its parser and sets ``func(args) -> int``;
a command imports the library only when it runs, so ``hipcheck --version``
and ``--help`` stay fast. Input problems
(:class:`~hipcheck.errors.HipcheckError`) are printed as one line
``hipcheck: error: <message>`` with the error's own exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from hipcheck import __version__
from hipcheck.errors import HipcheckError

COMMANDS: tuple[str, ...] = ("_landmarks", "_analyze", "_validate", "_live", "_models")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args_in = sys.argv[1:] if argv is None else list(argv)
    if args_in == ["--version"]:  # answered before any sub-command (and numpy) is imported
        print(f"hipcheck {__version__}")
        return 0
    parser = build_parser()
    args = parser.parse_args(args_in)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except HipcheckError as exc:
        print(f"hipcheck: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("hipcheck: interrupted", file=sys.stderr)
        return 130


__all__ = ["COMMANDS", "build_parser", "main"]
