"""A person's trend page: the sessions table, the change calls and trend plots, from the store's rows.

:func:`trend_context` is everything ``trend_body.html`` needs (the CLI's
standalone ``trend.html`` and the web person page include the same partial).
Every number shown comes from the rows, rounded as the report rounds
(:func:`hipcheck.metrics.format_metric`); a value a session did not measure is
``–`` in the table and a gap in the plots, never 0. Sides are the person's
anatomical sides (pelvic drop: the stance side); left is blue, right orange.

Each trend plot draws the baseline session's value ± MDC95 (1.96 · √2 · SEM,
:func:`~hipcheck.jobs.mdc95`) as a band in the side's colour: a later point
outside its band is a real change, a point inside is within measurement error.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hipcheck import io
from hipcheck.assessment import MEASUREMENT_ERRORS
from hipcheck.jobs._history import TREND_SERIES, TrendChange, chronological, mdc95, trend_changes
from hipcheck.jobs._store import ClipRow
from hipcheck.metrics import METRICS, format_metric, format_value
from hipcheck.render import SIDE_HEX, confidence_words, figure_png, metric_label, render_template
from hipcheck.types import VERDICT_WORDS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from rich.table import Table

ReportUrl = Callable[[ClipRow], str | None]
"""Where a session's report is, for a link (None: no link)."""
MIN_SESSIONS = 2
TREND_NOTE = "2 sessions needed for a trend"
VERDICT_ROWS: tuple[str, ...] = ("left", "none", "right", "insufficient")
"""The verdict plot's rows, top to bottom."""
_EPOCH = dt.date(1970, 1, 1)
VERDICT_HEX = {**SIDE_HEX, "none": "#16a34a", "insufficient": "#9ca3af"}
_PLOTS: tuple[tuple[str, str, str], ...] = (
    ("pelvic_drop", "pelvic_drop_deg", "Pelvic drop per stance side"),
    ("knee_fppa", "knee_fppa_deg", "Knee valgus (FPPA) per knee"),
    ("hip_height", "hip_height_asymmetry_deg", "Hip height difference (+ = left hip higher)"),
)
_SIDE_WORDS = {
    "pelvic_drop_deg": {"left": "standing on the left leg", "right": "standing on the right leg"},
    "knee_fppa_deg": {"left": "left knee", "right": "right knee"},
}
_CALL_WORDS = {
    "real": "a real change",
    "within_error": "within measurement error",
    "not_enough": "not measured in 2 sessions",
}


# ------------------------------------------------------------------ what a cell shows
def _value(row: ClipRow, column: str) -> float:
    value = getattr(row, column)
    return math.nan if value is None else float(value)


def confidence_text(row: ClipRow) -> str:
    """``moderate (59 %)`` as the report words it; ``–`` for ``insufficient`` (nothing was called)."""
    if row.verdict == "insufficient" or row.confidence is None or not math.isfinite(row.confidence):
        return "–"
    return f"{confidence_words(row.confidence)} ({format_value(100 * row.confidence, 0)} %)"


def session_cells(row: ClipRow) -> dict[str, str]:
    """One session as the table shows it (strings; ``–`` = not measured)."""
    return {
        "date": row.recorded_on or "–",
        "verdict": VERDICT_WORDS.get(row.verdict or "", row.verdict or "–"),
        "verdict_class": row.verdict or "",
        "confidence": confidence_text(row),
        "pelvic_drop_left": format_metric("pelvic_drop_deg", row.pelvic_drop_left_deg),
        "pelvic_drop_right": format_metric("pelvic_drop_deg", row.pelvic_drop_right_deg),
        "knee_fppa_left": format_metric("knee_fppa_deg", row.knee_fppa_left_deg),
        "knee_fppa_right": format_metric("knee_fppa_deg", row.knee_fppa_right_deg),
        "hip_height_diff": format_metric("hip_height_asymmetry_deg", row.hip_height_diff_deg, sign=True),
        "exercises": ", ".join(e.replace("_", " ") for e in (row.exercises or "").split(",") if e) or "–",
        "name": row.name,
    }


