"""``hipcheck models``: show the pose model in use, and fetch an optional larger one on request.

Nothing is ever downloaded at run time: ``hipcheck models fetch heavy`` is the
only network access in hipcheck, and only when typed (:func:`hipcheck.io.fetch_verified`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hipcheck.cli._args import Subparsers
from hipcheck.errors import UsageError


def register(sub: Subparsers) -> None:
    """Add the ``models`` sub-command (``info``, ``fetch``)."""
    p = sub.add_parser("models", help="show the pose model, or fetch an optional larger one")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    info = msub.add_parser("info", help="show the model hipcheck will use and verify it")
    info.add_argument(
        "--model", type=Path, default=None, metavar="PATH", help="check this .task instead of the default"
    )
    info.set_defaults(func=run_info)
    fetch = msub.add_parser("fetch", help="download an official MediaPipe pose bundle (explicit request only)")
    fetch.add_argument("name", metavar="NAME", help="the official bundle to fetch: heavy")
    fetch.add_argument("-o", "--output", type=Path, default=None, help="where to save (default: next to the bundled)")
    fetch.add_argument("--sha256", default=None, help="expected SHA-256 (required while none is pinned)")
    fetch.set_defaults(func=run_fetch)
    p.set_defaults(func=run_info, model=None)


def run_info(args: argparse.Namespace) -> int:
    """Print the resolved model path and its verified SHA-256."""
    from hipcheck import io

    path, sha = io.resolve_model(getattr(args, "model", None))
    origin = (
        "bundled, checksum verified" if path == io.bundled_model_path() else f"user model ({io.MODEL_ENV_VAR}/--model)"
    )
    print(f"{path}\n  sha256 {sha}\n  {origin}")
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    """Download an official bundle and verify it."""
    from hipcheck import io

    if args.name not in io.OFFICIAL_MODELS:
        raise UsageError(
            f"models fetch {args.name}: unknown bundle (choose from {', '.join(sorted(io.OFFICIAL_MODELS))})"
        )
    model = io.OFFICIAL_MODELS[args.name]
    expected = model.sha256 or args.sha256
    if expected is None:
        raise UsageError(
            f"models fetch {args.name}: no SHA-256 is pinned for this bundle in this hipcheck version; "
            "pass --sha256 HEX from a source you trust"
        )
    if args.sha256 and model.sha256 and args.sha256.lower() != model.sha256:
        raise UsageError(f"--sha256 {args.sha256}: differs from the pinned {model.sha256}")
    dest = args.output or io.bundled_model_path().parent / Path(model.url).name
    io.ensure_output_file(dest)
    io.fetch_verified(model.url, dest, expected)
    print(f"{dest}: verified sha256 {expected}; use it with --model {dest}")
    return 0
