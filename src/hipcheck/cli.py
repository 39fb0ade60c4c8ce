"""Command-line entry point ``hipcheck``: a thin shell over the library.

Each sub-command lives in a ``cli_<name>.py`` module exposing
``register(subparsers)``, which adds its parser and sets ``func(args) -> int``.
Input problems (:class:`~hipcheck.errors.HipcheckError`) are printed as one
line ``hipcheck: error: <message>`` with the error's own exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from hipcheck import __version__
from hipcheck.errors import HipcheckError

COMMAND_MODULES: tuple[str, ...] = (
    "hipcheck.cli_landmarks",
    "hipcheck.cli_analyze",
    "hipcheck.cli_validate",
    "hipcheck.cli_live",
    "hipcheck.cli_models",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="hipcheck",
        description="Screen squats, lunges and single-leg stands on video for pelvic drop, "
        "knee valgus and hip-height asymmetry. A screening aid, not a diagnosis.",
    )
    parser.add_argument("--version", action="version", version=f"hipcheck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
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


if __name__ == "__main__":
    sys.exit(main())
