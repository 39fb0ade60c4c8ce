"""The server-rendered pages: upload, queue, job, people, person; Jinja2 templates over ``base.html``.

Values go to the templates as plain data; the templates escape everything.
The pages work without JavaScript (forms post, tables are rendered here);
``static/app.js`` adds drag-and-drop, live queue updates and the buttons.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hipcheck.jobs import ClipRow
from hipcheck.metrics import format_metric
from hipcheck.render import render_template
from hipcheck.types import TEST_EXERCISES
from hipcheck.web._state import AppState

TEMPLATES = Path(__file__).with_name("templates")
VERDICT_WORDS = {
    "left": "left side weaker", "right": "right side weaker", "none": "no side difference",
    "insufficient": "could not be judged",
}  # fmt: skip


def verdict_words(verdict: str | None) -> str:
    """The verdict in words for the tables."""
    return VERDICT_WORDS.get(verdict or "", verdict or "")


def degrees(value: float | None, metric: str = "pelvic_drop_deg") -> str:
    """An angle as the report rounds it (``metric``'s decimals and unit), or an en dash when not measured."""
    return format_metric(metric, value)


class PageRenderer:
    """Renders each page from the app's state."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    def _render(self, name: str, **context: Any) -> str:
        return render_template(name, [TEMPLATES], stylesheet_url="/static/hipcheck.css", **context)

    def extra_css(self) -> str:
        """The pages' own styles, after the report's stylesheet."""
        return (TEMPLATES / "pages.css").read_text(encoding="utf-8")

    def error(self, status: int, text: str) -> str:
        """A page for an error (the API answers JSON instead)."""
        return self._render("error.html", status=status, message=text, active="")

    def upload(self) -> str:
        """``/``: drop videos, pick or type a person, the recording date, an optional exercise."""
        people = [p for p, _, _ in self.state.store.people()]
        return self._render("upload.html", people=people, exercises=TEST_EXERCISES, active="upload",
                            max_upload_mb=self.state.config.max_upload_mb)  # fmt: skip

    def jobs(self) -> str:
        """``/jobs``: every job, newest first, with state, position, progress, ETA."""
        jobs = [self.state.describe(r) for r in reversed(self.state.store.rows())]
        return self._render("jobs.html", jobs=jobs, verdict_words=verdict_words, active="jobs")

    def job(self, row: ClipRow) -> str:
        """``/jobs/{id}``: the job's state, and when done its report and downloads."""
        job = self.state.describe(row)
        folder = self.state.data.session(row.id)
        files = [n for n in ("report.json", "metrics.csv", "report.html", "annotated.mp4") if (folder / n).is_file()]
        return self._render("job.html", job=job, row=row, files=files, verdict_words=verdict_words, active="jobs")

    def people(self) -> str:
        """``/people``: every person with sessions."""
        people = [{"person": p, "sessions": n, "last": last} for p, n, last in self.state.store.people()]
        return self._render("people.html", people=people, active="people")

    def person(self, person: str, rows: list[ClipRow]) -> str:
        """``/people/{person}``: sessions newest first and the trend."""
        sessions = [
            {"row": r, "verdict": verdict_words(r.verdict),
             "drop": (degrees(r.pelvic_drop_left_deg), degrees(r.pelvic_drop_right_deg)),
             "fppa": (degrees(r.knee_fppa_left_deg, "knee_fppa_deg"), degrees(r.knee_fppa_right_deg, "knee_fppa_deg")),
             "hip": degrees(r.hip_height_diff_deg, "hip_height_asymmetry_deg"),
             "report": self.state.report_exists(r)}
            for r in rows
        ]  # fmt: skip
        return self._render("person.html", person=person, sessions=sessions, trend=None, active="people")


__all__ = ["PageRenderer", "degrees", "verdict_words"]
