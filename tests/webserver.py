"""A real ``hipcheck serve`` process on 127.0.0.1 (a free port) for the web tests, with its data folder."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

URL_LINE = re.compile(r"hipcheck serve: (http://127\.0\.0\.1:\d+)/")
START_TIMEOUT_S = 60.0


class Server:
    """``hipcheck serve --port 0 --data DATA ARGS`` in its own process group; ``url`` once it listens."""

    def __init__(self, data: Path, *args: str, prefix: tuple[str, ...] = ()) -> None:
        self.data = data
        cmd = [*prefix, sys.executable, "-m", "hipcheck.cli", "serve", "--port", "0", "--data", str(data), *args]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                     start_new_session=True)  # fmt: skip
        self.stderr: list[str] = []
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self.url = self._wait_url()

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)

    def _wait_url(self) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = URL_LINE.search(line)
            if m:
                try:
                    self._wait_ready(m.group(1), deadline)
                except BaseException:
                    self.kill()
                    raise
                return m.group(1)
        self.kill()
        raise RuntimeError(f"hipcheck serve did not start: {''.join(self.stderr)[-2000:]}")

    @staticmethod
    def _wait_ready(url: str, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "/api/health", timeout=5) as r:
                    if r.status == 200:
                        return
            except urllib.error.HTTPError:  # it answers (401 with a token)
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        raise RuntimeError(f"{url}: no answer")

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=30) as r:
            return json.loads(r.read())

    def wait_state(self, clip: str, states: tuple[str, ...], timeout_s: float = 240.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        job: dict[str, Any] = {}
        while time.monotonic() < deadline:
            job = self.get(f"/api/jobs/{clip}")
            if job["state"] in states:
                return job
            time.sleep(0.3)
        raise AssertionError(f"{clip} stayed {job.get('state')} for {timeout_s} s: {job}")

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 60.0) -> int:
        """Stop the server with ``sig``; returns its exit code. Its process group is killed afterwards."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()
        self.kill_group()
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        self.kill_group()

    def kill_group(self) -> None:
        """Worker processes a ``kill -9``-ed server left behind."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)


__all__ = ["Server"]
