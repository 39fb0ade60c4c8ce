"""A multipart upload streamed straight to disk, with the size cap enforced as the bytes arrive.

The body is never held in memory or spooled by the framework: each chunk of
the ``video`` part is written to a temporary file inside ``DATA/uploads``; the
first byte over the cap stops the read (413), a declared ``Content-Length``
over the cap is refused before any byte is read. Text fields are capped at a
few KB each. The client's file name is kept only as a label.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header

from hipcheck.errors import HipcheckError, TooLargeError, UsageError

FILE_FIELD = "video"
TEXT_FIELDS = frozenset({"person", "recorded_on", "exercise", "annotate"})
MAX_FIELD_BYTES = 4096
MAX_LABEL_CHARS = 200


@dataclass
class Upload:
    """What a request carried: the video at ``path`` (a temporary file the caller renames or removes),
    its label (the client's file name, cleaned), its size in bytes, the SHA-256 of its bytes (hashed as
    they arrived, so the file is not read again for it), and the text fields.
    """

    path: Path | None = None
    label: str = ""
    size: int = 0
    fields: dict[str, str] = field(default_factory=dict)
    digest: Any = field(default_factory=hashlib.sha256, repr=False)

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the video's bytes."""
        return str(self.digest.hexdigest())

    def discard(self) -> None:
        """Remove the temporary file (every error path calls this)."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


def clean_label(name: str) -> str:
    """The client's file name as a harmless label: the last path part, no control characters or NULs,
    at most :data:`MAX_LABEL_CHARS` characters; ``video`` when nothing is left.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip().strip(".")
    return kept[:MAX_LABEL_CHARS] or "video"


class _Parser:
    """python-multipart callbacks that route the file part to disk and text parts to a capped buffer."""

    def __init__(self, upload: Upload, folder: Path, max_bytes: int) -> None:
        self.upload, self.folder, self.max_bytes = upload, folder, max_bytes
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._text = bytearray()
        self._file: int | None = None

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self._add("_header_field", d[s:e]),
            "on_header_value": lambda d, s, e: self._add("_header_value", d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._part_end,
        }

    def _add(self, attr: str, chunk: bytes) -> None:
        setattr(self, attr, getattr(self, attr) + chunk)

    def _part_begin(self) -> None:
        self._headers, self._name, self._text = {}, "", bytearray()

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = params.get(b"name", b"").decode("utf-8", "replace")
        if self._name == FILE_FIELD:
            if self.upload.path is not None:
                raise UsageError("only one video per upload")
            self.upload.label = clean_label(params.get(b"filename", b"").decode("utf-8", "replace"))
            fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=self.folder)
            self._file, self.upload.path = fd, Path(tmp)
        elif self._name not in TEXT_FIELDS:
            raise UsageError(f"unknown form field {self._name[:40]!r}")

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self.upload.size += end - start
            if self.upload.size > self.max_bytes:
                raise TooLargeError(f"{self.upload.label}: over the upload limit of {self.max_bytes // 2**20} MB")
            chunk = memoryview(data)[start:end]
            self.upload.digest.update(chunk)
            while chunk:  # os.write may write less than it was given
                chunk = chunk[os.write(self._file, chunk) :]
        else:
            self._text += data[start:end]
            if len(self._text) > MAX_FIELD_BYTES:
                raise UsageError(f"form field {self._name!r} is longer than {MAX_FIELD_BYTES} bytes")

    def _part_end(self) -> None:
        if self._file is not None:
            os.fsync(self._file)
            os.close(self._file)
            self._file = None
        elif self._name:
            self.upload.fields[self._name] = self._text.decode("utf-8", "replace")

    def close(self) -> None:
        if self._file is not None:
            os.close(self._file)
            self._file = None


async def receive_upload(
    content_type: str, content_length: str | None, body: AsyncIterator[bytes], folder: Path, max_bytes: int
) -> Upload:
    """Read a ``multipart/form-data`` body into an :class:`Upload` (file fsynced on disk).

    Raises:
        TooLargeError: the declared length or the bytes read exceed ``max_bytes`` (plus a little for the form).
        UsageError: not multipart, malformed, an unknown field, no video part.
    """
    kind, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UsageError("expected multipart/form-data with a 'video' file")
    slack = 64 * 1024  # the form's other fields and the part headers
    if content_length and content_length.isdigit() and int(content_length) > max_bytes + slack:
        size_mb, cap_mb = int(content_length) // 2**20, max_bytes // 2**20
        raise TooLargeError(f"the upload is {size_mb} MB, over the limit of {cap_mb} MB")
    folder.mkdir(parents=True, exist_ok=True)
    upload = Upload()
    parts = _Parser(upload, folder, max_bytes)
    parser = MultipartParser(boundary, parts.callbacks(), max_size=max_bytes + slack, max_header_size=slack)  # type: ignore[arg-type]
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
        if upload.path is None:
            raise UsageError("no 'video' file in the upload")
    except HipcheckError:
        parts.close()
        upload.discard()
        raise
    except Exception as exc:  # python-multipart's own parse errors
        parts.close()
        upload.discard()
        raise UsageError(f"malformed multipart body ({type(exc).__name__})") from exc
    return upload


__all__ = ["FILE_FIELD", "Upload", "clean_label", "receive_upload"]
