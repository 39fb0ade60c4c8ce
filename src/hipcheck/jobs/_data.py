r"""The data folder: one place for a person's history, shared by ``analyze --person``, ``batch --person``,
``history`` and ``serve``.

::

    DATA/hipcheck.sqlite        the job store (JobStore): one row per session / upload
    DATA/uploads/<id>.<ext>     uploaded videos, under generated names (the web page)
    DATA/sessions/<id>/         each session's outputs (report.json, report.html, metrics.csv, plots/)

``DATA`` is ``--data`` when given, else ``$HIPCHECK_DATA``, else the user's data
folder: ``$XDG_DATA_HOME/hipcheck`` (``~/.local/share/hipcheck``) on Linux,
``~/Library/Application Support/hipcheck`` on macOS, ``%LOCALAPPDATA%\hipcheck`` on Windows.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

DATA_ENV = "HIPCHECK_DATA"
STORE_FILE = "hipcheck.sqlite"


def default_data_dir() -> Path:
    """The user's hipcheck data folder (see the module docstring); not created here."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "hipcheck"
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "hipcheck"
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "hipcheck"


@dataclass(frozen=True)
class DataDir:
    """The paths of one data folder (absolute)."""

    root: Path

    @classmethod
    def at(cls, path: str | Path | None = None) -> DataDir:
        """The data folder at ``path`` (None: :func:`default_data_dir`)."""
        return cls(Path(path if path is not None else default_data_dir()).expanduser().absolute())

    @property
    def store(self) -> Path:
        """The SQLite job store."""
        return self.root / STORE_FILE

    @property
    def uploads(self) -> Path:
        """Uploaded videos (generated names)."""
        return self.root / "uploads"

    @property
    def sessions(self) -> Path:
        """Each session's outputs, ``sessions/<id>/``."""
        return self.root / "sessions"

    def session(self, clip: str) -> Path:
        """The output folder of session ``clip``."""
        return self.sessions / clip

    def owns(self, path: str | Path | None) -> bool:
        """True when ``path`` lies inside this data folder (only such files are ever deleted)."""
        if not path:
            return False
        try:
            Path(path).absolute().resolve().relative_to(self.root.resolve())
        except ValueError:
            return False
        return True

    def remove(self, path: str | Path | None) -> None:
        """Delete ``path`` — a file, or a folder with what is in it — when it lies inside this data folder
        (nothing outside is ever touched), then its parent folder when that is left empty (an upload's
        ``uploads/<id>/``); the data folder's own folders stay.
        """
        if path is None or not self.owns(path):
            return
        target = Path(path).absolute()
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)
        parent = target.parent
        if parent not in (self.root, self.uploads, self.sessions) and self.owns(parent):
            with contextlib.suppress(OSError):
                parent.rmdir()  # only when empty


__all__ = ["DATA_ENV", "STORE_FILE", "DataDir", "default_data_dir"]
