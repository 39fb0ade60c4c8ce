"""``hipcheck analyze --person`` adds sessions to a history and ``hipcheck history`` reads them back (table,
trend page, CSV, delete), on a recorded pose ``.npz`` (no MediaPipe run), in a temporary data folder.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hipcheck.jobs import DataDir, JobStore
from hipcheck.metrics import format_metric
from support import FIXTURES, SAMPLES

POSE = FIXTURES / "squat_front_bodyweight_armsup_01.npz"


def hipcheck(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hipcheck.cli", *map(str, args)],
        capture_output=True, text=True, timeout=600, check=False, cwd=cwd,
    )  # fmt: skip


@pytest.fixture(scope="module")
def two_sessions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with anna's two sessions of the same clip, 2026-01-05 and 2026-02-02 (``--data``)."""
    root = tmp_path_factory.mktemp("history")
    for k, day in enumerate(("2026-01-05", "2026-02-02")):
        done = hipcheck("analyze", POSE, "--person", "anna", "--recorded-on", day, "--data", root / "data",
                        "-o", root / f"run{k}")  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert f"history: {POSE.name} added to anna's sessions ({day}) in {root / 'data'}" in done.stdout
    return root


def test_analyze_adds_sessions_and_history_writes_the_table_page_and_csv(two_sessions: Path) -> None:
    root, data = two_sessions, two_sessions / "data"
    shown = hipcheck("history", "anna", "--data", data, "-o", root / "t.html", "--csv", root / "t.csv")
    assert shown.returncode == 0, shown.stderr
    assert "anna: 2 sessions" in shown.stdout
    assert shown.stdout.index("2026-02-02") < shown.stdout.index("2026-01-05")  # newest first

    report = json.loads((root / "run0" / "report.json").read_text())
    knee = next(r for r in report["evidence"] if r["metric"] == "knee_fppa_deg")
    table = list(csv.DictReader((root / "t.csv").open()))
    assert [(r["recorded_on"], r["person"], r["name"]) for r in table] == [
        ("2026-02-02", "anna", POSE.name), ("2026-01-05", "anna", POSE.name),
    ]  # fmt: skip
    assert float(table[1]["knee_fppa_left_deg"]) == pytest.approx(knee["left"])
    assert table[1]["verdict"] == report["verdict"]["weaker_side"]

    page = (root / "t.html").read_text()
    assert "anna: sessions over time" in page and page.count("data:image/png;base64,") >= 2
    assert (
        format_metric("knee_fppa_deg", knee["left"]) in page and format_metric("knee_fppa_deg", knee["right"]) in page
    )
    assert "within measurement error" in page  # the same clip twice: no change
    with JobStore(DataDir.at(data).store) as store:
        rows = store.sessions("anna")
    assert [r.origin for r in rows] == ["analyze", "analyze"]
    for row in rows:
        assert Path(row.out_dir).parent == data / "sessions" and (Path(row.out_dir) / "report.html").is_file()
        assert Path(row.out_dir, "report.html").as_uri() in page  # each session's report is linked
        assert not (Path(row.out_dir) / "pose.npz").exists()


def test_history_lists_people_and_an_unknown_person_is_one_line(two_sessions: Path) -> None:
    data = two_sessions / "data"
    people = hipcheck("history", "--data", data)
    assert people.returncode == 0 and "anna" in people.stdout and "2026-02-02" in people.stdout
    unknown = hipcheck("history", "bob", "--data", data)
    assert unknown.returncode == 3
    assert unknown.stderr == (f"hipcheck: error: bob: no sessions of this person in {data} (1 person known; "
                              "'hipcheck history' lists them)\n")  # fmt: skip
    blank = hipcheck("history", "   ", "--data", data)
    assert blank.returncode == 2
    assert blank.stderr == "hipcheck: error: person name: empty; give a name, e.g. --person anna\n"


def test_history_uses_hipcheck_data_and_delete_removes_the_copies(tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "env-data"
    monkeypatch.setenv("HIPCHECK_DATA", str(data))
    done = hipcheck("analyze", POSE, "--person", "ben", "--recorded-on", "2026-01-05", "--quiet", "-o", tmp_path / "r")
    assert done.returncode == 0 and done.stdout == "", done.stderr
    one = hipcheck("history", "ben", "-o", tmp_path / "one.html")
    assert one.returncode == 0 and "2 sessions needed for a trend" in (tmp_path / "one.html").read_text()
    gone = hipcheck("history", "ben", "--delete")
    assert gone.returncode == 0 and f"deleted 1 session of ben from {data}" in gone.stdout
    assert list((data / "sessions").iterdir()) == [] and (tmp_path / "r" / "report.json").is_file()
    assert hipcheck("history", "ben").returncode == 3


def test_person_and_date_are_checked_before_any_analysis(tmp_path: Path) -> None:
    video = tmp_path / "squat.mp4"
    video.write_bytes((SAMPLES / "squat_symmetric.mp4").read_bytes())  # carries no recording date
    no_date = f"{video}: no recording date in the file; give --recorded-on YYYY-MM-DD"
    cases = [
        (("analyze", video, "--person", "anna"), no_date),
        (("analyze", POSE, "--person", "anna", "--recorded-on", "2026-02-30"), "recording date '2026-02-30': not a"),
        (("analyze", POSE, "--person", "  ", "--recorded-on", "2026-01-05"), "person name: empty"),
        (("analyze", POSE, "--recorded-on", "2026-01-05"), "--recorded-on and --data need --person NAME"),
        (("batch", POSE, "--recorded-on", "2026-01-05"), "--recorded-on and --data need --person NAME"),
    ]
    for args, message in cases:
        done = hipcheck(*args, "--data", tmp_path / "data", "-o", tmp_path / "out", cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith(f"hipcheck: error: {message}") and len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists() and not (tmp_path / "data").exists()  # nothing ran, nothing written


def test_batch_person_adds_each_done_clip_to_the_history(tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    clips.mkdir()
    for name in ("a.npz", "b.npz"):
        (clips / name).write_bytes(POSE.read_bytes())
    undated = hipcheck("batch", clips, "-o", tmp_path / "out", "--workers", "1", "--person", "anna",
                       "--data", tmp_path / "data")  # fmt: skip
    assert undated.returncode == 2 and undated.stderr.count("no recording date in the file") == 2
    assert "history: 0 sessions of anna" in undated.stdout
    dated = hipcheck("batch", clips, "-o", tmp_path / "out", "--workers", "1", "--person", "anna",
                     "--recorded-on", "2026-03-01", "--data", tmp_path / "data")  # fmt: skip
    assert dated.returncode == 0, dated.stderr
    assert "2 clips: 2 done" in dated.stdout and f"history: 2 sessions of anna in {tmp_path / 'data'}" in dated.stdout
    with JobStore(tmp_path / "data" / "hipcheck.sqlite") as store:
        rows = store.sessions("anna")
    assert sorted((r.name, r.recorded_on, r.origin) for r in rows) == [("a.npz", "2026-03-01", "batch"),
                                                                     ("b.npz", "2026-03-01", "batch")]  # fmt: skip
