"""``hipcheck serve`` over real HTTP on 127.0.0.1: uploads, the queue, errors as JSON, limits, deletes,
kill -9 and restart. Each server is a real uvicorn process with its own data folder.
"""

from __future__ import annotations

import concurrent.futures
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest

from hipcheck.io import VideoSink
from support import REPO
from webserver import Server

pytestmark = pytest.mark.e2e
SAMPLE = REPO / "samples" / "squat_symmetric.mp4"
DATE = "2026-11-20"


def upload(client: httpx.Client, path: Path, *, name: str | None = None, person: str = "anna",
           recorded_on: str = DATE, **fields: str) -> httpx.Response:  # fmt: skip
    with path.open("rb") as fh:
        files = {"video": (name or path.name, fh, "video/mp4")}
        data = {"person": person, "recorded_on": recorded_on, **fields}
        return client.post("/api/jobs", files=files, data=data, timeout=120)


def read_to_close(sock: socket.socket) -> str:
    """Everything the server sends until it closes the connection."""
    sock.settimeout(30)
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """One server (one worker) for the tests that need no finished analysis; stopped at the end."""
    srv = Server(tmp_path_factory.mktemp("web") / "data", "--workers", "1", "--max-upload-mb", "5")
    yield srv
    assert srv.stop() == 0, "".join(srv.stderr)[-2000:]


@pytest.fixture
def client(server: Server):
    with httpx.Client(base_url=server.url) as c:
        yield c


def test_an_upload_is_analysed_and_its_report_and_history_are_served(client: httpx.Client, server: Server) -> None:
    res = upload(client, SAMPLE, person="Zoë O'Brien", exercise="squat")
    assert res.status_code == 201, res.text
    job = res.json()
    assert set(job) == {"id", "state", "person"} and job["person"] == "Zoë O'Brien"
    done = server.wait_state(job["id"], ("done", "failed"))
    assert done["state"] == "done", done
    assert done["verdict"] in ("left", "right", "none", "insufficient") and done["progress"] == 1.0
    assert done["queue_position"] is None and done["error"] is None
    report = client.get(done["report_url"])
    assert report.status_code == 200 and "text/html" in report.headers["content-type"]
    assert "hipcheck report – squat_symmetric.mp4" in report.text  # named as uploaded
    for name in ("report.json", "metrics.csv"):
        assert client.get(f"/jobs/{job['id']}/files/{name}").status_code == 200
    assert client.get(f"/jobs/{job['id']}/files/pose.npz").status_code == 404  # not a served file
    assert client.get(f"/jobs/{job['id']}/files/../../hipcheck.sqlite").status_code == 404
    sessions = client.get("/api/people/Zoë O'Brien/sessions").json()["sessions"]
    assert [s["id"] for s in sessions] == [job["id"]] and sessions[0]["recorded_on"] == DATE
    assert set(sessions[0]["pelvic_drop_deg"]) == {"left", "right", "error"}
    page = client.get("/people/Zoë O'Brien")
    assert page.status_code == 200 and "Zoë O&#39;Brien" in page.text
    csv_text = client.get("/people/Zoë O'Brien/sessions.csv").text
    assert csv_text.splitlines()[0].startswith("recorded_on,person,verdict") and DATE in csv_text
    assert len(csv_text.splitlines()) == 2
    for path in ("/", "/jobs", f"/jobs/{job['id']}", "/people"):
        assert client.get(path).status_code == 200, path


def test_a_text_file_named_mp4_is_415_with_its_name(client: httpx.Client, tmp_path: Path) -> None:
    fake = tmp_path / "holiday.mp4"
    fake.write_text("not a video at all\n" * 100)
    res = upload(client, fake)
    assert res.status_code == 415
    assert res.json() == {"error": "holiday.mp4: not a video file FFmpeg can read (Invalid data found when "
                                   "processing input)"}  # fmt: skip
    still = tmp_path / "still.mp4"  # a PNG under a video's name
    _, png = cv2.imencode(".png", np.full((64, 64, 3), 128, np.uint8))
    still.write_bytes(png.tobytes())
    res = upload(client, still)
    assert res.status_code == 415 and res.json()["error"] == "still.mp4: an image, not a video"


def test_bad_fields_are_one_line_json_errors(client: httpx.Client) -> None:
    cases = [
        ({"recorded_on": ""}, 400, "recorded_on: the date the clip was recorded is required"),
        ({"recorded_on": "2026-02-30"}, 400, "not a real date"),
        ({"recorded_on": "2999-01-01"}, 400, "in the future"),
        ({"person": "  "}, 400, "person: a name is required"),
        ({"person": "a\x00b"}, 400, "control character"),
        ({"exercise": "backflip"}, 400, "exercise: 'backflip' is not one of"),
    ]
    for fields, status, text in cases:
        res = upload(client, SAMPLE, **fields)  # type: ignore[arg-type]
        assert res.status_code == status, (fields, res.text)
        assert text in res.json()["error"] and "\n" not in res.json()["error"]
    res = client.post("/api/jobs", data={"person": "x"})
    assert res.status_code == 400 and "multipart/form-data" in res.json()["error"]
    assert client.get("/api/jobs/nope").json() == {"error": "nope: no such job"}
    assert client.get("/api/jobs/nope").status_code == 404
    assert client.get("/api/nothing").status_code == 404
    assert client.delete("/api/people/nobody").status_code == 404


