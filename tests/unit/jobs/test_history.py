"""A person's history in a data folder: adding sessions (copy, replace, checks), CSV, change calls against
MDC95 with the answers built in, and a batch that adds its clips.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import shutil
import struct
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hipcheck.errors import InputNotFoundError, UsageError
from hipcheck.jobs import (
    SESSIONS_CSV_COLUMNS,
    BatchOptions,
    ClipRow,
    ClipSpec,
    DataDir,
    Headline,
    JobStore,
    add_session,
    check_date,
    check_person,
    clip_id,
    delete_person,
    headline_of,
    known_people,
    mdc95,
    person_sessions,
    recording_date,
    run_batch,
    session_date,
    sessions_csv,
    trend_changes,
)
from hipcheck.results import Assessment
from support import FIXTURES

POSE = FIXTURES / "squat_front_bodyweight_armsup_01.npz"
NAN = math.nan


def run_folder(tmp_path: Path, name: str = "run") -> Path:
    """A folder as ``hipcheck analyze`` leaves it: reports, plots, the pose cache and a video."""
    out = tmp_path / name
    (out / "plots").mkdir(parents=True, exist_ok=True)
    for file, text in (("report.json", "{}"), ("report.html", "<html></html>"), ("metrics.csv", "t_s\n")):
        (out / file).write_text(text)
    (out / "plots" / "a.png").write_bytes(b"png")
    (out / "pose.npz").write_bytes(b"cache")
    (out / "annotated.mp4").write_bytes(b"video")
    return out


def add(data: DataDir, tmp_path: Path, assessment: Assessment, *, day: str = "2026-01-05", person: str = "anna",
        clip: str = "clip.mp4", content: bytes = b"clip bytes") -> ClipRow:  # fmt: skip
    source = tmp_path / clip
    source.write_bytes(content)
    return add_session(data, source=source, out_dir=run_folder(tmp_path), assessment=assessment, person=person,
                       recorded_on=day, options={"exercise": None}, origin="analyze")  # fmt: skip


# ------------------------------------------------------------------ checks
@pytest.mark.parametrize(
    ("name", "stored"), [("anna", "anna"), ("  Anna Maria  ", "Anna Maria"), ("Zoë ✓", "Zoë ✓"), ("x" * 100, "x" * 100)]
)
def test_good_person_names_are_stored_stripped(name: str, stored: str) -> None:
    assert check_person(name) == stored


@pytest.mark.parametrize(
    ("name", "error"),
    [("", "empty"), ("   ", "empty"), ("x" * 101, "101 characters, at most 100"), ("a\x00b", "control character"),
     ("a\nb", "control character"), ("a\tb", "control character"), ("a\u2028b", "control character")],
)  # fmt: skip
def test_bad_person_names_are_one_line_usage_errors(name: str, error: str) -> None:
    with pytest.raises(UsageError, match=error) as caught:
        check_person(name)
    assert "\n" not in str(caught.value) and "\x00" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "error"),
    [("2026-1-5", "expected YYYY-MM-DD"), ("20260105", "expected YYYY-MM-DD"), ("05.01.2026", "expected YYYY-MM-DD"),
     ("2026-02-30", "not a real date"), ("2026-13-01", "not a real date"), ("2026-03-02", "in the future"),
     ("", "expected YYYY-MM-DD")],
)  # fmt: skip
def test_bad_dates_are_usage_errors(text: str, error: str) -> None:
    with pytest.raises(UsageError, match=error):
        check_date(text, today=dt.date(2026, 3, 1))


def test_good_dates_pass_and_today_is_not_the_future() -> None:
    assert check_date("2026-03-01", today=dt.date(2026, 3, 1)) == "2026-03-01"
    assert check_date("2024-02-29", today=dt.date(2026, 3, 1)) == "2024-02-29"  # a leap day
    assert check_date(dt.date.today().isoformat()) == dt.date.today().isoformat()


def mp4_with_creation_time(path: Path, seconds_since_1904: int) -> Path:
    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I4s", 8 + len(payload), kind) + payload

    mvhd = box(b"mvhd", b"\x00\x00\x00\x00" + struct.pack(">II", seconds_since_1904, seconds_since_1904) + bytes(88))
    path.write_bytes(box(b"ftyp", b"isom\x00\x00\x02\x00") + box(b"moov", mvhd) + box(b"mdat", b"\x00" * 16))
    return path


def test_the_date_is_given_or_the_files_own_never_today(tmp_path: Path) -> None:
    # 09:30 UTC is 1 March in every time zone from UTC-9:30 to UTC+14 (the date is the local one)
    seconds = int(
        (dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC) - dt.datetime(1904, 1, 1, tzinfo=dt.UTC)).total_seconds()
    )
    dated = mp4_with_creation_time(tmp_path / "dated.mp4", seconds)
    undated = mp4_with_creation_time(tmp_path / "undated.mp4", 0)
    assert recording_date(dated) == "2026-03-01" and recording_date(undated) is None
    assert session_date(dated) == "2026-03-01"
    assert session_date(undated, "2026-01-05") == "2026-01-05"
    with pytest.raises(UsageError, match=r"undated\.mp4: no recording date in the file; give --recorded-on YYYY-MM-DD"):
        session_date(undated)


# ------------------------------------------------------------------ adding sessions
def test_add_session_copies_the_reports_only_and_records_a_done_row(tmp_path: Path, fake_assessment) -> None:
    data = DataDir.at(tmp_path / "data")
    row = add(data, tmp_path, fake_assessment("left"))
    folder = Path(row.out_dir)
    assert folder.parent == data.sessions and folder.name == row.id
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == ["metrics.csv", "plots/a.png", "report.html", "report.json"]  # no pose.npz, no video
    assert [p.name for p in data.sessions.iterdir()] == [row.id]  # no staging folder left behind
    head = headline_of(fake_assessment("left"))
    assert (row.state, row.origin, row.person, row.recorded_on) == ("done", "analyze", "anna", "2026-01-05")
    assert (row.pelvic_drop_left_deg, row.knee_fppa_right_deg) == (head.pelvic_drop_left_deg, head.knee_fppa_right_deg)
    assert row.model_sha256 == "a" * 64 and row.source_sha256 and row.name == "clip.mp4"


def test_the_same_clip_person_and_date_replaces_its_session(tmp_path: Path, fake_assessment) -> None:
    data = DataDir.at(tmp_path / "data")
    first = add(data, tmp_path, fake_assessment("left"))
    again = add(data, tmp_path, fake_assessment("right"))
    assert again.id == first.id and again.verdict == "right"
    other_day = add(data, tmp_path, fake_assessment("left"), day="2026-02-02")
    other_person = add(data, tmp_path, fake_assessment("left"), person="ben")
    other_bytes = add(data, tmp_path, fake_assessment("left"), content=b"another clip")
    assert len({first.id, other_day.id, other_person.id, other_bytes.id}) == 4
    with JobStore(data.store) as store:
        assert len(store.rows()) == 4 and len(store.sessions("anna")) == 3
    assert sorted(p.name for p in data.sessions.iterdir()) == sorted(
        {first.id, other_day.id, other_person.id, other_bytes.id}
    )


def test_bad_names_dates_or_a_folder_without_a_report_write_nothing(tmp_path: Path, fake_assessment) -> None:
    data = DataDir.at(tmp_path / "data")
    with pytest.raises(UsageError, match="empty"):
        add(data, tmp_path, fake_assessment("left"), person=" ")
    with pytest.raises(UsageError, match="not a real date"):
        add(data, tmp_path, fake_assessment("left"), day="2026-02-30")
    with pytest.raises(UsageError, match="in the future"):
        add(data, tmp_path, fake_assessment("left"), day=(dt.date.today() + dt.timedelta(days=1)).isoformat())
    assert not data.root.exists()
    (tmp_path / "clip.mp4").write_bytes(b"x")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputNotFoundError, match=r"no report\.json"):
        add_session(data, source=tmp_path / "clip.mp4", out_dir=tmp_path / "empty", assessment=fake_assessment("left"),
                    person="anna", recorded_on="2026-01-05", options={}, origin="analyze")  # fmt: skip
    assert not data.store.exists()


def test_unknown_people_and_deleting_a_person(tmp_path: Path, fake_assessment) -> None:
    data = DataDir.at(tmp_path / "data")
    with pytest.raises(InputNotFoundError, match=r"anna: no sessions of this person in .*\(0 people known;"):
        person_sessions(data, "anna")
    assert known_people(data) == [] and not data.store.exists()  # reading creates no store
    kept = add(data, tmp_path, fake_assessment("left"), person="ben")
    gone = add(data, tmp_path, fake_assessment("left"))
    with pytest.raises(InputNotFoundError, match=r"\(2 people known;"):
        person_sessions(data, "carl")
    user_video = tmp_path / "clip.mp4"
    assert [r.id for r in delete_person(data, "anna")] == [gone.id]
    assert not Path(gone.out_dir).exists() and Path(kept.out_dir).exists()
    assert user_video.exists()  # the user's own video, outside the data folder, is never deleted
    assert [p for p, _, _ in known_people(data)] == ["ben"]


def test_a_name_typed_decomposed_is_the_same_person(tmp_path: Path, fake_assessment) -> None:
    composed, decomposed = "Zo\u00eb", "Zoe\u0308"  # "Zoë" as one character, and as e + combining diaeresis
    assert check_person(decomposed) == composed
    data = DataDir.at(tmp_path / "data")
    first = add(data, tmp_path, fake_assessment("left"), person=composed, day="2026-01-05")
    second = add(data, tmp_path, fake_assessment("none"), person=decomposed, day="2026-01-12", clip="b.mp4")
    assert [p for p, _, _ in known_people(data)] == [composed]
    assert [r.id for r in person_sessions(data, decomposed)] == [second.id, first.id]
    assert {r.id for r in delete_person(data, decomposed)} == {first.id, second.id}
    assert known_people(data) == []


# ------------------------------------------------------------------ CSV and change calls
def record(store: JobStore, day: str, **values: float) -> None:
    name = f"sls_{day}.mp4"
    spec = ClipSpec(clip_id(name, "ab" * 32), name, f"/clips/{name}", "ab" * 32, {}, "0.1.0", "cd" * 32, "anna", day)
    store.record(spec, Headline("left", 0.8, "front", "single_leg_squat", **values), f"/nowhere/{name}")


def history(tmp_path: Path, *sessions: tuple[str, dict[str, float]]) -> list[ClipRow]:
    with JobStore(tmp_path / "h.sqlite") as store:
        for day, values in sessions:
            record(store, day, **values)
        return store.sessions("anna")


def test_mdc95_is_1_96_root_2_sem() -> None:
    assert mdc95("pelvic_drop_deg") == pytest.approx(1.96 * math.sqrt(2) * 1.0) == pytest.approx(2.77, abs=0.005)
    assert mdc95("knee_fppa_deg") == pytest.approx(1.96 * math.sqrt(2) * 3.0)
    assert mdc95("hip_height_asymmetry_deg") == pytest.approx(1.96 * math.sqrt(2) * 1.5)


def test_a_drop_from_8_to_4_is_real_and_8_to_6_is_within_error(tmp_path: Path) -> None:
    rows = history(
        tmp_path,
        ("2026-01-05", {"pelvic_drop_left_deg": 8.0, "pelvic_drop_right_deg": 8.0, "knee_fppa_left_deg": 12.0}),
        ("2026-01-19", {"pelvic_drop_left_deg": NAN, "pelvic_drop_right_deg": 7.0}),  # left not measured: skipped
        ("2026-02-02", {"pelvic_drop_left_deg": 4.0, "pelvic_drop_right_deg": 6.0}),
    )
    calls = {c.column: c for c in trend_changes(rows)}
    left, right = calls["pelvic_drop_left_deg"], calls["pelvic_drop_right_deg"]
    assert (left.baseline_on, left.baseline, left.latest_on, left.latest) == ("2026-01-05", 8.0, "2026-02-02", 4.0)
    assert left.delta == -4.0 and left.mdc == pytest.approx(2.77, abs=0.005) and left.status == "real" and left.real
    assert left.sem == 1.0 and left.source.startswith("Dingenen") and left.measured == 2
    assert (right.delta, right.status, right.measured) == (-2.0, "within_error", 3)
    assert calls["knee_fppa_left_deg"].status == "not_enough"  # one session measured it
    assert math.isnan(calls["knee_fppa_left_deg"].delta)
    assert calls["hip_height_diff_deg"].status == "not_enough" and calls["hip_height_diff_deg"].baseline_on is None


def test_a_change_of_exactly_mdc_is_not_real(tmp_path: Path) -> None:
    mdc = mdc95("pelvic_drop_deg")
    rows = history(tmp_path, ("2026-01-05", {"pelvic_drop_left_deg": 5.0}),
                   ("2026-02-02", {"pelvic_drop_left_deg": 5.0 + mdc}))  # fmt: skip
    assert trend_changes(rows)[0].status == "within_error"


def test_sessions_csv_has_one_row_per_session_with_empty_cells_for_not_measured(tmp_path: Path) -> None:
    rows = history(tmp_path, ("2026-01-05", {"pelvic_drop_left_deg": 8.0, "pelvic_drop_error_deg": 2.7}),
                   ("2026-02-02", {"pelvic_drop_left_deg": 4.25}))  # fmt: skip
    table = list(csv.DictReader(io.StringIO(sessions_csv(rows))))
    assert tuple(table[0]) == SESSIONS_CSV_COLUMNS
    assert [(r["recorded_on"], r["pelvic_drop_left_deg"], r["knee_fppa_left_deg"]) for r in table] == [
        ("2026-02-02", "4.25", ""), ("2026-01-05", "8.0", ""),
    ]  # fmt: skip
    assert table[1]["pelvic_drop_error_deg"] == "2.7" and table[0]["verdict"] == "left"
    assert table[0]["confidence"] == "0.8" and table[0]["name"] == "sls_2026-02-02.mp4"


def test_sessions_csv_text_cannot_run_as_a_spreadsheet_formula(tmp_path: Path) -> None:
    with JobStore(tmp_path / "h.sqlite") as store:
        spec = ClipSpec("x", "=HYPERLINK(1).mp4", "/c", "ab", {}, "0", "cd", "@anna", "2026-01-05")
        store.record(spec, Headline("none", 0.5, "front", "squat", pelvic_drop_left_deg=-3.0), "/o")
        (row,) = list(csv.DictReader(io.StringIO(sessions_csv(store.sessions("@anna")))))
    assert (row["name"], row["person"], row["pelvic_drop_left_deg"]) == ("'=HYPERLINK(1).mp4", "'@anna", "-3.0")


# ------------------------------------------------------------------ a batch adds its clips
def test_a_batch_adds_each_done_clip_and_a_clip_without_a_date_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("dated.npz", "undated.npz"):
        shutil.copy(POSE, tmp_path / name)
    real: Callable[[str | Path], str | None] = recording_date
    monkeypatch.setattr("hipcheck.jobs._history.recording_date",
                        lambda p: "2026-02-02" if Path(p).name == "dated.npz" else real(p))  # fmt: skip
    data = DataDir.at(tmp_path / "data")
    sources = [tmp_path / "dated.npz", tmp_path / "undated.npz"]
    with ThreadPoolExecutor(1) as pool:
        result = run_batch(sources, tmp_path / "out", options=BatchOptions(person=" anna "), executor=pool,
                           history=data)  # fmt: skip
    states = {r.name: (r.state, r.exit_code, r.error) for r in result.rows}
    assert states["dated.npz"] == ("done", 0, "")
    assert states["undated.npz"] == (
        "failed", 2, f"{tmp_path / 'undated.npz'}: no recording date in the file; give --recorded-on YYYY-MM-DD",
    )  # fmt: skip
    (added,) = result.history
    assert (added.person, added.recorded_on, added.origin, added.name) == ("anna", "2026-02-02", "batch", "dated.npz")
    assert (Path(added.out_dir) / "report.json").is_file() and not (Path(added.out_dir) / "pose.npz").exists()
    done = next(r for r in result.rows if r.name == "dated.npz")
    assert (added.verdict, added.knee_fppa_left_deg) == (done.verdict, done.knee_fppa_left_deg)

    with ThreadPoolExecutor(1) as pool:  # with a date for every clip: the undated one runs, the other is kept
        second = run_batch(sources, tmp_path / "out", options=BatchOptions(person="anna", recorded_on="2026-03-01"),
                           executor=pool, history=data)  # fmt: skip
    assert [r.state for r in second.rows] == ["done", "done"]
    assert {(r.name, r.recorded_on) for r in second.history} == {("dated.npz", "2026-03-01"),
                                                                 ("undated.npz", "2026-03-01")}  # fmt: skip
    assert [(p, n) for p, n, _ in known_people(data)] == [("anna", 3)]  # 2026-02-02 and two on 2026-03-01


def test_a_batch_history_needs_a_person_and_a_good_date(tmp_path: Path) -> None:
    shutil.copy(POSE, tmp_path / "a.npz")
    data = DataDir.at(tmp_path / "data")
    with pytest.raises(UsageError, match="needs a person"):
        run_batch([tmp_path / "a.npz"], tmp_path / "out", history=data)
    with pytest.raises(UsageError, match="not a real date"):
        run_batch([tmp_path / "a.npz"], tmp_path / "out", options=BatchOptions(person="a", recorded_on="2026-02-30"),
                  history=data)  # fmt: skip
    assert not (tmp_path / "out").exists()
