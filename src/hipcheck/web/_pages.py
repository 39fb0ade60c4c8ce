"""The server-rendered pages: upload, queue, job, people, person; Jinja2 templates over ``base.html``.

Values go to the templates as plain data; the templates escape everything.
The pages work without JavaScript (forms post, tables are rendered here);
``static/app.js`` adds drag-and-drop, live queue updates and the buttons.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hipcheck import jobs
from hipcheck.jobs import ClipRow
from hipcheck.render import render_template
from hipcheck.types import TEST_EXERCISES, VERDICT_WORDS
from hipcheck.web._state import AppState

TEMPLATES = Path(__file__).with_name("templates")


def verdict_words(verdict: str | None) -> str:
    """The verdict in words for the tables (:data:`hipcheck.types.VERDICT_WORDS`)."""
    return VERDICT_WORDS.get(verdict or "", verdict or "")


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
        listed = self.state.describe_all()
        return self._render("jobs.html", jobs=listed, verdict_words=verdict_words, active="jobs")

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
        """``/people/{person}``: the trend (change calls, plots, sessions newest first) and the deletes."""
        trend = jobs.trend_context(person, rows, report_url=self._report_url)
        manage = [{"id": r.id, "date": r.recorded_on or "–", "name": r.name} for r in rows]
        return self._render("person.html", **trend, manage=manage, active="people")

    def _report_url(self, row: ClipRow) -> str | None:
        return f"/jobs/{row.id}/files/report.html" if self.state.report_exists(row) else None


__all__ = ["PageRenderer", "verdict_words"]
