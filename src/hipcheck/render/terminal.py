"""Compact terminal summary of an Assessment (rich): the verdict and the main left/right numbers.

Sides are the person's anatomical sides. Nothing is computed here.
"""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table
from rich.text import Text

from hipcheck.program import metric_name
from hipcheck.results import Assessment, EvidenceRow

from .report_html import confidence_words, fmt, unit_text, verdict_sentence

SIDE_STYLE = {"left": "bold blue", "right": "bold dark_orange", "none": "bold green", "insufficient": "bold yellow"}
BAND_STYLE = {"green": "green", "amber": "yellow", "red": "red", "none": "dim"}


def _digits(row: EvidenceRow) -> int:
    return 2 if row.unit in ("ratio", "hip widths") else 1


def evidence_table(assessment: Assessment) -> Table:
    """The evidence rows as a rich table (metric, test, left, right, L − R, band, points to)."""
    table = Table(title="Left vs right (medians over reps)", title_justify="left", expand=False)
    for col, kw in (("Metric", {}), ("Test", {}), ("Left", {"justify": "right"}), ("Right", {"justify": "right"}),
                    ("L − R", {"justify": "right"}), ("Band", {}), ("Points to", {})):  # fmt: skip
        table.add_column(col, **kw)  # type: ignore[arg-type]
    for r in assessment.evidence:
        d = _digits(r)
        u = unit_text(r.unit)
        right = "–" if not math.isfinite(r.right) else f"{fmt(r.right, d)}{u}"
        points = Text(r.weaker_side or "–", style=SIDE_STYLE.get(r.weaker_side or "", "dim"))
        table.add_row(
            metric_name(r.metric), r.exercise.replace("_", " "), f"{fmt(r.left, d)}{u}", right,
            f"{fmt(r.difference, d)}{u}", Text(r.band, style=BAND_STYLE.get(r.band, "dim")),
            points if r.finding else Text("–", style="dim"),
        )  # fmt: skip
    return table


def print_summary(assessment: Assessment, console: Console | None = None) -> None:
    """Print the verdict, its confidence, what was not measured and the evidence table."""
    con = console or Console()
    v = assessment.verdict
    con.print(Text(verdict_sentence(assessment), style=SIDE_STYLE.get(v.weaker_side, "bold")))
    if v.weaker_side != "insufficient":
        con.print(f"Confidence: {confidence_words(v.confidence)} ({fmt(100 * v.confidence, 0)} %)")
    if assessment.evidence:
        con.print(evidence_table(assessment))
    for metric, reason in assessment.not_measured.items():
        con.print(Text(f"not measured – {metric_name(metric)}: {reason}", style="dim"))
    con.print(
        Text("A screening aid, not a diagnosis. See a professional for persistent or worsening pain.", style="dim")
    )
