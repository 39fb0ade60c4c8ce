"""The store as a person's history: recorded sessions, re-runs, queue positions, deletes, the v1 → v2 upgrade."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hipcheck.jobs import SCHEMA_VERSION, ClipSpec, Headline, JobStore, clip_id, owner_token


def spec(name: str, person: str | None = "anna", recorded_on: str | None = "2026-03-01", **kw: object) -> ClipSpec:
    sha = f"{abs(hash(name)):064x}"[:64]
    return ClipSpec(
        clip_id(name, sha), name, f"/clips/{name}", sha, {"exercise": None}, "1.0", "cd" * 32,
        person, recorded_on, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


HEAD = Headline("left", 0.8, "front", "single_leg_stance", 7.0, 2.0, 2.7, 10.0, 6.0, 7.5, 1.5, 3.0)


def test_record_adds_a_done_session_with_every_headline_value(tmp_path: Path) -> None:
    with JobStore(tmp_path / "h.sqlite") as store:
        row = store.record(spec("a.mp4", origin="analyze"), HEAD, "/somewhere/out")
        assert (row.state, row.origin, row.out_dir, row.attempts) == ("done", "analyze", "/somewhere/out", 1)
        assert (row.pelvic_drop_left_deg, row.pelvic_drop_right_deg, row.hip_height_diff_deg) == (7.0, 2.0, 1.5)
        assert row.hip_height_error_deg == 3.0 and row.finished_at is not None
        again = store.record(spec("a.mp4", origin="analyze"), Headline("none", 0.5, "front", "squat"), "/x")
        assert again.verdict == "none" and again.pelvic_drop_left_deg is None  # replaced, NaN stored as NULL
        assert len(store.rows()) == 1


def test_sessions_are_newest_recording_first_and_only_done(tmp_path: Path) -> None:
    with JobStore(tmp_path / "h.sqlite") as store:
        store.record(spec("old.mp4", recorded_on="2026-01-05"), HEAD, "/o")
        store.record(spec("new.mp4", recorded_on="2026-02-20"), HEAD, "/n")
        store.record(spec("mid.mp4", recorded_on="2026-02-01"), HEAD, "/m")
        store.add(spec("queued.mp4", recorded_on="2026-03-01"))
        store.record(spec("ben.mp4", person="ben"), HEAD, "/b")
        assert [r.name for r in store.sessions("anna")] == ["new.mp4", "mid.mp4", "old.mp4"]
        assert store.people() == [("anna", 3, "2026-02-20"), ("ben", 1, "2026-03-01")]


def test_queue_position_counts_queued_rows_ahead(tmp_path: Path) -> None:
    with JobStore(tmp_path / "h.sqlite") as store:
        ids = [store.add(spec(f"{k}.mp4")).id for k in range(3)]
        assert [store.queue_position(i) for i in ids] == [1, 2, 3]
        store.claim(owner_token())
        assert [store.queue_position(i) for i in ids] == [None, 1, 2]
        assert store.queue_position("no-such-clip") is None
        assert store.queue_positions() == {ids[1]: 1, ids[2]: 2}  # the same, in one query


def test_requeue_puts_a_failed_job_at_the_back_with_results_cleared(tmp_path: Path) -> None:
    with JobStore(tmp_path / "h.sqlite") as store:
        first = store.add(spec("a.mp4")).id
        second = store.add(spec("b.mp4")).id
        me = owner_token()
        assert store.claim(me, [first]) is not None
        store.fail(first, "a.mp4: broken", 5, me)
        row = store.requeue(first)
        assert row is not None and (row.state, row.error, row.exit_code) == ("queued", "", 0)
        assert store.queue_position(second) == 1 and store.queue_position(first) == 2
        assert store.queue_positions() == {second: 1, first: 2}
        assert store.requeue("missing") is None
        claimed = store.claim(me, [second])
        assert claimed is not None
        assert store.requeue(second) == store.get(second)  # a live run is left alone
        assert store.get(second).state == "running"  # type: ignore[union-attr]


def test_delete_and_delete_person_remove_rows_for_good(tmp_path: Path) -> None:
    with JobStore(tmp_path / "h.sqlite") as store:
        a = store.record(spec("a.mp4"), HEAD, "/a")
        store.record(spec("b.mp4"), HEAD, "/b")
        store.record(spec("c.mp4", person="ben"), HEAD, "/c")
        gone = store.delete(a.id)
        assert gone is not None and gone.id == a.id and store.get(a.id) is None
        assert store.delete(a.id) is None
        assert [r.name for r in store.delete_person("anna")] == ["b.mp4"]
        assert [r.person for r in store.rows()] == ["ben"]


def test_a_version_1_store_gains_the_new_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE clips (id TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL, source_sha256 TEXT,"
        " person TEXT, recorded_on TEXT, options TEXT NOT NULL, hipcheck_version TEXT NOT NULL,"
        " model_sha256 TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
        " error TEXT NOT NULL DEFAULT '', exit_code INTEGER NOT NULL DEFAULT 0, owner TEXT, heartbeat_at REAL,"
        " queued_at TEXT NOT NULL, started_at TEXT, finished_at TEXT, out_dir TEXT, worker TEXT, verdict TEXT,"
        " confidence REAL, view TEXT, exercises TEXT, pelvic_drop_left_deg REAL, pelvic_drop_right_deg REAL,"
        " pelvic_drop_error_deg REAL, knee_fppa_left_deg REAL, knee_fppa_right_deg REAL, knee_fppa_error_deg REAL,"
        " seq INTEGER NOT NULL);"
        "INSERT INTO clips (id, name, source, options, hipcheck_version, model_sha256, state, queued_at, seq,"
        " verdict, pelvic_drop_left_deg) VALUES ('x-1', 'x.mp4', '/x.mp4', '{}', '0.1', 'm', 'done', 'now', 1,"
        " 'left', 8.5); PRAGMA user_version=1;"
    )
    db.close()
    with JobStore(path) as store:
        (row,) = store.rows()
        got = (row.verdict, row.pelvic_drop_left_deg, row.origin, row.hip_height_diff_deg)
        assert got == ("left", 8.5, "batch", None)
        assert store._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    with JobStore(path) as store:  # opening again adds nothing twice
        assert len(store.rows()) == 1


def test_the_data_folder_removes_only_what_it_holds(tmp_path: Path) -> None:
    from hipcheck.jobs import DataDir

    data = DataDir.at(tmp_path / "data")
    upload = data.uploads / "c1" / "clip.mp4"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"v")
    session = data.session("c1")
    (session / "plots").mkdir(parents=True)
    (session / "report.json").write_text("{}")
    mine = tmp_path / "mine.mp4"
    mine.write_bytes(b"v")
    data.remove(mine)
    data.remove(None)
    assert mine.exists()  # outside the data folder: never touched
    data.remove(upload)
    assert not upload.parent.exists() and data.uploads.is_dir()  # its emptied folder goes, uploads/ stays
    data.remove(session)
    assert not session.exists() and data.sessions.is_dir()
