"""The job store: one SQLite row per clip, shared by the batch runner and the web worker.

``OUT/jobs.sqlite`` runs in WAL mode so readers never block the writer; every
state change is one short ``BEGIN IMMEDIATE`` transaction, so two processes
on the same store never claim the same clip. The analysis never sees SQL:
rows go in as :class:`ClipSpec` and come out as :class:`ClipRow`.

A row's life::

    add ─▶ queued ─claim─▶ running ─finish─▶ done
                              └──────fail──▶ failed
           (a ``running`` row whose owner died, or stopped beating, can be claimed again)

A clip is identified by its content and name (:func:`clip_id`); a row is
*current* for a run when its source SHA-256, options, hipcheck version and
model SHA-256 all match (:attr:`ClipSpec.key`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from hipcheck.errors import InvalidDataError

ClipState = Literal["queued", "running", "done", "failed"]
CLIP_STATES: tuple[ClipState, ...] = get_args(ClipState)
STALE_AFTER_S = 120.0
"""A ``running`` row whose owner has not beaten its heart for this long (seconds) may be claimed again."""
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS clips (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    source                TEXT NOT NULL,
    source_sha256         TEXT,
    person                TEXT,
    recorded_on           TEXT,
    options               TEXT NOT NULL,
    hipcheck_version      TEXT NOT NULL,
    model_sha256          TEXT NOT NULL,
    state                 TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts              INTEGER NOT NULL DEFAULT 0,
    error                 TEXT NOT NULL DEFAULT '',
    exit_code             INTEGER NOT NULL DEFAULT 0,
    owner                 TEXT,
    heartbeat_at          REAL,
    queued_at             TEXT NOT NULL,
    started_at            TEXT,
    finished_at           TEXT,
    out_dir               TEXT,
    worker                TEXT,
    verdict               TEXT,
    confidence            REAL,
    view                  TEXT,
    exercises             TEXT,
    pelvic_drop_left_deg  REAL,
    pelvic_drop_right_deg REAL,
    pelvic_drop_error_deg REAL,
    knee_fppa_left_deg    REAL,
    knee_fppa_right_deg   REAL,
    knee_fppa_error_deg   REAL,
    hip_height_diff_deg   REAL,
    hip_height_error_deg  REAL,
    origin                TEXT NOT NULL DEFAULT 'batch',
    seq                   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS clips_state ON clips (state);
CREATE INDEX IF NOT EXISTS clips_person ON clips (person);
"""

_ADDED_IN_V2: tuple[tuple[str, str], ...] = (
    ("hip_height_diff_deg", "REAL"),
    ("hip_height_error_deg", "REAL"),
    ("origin", "TEXT NOT NULL DEFAULT 'batch'"),
)
"""Columns a version-1 store lacks: added in place when it is opened (its rows keep their values)."""
ClipOrigin = Literal["batch", "web", "analyze"]
"""Who made a row: a batch, the web page, or ``hipcheck analyze --person``. A history row's ``out_dir`` is
its copy in ``DATA/sessions/<id>/`` (:func:`~hipcheck.jobs.add_session`); deleting a row removes only
files inside the data folder (:meth:`DataDir.owns`), never the user's own video or ``analyze -o`` folder."""

HEADLINE_COLUMNS: tuple[str, ...] = (
    "verdict", "confidence", "view", "exercises",
    "pelvic_drop_left_deg", "pelvic_drop_right_deg", "pelvic_drop_error_deg",
    "knee_fppa_left_deg", "knee_fppa_right_deg", "knee_fppa_error_deg",
    "hip_height_diff_deg", "hip_height_error_deg",
)  # fmt: skip
"""The result columns :meth:`JobStore.finish` fills (see :class:`Headline`)."""


