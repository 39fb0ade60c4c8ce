"""Output-folder faults, a busy folder, stale reports, duplicate names, ``--json`` over
several clips and argument checks, through the CLI in-process (pose ``.npz`` inputs: no MediaPipe).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus import good_pose_npz, is_valid_report, leftovers
from hipcheck.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_error(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("hipcheck: error:"), err
    assert "Traceback" not in err
    return lines[0]


@contextlib.contextmanager
def _tmpfs(mount_point: Path, options: str) -> Iterator[Path]:
    """A small tmpfs mounted at ``mount_point`` (root only), else skip."""
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    cmd = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount_point)]
    res = subprocess.run(cmd, check=False, capture_output=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.decode(errors='replace').strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


@pytest.fixture
def pose_npz(tmp_path: Path) -> Path:
    return good_pose_npz(tmp_path, "clip.npz")


def test_output_is_a_file_or_under_a_file(tmp_path, capsys, pose_npz) -> None:
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    for out in (afile, afile / "sub"):
        code, _, err = _run(capsys, "analyze", str(pose_npz), "-o", str(out))
        assert code == 11, err
        assert str(out) in _one_error(err)
    assert afile.read_text() == "keep me"


def test_landmarks_output_checked_before_any_work(tmp_path, capsys, pose_npz) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "afile").write_text("x")
    for out in (tmp_path / "folder", tmp_path / "afile" / "p.npz"):
        code, _, err = _run(capsys, "landmarks", str(pose_npz), "-o", str(out))
        assert code == 11, err
        _one_error(err)
    assert leftovers(tmp_path) == []


def test_read_only_file_system(tmp_path, capsys, pose_npz) -> None:
    with _tmpfs(tmp_path / "ro", "ro,size=1m") as ro:
        code, _, err = _run(capsys, "analyze", str(pose_npz), "-o", str(ro / "out"))
        assert code == 11, err
        assert "read-only" in _one_error(err)


def test_full_disk_leaves_nothing_half_written(tmp_path, capsys, pose_npz) -> None:
    with _tmpfs(tmp_path / "full", "size=48k") as full:
        out = full / "out"
        code, _, err = _run(capsys, "analyze", str(pose_npz), "-o", str(out))
        assert code == 11, err
        assert "no space left" in _one_error(err)
        assert not (out / "report.json").exists()
        assert leftovers(full) == []
        code, _, err = _run(capsys, "landmarks", str(tmp_path / "nope.mp4"), "-o", str(full / "p.npz"))
        assert code == 3  # the input is checked first


def test_busy_output_folder_is_refused_and_left_alone(tmp_path, capsys, pose_npz) -> None:
    out = tmp_path / "out"
    assert _run(capsys, "analyze", str(pose_npz), "-o", str(out), "--no-html")[0] == 0
    before = (out / "report.json").read_bytes()
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a run in another process holds it
        code, _, err = _run(capsys, "analyze", str(pose_npz), "-o", str(out))
        assert code == 12, err
        assert "another hipcheck run" in _one_error(err)
    finally:
        os.close(fd)
    assert (out / "report.json").read_bytes() == before


def test_a_failed_run_leaves_no_earlier_report_looking_like_its_answer(tmp_path, capsys, pose_npz) -> None:
    out = tmp_path / "out"
    assert _run(capsys, "analyze", str(pose_npz), "-o", str(out))[0] == 0
    assert is_valid_report(out / "report.json") and (out / "report.html").exists()
    bad = tmp_path / "bad.npz"
    bad.write_bytes(pose_npz.read_bytes()[:300])
    code, _, err = _run(capsys, "analyze", str(bad), "-o", str(out))
    assert code == 10, err
    for name in ("report.json", "report.html", "metrics.csv", "plots"):
        assert not (out / name).exists(), name
    assert leftovers(out) == []


def test_failed_run_into_a_new_folder_leaves_no_folder(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_text("x")
    assert _run(capsys, "analyze", str(bad), "-o", str(tmp_path / "new"))[0] == 10
    assert not (tmp_path / "new").exists()


def test_same_file_names_go_to_separate_folders_and_json_is_one_array(tmp_path, capsys, monkeypatch) -> None:
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        good_pose_npz(tmp_path / d, "clip.npz")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "clip.npz").write_text("damaged")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "analyze", "a/clip.npz", "b/clip.npz", "c/clip.npz", "--json", "--no-html")
    assert code == 10, err
    docs = json.loads(out)
    assert [d.get("schema") for d in docs] == ["hipcheck.report/1", "hipcheck.report/1", None]
    assert docs[2]["exit_code"] == 10 and "c/clip.npz" in docs[2]["error"]
    assert docs[0]["provenance"] and docs[1]["provenance"]
    assert is_valid_report(tmp_path / "hipcheck_out" / "clip" / "report.json")
    assert is_valid_report(tmp_path / "hipcheck_out" / "clip-2" / "report.json")
    assert not (tmp_path / "hipcheck_out" / "clip-3" / "report.json").exists()


def test_json_of_one_clip_is_its_report(tmp_path, capsys, pose_npz) -> None:
    code, out, _ = _run(capsys, "analyze", str(pose_npz), "-o", str(tmp_path / "o"), "--json", "--no-html")
    assert code == 0 and json.loads(out)["schema"] == "hipcheck.report/1"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "91", "abc"])
def test_non_finite_or_absurd_roll_is_an_argument_error(tmp_path, capsys, pose_npz, value) -> None:
    with pytest.raises(SystemExit) as info:
        main(["analyze", str(pose_npz), "-o", str(tmp_path / "o"), f"--roll={value}"])
    assert info.value.code == 2
    assert "--roll" in capsys.readouterr().err


def test_unexpected_errors_are_one_line_too(tmp_path, capsys, pose_npz, monkeypatch) -> None:
    import hipcheck.jobs

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(hipcheck.jobs, "run_job", boom)
    code, _, err = _run(capsys, "analyze", str(pose_npz), "-o", str(tmp_path / "o"))
    assert code == 1
    assert "internal error (RuntimeError: something nobody expected)" in _one_error(err)

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "o" / "x"))

    monkeypatch.setattr(hipcheck.jobs, "run_job", full)
    code, _, err = _run(capsys, "analyze", str(pose_npz), "-o", str(tmp_path / "o"))
    assert code == 11 and "no space left" in _one_error(err)


def test_damaged_cache_of_a_pose_source_is_not_touched(tmp_path, capsys, pose_npz) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "pose.npz").write_text("damaged")  # only a video's cache is read; an .npz source is its own pose
    assert _run(capsys, "analyze", str(pose_npz), "-o", str(out), "--no-html")[0] == 0
    assert (out / "pose.npz").read_text() == "damaged"