def test_an_oversize_body_is_413_before_it_is_read(server: Server) -> None:
    """Declared 100 MB against a 5 MB cap: refused at once. Undeclared (chunked): refused once past the cap,
    long before the 100 MB are sent."""
    host, port = server.url.removeprefix("http://").split(":")
    head = (f"POST /api/jobs HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            f"Content-Length: {100 * 2**20}\r\n\r\n")  # fmt: skip
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head.encode() + b"--b\r\n")
        answer = read_to_close(sock)
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert '"error":"the upload is 100 MB, over the limit of 5 MB"' in answer
    sent = 0
    part = (b'--b\r\nContent-Disposition: form-data; name="video"; filename="big.mp4"\r\n'
            b"Content-Type: video/mp4\r\n\r\n")  # fmt: skip
    chunked = head.replace(f"Content-Length: {100 * 2**20}", "Transfer-Encoding: chunked")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(chunked.encode() + f"{len(part):x}\r\n".encode() + part + b"\r\n")
        block = b"\0" * 65536
        try:
            while sent < 100 * 2**20:
                sock.sendall(f"{len(block):x}\r\n".encode() + block + b"\r\n")
                sent += len(block)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = read_to_close(sock)
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "big.mp4: over the upload limit of 5 MB" in answer
    assert sent < 50 * 2**20, sent  # the server stopped reading long before the end
    assert not list((server.data / "uploads").glob(".upload-*"))  # nothing left of it


def test_hostile_file_names_are_only_labels(client: httpx.Client, server: Server) -> None:
    outside = server.data.parent / "etc"
    names = ["../../etc/passwd", "..\\..\\win.mp4", "a\x00b.mp4", "x" * 10_000 + ".mp4", "<script>.mp4"]
    ids = []
    for name in names:
        res = upload(client, SAMPLE, name=name, person="labels")
        assert res.status_code == 201, (name[:40], res.text)
        ids.append(res.json()["id"])
    stored = {p.parent.name: p for p in (server.data / "uploads").glob("*/*")}
    for clip in ids:
        assert stored[clip].resolve().is_relative_to((server.data / "uploads").resolve())
    assert [stored[c].name for c in ids[:2]] == ["passwd.mp4", "win.mp4"]
    assert "\x00" not in stored[ids[2]].name and stored[ids[2]].name.endswith("b.mp4")  # the client may %-escape NUL
    assert stored[ids[3]].name == "x" * 80 + ".mp4" and stored[ids[4]].name == "script.mp4"
    assert not outside.exists()
    rows = {j["id"]: j for j in client.get("/api/jobs").json()["jobs"]}
    assert rows[ids[0]]["name"] == "passwd" and rows[ids[1]]["name"] == "win.mp4"
    assert "\x00" not in rows[ids[2]]["name"] and len(rows[ids[3]]["name"]) == 200
    page = client.get("/jobs").text
    assert "<script>.mp4" not in page and "&lt;script&gt;.mp4" in page
    for clip in ids:
        client.delete(f"/api/jobs/{clip}")  # those still queued go at once


def test_fifty_concurrent_uploads_all_get_201_and_none_is_lost(client: httpx.Client, server: Server) -> None:
    def one(k: int) -> int:
        with httpx.Client(base_url=server.url) as c:
            return upload(c, SAMPLE, name=f"clip{k:02d}.mp4", person="crowd").status_code

    with concurrent.futures.ThreadPoolExecutor(10) as pool:  # bounded: 10 at a time on loopback
        codes = list(pool.map(one, range(50)))
    assert codes == [201] * 50
    jobs = [j for j in client.get("/api/jobs").json()["jobs"] if j["person"] == "crowd"]
    assert sorted(j["name"] for j in jobs) == [f"clip{k:02d}.mp4" for k in range(50)]
    assert all(j["state"] in ("queued", "running", "done") for j in jobs)
    positions = sorted(j["queue_position"] for j in jobs if j["state"] == "queued")
    assert positions == list(range(1, len(positions) + 1))
    assert len(list((server.data / "uploads").glob("*/clip*.mp4"))) == 50
    gone = client.delete("/api/people/crowd")
    if gone.status_code == 409:  # one is running: the rest go when it ends
        assert "running" in gone.json()["error"]
    else:
        assert gone.json()["sessions"] == 50


