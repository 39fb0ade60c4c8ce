"""run_batch over a caller's executor (a thread pool here: any object with ``submit``), on a
recorded pose file: the monitor's events, the rows, and a second run that does nothing.
"""

from __future__ import annotations

import dataclasses
import shutil
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest

from hipcheck.errors import InvalidDataError, UsageError
from hipcheck.jobs import BatchOptions, ClipRow, run_batch
from hipcheck.landmarks import PoseSeries

POSE = Path(__file__).resolve().parents[2] / "fixtures" / "real" / "squat_front_bodyweight_armsup_01.npz"


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def batch_started(self, rows: list[ClipRow]) -> None:
        self.events += [("registered", f"{r.name}:{r.state}") for r in rows]

    def clip_started(self, row: ClipRow) -> None:
        self.events.append(("started", row.name))

    def clip_frames(self, clip: str, done: int, total: int | None) -> None:
        self.events.append(("frames", clip))

    def clip_ended(self, row: ClipRow) -> None:
        self.events.append(("ended", f"{row.name}:{row.state}"))


def test_any_executor_with_submit_and_a_second_run_does_nothing(tmp_path: Path) -> None:
    shutil.copy(POSE, tmp_path / "squat.npz")
    sources = [tmp_path / "squat.npz", tmp_path / "gone.mp4"]
    rec = Recorder()
    with ThreadPoolExecutor(1) as pool:
        result = run_batch(sources, tmp_path / "out", options=BatchOptions(person="anna"), executor=pool, monitor=rec)
    assert [(r.name, r.state) for r in result.rows] == [("squat.npz", "done"), ("gone.mp4", "failed")]
    assert result.exit_code == 3 and [r.name for r in result.failed] == ["gone.mp4"]
    assert rec.events == [("registered", "squat.npz:queued"), ("registered", "gone.mp4:failed"),
                          ("started", "squat.npz"), ("ended", "squat.npz:done")]  # fmt: skip
    done = result.rows[0]
    assert done.person == "anna" and done.worker and (tmp_path / "out" / done.id / "report.json").is_file()
    assert result.summary_csv.is_file() and result.summary_html.is_file() and result.store.is_file()

    again = Recorder()
    with ThreadPoolExecutor(1) as pool:
        second = run_batch(sources, tmp_path / "out", executor=pool, monitor=again)
    assert [e for e in again.events if e[0] != "registered"] == []
    assert second.rows[0].finished_at == done.finished_at and second.rows[0].person == "anna"


def test_bad_workers_and_empty_inputs_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no videos or pose \.npz files found"):
        run_batch([tmp_path], tmp_path / "out")
    shutil.copy(POSE, tmp_path / "squat.npz")
    with pytest.raises(UsageError, match="--workers 0"):
        run_batch([tmp_path / "squat.npz"], tmp_path / "out", workers=0)


def test_a_file_as_output_or_a_damaged_store_is_one_error(tmp_path: Path) -> None:
    shutil.copy(POSE, tmp_path / "squat.npz")
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="the output must be a folder"):
        run_batch([tmp_path / "squat.npz"], tmp_path / "file")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "jobs.sqlite").write_text("not a database")
    with pytest.raises(InvalidDataError, match="not a hipcheck job store"):
        run_batch([tmp_path / "squat.npz"], tmp_path / "out")


def test_text_from_the_clip_is_escaped_in_the_report_and_the_summary(tmp_path: Path) -> None:
    evil_file, evil_dir, evil_person = "<img src=x onerror=alert(1)>.mp4", "<script>alert(2)</script>", 'Ann "&<>'
    pose = PoseSeries.load_npz(POSE)
    prov = dataclasses.replace(
        pose.provenance, source_path=f"/clips/{evil_dir}/{evil_file}", subject=f"{evil_person} only"
    )
    source = dataclasses.replace(pose, provenance=prov).save_npz(tmp_path / f"{evil_file}.npz")
    with ThreadPoolExecutor(1) as pool:
        result = run_batch([source], tmp_path / "out", options=BatchOptions(person=evil_person), executor=pool)
    assert [r.state for r in result.rows] == ["done"]
    report = (tmp_path / "out" / result.rows[0].id / "report.html").read_text(encoding="utf-8")
    summary = result.summary_html.read_text(encoding="utf-8")
    shown = {"report": (evil_file, f"/clips/{evil_dir}/", f"{evil_person} only"), "summary": (evil_file, evil_person)}
    for name, page in (("report", report), ("summary", summary)):
        parsed = _Page()
        parsed.feed(page)
        assert all(text in parsed.text for text in shown[name]), name  # shown as written ...
        assert not any(k == "onerror" or (t, k, v) == ("img", "src", "x") for t, k, v in parsed.attrs), name
        scripts = "".join(parsed.scripts)
        assert (scripts == "") if name == "report" else ("function sortBy" in scripts and "alert" not in scripts)
        assert "<script>alert" not in page and "<img src=x" not in page and evil_person not in page  # ... not as markup
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in report and "&lt;img src=x onerror=alert(1)&gt;.mp4" in summary


class _Page(HTMLParser):
    """A page's text (entities decoded), its tags' attributes and the contents of its script elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text, self.scripts, self._in_script = "", [], False
        self.attrs: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        self.attrs += [(tag, k, v) for k, v in attrs]

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)
        else:
            self.text += data
