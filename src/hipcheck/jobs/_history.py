"""A person's history over weeks, without the server: sessions in the data folder, their CSV, change calls.

::

    hipcheck analyze VIDEO --person NAME ─┐
    hipcheck batch ... --person NAME ─────┼─▶ add_session / record_session
    (the web worker)                      ┘     ─▶ DATA/sessions/<id>/ (report.json, report.html, metrics.csv, plots/)
                                                ─▶ DATA/hipcheck.sqlite (JobStore.record: one ``done`` row)
    JobStore.sessions(person) ─▶ sessions_csv · trend_changes (baseline → latest, against MDC95)

A session is identified by the person, the recording date, the file name and
the file's SHA-256 (:func:`session_id`): adding the same clip for the same
person and date again replaces the session instead of adding a second one.
Person names and dates are checked here (:func:`check_person`,
:func:`check_date`), so the CLI and the web page refuse the same inputs with
the same one-line :class:`~hipcheck.errors.UsageError`.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io as stdio
import json
import math
import re
import shutil
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from hipcheck import __version__, io
from hipcheck.assessment import MEASUREMENT_ERRORS
from hipcheck.errors import InputNotFoundError, UsageError
from hipcheck.jobs._data import DataDir
from hipcheck.jobs._outputs import write_outputs
from hipcheck.jobs._sources import recorded_on as file_recorded_on
from hipcheck.jobs._store import ClipOrigin, ClipRow, ClipSpec, Headline, JobStore, clip_id
from hipcheck.jobs._worker import headline_of
from hipcheck.results import Assessment

MAX_PERSON_CHARS = 100
SESSION_FILES: tuple[str, ...] = ("report.json", "report.html", "metrics.csv", "plots")
"""What a session keeps of a run's folder (``plots`` is a folder); never ``pose.npz`` nor the video."""
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LEFTOVER_AGE_S = 3600.0

ChangeStatus = Literal["real", "within_error", "not_enough"]
"""A change call: beyond MDC95, within it, or fewer than two sessions measured the value."""

TREND_SERIES: tuple[tuple[str, str, str], ...] = (
    ("pelvic_drop_left_deg", "pelvic_drop_deg", "left"),
    ("pelvic_drop_right_deg", "pelvic_drop_deg", "right"),
    ("knee_fppa_left_deg", "knee_fppa_deg", "left"),
    ("knee_fppa_right_deg", "knee_fppa_deg", "right"),
    ("hip_height_diff_deg", "hip_height_asymmetry_deg", "both"),
)
"""(store column, metric, side) of every value followed over sessions; ``both`` = one whole-body value.
Pelvic drop's side is the stance side, knee FPPA's the knee's, hip-height difference + = left hip higher."""

_CSV_COLUMNS: tuple[str, ...] = (
    "recorded_on", "person", "verdict", "confidence",
    "pelvic_drop_left_deg", "pelvic_drop_right_deg", "pelvic_drop_error_deg",
    "knee_fppa_left_deg", "knee_fppa_right_deg", "knee_fppa_error_deg",
    "hip_height_diff_deg", "hip_height_error_deg",
    "exercises", "view", "name", "id",
)  # fmt: skip
SESSIONS_CSV_COLUMNS = _CSV_COLUMNS
"""The columns of :func:`sessions_csv`."""


# ------------------------------------------------------------------ checks
def person_key(name: str) -> str:
    """``name`` as the history stores and looks it up: stripped, in Unicode NFC (not checked: see
    :func:`check_person`).
    """
    return unicodedata.normalize("NFC", name.strip())


def check_person(name: str) -> str:
    """A person's name as stored: stripped and in Unicode NFC (so "Zoë" typed with a combining
    diaeresis is the same person as "Zoë" typed with one character); non-empty, at most 100
    characters, no control characters (NUL, newlines, tabs) or line separators. Raises
    :class:`~hipcheck.errors.UsageError` (one line).
    """
    person = person_key(name)
    if not person:
        raise UsageError("person name: empty; give a name, e.g. --person anna")
    if len(person) > MAX_PERSON_CHARS:
        raise UsageError(f"person name {person[:20]!r}…: {len(person)} characters, at most {MAX_PERSON_CHARS}")
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in person):
        raise UsageError(f"person name {person[:40]!r}: contains a control character")
    return person