def test_other_sites_cannot_post_and_delete(client: httpx.Client) -> None:
    res = client.delete("/api/people/anna", headers={"Origin": "http://evil.example"})
    assert res.status_code == 403 and "another site" in res.json()["error"]
    res = client.get("/api/health", headers={"Host": "evil.example"})
    assert res.status_code == 421  # DNS rebinding: a foreign Host name is not served


def test_a_failed_job_can_be_rerun_and_a_session_deleted_for_good(tmp_path: Path) -> None:
    srv = Server(tmp_path / "data", "--workers", "1")
    try:
        with httpx.Client(base_url=srv.url) as c:
            blank = tmp_path / "blank.mp4"  # a real video with nobody in it: analysed, fails with exit 8
            with VideoSink(blank, 10.0, (160, 120)) as sink:
                for _ in range(12):
                    sink.write(np.full((120, 160, 3), 40, np.uint8))
            res = upload(c, blank, person="ben")
            assert res.status_code == 201
            clip = res.json()["id"]
            failed = srv.wait_state(clip, ("done", "failed"))
            assert failed["state"] == "failed" and "no person" in failed["error"].lower(), failed
            assert failed["error"].startswith("blank.mp4: ")  # named as uploaded, not by its stored path
            assert "\n" not in failed["error"]
            again = c.post(f"/api/jobs/{clip}/rerun")
            assert again.status_code == 202 and again.json()["state"] in ("queued", "running")
            assert srv.wait_state(clip, ("done", "failed"))["attempts"] == 2
            video = next((srv.data / "uploads" / clip).glob("*"))
            assert c.delete(f"/api/jobs/{clip}").json() == {"deleted": clip}
            assert not video.exists() and not (srv.data / "sessions" / clip).exists()
            assert c.get(f"/api/jobs/{clip}").status_code == 404
    finally:
        srv.stop()


def test_kill_9_mid_job_then_restart_completes_the_job_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = Server(data, "--workers", "1")
    try:
        with httpx.Client(base_url=first.url) as c:
            clip = upload(c, SAMPLE, person="kim").json()["id"]
        first.wait_state(clip, ("running",), timeout_s=120)
        time.sleep(1.0)
        first.proc.send_signal(signal.SIGKILL)  # the server only: its worker is orphaned
        first.proc.wait(30)
        second = Server(data, "--workers", "1")
        try:
            done = second.wait_state(clip, ("done", "failed"))
            assert done["state"] == "done" and done["attempts"] == 2, done
            with httpx.Client(base_url=second.url) as c:
                assert [j["id"] for j in c.get("/api/jobs").json()["jobs"]] == [clip]
                assert len(c.get("/api/people/kim/sessions").json()["sessions"]) == 1
        finally:
            assert second.stop() == 0
    finally:
        first.kill_group()
    with sqlite3.connect(data / "hipcheck.sqlite") as db:
        assert db.execute("SELECT COUNT(*), MAX(state) FROM clips").fetchone() == (1, "done")
    assert [p.name for p in (data / "sessions").iterdir()] == [clip]  # no temporary folder left
    assert not list((data / "uploads").glob(".upload-*"))


def test_listening_beyond_loopback_needs_a_token(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "hipcheck.cli", "serve", "--host", "0.0.0.0", "--port", "0", "--data", str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert res.returncode == 2
    assert res.stderr.startswith("hipcheck: error: 0.0.0.0: listening beyond this machine needs an access token")
    assert res.stderr.count("\n") == 1 and "--token" in res.stderr
    assert not (tmp_path / "hipcheck.sqlite").exists()


def test_with_a_token_every_request_must_carry_it(tmp_path: Path) -> None:
    token = "t0ken-for-the-test-only-123"
    srv = Server(tmp_path / "data", "--token", token, "--workers", "1")
    try:
        assert httpx.get(srv.url + "/api/jobs").status_code == 401
        wrong = {"Authorization": "Bearer wrong-token-xxxxxxxx"}
        assert httpx.get(srv.url + "/api/jobs", headers=wrong).status_code == 401
        assert httpx.get(srv.url + "/api/jobs", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        first = httpx.get(srv.url + f"/?token={token}")
        assert first.status_code == 200 and "hipcheck_token" in first.headers["set-cookie"]
        assert httpx.get(srv.url + "/jobs", cookies={"hipcheck_token": token}).status_code == 200
    finally:
        srv.stop()


def test_a_clip_over_the_time_limit_fails_with_its_reason(tmp_path: Path) -> None:
    srv = Server(tmp_path / "data", "--workers", "1", "--clip-timeout", "0.5")
    try:
        with httpx.Client(base_url=srv.url) as c:
            clip = upload(c, SAMPLE, person="slow").json()["id"]
        job = srv.wait_state(clip, ("done", "failed"))
        assert job["state"] == "failed", job
        assert job["error"].startswith("squat_symmetric.mp4: analysis stopped after 0.5 s (the per-clip time limit")
    finally:
        srv.stop()
