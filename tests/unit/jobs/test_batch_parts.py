"""Batch parts without the pipeline: finding clips, the date a file carries, outputs as a whole,
the summary table and plot, the headline of an assessment, the worker's version checks.
"""

from __future__ import annotations

import csv
import datetime as dt
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from hipcheck import __version__
from hipcheck.analysis import AnalysisOptions
from hipcheck.errors import ClusterError
from hipcheck.jobs import (
    CLIP_TIMEOUT_MIN_S,
    CLIP_TIMEOUT_PER_VIDEO_S,
    CLIP_TIMEOUT_UNKNOWN_S,
    SUMMARY_COLUMNS,
    ClipSpec,
    ClipTask,
    Headline,
    JobStore,
    analyse_clip,
    capacity,
    check_versions,
    clip_id,
    default_time_limit_s,
    discover,
    header_duration_s,
    headline_of,
    looks_like_video,
    overview_png,
    owner_token,
    recorded_on,
    render_summary_html,
    write_outputs,
    write_summary_csv,
)
from hipcheck.results import Assessment
from support import REPO


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mp4_with_creation_time(path: Path, seconds_since_1904: int) -> Path:
    mvhd = box(b"mvhd", b"\x00\x00\x00\x00" + struct.pack(">II", seconds_since_1904, seconds_since_1904) + bytes(88))
    path.write_bytes(box(b"ftyp", b"isom\x00\x00\x02\x00") + box(b"moov", mvhd) + box(b"mdat", b"\x00" * 16))
    return path


def test_recorded_on_reads_the_mp4_creation_time(tmp_path: Path) -> None:
    seconds = int(
        (dt.datetime(2026, 3, 1, 9, 30, 12, tzinfo=dt.UTC) - dt.datetime(1904, 1, 1, tzinfo=dt.UTC)).total_seconds()
    )
    assert recorded_on(mp4_with_creation_time(tmp_path / "a.mp4", seconds)) == "2026-03-01T09:30:12Z"
    assert recorded_on(mp4_with_creation_time(tmp_path / "b.mp4", 0)) is None  # unset
    (tmp_path / "c.txt").write_text("hello")
    assert recorded_on(tmp_path / "c.txt") is None
    assert recorded_on(tmp_path / "missing.mp4") is None


def mp4_lasting(path: Path, timescale: int, duration: int, *, version: int = 0) -> Path:
    times = struct.pack(">QQIQ" if version else ">IIII", 1, 1, timescale, duration)
    mvhd = box(b"mvhd", bytes([version, 0, 0, 0]) + times + bytes(80))
    path.write_bytes(box(b"ftyp", b"isom\x00\x00\x02\x00") + box(b"moov", mvhd) + box(b"mdat", b"\x00" * 16))
    return path


def test_header_duration_reads_mvhd_without_decoding(tmp_path: Path) -> None:
    assert header_duration_s(mp4_lasting(tmp_path / "a.mp4", 600, 2700)) == 4.5
    assert header_duration_s(mp4_lasting(tmp_path / "b.mov", 1000, 90_500, version=1)) == 90.5
    assert header_duration_s(mp4_lasting(tmp_path / "c.mp4", 600, 0xFFFFFFFF)) is None  # all ones: unknown
    assert header_duration_s(mp4_lasting(tmp_path / "d.mp4", 0, 100)) is None
    assert header_duration_s(mp4_with_creation_time(tmp_path / "e.mp4", 1)) is None  # no time scale
    (tmp_path / "f.mkv").write_bytes(b"\x1a\x45\xdf\xa3" + bytes(60))
    assert header_duration_s(tmp_path / "f.mkv") is None and header_duration_s(tmp_path / "gone.mp4") is None
    assert header_duration_s(REPO / "samples" / "squat_symmetric.mp4") == pytest.approx(4.8)


