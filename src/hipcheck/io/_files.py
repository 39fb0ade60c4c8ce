"""File helpers shared by every stage that writes or fingerprints a file: hashing, atomic writes."""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


def sha256_file(path: str | Path, chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks (constant memory)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk_bytes):
            h.update(block)
    return h.hexdigest()


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and rename, so a
    crash never leaves a half-written file behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        Path(tmp).chmod(0o644)  # mkstemp makes 0600; reports are meant to be shared
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def jsonable(obj: Any) -> Any:
    """A JSON-safe copy: NaN/inf floats become None (JSON has no NaN), numpy scalars Python numbers,
    tuples lists and keys strings, recursively.
    """
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    return obj


def write_json_atomic(path: str | Path, doc: Any) -> Path:
    """Write ``doc`` as indented JSON (:func:`jsonable` first) through :func:`write_text_atomic`."""
    return write_text_atomic(path, json.dumps(jsonable(doc), indent=2, allow_nan=False, default=str) + "\n")