def change_label(change: TrendChange) -> str:
    """What a change call is about: ``Pelvic drop, standing on the left leg``."""
    side = _SIDE_WORDS.get(change.metric, {}).get(change.side)
    title = METRICS[change.metric].title
    return f"{title}, {side}" if side else f"{title} ({METRICS[change.metric].convention})"


def change_cells(change: TrendChange) -> dict[str, Any]:
    """One change call as the page shows it (``–`` where fewer than two sessions measured the value)."""
    m, shown = change.metric, change.status != "not_enough"
    signed = m == "hip_height_asymmetry_deg"  # a signed difference (+ = left hip higher), not a size

    def at(value: float, day: str | None) -> str:
        return f"{format_metric(m, value, sign=signed)} ({day})" if day else "–"

    return {
        "label": change_label(change),
        "side": change.side,
        "baseline": at(change.baseline, change.baseline_on),
        "latest": at(change.latest, change.latest_on) if shown else "–",
        "delta": format_metric(m, change.delta, sign=True) if shown else "–",
        "mdc": format_metric(m, change.mdc),
        "call": _CALL_WORDS[change.status],
        "status": change.status,
        "real": change.real,
    }


def mdc_notes() -> list[dict[str, str]]:
    """Per followed metric: its SEM, MDC95 and the source of the SEM (the method the page states)."""
    notes = []
    for metric in dict.fromkeys(m for _, m, _ in TREND_SERIES):
        err = MEASUREMENT_ERRORS[metric]
        notes.append(
            {
                "title": METRICS[metric].title,
                "sem": format_metric(metric, err.sem),
                "mdc": format_metric(metric, mdc95(metric)),
                "source": err.source,
                "text": err.text,
            }
        )
    return notes


# ------------------------------------------------------------------ plots
def _dates(rows: Sequence[ClipRow]) -> list[dt.date]:
    return [dt.date.fromisoformat(r.recorded_on) for r in rows if r.recorded_on]


def _axes(ax: Axes | None, height: float = 3.0) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, height), dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def _day(day: dt.date) -> float:
    """A date as an x position: days since 1970-01-01 (matplotlib's date numbers)."""
    return float((day - _EPOCH).days)


def _date_axis(ax: Axes, days: Sequence[dt.date]) -> None:
    """The x axis from the first to the last recording date (padded), ticks at the sessions' dates (at most 8)."""
    unique = sorted(set(days))
    if not unique:
        return
    pad = max(1.5, (unique[-1] - unique[0]).days / 12)
    ax.set_xlim(_day(unique[0]) - pad, _day(unique[-1]) + pad)
    picks = sorted({round(k * (len(unique) - 1) / 7) for k in range(8)}) if len(unique) > 8 else range(len(unique))
    ticks = [unique[k] for k in picks]
    ax.set_xticks([_day(d) for d in ticks], [d.isoformat() for d in ticks])
    ax.tick_params(axis="x", labelsize=8, labelrotation=30)
    ax.set_xlabel("recording date")
    ax.grid(alpha=0.3)


def plot_trend(rows: Sequence[ClipRow], metric: str, *, title: str = "", ax: Axes | None = None) -> tuple[Figure, Axes]:
    """One metric over the sessions' recording dates, a line per side (``both``: one whole-body line),
    each with its baseline session's value ± MDC95 shaded in the side's colour. A session that did not
    measure a side is a gap in that side's line (NaN), never 0.
    """
    fig, ax = _axes(ax)
    dated = [r for r in chronological(rows) if r.recorded_on]
    days = _dates(dated)
    changes = {c.column: c for c in trend_changes(dated)}
    for column, m, side in TREND_SERIES:
        if m != metric:
            continue
        color, name = SIDE_HEX[side], {"both": "whole body"}.get(side, side)
        base = changes[column]
        if math.isfinite(base.baseline):
            ax.axhspan(
                base.baseline - base.mdc,
                base.baseline + base.mdc,
                color=color,
                alpha=0.12,
                lw=0,
                label=f"{name}: baseline ± MDC95",
            )
            ax.axhline(base.baseline, color=color, lw=0.8, ls=":")
        x = [_day(d) for d in days]
        ax.plot(x, [_value(r, column) for r in dated], "-o", color=color, lw=1.8, ms=6, label=name)
    ax.axhline(0.0, color="#9ca3af", lw=0.6)
    _date_axis(ax, days)
    ax.set_ylabel(metric_label(metric))
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig, ax