def check_date(text: str, *, today: dt.date | None = None) -> str:
    """A recording date as stored: ``YYYY-MM-DD``, a real calendar date, not after ``today`` (default: the
    local date). Raises :class:`~hipcheck.errors.UsageError` (one line).
    """
    value = text.strip()
    if not _DATE.fullmatch(value):
        raise UsageError(f"recording date {value[:40]!r}: expected YYYY-MM-DD, e.g. 2026-01-05")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"recording date {value!r}: not a real date") from None
    limit = today or dt.date.today()
    if day > limit:
        raise UsageError(f"recording date {value}: in the future (today is {limit.isoformat()})")
    return value


def recording_date(path: str | Path) -> str | None:
    """The local calendar date (``YYYY-MM-DD``) the file says it was filmed (its mp4/mov ``mvhd``
    creation time, :func:`~hipcheck.jobs.recorded_on`), or None when it carries none.
    """
    stamp = file_recorded_on(Path(path))
    if stamp is None:
        return None
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone().date().isoformat()


def no_date_error(path: str | Path) -> UsageError:
    """The error of a clip that carries no recording date, when none was given."""
    return UsageError(f"{path}: no recording date in the file; give --recorded-on YYYY-MM-DD")


def session_date(path: str | Path, given: str | None = None) -> str:
    """The recording date of a session from ``path``: ``given`` (checked, :func:`check_date`), else the
    file's own date (:func:`recording_date`); a :class:`~hipcheck.errors.UsageError` when there is none.
    """
    if given is not None:
        return check_date(given)
    found = recording_date(path)
    if found is None:
        raise no_date_error(path)
    return check_date(found)


def session_id(person: str, recorded_on: str, name: str, sha256: str | None) -> str:
    """A session's stable id (:func:`~hipcheck.jobs.clip_id` over the file name, its SHA-256, the person
    and the date): the same clip for the same person and date is the same session.
    """
    return clip_id(name, f"{sha256 or 'unreadable'}\0{person}\0{recorded_on}")


# ------------------------------------------------------------------ adding and removing sessions
def add_session(
    data: DataDir,
    *,
    source: Path,
    out_dir: Path,
    assessment: Assessment,
    person: str,
    recorded_on: str,
    options: Mapping[str, Any],
    origin: ClipOrigin,
) -> ClipRow:
    """Add one analysed clip to ``person``'s history in ``data``; returns its ``done`` row.

    The report files of ``out_dir`` (:data:`SESSION_FILES` that exist; ``report.json`` is required)
    are copied to ``DATA/sessions/<id>/`` as a whole (staged in a hidden folder, then renamed), and
    the row records the headline of ``assessment`` (:func:`~hipcheck.jobs.headline_of`) with that
    folder. The same clip (file name and bytes) for the same person and date replaces its session.
    ``person`` and ``recorded_on`` are checked (:func:`check_person`, :func:`check_date`).
    """
    who, day = check_person(person), check_date(recorded_on)
    src = Path(source).absolute()
    sha = io.sha256_file(src) if src.is_file() else assessment.provenance.get("source_sha256")
    model = str(assessment.provenance.get("model_sha256") or "")
    sid = session_id(who, day, src.name, sha)
    spec = ClipSpec(sid, src.name, str(src), sha, dict(options), __version__, model, who, day, origin)
    return record_session(data, spec, headline_of(assessment), Path(out_dir))


def record_session(data: DataDir, spec: ClipSpec, headline: Headline, out_dir: Path) -> ClipRow:
    """Copy the report files of ``out_dir`` to ``DATA/sessions/<spec.id>/`` and record ``spec`` as a
    ``done`` row with ``headline`` (what :func:`add_session` does once it has the spec; a batch calls it
    with the headline its store kept). ``spec.person`` and ``spec.recorded_on`` must be set.
    """
    if spec.person is None or spec.recorded_on is None:
        raise UsageError(f"{spec.name}: a session needs a person and a recording date")
    files = _session_files(Path(out_dir))
    sessions = io.ensure_output_dir(data.sessions)
    _clear_leftovers(sessions, spec.id)
    try:
        folder = write_outputs(sessions, spec.id, files)
    except OSError as exc:
        raise io.output_error(sessions / spec.id, exc) from None
    with JobStore(data.store) as store:
        return store.record(spec, headline, str(folder))


