"""``hipcheck batch`` on a folder with bad files: failed rows with their errors while the rest
succeed; a re-run skips what is done; other options run the clips again.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

from hipcheck.jobs import JobStore

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "real"


def batch(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hipcheck.cli", "batch", *map(str, args)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_bad_files_fail_alone_and_a_rerun_skips_what_is_done(tmp_path: Path) -> None:
    clips, out = tmp_path / "clips", tmp_path / "out"
    (clips / "anna").mkdir(parents=True)
    shutil.copy(FIXTURES / "squat_front_bodyweight_armsup_01.npz", clips / "anna" / "squat.npz")
    shutil.copy(FIXTURES / "lunge_side_bodyweight_04.npz", clips / "lunge.npz")
    (clips / "truncated.mp4").write_bytes((REPO / "samples" / "squat_symmetric.mp4").read_bytes()[:150_000])
    (clips / "notes.mp4").write_text("a text file, not a video\n")
    (clips / "readme.txt").write_text("not taken: neither a video extension nor video bytes\n")
    missing = clips / "gone.mp4"

    first = batch(clips, missing, "-o", out, "--workers", "2", "--person", "anna", "--recorded-on", "2026-03-01")
    errors = sorted(line for line in first.stderr.splitlines() if line.startswith("hipcheck: error:"))
    assert errors == [
        f"hipcheck: error: {missing}: no such file",
        f"hipcheck: error: {clips / 'notes.mp4'}: not a video file (no decoder recognises it)",
        f"hipcheck: error: {clips / 'truncated.mp4'}: video container is truncated or damaged (cannot be opened)",
    ], first.stderr
    assert "Traceback" not in first.stderr
    assert first.returncode == 4  # the first failed clip in input order: notes.mp4, not a video
    assert "5 clips: 2 done, 3 failed" in first.stdout

    with JobStore(out / "jobs.sqlite") as store:
        rows = {r.name: r for r in store.rows()}
    assert sorted(rows) == ["gone.mp4", "lunge.npz", "notes.mp4", "squat.npz", "truncated.mp4"]
    assert {n: r.exit_code for n, r in rows.items() if r.state == "failed"} == {
        "gone.mp4": 3, "notes.mp4": 4, "truncated.mp4": 5,
    }  # fmt: skip
    for name in ("squat.npz", "lunge.npz"):
        row = rows[name]
        assert row.state == "done" and row.attempts == 1 and row.person == "anna" and row.verdict
        report = json.loads((out / row.id / "report.json").read_text())
        assert report["verdict"]["weaker_side"] == row.verdict
        assert (out / row.id / "metrics.csv").is_file() and (out / row.id / "report.html").is_file()
    summary = list(csv.DictReader((out / "summary.csv").open()))
    assert sorted(r["name"] for r in summary) == sorted(rows)
    page = (out / "summary.html").read_text()
    assert "5 clips: 2 done, 3 failed" in page and "not a video file" in page
    stamps = {r.id: (r.finished_at, (out / r.id / "report.json").stat().st_mtime_ns) for r in rows.values()
              if r.state == "done"}  # fmt: skip

    again = batch(clips, missing, "-o", out, "--workers", "2", "--person", "anna", "--recorded-on", "2026-03-01",
                  "--quiet")  # fmt: skip
    assert again.returncode == 4 and len(again.stderr.strip().splitlines()) == 3
    with JobStore(out / "jobs.sqlite") as store:
        after = {r.name: r for r in store.rows()}
    assert {n: (r.state, r.attempts) for n, r in after.items()} == {n: (r.state, r.attempts) for n, r in rows.items()}
    assert {i: (store_row.finished_at, (out / i / "report.json").stat().st_mtime_ns)
            for i, store_row in ((r.id, r) for r in after.values() if r.state == "done")} == stamps  # fmt: skip

    other = batch(clips / "lunge.npz", "-o", out, "--workers", "1", "--exercise", "lunge", "--quiet")
    assert other.returncode == 0, other.stderr
    with JobStore(out / "jobs.sqlite") as store:
        lunge = next(r for r in store.rows() if r.name == "lunge.npz")
    assert lunge.state == "done" and lunge.attempts == 2 and json.loads(lunge.options)["exercise"] == "lunge"


def test_no_clips_found_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    done = batch(tmp_path / "empty", "-o", tmp_path / "out", "--workers", "1")
    assert done.returncode == 2
    assert done.stderr.strip() == f"hipcheck: error: {tmp_path / 'empty'}: no videos or pose .npz files found"