def plot_verdicts(rows: Sequence[ClipRow], *, ax: Axes | None = None) -> tuple[Figure, Axes]:
    """The verdict of each session over the recording dates (a row per verdict, left blue, right
    orange), with the verdict's confidence beside each marker (none for ``not enough evidence``).
    """
    fig, ax = _axes(ax, height=2.4)
    dated = [r for r in chronological(rows) if r.recorded_on]
    days = _dates(dated)
    level = {v: len(VERDICT_ROWS) - 1 - k for k, v in enumerate(VERDICT_ROWS)}
    for day, row in zip(days, dated, strict=True):
        verdict = row.verdict if row.verdict in level else "insufficient"
        x, y = _day(day), level[verdict]
        ax.plot(x, y, "o", ms=10, color=VERDICT_HEX[verdict])
        if confidence_text(row) != "–":
            pct = format_value(100 * float(row.confidence or 0.0), 0)
            ax.annotate(f"{pct} %", (x, y), xytext=(7, 5), textcoords="offset points", fontsize=8)
    ax.set_yticks(list(level.values()), [VERDICT_WORDS[v] for v in level])
    ax.set_ylim(-0.6, len(VERDICT_ROWS) - 0.4)
    _date_axis(ax, days)
    ax.set_title("Verdict per session (confidence)", fontsize=10)
    return fig, ax


def _data_uri(fig: Figure) -> str:
    return "data:image/png;base64," + base64.b64encode(figure_png(fig)).decode()


def _measured(rows: Sequence[ClipRow], metric: str) -> bool:
    columns = [c for c, m, _ in TREND_SERIES if m == metric]
    return any(math.isfinite(_value(r, c)) for r in rows for c in columns)


def trend_plots(rows: Sequence[ClipRow]) -> list[dict[str, str]]:
    """The page's plots (``key``, ``alt``, ``src`` as a PNG data URI — "" for a metric no session
    measured —, ``caption``); [] with fewer than :data:`MIN_SESSIONS` dated sessions.
    """
    if len(_dates(rows)) < MIN_SESSIONS:
        return []
    plots = []
    for key, metric, title in _PLOTS:
        if not _measured(rows, metric):
            plots.append({"key": key, "alt": title, "src": "", "caption": f"{title}: not measured in any session."})
            continue
        fig, _ = plot_trend(rows, metric, title=title)
        mdc = format_metric(metric, mdc95(metric))
        caption = (
            f"{title} per session. Shaded: the baseline (first) session's value ± MDC95 ({mdc}); a later "
            "point outside its band is a real change. A gap: that session did not measure it."
        )
        plots.append({"key": key, "alt": f"{title} over sessions", "src": _data_uri(fig), "caption": caption})
    fig, _ = plot_verdicts(rows)
    caption = "The verdict of each session, with its confidence."
    plots.append({"key": "verdict", "alt": "Verdict per session", "src": _data_uri(fig), "caption": caption})
    return plots


