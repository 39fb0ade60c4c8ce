"""One unit of work: one clip (a video or a pose ``.npz``) → its reports in one folder.

Every shell (the CLI, the live session's final analysis, and the batch and web
workers) calls :func:`run_job`; errors come back as data (a ``failed``
:class:`JobResult` with its one-line message and exit code), never as a
traceback.

How a job treats its output folder ``out_dir``:

* it holds an exclusive :class:`~hipcheck.io.OutputLock` on it for the whole
  run: a second run on the same folder fails at once with exit 12;
* every report is first written into a hidden staging folder inside
  ``out_dir`` and moved into place only when all of them are written,
  ``report.json`` last, so a ``report.json`` is never there without its CSV
  and HTML; the staging folder is removed on every exit path (one left by a
  ``kill -9`` is removed by the next run);
* a failed or interrupted run removes the reports of any earlier run in that
  folder, so nothing is left looking like the answer for the new input
  (``pose.npz``, a cache checked against the input's bytes, is kept);
* a damaged ``pose.npz`` cache is renamed ``pose.npz.damaged`` with a warning
  and the pose is estimated again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from hipcheck import io
from hipcheck.analysis import AnalysisOptions, analyze_pose, preload
from hipcheck.errors import HipcheckError, InputNotFoundError, InvalidDataError, NoPersonError, NotAVideoError
from hipcheck.extract import load_or_estimate_pose
from hipcheck.landmarks import PoseSeries
from hipcheck.render import (
    save_plots,
    worst_rep_keyframes,
    write_annotated_video,
    write_html_report,
    write_metrics_csv,
    write_report_json,
)
from hipcheck.results import Assessment
from hipcheck.types import ProgressFn

JobStatus = Literal["done", "failed"]
REPORT_FILES = ("report.json", "metrics.csv", "report.html", "annotated.mp4", "plots")
"""What a job writes into its folder besides the ``pose.npz`` cache (``plots`` is a folder)."""
_STAGING_PREFIX = ".hipcheck-staging-"


@dataclass(frozen=True)
class Job:
    """What to analyse, where to write it, and how.

    Attributes:
        source: a video file or a pose ``.npz`` (from ``hipcheck landmarks`` or an earlier run).
        out_dir: the folder for ``pose.npz``, ``report.json``, ``metrics.csv``, ``report.html``,
            ``plots/`` and (with ``annotate``) ``annotated.mp4``.
        options: the analysis options.
        model_path: a pose model ``.task`` bundle; None = the bundled, checksum-verified model.
        annotate: also write ``annotated.mp4`` (video sources only).
        html: write ``report.html`` with its plots.
        flip_average: run the pose model on the mirrored frames too and average (the default);
            False runs one pass: faster, and the pose model's left/right bias stays (the report says so).
    """

    source: Path
    out_dir: Path
    options: AnalysisOptions = field(default_factory=AnalysisOptions)
    model_path: Path | None = None
    annotate: bool = False
    html: bool = True
    flip_average: bool = True

    def __init__(
        self,
        source: str | Path,
        out_dir: str | Path,
        options: AnalysisOptions | None = None,
        model_path: str | Path | None = None,
        *,
        annotate: bool = False,
        html: bool = True,
        flip_average: bool = True,
    ) -> None:
        """Paths may be given as strings; they are kept as :class:`~pathlib.Path`."""
        object.__setattr__(self, "source", Path(source))
        object.__setattr__(self, "out_dir", Path(out_dir))
        object.__setattr__(self, "options", options or AnalysisOptions())
        object.__setattr__(self, "model_path", None if model_path is None else Path(model_path))
        object.__setattr__(self, "annotate", annotate)
        object.__setattr__(self, "html", html)
        object.__setattr__(self, "flip_average", flip_average)


@dataclass(frozen=True)
class JobOutputs:
    """The files a job wrote (None / empty for the ones it was not asked for)."""

    out_dir: Path
    report_json: Path
    metrics_csv: Path
    pose_npz: Path
    report_html: Path | None = None
    plots: tuple[Path, ...] = ()
    annotated_video: Path | None = None


@dataclass(frozen=True)
class JobResult:
    """How a job ended.

    ``status`` is ``done`` (``outputs`` and ``assessment`` set) or ``failed``
    (``error`` is the one-line ``<file>: <problem>``, ``exit_code`` the
    documented code of :mod:`hipcheck.errors`).
    """

    job: Job
    status: JobStatus
    outputs: JobOutputs | None = None
    assessment: Assessment | None = None
    error: str = ""
    exit_code: int = 0
    warnings: tuple[str, ...] = ()
    """One-line notes the run met and worked around (a damaged cache recomputed, a video decoded
    only in part), each ``<file>: <note>``."""


def run_job(job: Job, *, progress: ProgressFn | None = None) -> JobResult:
    """Analyse one clip and write its reports (atomically, under the folder's lock).

    ``progress(done, total)`` is called while pose estimation runs (frames of
    both passes). A problem with the input, the model or the output (including a
    busy output folder) is a ``failed`` result; anything else is a bug and
    propagates, after the folder has been cleaned (as it is on Ctrl-C).
    """
    warnings: list[str] = []
    try:
        outputs, assessment = _run(job, progress, warnings)
    except HipcheckError as exc:
        return JobResult(job, "failed", error=str(exc), exit_code=exc.exit_code, warnings=tuple(warnings))
    return JobResult(job, "done", outputs, assessment, warnings=tuple(warnings))


def _check_source(source: Path) -> None:
    if not source.exists():
        raise InputNotFoundError(f"{source}: no such file")
    if source.is_dir():
        raise NotAVideoError(
            f"{source}: is a folder; give the video files in it (e.g. {source / '*.mp4'}) or a pose .npz"
        )


def _run(job: Job, progress: ProgressFn | None, warnings: list[str]) -> tuple[JobOutputs, Assessment]:
    _check_source(job.source)
    existed = job.out_dir.is_dir()
    out = io.ensure_output_dir(job.out_dir)
    try:
        with io.OutputLock(out):
            _clear_leftovers(out)
            try:
                return _run_locked(job, out, progress, warnings)
            except BaseException:
                _remove_reports(out)  # failed or interrupted: no earlier report may pose as this run's answer
                raise
    except BaseException:
        if not existed:
            with contextlib.suppress(OSError):
                out.rmdir()  # the folder this run made, if it stayed empty
        raise


def _run_locked(job: Job, out: Path, progress: ProgressFn | None, warnings: list[str]) -> tuple[JobOutputs, Assessment]:
    source = job.source
    is_pose = source.suffix.lower() == ".npz"
    cache = out / "pose.npz"
    if not is_pose:
        _set_aside_damaged_cache(cache, warnings)
        preload()  # the analysis's imports load while the pose passes wait on MediaPipe
    series = load_or_estimate_pose(
        source, cache, model_path=job.model_path, flip_average=job.flip_average, progress=progress
    )
    if not bool(series.detected.any()):
        raise NoPersonError(f"{source}: no person found in any frame (no usable landmarks)")
    assessment = analyze_pose(series, job.options)
    note = series.decode_note
    if note:
        warnings.append(f"{source}: {note}")
        verdict = assessment.verdict
        assessment = dataclasses.replace(
            assessment, verdict=dataclasses.replace(verdict, reasons=(*verdict.reasons, note))
        )
    with _staging(out) as stage:
        report_html, plots = (
            _write_html(assessment, series, None if is_pose else source, stage) if job.html else (None, ())
        )
        write_metrics_csv(assessment, stage / "metrics.csv")
        if job.annotate and not is_pose:
            write_annotated_video(source, series, assessment, stage / "annotated.mp4")
        write_report_json(assessment, stage / "report.json")
        _publish(stage, out)
    pose_npz = source if is_pose else cache
    return (
        JobOutputs(
            out,
            out / "report.json",
            out / "metrics.csv",
            pose_npz,
            None if report_html is None else out / "report.html",
            tuple(out / "plots" / p.name for p in plots),
            out / "annotated.mp4" if job.annotate and not is_pose else None,
        ),
        assessment,
    )


def _set_aside_damaged_cache(cache: Path, warnings: list[str]) -> None:
    if not cache.is_file():
        return
    try:
        PoseSeries.load_npz(cache)
    except InvalidDataError as exc:
        aside = cache.with_name(cache.name + ".damaged")
        try:
            cache.replace(aside)
        except OSError as err:
            raise io.output_error(cache, err) from None
        problem = str(exc).removeprefix(f"{cache}: ")
        warnings.append(f"{cache}: damaged pose cache ({problem}); set aside as {aside.name}, estimating again")


def _clear_leftovers(out: Path) -> None:
    """Temporary files and staging folders of a run that was killed (we hold the lock: none is live)."""
    io.remove_stale_temporaries(out)
    for stage in out.glob(f"{_STAGING_PREFIX}*"):
        shutil.rmtree(stage, ignore_errors=True)


def _remove_reports(out: Path) -> None:
    for name in REPORT_FILES:
        path = out / name
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)


@contextlib.contextmanager
def _staging(out: Path) -> Iterator[Path]:
    """A hidden folder inside ``out`` for this run's reports; removed on every exit path.
    An ``OSError`` while writing in it (disk full, read-only) becomes an OutputError naming ``out``.
    """
    try:
        stage = Path(tempfile.mkdtemp(dir=out, prefix=_STAGING_PREFIX))
    except OSError as exc:
        raise io.output_error(out, exc) from None
    try:
        yield stage
    except OSError as exc:
        raise io.output_error(out, exc) from None
    except HipcheckError as exc:  # name the real folder, not the hidden staging one
        raise type(exc)(str(exc).replace(str(stage), str(out))) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _publish(stage: Path, out: Path) -> None:
    """Move the staged reports into ``out``, ``report.json`` last; stale ones of an earlier run go first."""
    _remove_reports(out)
    for name in sorted(os.listdir(stage), key=lambda n: n == "report.json"):
        (stage / name).replace(out / name)
    io.fsync_dir(out)


def _write_html(
    assessment: Assessment, series: PoseSeries, video: Path | None, out: Path
) -> tuple[Path, tuple[Path, ...]]:
    """``report.html`` with its plots, and key frames read from ``video`` when there is one."""
    plot_paths = save_plots(assessment, out)
    keyframes = worst_rep_keyframes(video, series, assessment) if video is not None else None
    pngs = {p.stem: p.read_bytes() for p in plot_paths}
    return write_html_report(assessment, out, keyframes=keyframes, plot_pngs=pngs), tuple(plot_paths)
