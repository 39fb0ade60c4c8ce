"""``hipcheck validate DIR``: error of each metric on clips with known ground truth."""

from __future__ import annotations

import argparse
import math
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

    console = Console(width=max(Console().width, 150))

    def on_clip(c: ClipResult) -> None:
        mark = "ok" if c.verdict_ok else "WRONG"
        line = f"{c.split}/{c.name}: verdict {c.weaker_found} (expected {c.verdict_expected}) {mark}"
        if c.weaker_mirrored:
            line += f"; mirrored {c.weaker_mirrored}" + ("" if c.mirror_ok else " NOT MIRRORED")
        line += f"; yaw {c.yaw_found_deg:+.1f}° (true {c.yaw_true_deg:+.1f}°)"
        for side, share in c.stance_found.items():
            line += f"; {side} stance found in {share:.0%} of its frames"
        console.print(line, markup=False, highlight=False)

    report = validate_dir(args.directory, cache_dir=args.cache, on_clip=on_clip)
    console.print(error_table(report))
    console.print(condition_table(report))
    failures = report.failures()
    for line in failures:
        console.print(f"[red]exceeds tolerance[/red]: {line}")
    return 1 if failures else 0


def error_table(report: ValidationReport) -> Table:
    """The per-metric error table (degrees) and verdict accuracy per split."""
    from rich.table import Table

    table = Table(title="hipcheck validity (measured − true): against the projected joints and the body's 3D truth")
    cols = (
        "metric",
        "split",
        "frames",
        "bias °",
        "MAE °",
        "max |err| °",
        "tol. °",
        "3D bias °",
        "3D MAE °",
        "3D tol. °",
    )
    for col in cols:
        table.add_column(col, justify="left" if col in ("metric", "split") else "right", no_wrap=True)
    body = {(g, s): (bias, mae) for g, s, _, bias, mae, _ in report.table(truth="3d")}
    for group, split, n, bias, mae, mx in report.table():
        tol, tol3 = report.tolerances.get(group), report.tolerances_3d.get(group)
        b3, m3 = body.get((group, split), (float("nan"), float("nan")))
        table.add_row(
            group, split, str(n), f"{bias:+.2f}", f"{mae:.2f}", f"{mx:.2f}", "" if tol is None else f"{tol:.1f}",
            f"{b3:+.2f}", f"{m3:.2f}", "" if tol3 is None else f"{tol3:.1f}",
        )  # fmt: skip
    splits = sorted({c.split for c in report.clips})
    acc = ", ".join(f"{s} {report.verdict_accuracy(s):.0%}" for s in splits)
    mirror = report.mirror_accuracy()
    table.caption = f"verdict accuracy: {acc} (all {report.verdict_accuracy():.0%}, {len(report.clips)} clips)" + (
        f"; mirrored clips flip: {mirror:.0%}" if math.isfinite(mirror) else ""
    )
    return table


def condition_table(report: ValidationReport) -> Table:
    """MAE against the 3D truth and verdict accuracy per recording condition (yaw, lift, outfit, arms)."""
    from rich.table import Table

    table = Table(title="per condition: MAE against the body's 3D truth, and verdicts right")
    for col in ("condition", "value", "metric", "split", "frames", "3D MAE °", "verdicts right"):
        table.add_column(col, justify="left" if col in ("condition", "value", "metric", "split") else "right")
    for key, value, group, split, n, mae, acc in report.condition_table():
        table.add_row(key, value, group, split, str(n), f"{mae:.2f}", f"{acc:.0%}")
    return table
