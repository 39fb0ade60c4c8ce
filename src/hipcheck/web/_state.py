"""What the web app holds: its settings, the data folder, a store per thread, the queue; and the
operations the API and the pages share (accept an upload, describe a job, delete).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hipcheck import __version__, io, jobs
from hipcheck.errors import HipcheckError, InputNotFoundError, OutputBusyError, UsageError
from hipcheck.jobs import ClipRow, ClipSpec, DataDir, JobStore, QueueService, clip_id
from hipcheck.types import TEST_EXERCISES
from hipcheck.web._upload import Upload

log = logging.getLogger("hipcheck.serve")
RETENTION_EVERY_S = 3600.0


@dataclass(frozen=True)
class ServeConfig:
    """How ``hipcheck serve`` runs.

    Attributes:
        data: the data folder (store, uploads, sessions).
        host, port: where it listens (127.0.0.1 by default).
        token: the access token every request must carry, or None (loopback only).
        workers: local worker processes (None: the number of cores).
        scheduler: a Dask scheduler address instead of local workers.
        max_upload_mb: the largest upload accepted (MiB).
        keep_videos_days: delete uploaded videos this many days after their analysis (metrics stay); None: keep.
        model_path: a pose model bundle, or None for the bundled one.
    """

    data: DataDir
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    workers: int | None = None
    scheduler: str | None = None
    max_upload_mb: int = 2048
    keep_videos_days: int | None = None
    model_path: Path | None = None

    @property
    def max_upload_bytes(self) -> int:
        """The upload cap in bytes."""
        return self.max_upload_mb * 2**20


class NotFoundError(HipcheckError):
    """No such job or person (HTTP 404)."""

    exit_code = InputNotFoundError.exit_code


def safe_stem(label: str) -> str:
    """A stored upload's file stem from its label: letters, digits, ``._-`` only, at most 80 characters
    (the report names the clip by it; the label itself stays in the store).
    """
    stem = Path(label).stem if "." in label else label
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:80] or "video"


def check_person(text: str) -> str:
    """A person's name as stored (NFC, the history's rules: :func:`hipcheck.jobs.check_person`)."""
    if not (text or "").strip():
        raise UsageError("person: a name is required")
    return jobs.check_person(text)


def check_date(text: str) -> str:
    """A recording date ``YYYY-MM-DD`` (:func:`hipcheck.jobs.check_date`), up to tomorrow: the browser
    may be a time zone ahead of this machine.
    """
    value = (text or "").strip()
    if not value:
        raise UsageError("recorded_on: the date the clip was recorded is required (YYYY-MM-DD)")
    return jobs.check_date(value, today=dt.date.today() + dt.timedelta(days=1))


def check_exercise(text: str | None) -> str | None:
    """An exercise hint: one of :data:`~hipcheck.types.TEST_EXERCISES`, or None for recognition."""
    value = (text or "").strip()
    if not value or value == "auto":
        return None
    if value not in TEST_EXERCISES:
        raise UsageError(f"exercise: {value[:40]!r} is not one of {', '.join(TEST_EXERCISES)}")
    return value


class AppState:
    """The data folder, one store connection per thread, the job queue and the shared operations."""

    def __init__(self, config: ServeConfig, service: QueueService | None = None) -> None:
        self.config = config
        self.data = config.data
        self.data.uploads.mkdir(parents=True, exist_ok=True)
        self.data.sessions.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.service = service or QueueService(
            self.data.store, self.data.sessions, workers=config.workers, model_path=config.model_path
        )
        self.model_sha = self.service.model_sha  # resolved (and its file hashed) once, by the queue
        self._stop = threading.Event()
        self._retention: threading.Thread | None = None

    # -- life ----------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Remove upload leftovers of a killed server, start the queue and the retention sweep."""
        for stale in self.data.uploads.glob(".upload-*.part"):
            stale.unlink(missing_ok=True)
        self.service.start()
        if self.config.keep_videos_days is not None:
            self._retention = threading.Thread(target=self._sweep_forever, name="hipcheck-retention", daemon=True)
            self._retention.start()

    def stop(self) -> None:
        """Stop the queue (running clips go back to ``queued``) and the sweep."""
        self._stop.set()
        self.service.stop()

    @property
    def store(self) -> JobStore:
        """The store connection of the calling thread (SQLite connections are per thread)."""
        store: JobStore | None = getattr(self._local, "store", None)
        if store is None:
            store = JobStore(self.data.store)
            self._local.store = store
        return store

    # -- jobs ----------------------------------------------------------------------------------------------

    def accept(self, upload: Upload) -> ClipRow:
        """Check an upload's fields and bytes, store it under a generated name, queue it.

        Raises a one-line :class:`~hipcheck.errors.HipcheckError` (the caller maps it to a status) and
        removes the temporary file on every error path.
        """
        try:
            fields = upload.fields
            person = check_person(fields.get("person", ""))
            recorded = check_date(fields.get("recorded_on", ""))
            exercise = check_exercise(fields.get("exercise"))
            annotate = fields.get("annotate", "").lower() in {"1", "true", "on", "yes"}
            assert upload.path is not None
            info = io.probe_container(upload.path, label=upload.label)
            sha = upload.sha256
            key = hashlib.sha256(f"{person}\0{recorded}".encode()).hexdigest()
            clip = clip_id(upload.label, f"{sha}:{key}")
            final = self.data.uploads / clip / f"{safe_stem(upload.label)}{info.extension}"
            final.parent.mkdir(exist_ok=True)
            os.replace(upload.path, final)
            upload.path = None
            io.fsync_dir(final.parent)
            io.fsync_dir(final.parent.parent)
        finally:
            upload.discard()
        options = {"exercise": exercise, "roll_deg": None, "sex": None, "body_height_m": None,
                   "annotate": annotate, "html": True}  # fmt: skip
        spec = ClipSpec(clip, upload.label, str(final), sha, options, __version__, self.model_sha, person, recorded,
                        origin="web")  # fmt: skip
        row = self.store.add(spec)
        self.service.wake()
        return row

    def get(self, clip: str) -> ClipRow:
        """The row of ``clip``, or :class:`NotFoundError`."""
        row = self.store.get(clip)
        if row is None:
            raise NotFoundError(f"{clip[:80]}: no such job")
        return row

    def describe_all(self) -> list[dict[str, Any]]:
        """Every job, newest first, as :meth:`describe` gives it (``GET /api/jobs``; one position query)."""
        positions = self.store.queue_positions()
        return [self.describe(r, positions=positions) for r in reversed(self.store.rows())]

    def describe(self, row: ClipRow, *, positions: dict[str, int] | None = None) -> dict[str, Any]:
        """A job as the API gives it (``GET /api/jobs/{id}``); ``positions``: the queue's, when known."""
        progress = self.service.progress(row.id) if row.state == "running" else None
        fraction = {"done": 1.0, "failed": 1.0, "queued": 0.0}.get(row.state, progress.fraction if progress else 0.0)
        eta = progress.eta_s() if progress else None
        done = row.state == "done"
        return {
            "id": row.id, "state": row.state, "progress": round(fraction, 3),
            "queue_position": self._position(row, positions),
            "eta_s": None if eta is None else round(eta, 1), "error": self._error_text(row),
            "report_url": f"/jobs/{row.id}/files/report.html" if done and self.report_exists(row) else None,
            "verdict": row.verdict if done else None, "confidence": row.confidence if done else None,
            "person": row.person, "recorded_on": row.recorded_on, "name": row.name,
            "video_kept": Path(row.source).is_file(), "attempts": row.attempts,
            "queued_at": row.queued_at, "finished_at": row.finished_at,
        }  # fmt: skip

    def _position(self, row: ClipRow, positions: dict[str, int] | None) -> int | None:
        if row.state != "queued":
            return None
        return positions.get(row.id) if positions is not None else self.store.queue_position(row.id)

    @staticmethod
    def _error_text(row: ClipRow) -> str | None:
        """A failed job's line, naming the clip as uploaded (not its path inside the data folder)."""
        return row.error.replace(row.source, row.name) if row.error else None

    def report_exists(self, row: ClipRow) -> bool:
        """Whether the session folder of ``row`` has its report."""
        return (self.data.session(row.id) / "report.json").is_file()

    def rerun(self, clip: str, *, annotate: bool | None = None) -> ClipRow:
        """Queue ``clip`` again (optionally asking for the annotated video); refuses when its video is gone."""
        row = self.get(clip)
        if not Path(row.source).is_file():
            raise NotFoundError(f"{row.name}: the video was deleted (retention or by hand); upload it again")
        if row.state == "running":
            raise OutputBusyError(f"{row.name}: is running now")
        if annotate is not None:
            self._set_option(row, "annotate", annotate)
        again = self.store.requeue(clip)
        self.service.wake()
        assert again is not None
        return again

    def _set_option(self, row: ClipRow, key: str, value: object) -> None:
        options = json.loads(row.options or "{}")
        self.store.set_options(row.id, {**options, key: value})

    def delete(self, clip: str) -> ClipRow:
        """Delete a session for good: its row, its uploaded video and its outputs (only files in ``DATA``)."""
        row = self.get(clip)
        if row.state == "running":
            raise OutputBusyError(f"{row.name}: is running now; delete it when it has ended")
        gone = self.store.delete(clip)
        if gone is not None:
            jobs.delete_sessions(self.data, [gone])
        return row

    def delete_person(self, person: str) -> list[ClipRow]:
        """Delete every session of ``person`` (none may be running)."""
        person = jobs.person_key(person)
        rows = self.store.rows(person=person)
        if not rows:
            raise NotFoundError(f"{person[:80]}: no such person")
        if any(r.state == "running" for r in rows):
            raise OutputBusyError(f"{person[:80]}: a session is running now; delete when it has ended")
        gone = self.store.delete_person(person)
        jobs.delete_sessions(self.data, gone)
        return gone

    # -- retention -----------------------------------------------------------------------------------------

    def expire_videos(self, now: float | None = None) -> list[str]:
        """Delete uploaded videos analysed more than ``keep_videos_days`` ago (metrics and reports stay);
        returns the ids whose video went.
        """
        days = self.config.keep_videos_days
        if days is None:
            return []
        cutoff = (time.time() if now is None else now) - days * 86400.0
        gone: list[str] = []
        for row in self.store.rows():
            if row.state not in ("done", "failed") or not row.finished_at or not self.data.owns(row.source):
                continue
            finished = dt.datetime.strptime(row.finished_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            if finished.timestamp() <= cutoff and Path(row.source).is_file():
                self.data.remove(row.source)
                self.data.remove(self.data.session(row.id) / "pose.npz")
                gone.append(row.id)
        return gone

    def _sweep_forever(self) -> None:
        while not self._stop.is_set():
            try:
                removed = self.expire_videos()
                if removed:
                    log.info("retention: deleted %d uploaded videos", len(removed))
            except Exception:  # a sweep that fails is tried again at the next interval
                log.exception("retention sweep failed")
            self._stop.wait(RETENTION_EVERY_S)


__all__ = ["AppState", "NotFoundError", "ServeConfig", "check_date", "check_exercise", "check_person"]
