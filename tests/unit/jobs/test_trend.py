"""The trend page from the store's rows: cells rounded as the report rounds, NaN as gaps, one session says
a trend needs two, the change calls and the plots with their MDC bands, and the page escapes what it shows.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
from matplotlib.colors import to_hex

from hipcheck.jobs import (
    TREND_NOTE,
    ClipRow,
    ClipSpec,
    Headline,
    JobStore,
    clip_id,
    mdc95,
    plot_trend,
    plot_verdicts,
    render_trend_html,
    sessions_table,
    trend_context,
)
from hipcheck.render import SIDE_HEX

NAN = math.nan


def sessions(tmp_path: Path, *rows: tuple[str, str, float, dict[str, float]], person: str = "anna") -> list[ClipRow]:
    with JobStore(tmp_path / "h.sqlite") as store:
        for day, verdict, confidence, values in rows:
            name = f"clip_{day}.mp4"
            spec = ClipSpec(clip_id(name, "ab" * 32), name, f"/c/{name}", "ab" * 32, {}, "0", "cd", person, day)
            store.record(spec, Headline(verdict, confidence, "front", "single_leg_squat", **values), f"/o/{name}")
        return store.sessions(person)


THREE = (
    ("2026-01-05", "left", 0.8, {"pelvic_drop_left_deg": 8.04, "pelvic_drop_right_deg": 3.0, "knee_fppa_left_deg": 14.0,
                                 "knee_fppa_right_deg": 9.0, "hip_height_diff_deg": 2.0}),
    ("2026-01-19", "insufficient", 0.0, {"pelvic_drop_left_deg": NAN, "pelvic_drop_right_deg": 3.5}),
    ("2026-02-02", "none", 0.55, {"pelvic_drop_left_deg": 4.26, "pelvic_drop_right_deg": 3.2, "knee_fppa_left_deg": 5.0,
                                  "knee_fppa_right_deg": 8.0, "hip_height_diff_deg": -0.5}),
)  # fmt: skip


def no_link(row: ClipRow) -> str | None:
    return None


def test_one_session_says_two_are_needed_and_draws_nothing(tmp_path: Path) -> None:
    rows = sessions(tmp_path, THREE[0])
    ctx = trend_context("anna", rows, report_url=no_link)
    assert ctx["trend_note"] == TREND_NOTE == "2 sessions needed for a trend"
    assert ctx["plots"] == [] and ctx["changes"] == [] and not ctx["enough_for_trend"]
    assert [s["date"] for s in ctx["sessions"]] == ["2026-01-05"]
    page = render_trend_html("anna", rows, report_url=no_link)
    assert "2 sessions needed for a trend" in page and "data:image/png" not in page


def test_sessions_newest_first_rounded_as_the_report_with_dashes_for_not_measured(tmp_path: Path) -> None:
    rows = sessions(tmp_path, *THREE)
    ctx = trend_context("anna", rows, report_url=lambda r: f"/jobs/{r.id}" if r.verdict != "insufficient" else None)
    table = ctx["sessions"]
    assert [s["date"] for s in table] == ["2026-02-02", "2026-01-19", "2026-01-05"]
    assert [s["pelvic_drop_left"] for s in table] == ["4.3°", "–", "8.0°"]
    assert [s["knee_fppa_left"] for s in table] == ["5.0°", "–", "14.0°"]
    assert [s["hip_height_diff"] for s in table] == ["-0.5°", "–", "+2.0°"]
    assert [s["verdict"] for s in table] == ["no clear asymmetry", "not enough evidence", "likely weaker: left"]
    assert [s["confidence"] for s in table] == ["moderate (55 %)", "–", "high (80 %)"]
    assert table[0]["report_url"] == f"/jobs/{rows[0].id}" and table[1]["report_url"] is None
    assert (ctx["first_date"], ctx["last_date"], ctx["n_sessions"], ctx["trend_note"]) == (
        "2026-01-05", "2026-02-02", 3, "",
    )  # fmt: skip


def test_change_calls_against_mdc95(tmp_path: Path) -> None:
    changes = {c["label"]: c for c in trend_context("anna", sessions(tmp_path, *THREE), report_url=no_link)["changes"]}
    left = changes["Pelvic drop, standing on the left leg"]
    assert (left["baseline"], left["latest"], left["delta"], left["mdc"]) == (
        "8.0° (2026-01-05)", "4.3° (2026-02-02)", "-3.8°", "2.8°",
    )  # fmt: skip
    assert left["call"] == "a real change" and left["real"]
    right = changes["Pelvic drop, standing on the right leg"]
    assert (right["delta"], right["call"], right["real"]) == ("+0.2°", "within measurement error", False)
    knee = changes["Knee valgus (FPPA), left knee"]
    assert (knee["delta"], knee["mdc"], knee["call"]) == ("-9.0°", "8.3°", "a real change")
    hip = changes["Hip height difference (+ = left hip higher)"]
    assert (hip["baseline"], hip["latest"], hip["call"]) == ("+2.0° (2026-01-05)", "-0.5° (2026-02-02)",
                                                             "within measurement error")  # fmt: skip


def test_nan_is_a_gap_in_the_line_and_the_band_is_baseline_plus_minus_mdc(tmp_path: Path) -> None:
    rows = sessions(tmp_path, *THREE)
    _, ax = plot_trend(rows, "pelvic_drop_deg")
    lines = {to_hex(line.get_color()): np.asarray(line.get_ydata(), float) for line in ax.get_lines()
             if line.get_marker() == "o"}  # fmt: skip
    left, right = lines[SIDE_HEX["left"]], lines[SIDE_HEX["right"]]
    np.testing.assert_allclose(left, [8.04, NAN, 4.26])  # the gap stays NaN (not 0, not interpolated)
    np.testing.assert_allclose(right, [3.0, 3.5, 3.2])
    assert len(ax.patches) == 2  # one band per side
    spans = sorted((round(ymin, 4), round(ymax, 4)) for ymin, ymax in (_yspan(ax, p) for p in ax.patches))
    mdc = mdc95("pelvic_drop_deg")
    assert spans == sorted([(round(8.04 - mdc, 4), round(8.04 + mdc, 4)), (round(3.0 - mdc, 4), round(3.0 + mdc, 4))])
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["2026-01-05", "2026-01-19", "2026-02-02"]


def _yspan(ax, patch) -> tuple[float, float]:
    """The y range of an axhspan patch in data units."""
    ys = patch.get_transform().transform(patch.get_path().vertices)[:, 1]
    data = ax.transData.inverted().transform(np.column_stack([np.zeros_like(ys), ys]))[:, 1]
    return float(data.min()), float(data.max())


def test_a_metric_no_session_measured_is_said_not_drawn(tmp_path: Path) -> None:
    rows = sessions(tmp_path, ("2026-01-05", "none", 0.5, {}), ("2026-02-02", "none", 0.5, {}))
    plots = {p["key"]: p for p in trend_context("anna", rows, report_url=no_link)["plots"]}
    assert plots["pelvic_drop"]["src"] == "" and "not measured in any session" in plots["pelvic_drop"]["caption"]
    assert plots["verdict"]["src"].startswith("data:image/png;base64,")


def test_the_verdict_plot_has_a_marker_per_session_in_the_verdicts_colour(tmp_path: Path) -> None:
    _, ax = plot_verdicts(sessions(tmp_path, *THREE))
    colours = [to_hex(line.get_color()) for line in ax.get_lines()]
    assert colours == [SIDE_HEX["left"], "#9ca3af", "#16a34a"]
    assert [t.get_text() for t in ax.texts] == ["80 %", "55 %"]  # none for not enough evidence


def test_the_page_escapes_names_and_shows_only_the_rows_numbers(tmp_path: Path) -> None:
    person = "<script>alert(1)</script> & co"
    rows = sessions(tmp_path, *THREE, person=person)
    page = render_trend_html(person, rows, report_url=lambda r: f"/jobs/{r.id}?a=1&b=2")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "/jobs/" in page and "?a=1&amp;b=2" in page
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    assert not re.search(r"\bnan\b", text, re.IGNORECASE)
    assert page.count("data:image/png;base64,") == 4 and "<style>" in page
    assert "Dingenen" in page and "MDC95 = 1.96 · √2 · SEM" in page
    body = page.split('id="trend-sessions"')[1].split("</table>")[0]
    shown = set(re.findall(r"[-+]?\d+\.\d°", body))
    assert shown == {"4.3°", "8.0°", "3.0°", "3.5°", "3.2°", "5.0°", "14.0°", "9.0°", "-0.5°", "+2.0°"}


def test_the_terminal_table_shows_the_same_cells_and_no_markup(tmp_path: Path) -> None:
    from rich.console import Console

    rows = sessions(tmp_path, *THREE, person="[bold]anna")
    console = Console(width=140, record=True)
    console.print(sessions_table("[bold]anna", rows))
    text = console.export_text()
    assert "[bold]anna: 3 sessions" in text
    lines = [line for line in text.splitlines() if line.startswith("2026-")]
    assert [line.split()[:3] for line in lines] == [["2026-02-02", "none", "55"], ["2026-01-19", "insufficient", "–"],
                                                    ["2026-01-05", "left", "80"]]  # fmt: skip
    assert "4.3°" in lines[0] and "+2.0°" in lines[2]
