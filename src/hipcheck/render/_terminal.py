"""Compact terminal summary of an Assessment (rich): the verdict and the main left/right numbers.

Sides are the person's anatomical sides. Nothing is computed here.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from hipcheck.metrics import METRICS, plain_name, unit_symbol
from hipcheck.render._text import confidence_words, fmt, verdict_sentence, yaw_phrase
from hipcheck.results import Assessment, EvidenceRow

SIDE_STYLE = {"left": "bold blue", "right": "bold dark_orange", "none": "bold green", "insufficient": "bold yellow"}
BAND_STYLE = {"green": "green", "amber": "yellow", "red": "red", "none": "dim"}


def _digits(row: EvidenceRow) -> int:
    info = METRICS.get(row.metric)
    return info.digits if info is not None else 1


def evidence_table(assessment: Assessment) -> Table:
    """The evidence rows as a rich table (metric and unit, test, left, right, L − R, band, weaker side)."""
    table = Table(title="Left vs right (medians over reps)", title_justify="left", expand=False)
    table.add_column("Metric (unit)")
    table.add_column("Test")
    for col in ("Left", "Right", "L − R"):
        table.add_column(col, justify="right")
    table.add_column("Band")
    table.add_column("Weaker")
    for r in assessment.evidence:
        d = _digits(r)
        unit = unit_symbol(r.unit).strip()
        points = Text(r.weaker_side or "–", style=SIDE_STYLE.get(r.weaker_side or "", "dim"))
        table.add_row(
            f"{plain_name(r.metric)} ({unit})", r.exercise.replace("_", " "), fmt(r.left, d), fmt(r.right, d),
            fmt(r.difference, d), Text(r.band, style=BAND_STYLE.get(r.band, "dim")),
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
        con.print(Text(f"not measured – {plain_name(metric)}: {reason}", style="dim"))
    if yaw_phrase(assessment.yaw_deg):
        con.print(Text(f"camera: {assessment.view} view, body {yaw_phrase(assessment.yaw_deg)}", style="dim"))
    con.print(
        Text("A screening aid, not a diagnosis. See a professional for persistent or worsening pain.", style="dim")
    )