# ------------------------------------------------------------------ the page
def trend_context(person: str, rows: Sequence[ClipRow], *, report_url: ReportUrl) -> dict[str, Any]:
    """Everything ``trend_body.html`` shows for ``person``: the sessions newest first (cells of
    :func:`session_cells` plus ``report_url``), the change calls baseline → latest with MDC95, the
    method (SEM, MDC95 and sources), the trend plots, and ``trend_note`` ("2 sessions needed for a
    trend") when there are fewer than two sessions.
    """
    newest = list(reversed(chronological(rows)))
    sessions = [{**session_cells(r), "id": r.id, "report_url": report_url(r)} for r in newest]
    enough = len(_dates(rows)) >= MIN_SESSIONS
    dates = [r.recorded_on for r in newest if r.recorded_on]
    return {
        "person": person,
        "page_title": f"hipcheck: {person} — sessions over time",
        "n_sessions": len(newest),
        "first_date": dates[-1] if dates else "",
        "last_date": dates[0] if dates else "",
        "sessions": sessions,
        "enough_for_trend": enough,
        "trend_note": "" if enough else TREND_NOTE,
        "changes": [change_cells(c) for c in trend_changes(rows)] if enough else [],
        "mdc_notes": mdc_notes(),
        "plots": trend_plots(rows),
        "left_color": SIDE_HEX["left"],
        "right_color": SIDE_HEX["right"],
    }


def local_report_url(row: ClipRow) -> str | None:
    """The session's ``report.html`` as a ``file://`` URL (a standalone page on this machine), or None."""
    if not row.out_dir:
        return None
    report = Path(row.out_dir) / "report.html"
    return report.absolute().as_uri() if report.is_file() else None


def render_trend_html(person: str, rows: Sequence[ClipRow], *, report_url: ReportUrl = local_report_url) -> str:
    """The standalone trend page (``trend.html``: one file, the stylesheet and plots inline)."""
    return render_template("trend.html", **trend_context(person, rows, report_url=report_url))


def write_trend_html(
    path: str | Path, person: str, rows: Sequence[ClipRow], *, report_url: ReportUrl = local_report_url
) -> Path:
    """Write :func:`render_trend_html` to ``path`` atomically."""
    return io.write_text_atomic(path, render_trend_html(person, rows, report_url=report_url))


# ------------------------------------------------------------------ the terminal
_TABLE: tuple[tuple[str, str], ...] = (
    ("Drop L", "pelvic_drop_left"), ("Drop R", "pelvic_drop_right"), ("FPPA L", "knee_fppa_left"),
    ("FPPA R", "knee_fppa_right"), ("Hip L−R", "hip_height_diff"),
)  # fmt: skip


def sessions_table(person: str, rows: Sequence[ClipRow]) -> Table:
    """The sessions newest first as a rich table: date, verdict (the weaker side as ``report.json`` names
    it, with the confidence), the trend page's values (:func:`session_cells`) and the file name.
    """
    from rich.table import Table
    from rich.text import Text

    title = Text(f"{person}: {len(rows)} session{'s' * (len(rows) != 1)}")  # Text: a name is never markup
    table = Table(title=title, title_justify="left", box=None, header_style="bold", pad_edge=False)
    table.add_column("Date", no_wrap=True)
    table.add_column("Verdict", no_wrap=True)
    for head, _ in _TABLE:
        table.add_column(head, justify="right", no_wrap=True)
    table.add_column("File", overflow="fold")
    for row in reversed(chronological(rows)):
        cells = session_cells(row)
        confidence = confidence_text(row).rpartition("(")[2].rstrip(")")
        verdict = f"{row.verdict or '–'} {confidence}" if confidence != "–" else row.verdict or "–"
        values = [cells[key] for _, key in _TABLE]
        table.add_row(cells["date"], verdict, *values, Text(cells["name"]))
    return table


def people_table(people: Sequence[tuple[str, int, str | None]]) -> Table:
    """Every person with their number of sessions and newest recording date, as a rich table."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"{len(people)} {'person' if len(people) == 1 else 'people'}", title_justify="left")
    table.add_column("Person")
    table.add_column("Sessions", justify="right")
    table.add_column("Last recorded")
    for name, count, last in people:
        table.add_row(Text(name), str(count), last or "–")
    return table


__all__ = [
    "MIN_SESSIONS",
    "TREND_NOTE",
    "VERDICT_ROWS",
    "ReportUrl",
    "change_cells",
    "change_label",
    "confidence_text",
    "local_report_url",
    "mdc_notes",
    "people_table",
    "plot_trend",
    "plot_verdicts",
    "render_trend_html",
    "session_cells",
    "sessions_table",
    "trend_context",
    "trend_plots",
    "write_trend_html",
]
