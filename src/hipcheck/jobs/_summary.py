"""A batch's summary from its store: ``summary.csv`` and a self-contained, sortable ``summary.html``.

The HTML page has one row per clip (person, date taken, file, exercise,
view, verdict, confidence, pelvic drop and knee FPPA left/right, a link to
the clip's report) and an overview plot of the left − right differences
across clips against each clip's measurement-error band. Sides are the
person's anatomical sides; a difference > 0 means the left value is larger,
which for both metrics points to the left side being the weaker one.
"""

from __future__ import annotations

import base64
import csv
import html
import io as stdio
import math
from collections.abc import Sequence
from pathlib import Path

from hipcheck import io
from hipcheck.jobs._store import COLUMNS, HEADLINE_COLUMNS, ClipRow
from hipcheck.metrics import METRICS
from hipcheck.render import SIDE_HEX
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


def _cell(text: str, sort: str | float | None = None) -> str:
    key = "" if sort is None else f' data-sort="{html.escape(str(sort))}"'
    return f"<td{key}>{html.escape(text)}</td>"


def _verdict_text(row: ClipRow) -> str:
    if row.state != "done":
        return row.error if row.state == "failed" else row.state
    return VERDICT_WORDS.get(row.verdict or "", row.verdict or "")


def _table_row(row: ClipRow) -> str:
    cells = [
        _cell(row.person or ""), _cell((row.recorded_on or "")[:10]), _cell(row.name),
        _cell(row.exercises or ""), _cell(row.view or ""),
        f'<td class="{row.state}">{html.escape(_verdict_text(row))}</td>',
        _cell(_num(row.confidence, 2), _key(row.confidence)),
    ]  # fmt: skip
    for prefix, metric in _PLOTTED:
        digits = METRICS[metric].digits
        for side in ("left", "right"):
            value = getattr(row, f"{prefix}_{side}_deg")
            cells.append(_cell(_num(value, digits), _key(value)))
        diff = _diff(row, prefix)
        cells.append(_cell(_num(diff, digits), _key(diff)))
    link = _report_link(row)
    cells.append(f'<td><a href="{html.escape(link)}">report</a></td>' if link else "<td></td>")
    return "<tr>" + "".join(cells) + "</tr>"


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
    the overview plot of :func:`overview_png`.
    """
    head = ["Person", "Date taken", "File", "Exercise", "View", "Verdict", "Confidence"]
    for _, metric in _PLOTTED:
        short = METRICS[metric].short
        head += [f"{short} L (°)", f"{short} R (°)", f"{short} L−R (°)"]
    head.append("Report")
    png = overview_png(rows)
    plot = (
        '<figure><img alt="left − right differences per clip" src="data:image/png;base64,'
        f'{base64.b64encode(png).decode()}"><figcaption>Left − right difference per clip; grey: the '
        "measurement error of 2D video (a smaller difference is not a finding).</figcaption></figure>"
        if png
        else "<p>No clip has a left/right measurement yet.</p>"
    )
    done = sum(r.state == "done" for r in rows)
    failed = [r for r in rows if r.state == "failed"]
    header = "".join(f'<th onclick="sortBy({k})">{html.escape(h)}</th>' for k, h in enumerate(head))
    body = "\n".join(_table_row(r) for r in rows)
    status = f"{len(rows)} clips: {done} done, {len(failed)} failed"
    return _PAGE.format(status=html.escape(status), plot=plot, header=header, body=body)


def write_summary_html(rows: Sequence[ClipRow], out_root: Path) -> Path:
    """``out_root/summary.html`` (see :func:`render_summary_html`), written atomically."""
    return io.write_text_atomic(out_root / "summary.html", render_summary_html(rows))


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hipcheck batch summary</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #111827; }}
table {{ border-collapse: collapse; font-size: 0.9rem; }}
th, td {{ border-bottom: 1px solid #e5e7eb; padding: 0.3rem 0.6rem; text-align: left; }}
th {{ cursor: pointer; background: #f3f4f6; position: sticky; top: 0; }}
th:hover {{ background: #e5e7eb; }}
td.failed {{ color: #b91c1c; }} td.running, td.queued {{ color: #6b7280; }}
img {{ max-width: 100%; }} figcaption, .note {{ color: #4b5563; font-size: 0.85rem; }}
</style></head><body>
<h1>hipcheck batch summary</h1>
<p>{status}. A screening aid, not a diagnosis: see a professional when there is pain.</p>
{plot}
<p class="note">Click a column heading to sort. Sides are the person's anatomical sides.</p>
<table id="clips"><thead><tr>{header}</tr></thead>
<tbody>
{body}
</tbody></table>
<script>
let sortState = [-1, 1];
function sortBy(col) {{
  const body = document.querySelector("#clips tbody");
  const dir = sortState[0] === col ? -sortState[1] : 1;
  sortState = [col, dir];
  const key = (tr) => {{
    const td = tr.children[col];
    const raw = td.dataset.sort !== undefined ? td.dataset.sort : td.textContent;
    const num = parseFloat(raw);
    return raw !== "" && !isNaN(num) && td.dataset.sort !== undefined ? num : raw.toLowerCase();
  }};
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {{
    const ka = key(a), kb = key(b);
    if (ka === kb) return 0;
    if (ka === "") return 1;
    if (kb === "") return -1;
    return (ka < kb ? -1 : 1) * dir;
  }});
  rows.forEach((tr) => body.appendChild(tr));
}}
</script>
</body></html>
"""

__all__ = ["SUMMARY_COLUMNS", "overview_png", "render_summary_html", "write_summary_csv", "write_summary_html"]
