"""One unit of work: one clip (a video or a pose ``.npz``) → its reports in one folder.

Every shell (the CLI, the live session's final analysis, and the batch and web
workers) calls :func:`run_job`; errors come back as data (a ``failed``
:class:`JobResult` with its one-line message and exit code), never as a
traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from hipcheck.analysis import AnalysisOptions, analyze_pose
from hipcheck.errors import HipcheckError
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
    """

    source: Path
    out_dir: Path
    options: AnalysisOptions = field(default_factory=AnalysisOptions)
    model_path: Path | None = None
    annotate: bool = False
    html: bool = True

    def __init__(
        self,
        source: str | Path,
        out_dir: str | Path,
        options: AnalysisOptions | None = None,
        model_path: str | Path | None = None,
        *,
        annotate: bool = False,
        html: bool = True,
    ) -> None:
        """Paths may be given as strings; they are kept as :class:`~pathlib.Path`."""
        object.__setattr__(self, "source", Path(source))
        object.__setattr__(self, "out_dir", Path(out_dir))
        object.__setattr__(self, "options", options or AnalysisOptions())
        object.__setattr__(self, "model_path", None if model_path is None else Path(model_path))
        object.__setattr__(self, "annotate", annotate)
        object.__setattr__(self, "html", html)


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


def run_job(job: Job, *, progress: ProgressFn | None = None) -> JobResult:
    """Analyse one clip and write its reports (every file atomically).

    ``progress(done, total)`` is called while pose estimation runs (frames of
    both passes). A problem with the input, the model or the output is a
    ``failed`` result; anything else is a bug and propagates.
    """
    try:
        outputs, assessment = _run(job, progress)
    except HipcheckError as exc:
        return JobResult(job, "failed", error=str(exc), exit_code=exc.exit_code)
    return JobResult(job, "done", outputs, assessment)


def _run(job: Job, progress: ProgressFn | None) -> tuple[JobOutputs, Assessment]:
    source, out = job.source, job.out_dir
    out.mkdir(parents=True, exist_ok=True)
    is_pose = source.suffix.lower() == ".npz"
    pose_npz = source if is_pose else out / "pose.npz"
    series = load_or_estimate_pose(source, out / "pose.npz", model_path=job.model_path, progress=progress)
    assessment = analyze_pose(series, job.options)
    report_json = write_report_json(assessment, out / "report.json")
    metrics_csv = write_metrics_csv(assessment, out / "metrics.csv")
    report_html, plots = _write_html(assessment, series, None if is_pose else source, out) if job.html else (None, ())
    annotated = None
    if job.annotate and not is_pose:
        annotated = write_annotated_video(source, series, assessment, out / "annotated.mp4")
    return JobOutputs(out, report_json, metrics_csv, pose_npz, report_html, plots, annotated), assessment


def _write_html(
    assessment: Assessment, series: PoseSeries, video: Path | None, out: Path
) -> tuple[Path, tuple[Path, ...]]:
    """``report.html`` with its plots, and key frames read from ``video`` when there is one."""
    plot_paths = save_plots(assessment, out)
    keyframes = worst_rep_keyframes(video, series, assessment) if video is not None else None
    pngs = {p.stem: p.read_bytes() for p in plot_paths}
    return write_html_report(assessment, out, keyframes=keyframes, plot_pngs=pngs), tuple(plot_paths)
