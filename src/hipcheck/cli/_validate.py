"""``hipcheck validate DIR``: error of each metric on clips with known ground truth."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from hipcheck.cli._args import Subparsers

if TYPE_CHECKING:
    from rich.table import Table

    from hipcheck.lab import ClipResult, ValidationReport


def register(sub: Subparsers) -> None:
    """Add the ``validate`` sub-command."""
    p = sub.add_parser(
        "validate",
        help="measure the error of every metric on rendered clips with ground truth",
        description="Run the full analysis on every <clip>.mp4 with a <clip>.gt.json in DIR and print, per "
        "metric, the mean and max absolute error in degrees and the verdict accuracy. Exits 1 when a "
        "stated tolerance is exceeded.",
    )
    p.add_argument("directory", nargs="?", type=Path, default=Path("samples"), metavar="DIR")
    p.add_argument("--cache", type=Path, default=None, help="pose cache folder (default DIR/.hipcheck_cache)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate and print the error table; 1 when a tolerance is exceeded."""
    from rich.console import Console

    from hipcheck.lab import validate_dir

    console = Console(width=max(Console().width, 110))

    def on_clip(c: ClipResult) -> None:
        mark = "ok" if c.verdict_ok else "WRONG"
        line = f"{c.split}/{c.name}: verdict {c.weaker_found} (expected {c.verdict_expected}) {mark}"
        console.print(line, markup=False, highlight=False)

    report = validate_dir(args.directory, cache_dir=args.cache, on_clip=on_clip)
    console.print(error_table(report))
    failures = report.failures()
    for line in failures:
        console.print(f"[red]exceeds tolerance[/red]: {line}")
    return 1 if failures else 0


def error_table(report: ValidationReport) -> Table:
    """The per-metric error table (degrees) and verdict accuracy per split."""
    from rich.table import Table

    table = Table(title="hipcheck validity (measured − true)")
    for col in ("metric", "split", "frames", "bias °", "MAE °", "max |err| °", "tolerance (MAE) °"):
        table.add_column(col, justify="left" if col in ("metric", "split") else "right", no_wrap=True)
    for group, split, n, bias, mae, mx in report.table():
        tol = report.tolerances.get(group)
        table.add_row(
            group, split, str(n), f"{bias:+.2f}", f"{mae:.2f}", f"{mx:.2f}", "" if tol is None else f"{tol:.1f}"
        )
    splits = sorted({c.split for c in report.clips})
    acc = ", ".join(f"{s} {report.verdict_accuracy(s):.0%}" for s in splits)
    table.caption = f"verdict accuracy: {acc} (all {report.verdict_accuracy():.0%}, {len(report.clips)} clips)"
    return table
