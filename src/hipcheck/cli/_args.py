"""Argument helpers shared by the sub-commands (no library import: ``--help`` stays fast)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
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


def finite_float(text: str) -> float:
    """An argparse ``type``: a finite number (``nan``, ``inf`` and overflowing values are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def bounded_float(low: float, high: float) -> Callable[[str], float]:
    """An argparse ``type``: a finite number in ``[low, high]``."""

    def parse(text: str) -> float:
        value = finite_float(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a number from {low:g} to {high:g}, got {text}")
        return value

    return parse