def test_the_default_time_limit_grows_with_the_video_from_a_floor(tmp_path: Path) -> None:
    assert default_time_limit_s(mp4_lasting(tmp_path / "short.mp4", 600, 600 * 5)) == CLIP_TIMEOUT_MIN_S
    assert default_time_limit_s(mp4_lasting(tmp_path / "long.mp4", 600, 600 * 90)) == 90 * CLIP_TIMEOUT_PER_VIDEO_S
    (tmp_path / "clip.webm").write_bytes(b"\x1a\x45\xdf\xa3" + bytes(60))
    assert default_time_limit_s(tmp_path / "clip.webm") == CLIP_TIMEOUT_UNKNOWN_S
    assert default_time_limit_s(tmp_path / "pose.npz") == CLIP_TIMEOUT_MIN_S


def test_batch_help_states_the_default_time_limit(capsys: pytest.CaptureFixture[str]) -> None:
    from hipcheck.cli import main

    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    minutes, hour = f"{CLIP_TIMEOUT_MIN_S / 60:g} min", f"{CLIP_TIMEOUT_UNKNOWN_S / 3600:g} h"
    assert f"the longer of {minutes} and {CLIP_TIMEOUT_PER_VIDEO_S:g} s per second of video" in text
    assert f"{hour} when the header gives no duration, {minutes} for a pose .npz" in text


def test_clip_timeout_takes_seconds_auto_or_off(capsys: pytest.CaptureFixture[str]) -> None:
    from hipcheck.cli import main
    from hipcheck.cli._batch import clip_timeout

    assert (clip_timeout("off"), clip_timeout("auto"), clip_timeout("90")) == (None, "auto", 90.0)
    for bad in ("0", "-3", "nan", "inf", "soon"):
        with pytest.raises(SystemExit) as stop:
            main(["batch", "x.mp4", "-o", "out", "--clip-timeout", bad])
        assert stop.value.code == 2 and "--clip-timeout" in capsys.readouterr().err, bad


