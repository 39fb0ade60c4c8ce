"""``hipcheck models``: show the pose model in use, and fetch an optional larger one on request.

Nothing is ever downloaded at run time: ``hipcheck models fetch heavy`` is the
only network access in hipcheck, and only when typed. The download goes to a
``.part`` file, is checked against the expected SHA-256, and only then renamed
to its final name, so a bad or partial download never becomes a model.
"""

from __future__ import annotations

import argparse
import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hipcheck.errors import ModelError, UsageError
from hipcheck.models import MODEL_ENV_VAR, bundled_model_path, resolve_model, verify_sha256


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


def register(sub: Any) -> None:
    """Add the ``models`` sub-command (``info``, ``fetch``)."""
    p = sub.add_parser("models", help="show the pose model, or fetch an optional larger one")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    info = msub.add_parser("info", help="show the model hipcheck will use and verify it")
    info.add_argument("--model", default=None, metavar="PATH", help="check this .task instead of the default")
    info.set_defaults(func=run_info)
    fetch = msub.add_parser("fetch", help="download an official MediaPipe pose bundle (explicit request only)")
    fetch.add_argument("name", choices=sorted(OFFICIAL_MODELS))
    fetch.add_argument("-o", "--output", type=Path, default=None, help="where to save (default: next to the bundled)")
    fetch.add_argument("--sha256", default=None, help="expected SHA-256 (required while none is pinned)")
    fetch.set_defaults(func=run_fetch)
    p.set_defaults(func=run_info, model=None)


def run_info(args: argparse.Namespace) -> int:
    """Print the resolved model path and its verified SHA-256."""
    path, sha = resolve_model(getattr(args, "model", None))
    origin = "bundled, checksum verified" if path == bundled_model_path() else f"user model ({MODEL_ENV_VAR}/--model)"
    print(f"{path}\n  sha256 {sha}\n  {origin}")
    return 0


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


def run_fetch(args: argparse.Namespace) -> int:
    """Download an official bundle and verify it."""
    model = OFFICIAL_MODELS[args.name]
    expected = model.sha256 or args.sha256
    if expected is None:
        raise UsageError(
            f"models fetch {args.name}: no SHA-256 is pinned for this bundle in this hipcheck version; "
            "pass --sha256 HEX from a source you trust"
        )
    if args.sha256 and model.sha256 and args.sha256.lower() != model.sha256:
        raise UsageError(f"--sha256 {args.sha256}: differs from the pinned {model.sha256}")
    dest = args.output or bundled_model_path().parent / Path(model.url).name
    fetch_verified(model.url, dest, expected)
    print(f"{dest}: verified sha256 {expected}; use it with --model {dest}")
    return 0
