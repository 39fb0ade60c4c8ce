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

    exit_code = 11


class UsageError(HipcheckError):
    """Arguments that contradict each other or are out of range."""

    exit_code = 2


__all__ = [
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
    "UsageError",
]
