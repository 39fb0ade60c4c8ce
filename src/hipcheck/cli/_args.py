"""Argument helpers shared by the sub-commands (no library import: ``--help`` stays fast)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
    """What ``ArgumentParser.add_subparsers()`` returns: each command's ``register`` adds its parser to it."""
else:
    Subparsers = argparse._SubParsersAction


def add_model_option(p: argparse.ArgumentParser) -> None:
    """``--model PATH``: a pose model ``.task`` bundle instead of the bundled one."""
    p.add_argument(
        "--model", type=Path, default=None, metavar="PATH", help="pose model .task (default: the bundled model)"
    )
