"""Argument helpers shared by the sub-commands (no library import: ``--help`` stays fast)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from hipcheck.analysis import AnalysisOptions

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


def add_analysis_options(p: argparse.ArgumentParser) -> None:
    """The options of one analysis, as ``hipcheck analyze`` and ``hipcheck batch`` take them
    (``--exercise``, ``--roll``, ``--sex``, ``--height-cm``); :func:`analysis_options` turns them
    into ``AnalysisOptions``.
    """
    from hipcheck.types import TEST_EXERCISES

    p.add_argument(
        "--exercise", choices=TEST_EXERCISES, default=None, help="skip recognition: the clip is this exercise"
    )
    p.add_argument(
        "--roll", type=bounded_float(-45.0, 45.0), default=None, metavar="DEG",
        help="camera roll in degrees, -45 to 45 (default: estimate)",
    )  # fmt: skip
    p.add_argument("--sex", choices=("f", "m"), default=None, help="selects sex-specific reference values")
    p.add_argument(
        "--height-cm", type=bounded_float(50.0, 250.0), default=None,
        help="body height in cm (50-250), for the hip-height difference in cm",
    )  # fmt: skip


def add_data_option(p: argparse.ArgumentParser) -> None:
    """``--data DIR``: the history's data folder (else ``$HIPCHECK_DATA``, else the user's data folder)."""
    p.add_argument(
        "--data", type=Path, default=None, metavar="DIR",
        help="the history's data folder (default: $HIPCHECK_DATA, else ~/.local/share/hipcheck)",
    )  # fmt: skip


def add_history_options(p: argparse.ArgumentParser) -> None:
    """``--person NAME``, ``--recorded-on YYYY-MM-DD`` and ``--data DIR``: add each analysed clip to the
    person's history (``hipcheck history``).
    """
    p.add_argument("--person", default=None, metavar="NAME", help="who is in the clip(s): add each to their history")
    p.add_argument(
        "--recorded-on", default=None, metavar="YYYY-MM-DD",
        help="the date the clip(s) were filmed (default: the date in the file; never today)",
    )  # fmt: skip
    add_data_option(p)


def history_dates(args: argparse.Namespace, sources: list[Path]) -> list[str | None] | None:
    """The recording date of each source for ``--person`` (None without it): ``--recorded-on``, else the
    file's own date (:func:`hipcheck.jobs.session_date`), checked before any analysis. A file that does
    not exist gets None: its analysis fails with its own error.
    """
    from hipcheck.errors import UsageError
    from hipcheck.jobs import check_date, check_person, session_date

    if args.person is None:
        if args.recorded_on is not None or args.data is not None:
            raise UsageError("--recorded-on and --data need --person NAME")
        return None
    check_person(args.person)
    given = None if args.recorded_on is None else check_date(args.recorded_on)
    return [session_date(src, given) if src.is_file() else None for src in sources]


def analysis_options(args: argparse.Namespace) -> AnalysisOptions:
    """``AnalysisOptions`` from the flags of :func:`add_analysis_options` (a height outside 50–250 cm is a
    :class:`~hipcheck.errors.UsageError`).
    """
    from hipcheck.analysis import AnalysisOptions
    from hipcheck.errors import UsageError

    if args.height_cm is not None and not 50 <= args.height_cm <= 250:
        raise UsageError(f"--height-cm {args.height_cm}: expected a body height between 50 and 250 cm")
    return AnalysisOptions(
        exercise=args.exercise, roll_deg=args.roll, sex=args.sex,
        body_height_m=None if args.height_cm is None else args.height_cm / 100.0,
    )  # fmt: skip
