"""Where the pose model lives and how it is checked before use.

hipcheck ships one MediaPipe Tasks pose bundle, ``models/pose_landmarker_full.task``
(built by ``tools/build_pose_model.py``; provenance in ``models/README.md``).
Its SHA-256 is pinned here and verified on every load: a wrong or missing
bundled model is a :class:`~hipcheck.errors.ModelError`, never a silent
fallback. A user may pass any other ``.task`` bundle (``--model PATH`` or the
environment variable ``HIPCHECK_MODEL``); it is accepted if it is a readable
zip holding the two pose networks, and its SHA-256 is recorded in the report.

:func:`fetch_verified` is hipcheck's only network access, used by
``hipcheck models fetch`` when a person asks for it: the download goes to a
``.part`` file, is checked against the expected SHA-256, and only then renamed,
so a bad or partial download never becomes a model.
"""

from __future__ import annotations

import os
import shutil
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from hipcheck.errors import ModelError
from hipcheck.io._files import sha256_file

DEFAULT_MODEL_NAME = "pose_landmarker_full.task"
DEFAULT_MODEL_SHA256 = "30e6d41fd6cf89f726547ca52fe79490bd374e77ed98879919083ab6c2f6f021"
"""SHA-256 of the bundled ``models/pose_landmarker_full.task``."""

MODEL_ENV_VAR = "HIPCHECK_MODEL"
BUNDLE_MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")
"""Files every MediaPipe Tasks pose landmarker bundle contains."""


def bundled_model_path() -> Path:
    """Path of the model shipped with hipcheck (``<repo>/models/pose_landmarker_full.task``).

    ``hipcheck/data/models/`` holds it as package data: in a source checkout
    that entry is a symlink to ``<repo>/models/`` (resolved here), in an
    installed wheel a copy of the file.
    """
    package = Path(__file__).resolve().parents[1]  # src/hipcheck
    packaged = package / "data" / "models" / DEFAULT_MODEL_NAME
    if packaged.is_file():
        return packaged.resolve()
    return package.parents[1] / "models" / DEFAULT_MODEL_NAME


def default_model_path() -> Path:
    """The model used when none is given: ``$HIPCHECK_MODEL`` if set, else the bundled one."""
    env = os.environ.get(MODEL_ENV_VAR, "").strip()
    return Path(env).expanduser() if env else bundled_model_path()


def verify_sha256(path: str | Path, expected: str) -> str:
    """Check that the file at ``path`` has SHA-256 ``expected`` (hex, any case).

    Returns:
        The file's SHA-256 (lower-case hex).

    Raises:
        ModelError: the file is missing, unreadable or has another checksum.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: model file not found")
    try:
        digest = sha256_file(path)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read model file ({exc.strerror or exc})") from None
    if digest != expected.lower():
        raise ModelError(f"{path}: model checksum mismatch (SHA-256 {digest[:12]}…, expected {expected[:12]}…)")
    return digest


def check_task_bundle(path: str | Path) -> str:
    """Check that ``path`` is a readable MediaPipe pose ``.task`` bundle.

    Returns:
        The file's SHA-256 (lower-case hex).

    Raises:
        ModelError: missing, unreadable, not a zip, or without the two pose networks.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: model file not found")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
        digest = sha256_file(path)
    except zipfile.BadZipFile:
        raise ModelError(f"{path}: not a MediaPipe .task bundle (not a zip file)") from None
    except OSError as exc:
        raise ModelError(f"{path}: cannot read model file ({exc.strerror or exc})") from None
    missing = [m for m in BUNDLE_MEMBERS if m not in names]
    if missing:
        raise ModelError(f"{path}: not a pose landmarker bundle (missing {', '.join(missing)})")
    return digest


def resolve_model(path: str | Path | None = None) -> tuple[Path, str]:
    """The model file to load and its SHA-256.

    Args:
        path: a user-given ``.task`` bundle, or None for the default
            (``$HIPCHECK_MODEL`` if set, else the bundled model).

    Returns:
        ``(path, sha256)``.

    Raises:
        ModelError: the bundled model is missing or fails its pinned checksum,
            or a user-given model is missing, unreadable or not a pose bundle.
    """
    if path is None and not os.environ.get(MODEL_ENV_VAR, "").strip():
        bundled = bundled_model_path()
        if not bundled.is_file():
            raise ModelError(f"{bundled}: bundled pose model not found (rebuild: python tools/build_pose_model.py)")
        return bundled, verify_sha256(bundled, DEFAULT_MODEL_SHA256)
    user = Path(path).expanduser() if path is not None else default_model_path()
    return user, check_task_bundle(user)


@dataclass(frozen=True)
class OfficialModel:
    """A Google-published MediaPipe pose bundle (versioned URL) and its pinned SHA-256 (None = not pinned yet)."""

    url: str
    sha256: str | None


OFFICIAL_MODELS: dict[str, OfficialModel] = {
    "heavy": OfficialModel(
        url="https://storage.googleapis.com/mediapipe-models/pose_landmarker/pose_landmarker_heavy/float16/1/"
        "pose_landmarker_heavy.task",
        sha256=None,  # not pinned: this build machine had no access to storage.googleapis.com
    ),
}
"""Optional larger bundles ``hipcheck models fetch NAME`` can download on request."""


def fetch_verified(url: str, dest: Path, sha256: str, timeout_s: float = 60.0) -> Path:
    """Download ``url`` to ``dest`` only if its SHA-256 equals ``sha256``.

    Raises:
        ModelError: the download fails or the checksum differs (nothing is left at ``dest``).
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp, part.open("wb") as fh:
            shutil.copyfileobj(resp, fh)
        verify_sha256(part, sha256)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise ModelError(f"{url}: download failed ({exc})") from None
    except ModelError as exc:
        part.unlink(missing_ok=True)
        raise ModelError(f"{url}: {str(exc).split(': ', 1)[-1]}; nothing saved") from None
    part.replace(dest)
    return dest