def _session_files(out_dir: Path) -> dict[str, bytes]:
    if not (out_dir / "report.json").is_file():
        raise InputNotFoundError(f"{out_dir}: no report.json to add to the history")
    files: dict[str, bytes] = {}
    for name in SESSION_FILES:
        path = out_dir / name
        found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        files |= {p.relative_to(out_dir).as_posix(): p.read_bytes() for p in found if p.is_file()}
    return files


def _clear_leftovers(sessions: Path, clip: str) -> None:
    """Staging folders of ``clip`` that a killed run left (older than an hour: none is live)."""
    cutoff = time.time() - _LEFTOVER_AGE_S
    for stale in (*sessions.glob(f".{clip}.tmp-*"), *sessions.glob(f".{clip}.old-*")):
        try:
            old = stale.stat().st_mtime < cutoff
        except OSError:
            continue
        if old:
            shutil.rmtree(stale, ignore_errors=True)


def headline_of_row(row: ClipRow) -> Headline:
    """The headline a ``done`` row keeps (None → NaN), e.g. to record a batch's clip in a history."""
    values = {c: getattr(row, c) for c in (f.name for f in dataclasses.fields(Headline))}
    floats = {k: math.nan if v is None else float(v) for k, v in values.items() if k.endswith("_deg")}
    confidence = math.nan if row.confidence is None else float(row.confidence)
    return Headline(row.verdict or "insufficient", confidence, row.view or "", row.exercises or "", **floats)


def session_spec(row: ClipRow, person: str, recorded_on: str, origin: ClipOrigin) -> ClipSpec:
    """The history spec of a batch's ``done`` row (the same id :func:`add_session` gives that clip)."""
    who, day = check_person(person), check_date(recorded_on)
    sid = session_id(who, day, row.name, row.source_sha256)
    options = json.loads(row.options)
    return ClipSpec(
        sid, row.name, row.source, row.source_sha256, options, row.hipcheck_version, row.model_sha256, who, day, origin
    )


def delete_sessions(data: DataDir, rows: Sequence[ClipRow]) -> None:
    """Remove the files of deleted rows that ``data`` owns: the session folder, an uploaded video.

    Files outside the data folder (the user's own videos, an ``analyze -o`` folder) are never touched.
    """
    for row in rows:
        data.remove(row.out_dir)
        data.remove(row.source)


def delete_person(data: DataDir, person: str) -> list[ClipRow]:
    """Delete every session of ``person`` for good: the rows, then the files ``data`` owns."""
    person = person_key(person)
    with JobStore(data.store) as store:
        rows = store.delete_person(person)
    delete_sessions(data, rows)
    return rows


def known_people(data: DataDir) -> list[tuple[str, int, str | None]]:
    """Every person of ``data``'s store (:meth:`~hipcheck.jobs.JobStore.people`); [] when there is no
    store yet (none is created).
    """
    if not data.store.is_file():
        return []
    with JobStore(data.store) as store:
        return store.people()


def person_sessions(data: DataDir, person: str) -> list[ClipRow]:
    """The sessions of ``person`` (newest recording first); raises
    :class:`~hipcheck.errors.InputNotFoundError` when ``data`` has no session of that person.
    """
    rows: list[ClipRow] = []
    person = person_key(person)
    if data.store.is_file():
        with JobStore(data.store) as store:
            rows = store.sessions(person)
    if not rows:
        known = [p for p, n, _ in known_people(data) if n]
        count = f"{len(known)} {'person' if len(known) == 1 else 'people'} known"
        where = f"{data.root} ({count}; 'hipcheck history' lists them)"
        raise InputNotFoundError(f"{person}: no sessions of this person in {where}")
    return rows


