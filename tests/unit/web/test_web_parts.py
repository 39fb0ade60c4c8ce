"""The web server's small parts: labels, field checks, loopback, the streamed multipart parser."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hipcheck.errors import TooLargeError, UsageError
from hipcheck.web import check_date, check_exercise, check_person, clean_label, is_loopback, receive_upload
from hipcheck.web._state import safe_stem


def test_labels_keep_only_the_last_path_part_without_control_characters() -> None:
    assert clean_label("../../etc/passwd") == "passwd"
    assert clean_label("C:\\Users\\x\\squat.mov") == "squat.mov"
    assert clean_label("a\x00b\x1f.mp4") == "ab.mp4"
    assert clean_label("") == clean_label("...") == "video"
    assert len(clean_label("x" * 10_000)) == 200
    assert safe_stem("Zoë squat (1).mov") == "Zo_squat_1" and safe_stem("<script>.mp4") == "script"
    assert safe_stem("../..") == "video"


def test_fields_are_checked_with_one_line_each() -> None:
    assert check_person("  Zoë  ") == "Zoë"
    for bad in ("", "   ", "a\nb", "x" * 101):
        with pytest.raises(UsageError):
            check_person(bad)
    assert check_date("2026-03-01") == "2026-03-01"
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert check_date(tomorrow.isoformat()) == tomorrow.isoformat()
    for bad in ("", "2026-3-1", "2026-02-30", "yesterday", (tomorrow + dt.timedelta(days=1)).isoformat()):
        with pytest.raises(UsageError):
            check_date(bad)
    assert check_exercise("") is None and check_exercise("auto") is None and check_exercise("squat") == "squat"
    with pytest.raises(UsageError, match="not one of"):
        check_exercise("walking")


def test_loopback_names() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.4", "example.com", "::"))


def _body(parts: list[tuple[str, str | None, bytes]], boundary: str = "xyz") -> bytes:
    out = b""
    for name, filename, data in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disp}\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


async def _chunks(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for k in range(0, len(data), size):
        yield data[k : k + size]


def _receive(body: bytes, folder: Path, max_bytes: int = 1000, length: str | None = None):  # type: ignore[no-untyped-def]
    return asyncio.run(receive_upload("multipart/form-data; boundary=xyz", length, _chunks(body), folder, max_bytes))


def test_the_parser_streams_the_file_to_disk_and_keeps_the_fields(tmp_path: Path) -> None:
    payload = bytes(range(256)) * 3
    body = _body(
        [("person", None, "Zoë".encode()), ("video", "../x.mp4", payload), ("recorded_on", None, b"2026-01-02")]
    )
    up = _receive(body, tmp_path)
    assert up.fields == {"person": "Zoë", "recorded_on": "2026-01-02"} and up.label == "x.mp4"
    assert up.path is not None and up.path.parent == tmp_path and up.path.read_bytes() == payload and up.size == 768
    assert up.sha256 == hashlib.sha256(payload).hexdigest()
    up.discard()
    assert list(tmp_path.iterdir()) == []


def test_the_parser_refuses_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(TooLargeError, match="over the upload limit"):
        _receive(_body([("video", "big.mp4", b"\0" * 5000)]), tmp_path)
    with pytest.raises(TooLargeError, match="the upload is"):
        _receive(_body([("video", "a.mp4", b"x")]), tmp_path, length=str(10 * 2**20))
    with pytest.raises(UsageError, match="no 'video' file"):
        _receive(_body([("person", None, b"x")]), tmp_path)
    with pytest.raises(UsageError, match="unknown form field"):
        _receive(_body([("evil", None, b"x")]), tmp_path)
    with pytest.raises(UsageError, match="only one video"):
        _receive(_body([("video", "a.mp4", b"1"), ("video", "b.mp4", b"2")]), tmp_path)
    with pytest.raises(UsageError, match="longer than"):
        _receive(_body([("person", None, b"x" * 5000), ("video", "a.mp4", b"1")]), tmp_path, max_bytes=10**6)
    with pytest.raises(UsageError, match="multipart"):
        asyncio.run(receive_upload("application/json", None, _chunks(b"{}"), tmp_path, 100))
    assert list(tmp_path.iterdir()) == []


class _NoQueue:
    """A stand-in for the queue thread (nothing runs)."""

    alive = False
    model_sha = "m" * 64

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def wake(self) -> None: ...
    def progress(self, clip: str) -> None:
        return None


def test_retention_deletes_old_videos_and_keeps_the_metrics(tmp_path: Path) -> None:
    import time

    from hipcheck.jobs import ClipSpec, DataDir, Headline
    from hipcheck.web import AppState, ServeConfig

    state = AppState(ServeConfig(DataDir.at(tmp_path), keep_videos_days=2), service=_NoQueue())  # type: ignore[arg-type]
    video = state.data.uploads / "c1" / "clip.mp4"
    video.parent.mkdir(parents=True)
    video.write_bytes(b"v")
    outside = tmp_path.parent / f"{tmp_path.name}-mine.mp4"
    outside.write_bytes(b"v")
    head = Headline("left", 0.7, "front", "squat", 8.0, 2.0, 2.7)
    state.store.record(ClipSpec("c1", "clip.mp4", str(video), "ab" * 32, {}, "1", "m", "anna", "2026-01-01"), head, "x")
    state.store.record(
        ClipSpec("c2", "mine.mp4", str(outside), "cd" * 32, {}, "1", "m", "anna", "2026-01-02"), head, "y"
    )
    assert state.expire_videos(now=time.time() + 86400) == []  # one day: kept
    assert state.expire_videos(now=time.time() + 3 * 86400) == ["c1"]
    assert not video.exists() and not video.parent.exists()
    assert outside.exists()  # not in the data folder: never deleted
    row = state.store.get("c1")
    assert row is not None and row.state == "done" and row.pelvic_drop_left_deg == 8.0  # the metrics stay
    assert state.describe(row)["video_kept"] is False
    with pytest.raises(Exception, match="the video was deleted"):
        state.rerun("c1")
    outside.unlink()


def test_the_script_uses_the_servers_verdict_words() -> None:
    from hipcheck.types import VERDICT_WORDS
    from hipcheck.web._app import STATIC

    script = (STATIC / "app.js").read_text(encoding="utf-8")
    for verdict, words in VERDICT_WORDS.items():
        assert f'{verdict}: "{words}"' in script, verdict
