"""The job store: its life cycle, atomic claims, re-claiming a dead or silent owner, re-queueing."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hipcheck.jobs import ClipSpec, Headline, JobStore, clip_id, owner_token


def spec(name: str = "a.mp4", sha: str | None = "ab" * 32, **kw: object) -> ClipSpec:
    fields: dict[str, object] = {
        "id": clip_id(name, sha, fallback=name), "name": name, "source": f"/clips/{name}", "source_sha256": sha,
        "options": {"exercise": None}, "hipcheck_version": "1.0", "model_sha256": "cd" * 32,
    }  # fmt: skip
    fields.update(kw)
    return ClipSpec(**fields)  # type: ignore[arg-type]


HEADLINE = Headline("left", 0.8, "front", "squat", 9.0, 3.0, 2.7, 12.0, 5.0, 7.5)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_clip_id_is_stable_and_names_content_and_name() -> None:
    a = clip_id("squat front.mp4", "ab" * 32)
    assert a == clip_id("squat front.mp4", "ab" * 32)
    assert a.startswith("squat_front-") and len(a.split("-")[-1]) == 12
    assert a != clip_id("squat front.mp4", "ef" * 32)  # other bytes
    assert a != clip_id("other.mp4", "ab" * 32)  # other name
    assert clip_id("x.mp4", None, fallback="/a/x.mp4") != clip_id("x.mp4", None, fallback="/b/x.mp4")


def test_life_cycle_queued_running_done(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.sqlite") as store:
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        row = store.add(spec(person="anna", recorded_on="2026-03-01T09:00:00Z"))
        assert (row.state, row.attempts, row.person, row.recorded_on) == ("queued", 0, "anna", "2026-03-01T09:00:00Z")
        me = owner_token()
        claimed = store.claim(me)
        assert claimed is not None and (claimed.state, claimed.attempts, claimed.owner) == ("running", 1, me)
        assert store.claim(owner_token()) is None  # nothing else to take
        assert not store.finish(row.id, "someone-else", HEADLINE, "/out/x")  # only the owner may finish
        assert store.finish(row.id, me, HEADLINE, "/out/x", "host:1")
        done = store.get(row.id)
        assert done is not None and done.state == "done" and done.owner is None and done.worker == "host:1"
        assert (done.verdict, done.confidence, done.knee_fppa_error_deg, done.out_dir) == ("left", 0.8, 7.5, "/out/x")
        assert store.counts() == {"queued": 0, "running": 0, "done": 1, "failed": 0}


def test_fail_keeps_one_line_and_code(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.sqlite") as store:
        row = store.add(spec())
        me = owner_token()
        store.claim(me)
        assert store.fail(row.id, "/clips/a.mp4: video is truncated\nsecond line", 5, me)
        failed = store.get(row.id)
        assert failed is not None and (failed.state, failed.error, failed.exit_code) == (
            "failed", "/clips/a.mp4: video is truncated", 5,
        )  # fmt: skip


def test_nan_results_are_stored_as_null(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.sqlite") as store:
        row = store.add(spec())
        me = owner_token()
        store.claim(me)
        store.finish(row.id, me, Headline("insufficient", 0.0, "side", "squat"), "/out")
        got = store.get(row.id)
        assert got is not None and got.pelvic_drop_left_deg is None and got.knee_fppa_right_deg is None
        assert math.isclose(got.confidence or 0.0, 0.0)


def test_add_skips_current_rows_and_requeues_changed_ones(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.sqlite") as store:
        a = spec()
        store.add(a)
        me = owner_token()
        store.claim(me)
        store.finish(a.id, me, HEADLINE, "/out")
        assert store.add(a).state == "done"  # same bytes, options, version, model: kept
        assert store.add(spec(person="ben")).person == "ben"  # the person is updated, results kept
        for changed in (spec(options={"exercise": "squat"}), spec(hipcheck_version="2.0"), spec(model_sha256="ee")):
            row = store.add(changed)
            assert row.state == "queued" and row.verdict is None, changed
            store.claim(me)
            store.finish(a.id, me, HEADLINE, "/out")


def test_failed_rows_are_kept_unless_retry_failed(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.sqlite") as store:
        a = spec()
        store.add(a)
        me = owner_token()
        store.claim(me)
        store.fail(a.id, "bad", 4, me)
        assert store.add(a).state == "failed"
        assert store.add(a, retry_failed=True).state == "queued"


def test_claim_follows_the_given_order_and_ids(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.sqlite") as store:
        ids = [store.add(spec(f"{k}.mp4")).id for k in range(3)]
        me = owner_token()
        first = store.claim(me, [ids[2], ids[0]])
        assert first is not None and first.id == ids[2]
        second = store.claim(me, [ids[2], ids[0]])
        assert second is not None and second.id == ids[0]
        assert store.claim(me, [ids[2], ids[0]]) is None  # ids[1] is not among them
        third = store.claim(me)
        assert third is not None and third.id == ids[1]


def test_a_dead_owners_clip_is_taken_again_and_a_live_ones_is_not(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.sqlite") as store:
        row = store.add(spec())
        store.claim(owner_token())  # this process: alive
        assert store.claim(owner_token()) is None
        host = owner_token().split(":")[0]
        store._db.execute("UPDATE clips SET owner = ? WHERE id = ?", (f"{host}:{dead_pid()}:dead", row.id))
        again = store.claim("new-owner")
        assert again is not None and again.id == row.id and again.attempts == 2 and again.owner == "new-owner"


def test_a_silent_owner_on_another_host_goes_stale(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.sqlite", stale_after_s=0.3) as store:
        row = store.add(spec())
        store.claim("otherhost:1:x")
        assert store.claim("me") is None
        store.heartbeat("otherhost:1:x")
        assert store.claim("me") is None
        time.sleep(0.4)
        got = store.claim("me")
        assert got is not None and got.id == row.id


def test_release_gives_clips_back(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.sqlite") as store:
        row = store.add(spec())
        me = owner_token()
        store.claim(me)
        assert store.release(me) == 1
        back = store.get(row.id)
        assert back is not None and (back.state, back.attempts, back.owner) == ("queued", 0, None)


def test_rows_filter_by_state_person_and_ids(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.sqlite") as store:
        a = store.add(spec("a.mp4", person="anna"))
        b = store.add(spec("b.mp4", person="ben"))
        assert [r.id for r in store.rows()] == [a.id, b.id]
        assert [r.id for r in store.rows(person="ben")] == [b.id]
        assert [r.id for r in store.rows(ids=[b.id, a.id, b.id])] == [b.id, a.id]
        assert store.rows(state="done") == []


@pytest.mark.parametrize("claimers", [4])
def test_concurrent_claims_never_share_a_clip(tmp_path: Path, claimers: int) -> None:
    path = tmp_path / "jobs.sqlite"
    with JobStore(path) as store:
        for k in range(40):
            store.add(spec(f"{k}.mp4"))
    taken: list[list[str]] = [[] for _ in range(claimers)]

    def claim_all(k: int) -> None:
        with JobStore(path) as mine:  # its own connection, as another process would have
            owner = owner_token()
            while (row := mine.claim(owner)) is not None:
                taken[k].append(row.id)

    threads = [threading.Thread(target=claim_all, args=(k,)) for k in range(claimers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for ids in taken for i in ids]
    assert len(every) == 40 and len(set(every)) == 40
