"""``hipcheck batch --scheduler``: a real Dask scheduler and two workers as local processes on
127.0.0.1 give the same rows as the local process pool (one real video through MediaPipe,
pose files, and a bad file).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hipcheck.jobs import BatchOptions, JobStore, run_batch

REPO = Path(__file__).resolve().parents[2]
COMPARED = ("name", "state", "verdict", "confidence", "view", "exercises", "pelvic_drop_left_deg",
            "pelvic_drop_right_deg", "knee_fppa_left_deg", "knee_fppa_right_deg", "knee_fppa_error_deg",
            "exit_code", "error")  # fmt: skip

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1; yields the scheduler's address."""
    pytest.importorskip("distributed")
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    if dask is None:
        pytest.skip("the dask command is not installed")
    logs = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{free_port()}"
    procs: list[subprocess.Popen[bytes]] = []
    with contextlib.ExitStack() as stack:

        def start(name: str, *args: str) -> None:
            log = stack.enter_context((logs / f"{name}.log").open("wb"))
            procs.append(subprocess.Popen([dask, *args], stdout=log, stderr=subprocess.STDOUT, cwd=logs))

        start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard")
        for k in range(2):
            start(f"worker{k}", "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny",
                  "--no-dashboard", "--name", f"w{k}", "--local-directory", str(logs))  # fmt: skip
        try:
            _wait_for_workers(address, 2, procs, logs)
            yield address
        finally:
            for p in procs:  # our own test processes: nothing to save, no graceful close to wait for
                p.kill()
                p.wait()


def _wait_for_workers(address: str, n: int, procs: list[subprocess.Popen[bytes]], logs: Path) -> None:
    from distributed import Client

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            break
        with contextlib.suppress(OSError, TimeoutError), Client(address, timeout=5) as client:
            client.wait_for_workers(n, timeout=60)
            return
        time.sleep(0.5)
    text = "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(logs.glob("*.log")))
    pytest.fail(f"the Dask cluster did not start:\n{text}")


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    shutil.copy(REPO / "samples" / "squat_valgus_right.mp4", folder / "squat_valgus_right.mp4")
    for name in ("squat_front_bodyweight_armsup_01", "lunge_side_bodyweight_04"):
        shutil.copy(REPO / "tests" / "fixtures" / "real" / f"{name}.npz", folder / f"{name}.npz")
    (folder / "notes.mp4").write_text("not a video\n")
    return folder


def test_a_dask_cluster_gives_the_same_rows_as_the_local_pool(cluster: str, clips: Path, tmp_path: Path) -> None:
    remote = subprocess.run(
        [sys.executable, "-m", "hipcheck.cli", "batch", str(clips), "-o", str(tmp_path / "remote"),
         "--scheduler", cluster, "--person", "anna", "--recorded-on", "2026-03-01", "--quiet"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert remote.returncode == 4, remote.stderr  # the text file: not a video
    assert remote.stderr.strip().splitlines() == [f"hipcheck: error: {clips / 'notes.mp4'}: not a video file "
                                                  "(no decoder recognises it)"]  # fmt: skip
    local = run_batch([clips], tmp_path / "local", options=BatchOptions(person="anna", recorded_on="2026-03-01"),
                      workers=2)  # fmt: skip
    assert local.exit_code == 4
    with JobStore(tmp_path / "remote" / "jobs.sqlite") as store:
        rows = store.rows()
    assert [r.state for r in rows].count("done") == 3
    assert {r.worker.split(":")[0] for r in rows if r.worker} == {socket.gethostname()}
    assert len({r.worker for r in rows if r.worker}) >= 1
    remote_rows = {r.id: tuple(getattr(r, c) for c in COMPARED) for r in rows}
    local_rows = {r.id: tuple(getattr(r, c) for c in COMPARED) for r in local.rows}
    assert remote_rows == local_rows
    video = next(r for r in rows if r.name.endswith(".mp4") and r.state == "done")
    for name in ("report.json", "metrics.csv", "report.html", "pose.npz"):
        assert (tmp_path / "remote" / video.id / name).is_file(), name
    assert (tmp_path / "remote" / "summary.html").is_file() and (tmp_path / "remote" / "summary.csv").is_file()


def test_an_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hipcheck.cli", "batch", str(REPO / "samples"), "-o", str(tmp_path / "o"),
         "--scheduler", f"tcp://127.0.0.1:{free_port()}"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 14
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hipcheck: error: tcp://127.0.0.1:") and "Dask scheduler" in lines[0]


def test_serve_runs_uploads_on_the_dask_cluster(cluster: str, tmp_path: Path) -> None:
    """``hipcheck serve --scheduler``: an upload is analysed by a cluster worker, not by the server."""
    import httpx

    from webserver import Server

    server = Server(tmp_path / "data", "--scheduler", cluster)
    try:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            sample = REPO / "samples" / "squat_valgus_right.mp4"
            with sample.open("rb") as fh:
                res = client.post("/api/jobs", files={"video": (sample.name, fh, "video/mp4")},
                                  data={"person": "anna", "recorded_on": "2026-03-01"})  # fmt: skip
            assert res.status_code == 201, res.text
            done = server.wait_state(res.json()["id"], ("done", "failed"), timeout_s=400)
            assert done["state"] == "done", done
            assert done["verdict"] in ("left", "right", "none", "insufficient")
            assert client.get(done["report_url"]).status_code == 200
            sessions = client.get("/api/people/anna/sessions").json()["sessions"]
            assert [s["id"] for s in sessions] == [done["id"]]
    finally:
        code = server.stop()
    assert code == 0, "".join(server.stderr)[-2000:]
    with JobStore(tmp_path / "data" / "hipcheck.sqlite") as store:
        (row,) = store.rows()
    from distributed import Client

    with Client(cluster, timeout=30) as dask_client:
        worker_pids = set(dask_client.run(os.getpid).values())
    host, pid = row.worker.split(":")
    assert host == socket.gethostname() and int(pid) in worker_pids  # one of the cluster's workers ran it
