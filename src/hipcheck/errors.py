"""Errors hipcheck raises on bad input, each with its own CLI exit code.

Every error carries a one-line message that names the file (or camera) and
the problem. The CLI prints ``hipcheck: error: <message>`` and exits with
:attr:`HipcheckError.exit_code`; it never shows a traceback for these.
"""

from __future__ import annotations


class HipcheckError(Exception):
    """Base class: a problem with the user's input, reported in one line."""

    exit_code: int = 1


class InputNotFoundError(HipcheckError):
    """The named file or folder does not exist."""

    exit_code = 3


class NotAVideoError(HipcheckError):
    """The file exists but no video/image decoder can read it."""

    exit_code = 4


class CorruptVideoError(HipcheckError):
    """The video opened but is truncated or damaged part-way."""

    exit_code = 5


class EmptyVideoError(HipcheckError):
    """The video decodes to zero frames (or none in the requested window)."""

    exit_code = 6


class CameraError(HipcheckError):
    """A webcam could not be opened or stopped delivering frames."""

    exit_code = 7


class NoPersonError(HipcheckError):
    """No person was detected in any frame."""

    exit_code = 8


class ModelError(HipcheckError):
    """The pose model file is missing, unreadable or fails its checksum."""

    exit_code = 9


class InvalidDataError(HipcheckError):
    """A saved file (pose ``.npz``, config) is malformed or of the wrong version."""

    exit_code = 10


class ClusterError(HipcheckError):
    """A Dask cluster for ``hipcheck batch --scheduler`` cannot be used (unreachable, no workers,
    or a worker runs another hipcheck version).
    """

    exit_code = 14


class UsageError(HipcheckError):
    """Arguments that contradict each other or are out of range."""

    exit_code = 2


class OutputError(HipcheckError):
    """An output cannot be written: the path is a folder or a file where a folder belongs,
    lies under a file, is read-only, or the disk is full. Nothing half-written is left behind.
    """

    exit_code = 11


class OutputBusyError(HipcheckError):
    """Another hipcheck run is writing to the same output folder right now."""

    exit_code = 12


class TooLargeError(HipcheckError):
    """The input is over hipcheck's limits (frame size, duration, file size), checked before
    anything is allocated for it.
    """

    exit_code = 13


class TimeLimitError(HipcheckError):
    """A clip's analysis went over its time limit (``hipcheck batch --clip-timeout``) and was stopped:
    by the worker's own check between frames, or by the batch killing the worker's process.
    """

    exit_code = 15


EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "validate: a tolerance was exceeded; anything else: an internal error (a bug, reported in one line)",
    2: "bad arguments",
    3: "file not found",
    4: "not a video / image",
    5: "truncated or damaged video",
    6: "no frames (or none in the requested window)",
    7: "camera cannot be opened",
    8: "no person found in any frame (no usable landmarks)",
    9: "pose model missing, unreadable or failing its checksum",
    10: "damaged pose .npz",
    11: "output cannot be written (a file in the way, read-only, disk full)",
    12: "output folder busy (another hipcheck run is writing to it)",
    13: "input over the limits (frame size, duration)",
    14: "batch: the Dask cluster cannot be used (unreachable, no worker, another hipcheck version)",
    15: "batch: a clip's analysis went over its time limit (--clip-timeout) and was stopped",
    130: "interrupted (Ctrl-C / SIGINT / SIGTERM); no partial output is left",
}
"""Every exit code the ``hipcheck`` command uses, with its meaning (the README's table)."""

HTTP_STATUS: dict[int, int] = {
    1: 500, 2: 400, 3: 404, 4: 415, 5: 422, 6: 422, 7: 503, 8: 422, 9: 500, 10: 422,
    11: 507, 12: 409, 13: 413, 14: 503, 15: 504, 130: 503,
}  # fmt: skip
"""The HTTP status a web API answers for each exit code (a JSON body carries the one-line message).

15 (a clip over its time limit) is 504 Gateway Timeout, not 500: the server handed the clip to an
analysis worker that did not answer within the limit, which is what 504 says; 500 stays the code of
a bug (exit 1), so a client can tell "too slow for the limit" (retry with a larger one) from "broken".
"""


def http_status(exc: BaseException) -> int:
    """The HTTP status for an error: its exit code's entry in :data:`HTTP_STATUS`, 500 for a non-hipcheck one."""
    code = exc.exit_code if isinstance(exc, HipcheckError) else 1
    return HTTP_STATUS.get(code, 500)


__all__ = [
    "EXIT_CODES",
    "HTTP_STATUS",
    "CameraError",
    "ClusterError",
    "CorruptVideoError",
    "EmptyVideoError",
    "HipcheckError",
    "InputNotFoundError",
    "InvalidDataError",
    "ModelError",
    "NoPersonError",
    "NotAVideoError",
    "OutputBusyError",
    "OutputError",
    "TimeLimitError",
    "TooLargeError",
    "UsageError",
    "http_status",
]
