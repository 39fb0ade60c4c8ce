"""A clip's output folder written as a whole (the batch's ``OUT/<id>/``, a history's ``DATA/sessions/<id>/``)."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path


def write_outputs(out_root: Path, clip: str, files: dict[str, bytes]) -> Path:
    """Write a clip's files to ``out_root/<clip>/`` as a whole: into a temporary sibling folder
    (each file flushed to disk), then renamed over the old folder, so a crash leaves either the
    old outputs or the new ones, never a mix.
    """
    final = out_root / clip
    tmp = Path(tempfile.mkdtemp(prefix=f".{clip}.tmp-", dir=out_root))
    for rel, data in files.items():
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        path.chmod(0o644)
    tmp.chmod(0o755)
    old = out_root / f".{clip}.old-{uuid.uuid4().hex[:8]}"
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final


__all__ = ["write_outputs"]
