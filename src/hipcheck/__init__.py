"""hipcheck: video screening of pelvic drop, knee valgus and hip asymmetry.

The flow runs one way, each stage a plain function usable from a notebook::

    import hipcheck

    pose = hipcheck.estimate_pose_file("squat.mp4")  # video → PoseSeries (33 landmarks per frame, + waistline)
    assessment = hipcheck.analyze_pose(pose)         # clean → camera → movement → metrics → verdict, plan
    print(assessment.verdict.weaker_side, assessment.verdict.reasons)
    for row in assessment.evidence:                  # the evidence table behind the verdict
        print(row.metric, row.left, row.right, row.difference, hipcheck.METRICS[row.metric].unit)

    # or the whole job, with the files (report.json, metrics.csv, report.html, plots/):
    result = hipcheck.run_job(hipcheck.Job("squat.mp4", "out/"))

    # or a folder of clips in parallel, resumable (OUT/jobs.sqlite, OUT/summary.html):
    batch = hipcheck.run_batch(["clients/"], "out/")

Sides are the person's anatomical sides; pixels have y down; angles are in
degrees; missing values are NaN. The stages live in ``hipcheck.io`` (video,
MediaPipe, model files), ``hipcheck.extract``, ``hipcheck.analysis``,
``hipcheck.assessment``, ``hipcheck.render``, ``hipcheck.jobs``,
``hipcheck.live``, ``hipcheck.cli`` and ``hipcheck.lab``.

Importing ``hipcheck`` loads neither MediaPipe nor OpenCV: the names below
are imported on first use.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("hipcheck")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    from hipcheck.analysis import AnalysisOptions, analyze_pose
    from hipcheck.errors import HipcheckError
    from hipcheck.extract import estimate_pose_file
    from hipcheck.jobs import BatchOptions, Job, JobResult, JobStore, run_batch, run_job
    from hipcheck.landmarks import PoseSeries
    from hipcheck.metrics import METRICS
    from hipcheck.results import Assessment

_HOME: dict[str, str] = {
    "AnalysisOptions": "hipcheck.analysis",
    "BatchOptions": "hipcheck.jobs",
    "analyze_pose": "hipcheck.analysis",
    "Assessment": "hipcheck.results",
    "estimate_pose_file": "hipcheck.extract",
    "HipcheckError": "hipcheck.errors",
    "Job": "hipcheck.jobs",
    "JobResult": "hipcheck.jobs",
    "JobStore": "hipcheck.jobs",
    "METRICS": "hipcheck.metrics",
    "PoseSeries": "hipcheck.landmarks",
    "run_batch": "hipcheck.jobs",
    "run_job": "hipcheck.jobs",
}


def __getattr__(name: str) -> Any:
    """The public names, each imported from its stage on first use."""
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'hipcheck' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "METRICS",
    "AnalysisOptions",
    "Assessment",
    "BatchOptions",
    "HipcheckError",
    "Job",
    "JobResult",
    "JobStore",
    "PoseSeries",
    "__version__",
    "analyze_pose",
    "estimate_pose_file",
    "run_batch",
    "run_job",
]
