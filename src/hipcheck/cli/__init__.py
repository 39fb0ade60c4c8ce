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
import sys
from collections.abc import Sequence

from hipcheck import __version__
from hipcheck.cli import _analyze, _batch, _landmarks, _live, _models, _validate
from hipcheck.errors import HipcheckError

COMMANDS = (_landmarks, _analyze, _batch, _validate, _live, _models)
"""The sub-command modules, in ``--help`` order."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="hipcheck",
        description="Screen squats, lunges and single-leg stands on video for pelvic drop, "
        "knee valgus and hip-height asymmetry. A screening aid, not a diagnosis.",
    )
    parser.add_argument("--version", action="version", version=f"hipcheck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
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
