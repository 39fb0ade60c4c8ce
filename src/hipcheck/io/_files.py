"""File helpers shared by every stage that writes or fingerprints a file: hashing, atomic writes,
output checks and the output-folder lock.

Atomic rule (every file hipcheck writes): write to a temporary name in the
same folder (``.<name>.<random>.tmp``), flush and ``fsync`` it, ``rename`` it
over the final name, then ``fsync`` the folder. On any exit path (an error, a
full disk, Ctrl-C) the temporary file is removed; a ``kill -9`` can leave one
``.*.tmp`` behind, which :func:`remove_stale_temporaries` clears on the next run.
An ``OSError`` while writing becomes an :class:`~hipcheck.errors.OutputError`
naming the path.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from hipcheck.errors import OutputBusyError, OutputError

TEMP_SUFFIX = ".tmp"
"""Temporary files are ``.<final name>.<random>.tmp`` in the final file's folder."""
_PROBLEMS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "is a folder, expected a file name",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EEXIST: "a file is in the way",
    errno.ENAMETOOLONG: "file name too long",
}


def sha256_file(path: str | Path, chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks (constant memory)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk_bytes):
            h.update(block)
    return h.hexdigest()


def output_error(path: str | Path, exc: OSError) -> OutputError:
    """The one-line :class:`OutputError` for an ``OSError`` met while writing ``path``."""
    problem = _PROBLEMS.get(exc.errno or 0) or (exc.strerror or type(exc).__name__).lower()
    return OutputError(f"{path}: cannot write output ({problem})")


def _first_file_ancestor(path: Path) -> Path | None:
    for parent in [path, *path.parents]:
        if parent.exists():
            return parent if not parent.is_dir() else None
    return None


def ensure_output_dir(path: str | Path) -> Path:
    """Create the output folder ``path`` (and its parents) or raise :class:`OutputError`
    when a file is in the way, the place is read-only or the disk is full.
    """
    path = Path(path)
    blocker = _first_file_ancestor(path)
    if blocker == path:
        raise OutputError(f"{path}: output folder is an existing file")
    if blocker is not None:
        raise OutputError(f"{path}: output folder lies under a file ({blocker})")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(path, exc) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot write output (permission denied)")
    return path


def ensure_output_file(path: str | Path) -> Path:
    """Check that ``path`` can become a file: not a folder, its folder creatable and writable.

    Done before long work (pose estimation), so a bad ``-o`` fails in a second, not after minutes.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder, expected a file name")
    blocker = _first_file_ancestor(path.parent)
    if blocker is not None:
        raise OutputError(f"{path}: lies under a file ({blocker})")
    ensure_output_dir(path.parent)
    return path


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "wb", *, encoding: str | None = None) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path`` for writing; on a clean exit it is fsynced and
    renamed over ``path`` (mode 0644), on any exception (or Ctrl-C) removed.

    Raises:
        OutputError: the folder cannot be created or written, a folder is named ``path``, disk full.
    """
    path = ensure_output_file(path)
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    except OSError as exc:
        raise output_error(path, exc) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(0o644)  # mkstemp makes 0600; reports are meant to be shared
        tmp.replace(path)
        fsync_dir(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise output_error(path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def fsync_dir(folder: str | Path) -> None:
    """``fsync`` a folder so a rename in it survives a power cut (no-op where unsupported)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see the module docstring)."""
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return Path(path)


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see the module docstring)."""
    with atomic_write(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def remove_stale_temporaries(folder: str | Path) -> list[Path]:
    """Remove ``.*.tmp`` files an earlier run left in ``folder`` when it was killed (kill -9).

    Call it only while holding the folder's :class:`OutputLock`, so no live run's file is removed.
    """
    removed = []
    with contextlib.suppress(OSError):
        for p in Path(folder).glob(f".*{TEMP_SUFFIX}"):
            if p.is_file():
                p.unlink(missing_ok=True)
                removed.append(p)
    return removed


class OutputLock:
    """An exclusive lock on an output folder for one run (``flock`` on the folder itself, so no
    lock file is left behind; the kernel releases it when the process dies, even by kill -9).

    A second run on the same folder raises :class:`OutputBusyError` at once (``wait_s=0``)
    or after waiting up to ``wait_s`` seconds. Where ``flock`` does not exist (Windows) it is a no-op.
    """

    def __init__(self, folder: str | Path, *, wait_s: float = 0.0) -> None:
        self.folder = Path(folder)
        self.wait_s = wait_s
        self._fd: int | None = None

    def acquire(self) -> OutputLock:
        """Take the lock (see the class docstring); returns self."""
        try:
            import fcntl
        except ImportError:  # not POSIX
            return self
        import time

        try:
            fd = os.open(self.folder, os.O_RDONLY)
        except OSError as exc:
            raise output_error(self.folder, exc) from None
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise OutputBusyError(
                        f"{self.folder}: another hipcheck run is writing to this output folder; "
                        "wait for it to finish or choose another -o"
                    ) from None
                time.sleep(0.1)
            except OSError:  # file systems without flock: run unlocked
                break
        self._fd = fd
        return self

    def release(self) -> None:
        """Release the lock (safe to call twice)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor drops the flock

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


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