@dataclass(frozen=True)
class ClipSpec:
    """What to analyse: one clip of a batch, before it runs.

    Attributes:
        id: the clip's stable id (:func:`clip_id`): its output folder is ``OUT/<id>/``.
        name: the file name shown to people.
        source: the clip's path (absolute), as the workers will read it.
        source_sha256: hex SHA-256 of the file's bytes; None when it could not be read.
        options: the options that change the outputs, as JSON-able values.
        hipcheck_version: the version that analyses it.
        model_sha256: the pose model's SHA-256.
        person: who is in the clip (free text), or None.
        recorded_on: when it was filmed (ISO 8601 date, given by the user or from the file's own metadata), or None.
        origin: who made the row (:data:`ClipOrigin`).
    """

    id: str
    name: str
    source: str
    source_sha256: str | None
    options: Mapping[str, Any]
    hipcheck_version: str
    model_sha256: str
    person: str | None = None
    recorded_on: str | None = None
    origin: ClipOrigin = "batch"

    @property
    def options_json(self) -> str:
        """The options as canonical JSON (sorted keys): what the store compares."""
        return json.dumps(dict(self.options), sort_keys=True, separators=(",", ":"))

    @property
    def key(self) -> tuple[str | None, str, str, str]:
        """What makes a finished row current: bytes, options, version and model."""
        return (self.source_sha256, self.options_json, self.hipcheck_version, self.model_sha256)


@dataclass(frozen=True)
class Headline:
    """The few results of a clip kept in its row (angles in degrees, NaN = not measured).

    ``*_left_deg`` / ``*_right_deg`` are the per-side medians over the reps of the
    evidence row of that metric (the person's anatomical sides); ``*_error_deg`` is
    the size a left − right difference must reach to count as a finding (the
    measurement error of 2D video). ``hip_height_diff_deg`` is the standing
    hip-height difference, one signed value (+ = left hip higher).
    ``confidence`` is the verdict's, 0–1.
    """

    verdict: str
    confidence: float
    view: str
    exercises: str
    pelvic_drop_left_deg: float = math.nan
    pelvic_drop_right_deg: float = math.nan
    pelvic_drop_error_deg: float = math.nan
    knee_fppa_left_deg: float = math.nan
    knee_fppa_right_deg: float = math.nan
    knee_fppa_error_deg: float = math.nan
    hip_height_diff_deg: float = math.nan
    hip_height_error_deg: float = math.nan


@dataclass(frozen=True)
class ClipRow:
    """One row of the store, as read back (all columns; None where unset)."""

    id: str
    name: str
    source: str
    source_sha256: str | None
    person: str | None
    recorded_on: str | None
    options: str
    hipcheck_version: str
    model_sha256: str
    state: ClipState
    attempts: int
    error: str
    exit_code: int
    owner: str | None
    heartbeat_at: float | None
    queued_at: str
    started_at: str | None
    finished_at: str | None
    out_dir: str | None
    worker: str | None
    verdict: str | None
    confidence: float | None
    view: str | None
    exercises: str | None
    pelvic_drop_left_deg: float | None
    pelvic_drop_right_deg: float | None
    pelvic_drop_error_deg: float | None
    knee_fppa_left_deg: float | None
    knee_fppa_right_deg: float | None
    knee_fppa_error_deg: float | None
    hip_height_diff_deg: float | None = None
    hip_height_error_deg: float | None = None
    origin: str = "batch"
    seq: int = field(repr=False, default=0)

    @property
    def key(self) -> tuple[str | None, str, str, str]:
        """Bytes, options, version and model this row was made with (compare :attr:`ClipSpec.key`)."""
        return (self.source_sha256, self.options, self.hipcheck_version, self.model_sha256)

    def as_dict(self) -> dict[str, Any]:
        """The row as a column → value dict (for CSV / JSON)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "seq"}


_ROW_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ClipRow))
COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ClipRow) if f.name != "seq")
"""The store's columns, in order (``seq`` — the insertion order — aside)."""


