"""A batch's summary from its store: ``summary.csv`` and a self-contained, sortable ``summary.html``.

The HTML page has one row per clip (person, date taken, file, exercise,
view, verdict, confidence, pelvic drop and knee FPPA left/right, a link to
the clip's report) and an overview plot of the left − right differences
across clips against each clip's measurement-error band. Sides are the
person's anatomical sides; a difference > 0 means the left value is larger,
which for both metrics points to the left side being the weaker one.
"""

from __future__ import annotations

import csv
import io as stdio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hipcheck import io
from hipcheck.jobs._store import COLUMNS, HEADLINE_COLUMNS, ClipRow
from hipcheck.metrics import METRICS
from hipcheck.render import SIDE_HEX, data_uri, render_template
from hipcheck.types import VERDICT_WORDS

_FIRST = ("person", "recorded_on", "name", "state", "verdict", "confidence", "view", "exercises",
          *HEADLINE_COLUMNS[4:], "error", "exit_code", "report")  # fmt: skip
SUMMARY_COLUMNS: tuple[str, ...] = (*_FIRST, *(c for c in COLUMNS if c not in (*_FIRST, "owner", "heartbeat_at")))
"""The columns of ``summary.csv``: the store's (less the claim bookkeeping), and the report's path."""
_PLOTTED: tuple[tuple[str, str], ...] = (("pelvic_drop", "pelvic_drop_deg"), ("knee_fppa", "knee_fppa_deg"))
_BAND_HEX = "#d1d5db"


def _report_link(row: ClipRow) -> str:
    """The clip's report relative to the batch folder (``<id>/report.html``), or '' when there is none."""
    if row.state != "done" or not row.out_dir:
        return ""
    folder = Path(row.out_dir)
    for name in ("report.html", "report.json"):
        if (folder / name).is_file():
            return f"{folder.name}/{name}"
    return ""


def write_summary_csv(rows: Sequence[ClipRow], out_root: Path) -> Path:
    """``out_root/summary.csv``: one row per clip (columns :data:`SUMMARY_COLUMNS`), written atomically."""
    buf = stdio.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SUMMARY_COLUMNS)
    for row in rows:
        values = row.as_dict() | {"report": _report_link(row)}
        writer.writerow(["" if values[c] is None else values[c] for c in SUMMARY_COLUMNS])
    return io.write_text_atomic(out_root / "summary.csv", buf.getvalue())


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _diff(row: ClipRow, prefix: str) -> float | None:
    left, right = getattr(row, f"{prefix}_left_deg"), getattr(row, f"{prefix}_right_deg")
    return None if left is None or right is None else float(left - right)


def _key(value: float | None) -> str:
    """A numeric column's sort key: the number, or '' (sorted last) when there is none."""
    return "" if value is None or not math.isfinite(value) else repr(float(value))


@dataclass(frozen=True)
class SummaryCell:
    """One cell of the clip table: its text, its sort key (``data-sort``; None: sorted by the text) and class."""

    text: str
    sort: str | None = None
    cls: str = ""


@dataclass(frozen=True)
class SummaryRow:
    """One clip's row of the table: its cells and the link to its report ('' when there is none)."""

    cells: tuple[SummaryCell, ...]
    report: str


def _verdict_text(row: ClipRow) -> str:
    if row.state != "done":
        return row.error if row.state == "failed" else row.state
    return VERDICT_WORDS.get(row.verdict or "", row.verdict or "")


def _summary_row(row: ClipRow) -> SummaryRow:
    cells = [
        SummaryCell(row.person or ""), SummaryCell((row.recorded_on or "")[:10]), SummaryCell(row.name),
        SummaryCell(row.exercises or ""), SummaryCell(row.view or ""),
        SummaryCell(_verdict_text(row), cls=row.state),
        SummaryCell(_num(row.confidence, 2), _key(row.confidence)),
    ]  # fmt: skip
    for prefix, metric in _PLOTTED:
        digits = METRICS[metric].digits
        for side in ("left", "right"):
            value = getattr(row, f"{prefix}_{side}_deg")
            cells.append(SummaryCell(_num(value, digits), _key(value)))
        diff = _diff(row, prefix)
        cells.append(SummaryCell(_num(diff, digits), _key(diff)))
    return SummaryRow(tuple(cells), _report_link(row))


def _reach(rows: Sequence[ClipRow], prefix: str) -> float:
    """Half the x range of a panel: every difference and band in view, at least ±5°."""
    values = [v for r in rows for v in (_diff(r, prefix), getattr(r, f"{prefix}_error_deg")) if v is not None]
    sizes = [abs(float(v)) for v in values]
    return 1.15 * max([5.0, *(v for v in sizes if math.isfinite(v))])


def overview_png(rows: Sequence[ClipRow]) -> bytes | None:
    """PNG of the left − right difference of each headline metric per clip (degrees), with each clip's
    measurement-error band (± the finding threshold) shaded; None when no clip has a difference.
    """
    from matplotlib.figure import Figure

    measured = [r for r in rows if any(_diff(r, p) is not None for p, _ in _PLOTTED)]
    if not measured:
        return None
    fig = Figure(figsize=(9.0, 1.2 + 0.32 * len(measured)), dpi=100, layout="constrained")
    axes = fig.subplots(1, len(_PLOTTED), sharey=True, squeeze=False)[0]
    y = list(range(len(measured)))
    for ax, (prefix, metric) in zip(axes, _PLOTTED, strict=True):
        for k, row in enumerate(measured):
            band = getattr(row, f"{prefix}_error_deg")
            if band is not None and math.isfinite(band):
                ax.barh(k, 2 * band, left=-band, height=0.7, color=_BAND_HEX, zorder=1)
            diff = _diff(row, prefix)
            if diff is not None:
                ax.plot(diff, k, "o", color=SIDE_HEX["left" if diff > 0 else "right"], zorder=3)
        ax.axvline(0.0, color="#374151", lw=0.8, zorder=2)
        ax.set_xlim(-_reach(measured, prefix), _reach(measured, prefix))
        ax.set_title(METRICS[metric].title, fontsize=10)
        ax.set_xlabel("left − right (°); > 0 points to the left")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, [f"{r.person + ': ' if r.person else ''}{r.name}" for r in measured], fontsize=8)
    axes[0].invert_yaxis()
    buf = stdio.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def render_summary_html(rows: Sequence[ClipRow]) -> str:
    """The summary page (one file, no external resources): the clip table, sortable by any column, and
    the overview plot of :func:`overview_png` (template ``summary.html``).
    """
    head = ["Person", "Date taken", "File", "Exercise", "View", "Verdict", "Confidence"]
    for _, metric in _PLOTTED:
        short = METRICS[metric].short
        head += [f"{short} L (°)", f"{short} R (°)", f"{short} L−R (°)"]
    head.append("Report")
    png = overview_png(rows)
    done = sum(r.state == "done" for r in rows)
    failed = sum(r.state == "failed" for r in rows)
    return render_template(
        "summary.html",
        status=f"{len(rows)} clips: {done} done, {failed} failed",
        overview=data_uri(png, "image/png") if png else "",
        head=head,
        rows=[_summary_row(r) for r in rows],
    )


def write_summary_html(rows: Sequence[ClipRow], out_root: Path) -> Path:
    """``out_root/summary.html`` (see :func:`render_summary_html`), written atomically."""
    return io.write_text_atomic(out_root / "summary.html", render_summary_html(rows))


__all__ = ["SUMMARY_COLUMNS", "overview_png", "render_summary_html", "write_summary_csv", "write_summary_html"]
