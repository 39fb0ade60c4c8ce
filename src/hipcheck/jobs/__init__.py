"""The job boundary: one clip → its reports, with errors as data; and many clips as a batch.

::

    Job(source, out_dir, options, model) ─▶ run_job ─▶ JobResult(status, outputs, assessment, error, exit_code)

    run_batch(sources, OUT, options=BatchOptions(...), executor=None | pool | dask Client)
        ─▶ OUT/<id>/ per clip (run_job's files) + OUT/jobs.sqlite (JobStore) + OUT/summary.csv / .html

    add_session(DataDir, source=, out_dir=, assessment=, person=, recorded_on=, options=, origin=)
        ─▶ DATA/sessions/<id>/ (the report files) + a ``done`` row in DATA/hipcheck.sqlite: a person's history
    JobStore.sessions(person) ─▶ sessions_csv · trend_changes (baseline → latest vs MDC95) · trend_context
        ─▶ trend.html / trend_body.html (the sessions, the change calls, trend plots)

The CLI, the live session's final analysis, the batch runner and the web
worker all call :func:`run_job`; none of them holds math. The job store
(:class:`JobStore`: add / claim / heartbeat / finish / fail / rows) is
SQLite in WAL mode with atomic claims, so several processes can share it;
the data folder's store (:class:`DataDir`) is also each person's history.

Each clip of a batch runs under a time limit (``BatchOptions.clip_timeout_s``,
by default :func:`default_time_limit_s`; ``ClipTask.time_limit_s`` on the
worker's side): past it the clip is a ``failed`` row with exit 15
(:class:`~hipcheck.errors.TimeLimitError`), its local worker process killed
if it did not stop itself.
"""

from hipcheck.jobs._batch import (
    CLIP_TIMEOUT_MIN_S,
    CLIP_TIMEOUT_PER_VIDEO_S,
    CLIP_TIMEOUT_UNKNOWN_S,
    KILL_GRACE_S,
    STORE_NAME,
    BatchMonitor,
    BatchOptions,
    BatchResult,
    Submitter,
    capacity,
    default_time_limit_s,
    run_batch,
)
from hipcheck.jobs._cluster import check_versions, connect_cluster
from hipcheck.jobs._data import DATA_ENV, STORE_FILE, DataDir, default_data_dir
from hipcheck.jobs._history import (
    MAX_PERSON_CHARS,
    SESSION_FILES,
    SESSIONS_CSV_COLUMNS,
    TREND_SERIES,
    ChangeStatus,
    TrendChange,
    add_session,
    check_date,
    check_person,
    chronological,
    delete_person,
    delete_sessions,
    headline_of_row,
    known_people,
    mdc95,
    no_date_error,
    person_key,
    person_sessions,
    record_session,
    recording_date,
    session_date,
    session_id,
    session_spec,
    sessions_csv,
    trend_changes,
)
from hipcheck.jobs._job import REPORT_FILES, Job, JobOutputs, JobResult, JobStatus, run_job
from hipcheck.jobs._outputs import write_outputs
from hipcheck.jobs._service import Progress, QueueService, task_options
from hipcheck.jobs._sources import (
    POSE_SUFFIX,
    VIDEO_SUFFIXES,
    discover,
    header_duration_s,
    looks_like_video,
    recorded_on,
)
from hipcheck.jobs._store import (
    CLIP_STATES,
    COLUMNS,
    HEADLINE_COLUMNS,
    SCHEMA_VERSION,
    STALE_AFTER_S,
    ClipOrigin,
    ClipRow,
    ClipSpec,
    ClipState,
    Headline,
    JobStore,
    clip_id,
    owner_token,
)
from hipcheck.jobs._summary import (
    SUMMARY_COLUMNS,
    overview_png,
    render_summary_html,
    write_summary_csv,
    write_summary_html,
)
from hipcheck.jobs._trend import (
    MIN_SESSIONS,
    TREND_NOTE,
    ReportUrl,
    change_cells,
    local_report_url,
    people_table,
    plot_trend,
    plot_verdicts,
    render_trend_html,
    session_cells,
    sessions_table,
    trend_context,
    trend_plots,
    write_trend_html,
)
from hipcheck.jobs._worker import (
    HEADLINE_METRICS,
    ClipOutcome,
    ClipTask,
    analyse_clip,
    headline_of,
    time_limit_error,
    worker_version,
)

__all__ = [
    "CLIP_STATES",
    "CLIP_TIMEOUT_MIN_S",
    "CLIP_TIMEOUT_PER_VIDEO_S",
    "CLIP_TIMEOUT_UNKNOWN_S",
    "COLUMNS",
    "DATA_ENV",
    "HEADLINE_COLUMNS",
    "HEADLINE_METRICS",
    "KILL_GRACE_S",
    "MAX_PERSON_CHARS",
    "MIN_SESSIONS",
    "POSE_SUFFIX",
    "REPORT_FILES",
    "SCHEMA_VERSION",
    "SESSIONS_CSV_COLUMNS",
    "SESSION_FILES",
    "STALE_AFTER_S",
    "STORE_FILE",
    "STORE_NAME",
    "SUMMARY_COLUMNS",
    "TREND_NOTE",
    "TREND_SERIES",
    "VIDEO_SUFFIXES",
    "BatchMonitor",
    "BatchOptions",
    "BatchResult",
    "ChangeStatus",
    "ClipOrigin",
    "ClipOutcome",
    "ClipRow",
    "ClipSpec",
    "ClipState",
    "ClipTask",
    "DataDir",
    "Headline",
    "Job",
    "JobOutputs",
    "JobResult",
    "JobStatus",
    "JobStore",
    "Progress",
    "QueueService",
    "ReportUrl",
    "Submitter",
    "TrendChange",
    "add_session",
    "analyse_clip",
    "capacity",
    "change_cells",
    "check_date",
    "check_person",
    "check_versions",
    "chronological",
    "clip_id",
    "connect_cluster",
    "default_data_dir",
    "default_time_limit_s",
    "delete_person",
    "delete_sessions",
    "discover",
    "header_duration_s",
    "headline_of",
    "headline_of_row",
    "known_people",
    "local_report_url",
    "looks_like_video",
    "mdc95",
    "no_date_error",
    "overview_png",
    "owner_token",
    "people_table",
    "person_key",
    "person_sessions",
    "plot_trend",
    "plot_verdicts",
    "record_session",
    "recorded_on",
    "recording_date",
    "render_summary_html",
    "render_trend_html",
    "run_batch",
    "run_job",
    "session_cells",
    "session_date",
    "session_id",
    "session_spec",
    "sessions_csv",
    "sessions_table",
    "task_options",
    "time_limit_error",
    "trend_changes",
    "trend_context",
    "trend_plots",
    "worker_version",
    "write_outputs",
    "write_summary_csv",
    "write_summary_html",
    "write_trend_html",
]
