"""The job boundary: one clip → its reports, with errors as data.

::

    Job(source, out_dir, options, model) ─▶ run_job ─▶ JobResult(status, outputs, assessment, error, exit_code)

The CLI, the live session's final analysis, the batch runner and the web
worker all call :func:`run_job`; none of them holds math.
"""

from hipcheck.jobs._job import REPORT_FILES, Job, JobOutputs, JobResult, JobStatus, decode_note, run_job

__all__ = ["REPORT_FILES", "Job", "JobOutputs", "JobResult", "JobStatus", "decode_note", "run_job"]