def clip_id(name: str, sha256: str | None, *, fallback: str = "") -> str:
    """A clip's stable id: its file stem (made safe for a folder name) and 12 hex digits
    of the hash of its content hash and name, e.g. ``squat_front-3fa2c19b04de``.

    Without a content hash (a missing file) the hash is taken over ``fallback``
    (say, the path) instead.
    """
    stem = Path(name).stem
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "clip"
    digest = hashlib.sha256(f"{sha256 or 'unreadable:' + fallback}\0{name}".encode()).hexdigest()
    return f"{safe[:60]}-{digest[:12]}"


def owner_token() -> str:
    """The owner token of this process, ``host:pid:random``: names who holds a ``running`` row."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _owner_dead(owner: str | None) -> bool:
    """True when ``owner`` is a process on this host that no longer exists."""
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    return not pid_alive(int(pid_text))


def pid_alive(pid: int) -> bool:
    """True when process ``pid`` exists on this machine (also when another user owns it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _real(value: float) -> float | None:
    return value if math.isfinite(value) else None


class JobStore:
    """The SQLite job store at ``path`` (created with its folder when absent).

    A small API over one table ``clips``: :meth:`add`, :meth:`claim`,
    :meth:`heartbeat`, :meth:`finish`, :meth:`fail`, :meth:`get`, :meth:`rows`.
    Each call opens its own short transaction; the object holds one connection
    and may be used from one thread (open one store per process or thread).
    """

    def __init__(self, path: str | Path, *, stale_after_s: float = STALE_AFTER_S, timeout_s: float = 30.0) -> None:
        """Open (or create) the store; ``stale_after_s``: see :data:`STALE_AFTER_S`."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.stale_after_s = stale_after_s
        self._db = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)  # IF NOT EXISTS: safe when two processes open a new store at once
            self._migrate()
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self._db.execute("SELECT * FROM clips LIMIT 0").fetchall()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise InvalidDataError(f"{self.path}: not a hipcheck job store ({exc})") from exc

    def _migrate(self) -> None:
        """Add the columns of :data:`_ADDED_IN_V2` to a version-1 store (each once, under the write lock)."""
        with self._write() as db:
            have = {r[1] for r in db.execute("PRAGMA table_info(clips)")}
            for name, decl in _ADDED_IN_V2:
                if name not in have:
                    db.execute(f"ALTER TABLE clips ADD COLUMN {name} {decl}")

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> JobStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: the write lock is taken before the first read."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        if self._db.in_transaction:
            self._db.execute("COMMIT")

    # -- writing -------------------------------------------------------------------------------------------

    def add(self, spec: ClipSpec, *, retry_failed: bool = False) -> ClipRow:
        """Register a clip; returns its row.

        A new clip is ``queued``. A known clip stays as it is when its row is
        current (:attr:`ClipSpec.key`) and ``done`` — or ``failed``, unless
        ``retry_failed`` — and while another live process runs it; otherwise it
        is queued again with the new bytes / options / version / model and its
        results cleared. ``person`` and ``recorded_on`` are updated when given.
        """
        with self._write() as db:
            old = self._get(db, spec.id)
            if old is None:
                self._insert(db, spec)
            elif self._requeue(old, spec, retry_failed):
                self._reset(db, spec)
            elif spec.person is not None or spec.recorded_on is not None:
                db.execute(
                    "UPDATE clips SET person = COALESCE(?, person), recorded_on = COALESCE(?, recorded_on)"
                    " WHERE id = ?",
                    (spec.person, spec.recorded_on, spec.id),
                )
            row = self._get(db, spec.id)
        assert row is not None
        return row

    def _requeue(self, old: ClipRow, spec: ClipSpec, retry_failed: bool) -> bool:
        if old.state == "running" and not self._stale(old):
            return False
        if old.key != spec.key:
            return True
        return old.state == "failed" and retry_failed

    def _insert(self, db: sqlite3.Connection, spec: ClipSpec) -> None:
        (seq,) = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM clips").fetchone()
        db.execute(
            "INSERT INTO clips (id, name, source, source_sha256, person, recorded_on, options, hipcheck_version,"
            " model_sha256, state, queued_at, origin, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)",
            (spec.id, spec.name, spec.source, spec.source_sha256, spec.person, spec.recorded_on, spec.options_json,
             spec.hipcheck_version, spec.model_sha256, _now_iso(), spec.origin, seq),
        )  # fmt: skip

    def _reset(self, db: sqlite3.Connection, spec: ClipSpec) -> None:
        cleared = ", ".join(f"{c} = NULL" for c in HEADLINE_COLUMNS)
        db.execute(
            "UPDATE clips SET name = ?, source = ?, source_sha256 = ?, person = COALESCE(?, person),"
            " recorded_on = COALESCE(?, recorded_on), options = ?, hipcheck_version = ?, model_sha256 = ?,"
            " state = 'queued', error = '', exit_code = 0, owner = NULL, heartbeat_at = NULL, queued_at = ?,"
            f" started_at = NULL, finished_at = NULL, {cleared} WHERE id = ?",
            (spec.name, spec.source, spec.source_sha256, spec.person, spec.recorded_on, spec.options_json,
             spec.hipcheck_version, spec.model_sha256, _now_iso(), spec.id),
        )  # fmt: skip

    def claim(self, owner: str, ids: Iterable[str] | None = None) -> ClipRow | None:
        """Atomically take the next clip to run for ``owner`` (see :func:`owner_token`), or None.

        Candidates are ``queued`` rows and ``running`` rows whose owner is dead
        or stale; among ``ids`` only (in that order) when given, else in the
        order they were added. The row becomes ``running``, ``attempts`` + 1.
        """
        order = None if ids is None else {clip: k for k, clip in enumerate(ids)}
        with self._write() as db:
            rows = [self._row(r) for r in db.execute("SELECT * FROM clips WHERE state IN ('queued', 'running')")]
            free = [r for r in rows if (r.state == "queued" or self._stale(r)) and (order is None or r.id in order)]
            if not free:
                return None
            pick = min(free, key=lambda r: r.seq if order is None else order[r.id])
            db.execute(
                "UPDATE clips SET state = 'running', owner = ?, heartbeat_at = ?, started_at = ?, finished_at = NULL,"
                " attempts = attempts + 1, error = '', exit_code = 0 WHERE id = ?",
                (owner, time.time(), _now_iso(), pick.id),
            )
            row = self._get(db, pick.id)
        return row

    def heartbeat(self, owner: str) -> int:
        """Mark every row ``owner`` is running as alive now; returns how many."""
        with self._write() as db:
            cur = db.execute(
                "UPDATE clips SET heartbeat_at = ? WHERE owner = ? AND state = 'running'", (time.time(), owner)
            )
            return cur.rowcount

    def finish(self, clip: str, owner: str, headline: Headline, out_dir: str, worker: str = "") -> bool:
        """``clip`` is ``done`` with its results, written to ``out_dir`` by ``worker`` (``host:pid``);
        False (nothing changed) when ``owner`` no longer holds it.
        """
        values = [_real(v) if isinstance(v, float) else v for v in dataclasses.astuple(headline)]
        sets = ", ".join(f"{c} = ?" for c in HEADLINE_COLUMNS)
        with self._write() as db:
            cur = db.execute(
                f"UPDATE clips SET state = 'done', {sets}, out_dir = ?, worker = ?, finished_at = ?, owner = NULL,"
                " error = '',"
                " exit_code = 0 WHERE id = ? AND owner = ? AND state = 'running'",
                (*values, out_dir, worker or None, _now_iso(), clip, owner),
            )
            return cur.rowcount == 1

    def fail(self, clip: str, error: str, exit_code: int, owner: str | None = None) -> bool:
        """``clip`` is ``failed`` with its one-line ``error``; with ``owner``, only while that owner holds it
        (else any row not ``done``). Returns whether the row changed.
        """
        guard, args = ("AND owner = ? AND state = 'running'", (owner,)) if owner else ("AND state != 'done'", ())
        with self._write() as db:
            cur = db.execute(
                "UPDATE clips SET state = 'failed', error = ?, exit_code = ?, finished_at = ?, owner = NULL"
                f" WHERE id = ? {guard}",
                (error.splitlines()[0] if error else "failed", exit_code or 1, _now_iso(), clip, *args),
            )
            return cur.rowcount == 1

    def record(self, spec: ClipSpec, headline: Headline, out_dir: str) -> ClipRow:
        """Add (or replace) ``spec`` as a ``done`` row with its results, analysed elsewhere — by
        ``hipcheck analyze --person`` or a batch adding its clips to a person's history.
        """
        with self._write() as db:
            if self._get(db, spec.id) is None:
                self._insert(db, spec)
            else:
                self._reset(db, spec)
            values = [_real(v) if isinstance(v, float) else v for v in dataclasses.astuple(headline)]
            sets = ", ".join(f"{c} = ?" for c in HEADLINE_COLUMNS)
            now = _now_iso()
            db.execute(
                f"UPDATE clips SET state = 'done', {sets}, out_dir = ?, started_at = ?, finished_at = ?,"
                " attempts = 1, origin = ? WHERE id = ?",
                (*values, out_dir, now, now, spec.origin, spec.id),
            )
            row = self._get(db, spec.id)
        assert row is not None
        return row

    def requeue(self, clip: str) -> ClipRow | None:
        """Queue ``clip`` again with its results cleared (a re-run); None when there is no such row.

        A row that a live process is running is left as it is (returned unchanged).
        """
        with self._write() as db:
            row = self._get(db, clip)
            if row is None or (row.state == "running" and not self._stale(row)):
                return row
            cleared = ", ".join(f"{c} = NULL" for c in HEADLINE_COLUMNS)
            (seq,) = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM clips").fetchone()
            db.execute(
                "UPDATE clips SET state = 'queued', error = '', exit_code = 0, owner = NULL, heartbeat_at = NULL,"
                f" queued_at = ?, started_at = NULL, finished_at = NULL, {cleared}, seq = ? WHERE id = ?",
                (_now_iso(), seq, clip),
            )
            return self._get(db, clip)

    def set_options(self, clip: str, options: Mapping[str, Any]) -> None:
        """Replace the stored options of ``clip`` (before a re-run that should use them)."""
        text = json.dumps(dict(options), sort_keys=True, separators=(",", ":"))
        with self._write() as db:
            db.execute("UPDATE clips SET options = ? WHERE id = ?", (text, clip))

    def delete(self, clip: str) -> ClipRow | None:
        """Remove the row of ``clip`` for good; returns it as it was (None when absent).

        The caller removes the files (only those its :attr:`ClipRow.origin` owns).
        """
        with self._write() as db:
            row = self._get(db, clip)
            if row is not None:
                db.execute("DELETE FROM clips WHERE id = ?", (clip,))
        return row

    def delete_person(self, person: str) -> list[ClipRow]:
        """Remove every row of ``person``; returns them as they were."""
        with self._write() as db:
            rows = [self._row(r) for r in db.execute("SELECT * FROM clips WHERE person = ? ORDER BY seq", (person,))]
            db.execute("DELETE FROM clips WHERE person = ?", (person,))
        return rows

    def release(self, owner: str) -> int:
        """Put every row ``owner`` is running back to ``queued`` (a clean stop); returns how many."""
        with self._write() as db:
            cur = db.execute(
                "UPDATE clips SET state = 'queued', owner = NULL, heartbeat_at = NULL, attempts = MAX(attempts - 1, 0)"
                " WHERE owner = ? AND state = 'running'",
                (owner,),
            )
            return cur.rowcount

    # -- reading -------------------------------------------------------------------------------------------

    def get(self, clip: str) -> ClipRow | None:
        """The row of ``clip``, or None."""
        return self._get(self._db, clip)

    def rows(
        self, *, ids: Sequence[str] | None = None, state: ClipState | None = None, person: str | None = None
    ) -> list[ClipRow]:
        """Rows in the order they were added, optionally only ``ids``, one ``state`` or one ``person``."""
        where: list[str] = []
        args: list[str] = []
        if state is not None:
            where.append("state = ?")
            args.append(state)
        if person is not None:
            where.append("person = ?")
            args.append(person)
        sql = "SELECT * FROM clips" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY seq"
        rows = [self._row(r) for r in self._db.execute(sql, args)]
        if ids is None:
            return rows
        by_id = {r.id: r for r in rows}
        return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]

    def sessions(self, person: str) -> list[ClipRow]:
        """The ``done`` rows of ``person``: newest recording first (then newest analysis)."""
        rows = self.rows(person=person, state="done")
        return sorted(rows, key=lambda r: (r.recorded_on or "", r.seq), reverse=True)

    def people(self) -> list[tuple[str, int, str | None]]:
        """Every person with a row: ``(person, sessions done, newest recording date)``, by name."""
        sql = (
            "SELECT person, SUM(state = 'done'), MAX(CASE WHEN state = 'done' THEN recorded_on END) FROM clips"
            " WHERE person IS NOT NULL GROUP BY person ORDER BY person COLLATE NOCASE"
        )
        return [(p, int(n or 0), last) for p, n, last in self._db.execute(sql)]

    def queue_position(self, clip: str) -> int | None:
        """1 for the next ``queued`` row to run, 2 for the one after …; None when ``clip`` is not queued."""
        found = self._db.execute(
            "SELECT COUNT(*) FROM clips WHERE state = 'queued' AND seq <= (SELECT seq FROM clips WHERE id = ?"
            " AND state = 'queued')",
            (clip,),
        ).fetchone()
        return int(found[0]) or None

    def queue_positions(self) -> dict[str, int]:
        """Every ``queued`` row's :meth:`queue_position`, in one query (row id → 1, 2, …)."""
        cur = self._db.execute("SELECT id FROM clips WHERE state = 'queued' ORDER BY seq")
        return {clip: k for k, (clip,) in enumerate(cur, start=1)}

    def counts(self, ids: Sequence[str] | None = None) -> dict[ClipState, int]:
        """How many rows are in each state (among ``ids`` when given)."""
        out: dict[ClipState, int] = dict.fromkeys(CLIP_STATES, 0)
        for row in self.rows(ids=ids):
            out[row.state] += 1
        return out

    def _stale(self, row: ClipRow) -> bool:
        """A ``running`` row whose owner died on this host, or that has not beaten for :attr:`stale_after_s`."""
        beat = row.heartbeat_at or 0.0
        return _owner_dead(row.owner) or time.time() - beat > self.stale_after_s

    @staticmethod
    def _get(db: sqlite3.Connection, clip: str) -> ClipRow | None:
        with closing(db.execute("SELECT * FROM clips WHERE id = ?", (clip,))) as cur:
            found = cur.fetchone()
        return None if found is None else JobStore._row(found)

    @staticmethod
    def _row(found: sqlite3.Row) -> ClipRow:
        return ClipRow(**{k: found[k] for k in _ROW_FIELDS})  # columns a later schema adds are not read


__all__ = [
    "CLIP_STATES",
    "COLUMNS",
    "HEADLINE_COLUMNS",
    "SCHEMA_VERSION",
    "STALE_AFTER_S",
    "ClipOrigin",
    "ClipRow",
    "ClipSpec",
    "ClipState",
    "Headline",
    "JobStore",
    "clip_id",
    "owner_token",
]