# ------------------------------------------------------------------ export
def _text_cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula (``=``, ``+``, ``-``, ``@`` first get a ``'``)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def sessions_csv(rows: Sequence[ClipRow]) -> str:
    """The sessions as CSV, one row per session in the order given (columns :data:`SESSIONS_CSV_COLUMNS`):
    date, person, verdict, confidence (0–1), per-side medians and their measurement errors in degrees
    (empty = not measured), exercises, view, file name and session id.
    """
    buf = stdio.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for row in rows:
        values = row.as_dict()
        cells = []
        for column in _CSV_COLUMNS:
            value = values[column]
            cells.append("" if value is None else _text_cell(value) if isinstance(value, str) else repr(value))
        writer.writerow(cells)
    return buf.getvalue()


# ------------------------------------------------------------------ change calls
def mdc95(metric: str) -> float:
    """Smallest detectable change between two sessions, 95 % confidence: MDC95 = 1.96 · √2 · SEM, with the
    metric's SEM from :data:`hipcheck.assessment.MEASUREMENT_ERRORS` (pelvic drop 1.0° → 2.77°, knee FPPA
    3.0° → 8.32°, hip-height difference 1.5° → 4.16°).
    """
    return 1.96 * math.sqrt(2.0) * MEASUREMENT_ERRORS[metric].sem


@dataclass(frozen=True)
class TrendChange:
    """The change of one value from the baseline session to the latest.

    The baseline is the earliest session that measured the value, the latest the newest one that did
    (so a session that did not measure it is skipped, never read as 0). The change is **real** when
    ``|latest − baseline| > MDC95`` (:func:`mdc95`: 1.96 · √2 · SEM, SEM and its source from
    :data:`~hipcheck.assessment.MEASUREMENT_ERRORS`), else within measurement error.

    Attributes:
        column: the store column (``pelvic_drop_left_deg``).
        metric: the registry metric (``pelvic_drop_deg``).
        side: ``left`` / ``right`` (stance side for pelvic drop, the knee for FPPA), ``both`` for the
            hip-height difference (+ = left hip higher).
        baseline_on / latest_on: their recording dates (None when not measured).
        baseline / latest: the values in degrees (NaN when not measured).
        sem: the metric's standard error of measurement (degrees).
        mdc: MDC95 (degrees).
        source: where the SEM comes from.
        measured: how many sessions measured the value.
    """

    column: str
    metric: str
    side: str
    baseline_on: str | None
    baseline: float
    latest_on: str | None
    latest: float
    sem: float
    mdc: float
    source: str
    measured: int = 0

    @property
    def delta(self) -> float:
        """Latest − baseline (degrees); NaN without two measured sessions."""
        return self.latest - self.baseline if self.status != "not_enough" else math.nan

    @property
    def status(self) -> ChangeStatus:
        """``real`` (|Δ| > MDC95), ``within_error``, or ``not_enough`` (fewer than two sessions measured it)."""
        if self.measured < 2 or not (math.isfinite(self.baseline) and math.isfinite(self.latest)):
            return "not_enough"
        return "real" if abs(self.latest - self.baseline) > self.mdc else "within_error"

    @property
    def real(self) -> bool:
        """True for a change beyond MDC95."""
        return self.status == "real"


def chronological(rows: Sequence[ClipRow]) -> list[ClipRow]:
    """``rows`` oldest recording first (then in the order they were analysed)."""
    return sorted(rows, key=lambda r: (r.recorded_on or "", r.seq))


def trend_changes(rows: Sequence[ClipRow]) -> list[TrendChange]:
    """One :class:`TrendChange` per value of :data:`TREND_SERIES`, baseline (first session) → latest."""
    ordered = chronological(rows)
    changes = []
    for column, metric, side in TREND_SERIES:
        values = [(r.recorded_on, getattr(r, column)) for r in ordered]
        measured = [(day, float(v)) for day, v in values if v is not None and math.isfinite(v)]
        first = measured[0] if measured else (None, math.nan)
        last = measured[-1] if len(measured) > 1 else (None, math.nan)
        err, mdc = MEASUREMENT_ERRORS[metric], mdc95(metric)
        change = TrendChange(column, metric, side, *first, *last, err.sem, mdc, err.source, len(measured))
        changes.append(change)
    return changes


__all__ = [
    "MAX_PERSON_CHARS",
    "SESSIONS_CSV_COLUMNS",
    "SESSION_FILES",
    "TREND_SERIES",
    "ChangeStatus",
    "TrendChange",
    "add_session",
    "check_date",
    "check_person",
    "chronological",
    "delete_person",
    "delete_sessions",
    "headline_of_row",
    "known_people",
    "mdc95",
    "no_date_error",
    "person_key",
    "person_sessions",
    "record_session",
    "recording_date",
    "session_date",
    "session_id",
    "session_spec",
    "sessions_csv",
    "trend_changes",
]
