"""Compact terminal summary of an Assessment (rich): the verdict and the main left/right numbers.

Sides are the person's anatomical sides. Nothing is computed here.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from hipcheck.assessment import evidence_kind
from hipcheck.metrics import format_metric, plain_name, unit_symbol
from hipcheck.render._text import (
    BAND_WORDS,
    confidence_line,
    is_whole_body,
    shown_difference,
    verdict_sentence,
    yaw_phrase,
)
from hipcheck.results import Assessment

SIDE_STYLE = {"left": "bold blue", "right": "bold dark_orange", "none": "bold green", "insufficient": "bold yellow"}
BAND_STYLE = {"green": "green", "amber": "yellow", "red": "red", "none": "dim"}


def evidence_table(assessment: Assessment) -> Table:
    """The evidence rows as a rich table (metric and unit, test, left, right, L − R, band, weaker side).

    Numbers with the registry's decimals, without the unit (it heads the row); a whole-body value
    stands in the Left column with "whole body" beside it.
    """
    table = Table(title="Left vs right (medians over reps)", title_justify="left", expand=False)
    table.add_column("Metric (unit)")
    table.add_column("Test")
    for col in ("Left", "Right", "L − R"):
        table.add_column(col, justify="right")
    table.add_column("Band")
    table.add_column("Weaker")
    for r in assessment.evidence:
        unit = unit_symbol(r.unit).strip()
        name = f"{plain_name(r.metric)} ({unit})" if unit else plain_name(r.metric)
        points = Text(r.weaker_side or "–", style=SIDE_STYLE.get(r.weaker_side or "", "dim"))
        if is_whole_body(r):
            left = format_metric(r.metric, r.left, unit=False, sign=evidence_kind(r) != "ratio")
            right, diff = "whole body", ""
        else:
            left, right = format_metric(r.metric, r.left, unit=False), format_metric(r.metric, r.right, unit=False)
            diff = format_metric(r.metric, shown_difference(r), unit=False, sign=True)
        table.add_row(
            name, r.exercise.replace("_", " "), left, right, diff,
            Text(BAND_WORDS.get(r.band, r.band), style=BAND_STYLE.get(r.band, "dim")),
            points if r.finding else Text("–", style="dim"),
        )  # fmt: skip
    return table


def print_summary(assessment: Assessment, console: Console | None = None) -> None:
    """Print the verdict, its confidence, what was not measured and the evidence table."""
    con = console or Console()
    v = assessment.verdict
    con.print(Text(verdict_sentence(assessment), style=SIDE_STYLE.get(v.weaker_side, "bold")))
    if confidence_line(assessment):
        con.print(confidence_line(assessment))
    if assessment.evidence:
        con.print(evidence_table(assessment))
    for metric, reason in assessment.not_measured.items():
        con.print(Text(f"not measured – {plain_name(metric)}: {reason}", style="dim"))
    if yaw_phrase(assessment.yaw_deg):
        con.print(Text(f"camera: {assessment.view} view, body {yaw_phrase(assessment.yaw_deg)}", style="dim"))
    con.print(
        Text("A screening aid, not a diagnosis. See a professional for persistent or worsening pain.", style="dim")
    )