def test_discover_by_extension_and_content_skipping_hidden_and_output(tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    (clips / "anna").mkdir(parents=True)
    (clips / ".cache").mkdir()
    out = clips / "out"
    out.mkdir()
    mp4_with_creation_time(clips / "anna" / "IMG_0042", 1)  # no extension: found by its bytes
    (clips / "anna" / "squat.MOV").write_bytes(b"anything")  # by extension (fails later if bad)
    (clips / "pose.npz").write_bytes(b"x")
    (clips / "notes.txt").write_text("not a clip")
    (clips / ".hidden.mp4").write_bytes(b"x")
    (clips / ".cache" / "c.mp4").write_bytes(b"x")
    (out / "report.mp4").write_bytes(b"x")
    found = discover([clips, tmp_path / "gone.mp4", clips / "pose.npz"], skip=[out])
    names = [p.relative_to(tmp_path).as_posix() for p in found]
    assert names == ["clips/pose.npz", "clips/anna/IMG_0042", "clips/anna/squat.MOV", "gone.mp4"]
    assert looks_like_video(clips / "anna" / "IMG_0042") and not looks_like_video(clips / "notes.txt")


def test_write_outputs_replaces_the_folder_as_a_whole(tmp_path: Path) -> None:
    first = write_outputs(tmp_path, "clip-1", {"report.json": b"{}", "plots/a.png": b"png", "old.txt": b"x"})
    assert (first / "plots" / "a.png").read_bytes() == b"png"
    second = write_outputs(tmp_path, "clip-1", {"report.json": b'{"v": 2}'})
    assert second == first and sorted(p.name for p in second.iterdir()) == ["report.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["clip-1"]  # no temporary folder left


def test_headline_takes_per_side_medians_of_the_evidence(fake_assessment: Callable[..., Assessment]) -> None:
    a = fake_assessment("left")
    h = headline_of(a)
    assert (h.verdict, h.view) == ("left", a.view) and h.confidence == pytest.approx(a.verdict.confidence)
    drop = next(r for r in a.evidence if r.metric == "pelvic_drop_deg")
    fppa = next(r for r in a.evidence if r.metric == "knee_fppa_deg")
    assert (h.pelvic_drop_left_deg, h.pelvic_drop_right_deg) == (drop.left, drop.right)
    assert (h.knee_fppa_left_deg, h.knee_fppa_right_deg, h.knee_fppa_error_deg) == (
        fppa.left,
        fppa.right,
        fppa.threshold,
    )
    assert set(h.exercises.split(",")) == {e.exercise for e in a.exercises}


def test_a_worker_of_another_version_refuses_the_clip(tmp_path: Path) -> None:
    task = ClipTask("c", str(tmp_path / "a.mp4"), AnalysisOptions(), None, "ab", "0.0.0-other")
    out = analyse_clip(task)
    assert out.status == "failed" and out.exit_code == 2
    assert f"runs hipcheck {__version__}, the batch client 0.0.0-other" in out.error


class FakeClient:
    def __init__(self, versions: dict[str, str]) -> None:
        self.versions = versions

    def run(self, fn: Callable[[], str]) -> dict[str, str]:
        assert fn() == __version__
        return self.versions

    def nthreads(self) -> dict[str, int]:
        return dict.fromkeys(self.versions, 2)


def test_check_versions_names_the_mismatching_worker() -> None:
    ok = FakeClient({"tcp://127.0.0.1:1": __version__})
    assert check_versions(ok, "tcp://s:8786") == ok.versions
    bad = FakeClient({"tcp://127.0.0.1:1": __version__, "tcp://127.0.0.1:2": "0.0.1"})
    with pytest.raises(ClusterError, match=r"worker tcp://127\.0\.0\.1:2 runs hipcheck 0\.0\.1"):
        check_versions(bad, "tcp://s:8786")
    with pytest.raises(ClusterError, match="no workers"):
        check_versions(FakeClient({}), "tcp://s:8786")
    assert capacity(bad) == 4


def store_with_rows(tmp_path: Path) -> JobStore:
    store = JobStore(tmp_path / "jobs.sqlite")
    me = owner_token()
    for k, (verdict, drop, fppa) in enumerate([("left", (9.0, 2.0), (14.0, 4.0)), ("none", (3.0, 2.5), (6.0, 5.0))]):
        sid = clip_id(f"c{k}.mp4", f"{k:064d}")
        store.add(ClipSpec(sid, f"c{k}.mp4", f"/c{k}.mp4", f"{k:064d}", {}, "1", "m", "anna", "2026-03-01T09:00:00Z"))
        store.claim(me)
        folder = write_outputs(tmp_path, sid, {"report.html": b"<html></html>"})
        store.finish(sid, me, Headline(verdict, 0.7, "front", "squat", *drop, 2.7, *fppa, 7.5), str(folder))
    bad = ClipSpec("bad-1", "bad.mp4", "/bad.mp4", None, {}, "1", "m")
    store.add(bad)
    store.fail(bad.id, "/bad.mp4: no such file", 3)
    return store


def test_summary_csv_has_a_row_per_clip(tmp_path: Path) -> None:
    with store_with_rows(tmp_path) as store:
        path = write_summary_csv(store.rows(), tmp_path)
    rows = list(csv.DictReader(path.open()))
    assert list(rows[0]) == list(SUMMARY_COLUMNS)
    assert [r["state"] for r in rows] == ["done", "done", "failed"]
    assert rows[0]["report"].endswith("/report.html") and rows[2]["report"] == ""
    assert rows[2]["error"] == "/bad.mp4: no such file" and rows[2]["exit_code"] == "3"
    assert float(rows[0]["pelvic_drop_left_deg"]) == 9.0 and rows[2]["pelvic_drop_left_deg"] == ""


def test_summary_html_is_self_contained_sortable_with_the_overview(tmp_path: Path) -> None:
    with store_with_rows(tmp_path) as store:
        rows = store.rows()
    page = render_summary_html(rows)
    assert "3 clips: 2 done, 1 failed" in page
    assert page.count("<tr><td>") == 3 and 'onclick="sortBy(' in page and "function sortBy" in page
    assert "data:image/png;base64," in page and "/bad.mp4: no such file" in page
    assert 'href="c0-' in page and "2026-03-01" in page and "anna" in page
    assert "http://" not in page and "https://" not in page  # nothing fetched from elsewhere
    png = overview_png(rows)
    assert png is not None and png.startswith(b"\x89PNG")
    assert overview_png(rows[2:]) is None  # a failed clip has nothing to plot
