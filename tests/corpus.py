"""The bad-input corpus, made at test time (nothing committed but this generator).

Each case is ``(name, build(folder) -> path, expected exit codes)``: bad containers,
bit flips at several offsets, truncations, audio-only, stills, 1- and 2-frame clips,
8×8 and 4K frames, rotated and variable-frame-rate clips, PNG, JPEG, WebP and y4m
headers claiming more pixels than hipcheck decodes, damaged pose ``.npz`` files. Used by ``test_corpus_cli.py`` and,
as seeds, by ``tools/fuzz_probe.py``. The synthetic clips show no person, so a
clip that decodes ends in exit 8 (no person), never in a report.
"""

from __future__ import annotations

import fractions
import json
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from hipcheck.landmarks import PoseSeries
from support import make_pose, synthetic_frame, write_with_pyav

Build = Callable[[Path], Path]
VIDEO_OK_NO_PERSON = {8}
"""A synthetic clip that decodes: no person in it."""


# ------------------------------------------------------------------ video builders
def h264(folder: Path, name: str = "clip.mp4", n: int = 30, size_wh=(64, 48), faststart=False, **kw) -> Path:
    path = folder / name
    times = kw.pop("times_s", None) or [i / 30 for i in range(n)]
    write_with_pyav(path, times, size_wh, kw.pop("rotation_deg", 0), faststart)
    return path


def _bytes(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _folder(parent: Path, name: str, n_videos: int) -> Path:
    folder = parent / name
    folder.mkdir()
    for i in range(n_videos):
        h264(folder, f"v{i}.mp4", n=2)
    return folder


def truncated(fraction: float, faststart: bool) -> Build:
    def build(folder: Path) -> Path:
        src = h264(folder, "whole.mp4", n=60, faststart=faststart)
        data = src.read_bytes()
        return _bytes(
            folder, f"cut{int(fraction * 100)}{'_fs' if faststart else ''}.mp4", data[: int(len(data) * fraction)]
        )

    return build


def bit_flip(fraction: float, faststart: bool = False) -> Build:
    def build(folder: Path) -> Path:
        data = bytearray(h264(folder, "whole.mp4", n=30, faststart=faststart).read_bytes())
        at = min(len(data) - 1, int(len(data) * fraction))
        for k in range(8):  # a burst of flips, so the damage is not a single lucky bit
            data[min(len(data) - 1, at + 97 * k)] ^= 0xFF
        return _bytes(folder, f"flip{int(fraction * 100)}.mp4", bytes(data))

    return build


def non_utf8_brands(folder: Path) -> Path:
    """Fuzz finding (tools/fuzz_probe.py): 0xff bytes in the ftyp brands made PyAV raise UnicodeDecodeError."""
    data = bytearray(h264(folder, "whole.mp4", n=10, faststart=True).read_bytes())
    data[17:21] = b"\xff\xff\xff\xff"
    return _bytes(folder, "brands.avi", bytes(data))


def garbled_moov(folder: Path) -> Path:
    """Box sizes intact, ``moov`` contents overwritten (FFmpeg cannot parse it)."""
    data = bytearray(h264(folder, "whole.mp4", n=30).read_bytes())
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if kind == b"moov":
            data[offset + 8 : offset + size] = bytes([0x5A]) * (size - 8)
            break
        offset += max(size, 8)
    return _bytes(folder, "garbled_moov.mp4", bytes(data))


def audio_only(folder: Path) -> Path:
    import av

    path = folder / "audio_only.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=16000)
        samples = np.zeros((1, 1024), dtype=np.float32)
        for i in range(8):
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = 16000, i * 1024, fractions.Fraction(1, 16000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def png(folder: Path, name: str = "still.png") -> Path:
    import cv2

    path = folder / name
    cv2.imwrite(str(path), synthetic_frame(0, (64, 48)))
    return path


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width``×``height`` with almost no data after it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def jpeg_header(width: int, height: int) -> bytes:
    """A baseline JPEG whose frame header (SOF0, after a JFIF and an EXIF-sized APP segment) claims
    ``width``×``height``, with no image data after it.
    """

    def segment(marker: int, body: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body

    jfif = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    app1 = segment(0xE1, b"Exif\x00\x00" + bytes(2000))
    sof0 = segment(0xC0, struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01")
    return b"\xff\xd8" + jfif + app1 + sof0 + b"\xff\xd9"


def webp_header(width: int, height: int) -> bytes:
    """An extended (VP8X) WebP whose canvas claims ``width``×``height``, with no image after it."""
    vp8x = b"VP8X" + struct.pack("<I", 10) + bytes(4) + (width - 1).to_bytes(3, "little")
    vp8x += (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x


def y4m_header(width: int, height: int) -> bytes:
    """A YUV4MPEG2 stream whose header claims ``width``×``height`` and whose first frame is cut short."""
    return f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode() + b"FRAME\n" + b"\x80" * 4096


FTYP = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 12
VIDEO_CASES: list[tuple[str, Build, set[int]]] = [
    ("missing file", lambda d: d / "nope.mp4", {3}),
    ("text named .mp4", lambda d: _bytes(d, "notes.mp4", b"hello, not a video\n" * 20), {4}),
    ("zero bytes", lambda d: _bytes(d, "empty.mp4", b""), {4}),
    ("random bytes", lambda d: _bytes(d, "random.mov", np.random.default_rng(1).bytes(5000)), {4}),
    ("ftyp then garbage", lambda d: _bytes(d, "header.mp4", FTYP + b"\x13" * 900), {5}),
    ("cut at 10 %, index last", truncated(0.10, False), {5}),
    ("cut at 50 %, index last", truncated(0.50, False), {5}),
    ("cut at 30 %, index first", truncated(0.30, True), {5}),
    ("garbled moov", garbled_moov, {5}),
    ("non-UTF-8 brands (fuzz finding)", non_utf8_brands, {5, 8}),
    *((f"bit flips at {int(f * 100)} %", bit_flip(f), {5, 6, 8}) for f in (0.02, 0.3, 0.6, 0.97)),
    ("bit flips at 50 %, index first", bit_flip(0.5, True), {5, 6, 8}),
    ("audio only", audio_only, {6}),
    ("still image", png, VIDEO_OK_NO_PERSON),
    ("still image named .mp4", lambda d: png(d, "still_as.png").rename(d / "still_as.mp4"), {4, 5, 8}),
    ("PNG header 20000x20000", lambda d: _bytes(d, "huge.png", png_header(20000, 20000)), {13}),
    ("PNG header 9000x100 (over 8192 a side)", lambda d: _bytes(d, "wide.png", png_header(9000, 100)), {13}),
    ("JPEG header 20000x20000", lambda d: _bytes(d, "huge.jpg", jpeg_header(20000, 20000)), {13}),
    ("JPEG header 6000x6000 (36 MP)", lambda d: _bytes(d, "36mp.jpg", jpeg_header(6000, 6000)), {13}),
    ("WebP header 16000x16000", lambda d: _bytes(d, "huge.webp", webp_header(16000, 16000)), {13}),
    ("JPEG header 64x48, no data", lambda d: _bytes(d, "empty.jpg", jpeg_header(64, 48)), {4}),
    ("y4m header 12000x12000", lambda d: _bytes(d, "big.y4m", y4m_header(12000, 12000)), {13}),
    ("y4m header 20000x20000", lambda d: _bytes(d, "huge.y4m", y4m_header(20000, 20000)), {5}),
    ("1-frame clip", lambda d: h264(d, "one.mp4", n=1), VIDEO_OK_NO_PERSON),
    ("2-frame clip", lambda d: h264(d, "two.mp4", n=2), VIDEO_OK_NO_PERSON),
    ("8x8 frames", lambda d: h264(d, "tiny.mp4", n=5, size_wh=(8, 8)), VIDEO_OK_NO_PERSON),
    ("4K frames", lambda d: h264(d, "uhd.mp4", n=2, size_wh=(3840, 2160)), VIDEO_OK_NO_PERSON),
    ("rotated phone clip", lambda d: h264(d, "rot.mp4", n=6, size_wh=(48, 64), rotation_deg=90), VIDEO_OK_NO_PERSON),
    ("variable frame rate", lambda d: h264(d, "vfr.mp4", times_s=[0, 0.03, 0.05, 0.2, 0.21, 0.5]), VIDEO_OK_NO_PERSON),
    ("empty folder", lambda d: _folder(d, "folder_empty", 0), {4}),
    ("folder of videos", lambda d: _folder(d, "folder_videos", 2), {4}),
]  # fmt: skip


# -------------------------------------------------------------------- npz builders
def good_pose_npz(folder: Path, name: str = "pose.npz", n: int = 60) -> Path:
    return make_pose(n, (320, 240)).save_npz(folder / name)


def _arrays(folder: Path) -> dict[str, np.ndarray]:
    with np.load(good_pose_npz(folder, ".seed.npz")) as f:
        return {k: f[k] for k in f.files}


def npz_with(name: str, **changes: object) -> Build:
    def build(folder: Path) -> Path:
        arrays = _arrays(folder)
        for key, value in changes.items():
            if value is None:
                arrays.pop(key, None)
            elif callable(value):
                arrays[key] = value(arrays[key])
            else:
                arrays[key] = np.asarray(value)
        path = folder / name
        np.savez(path, **arrays)
        return path

    return build


def npz_bytes(name: str, edit: Callable[[bytes], bytes]) -> Build:
    def build(folder: Path) -> Path:
        return _bytes(folder, name, edit(good_pose_npz(folder, ".seed.npz").read_bytes()))

    return build


def _flip(fraction: float) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        b = bytearray(data)
        b[int(len(b) * fraction)] ^= 0x41
        return bytes(b)

    return edit


def _set(index: tuple[int, ...], value: float) -> Callable[[np.ndarray], np.ndarray]:
    def edit(a: np.ndarray) -> np.ndarray:
        a = a.copy()
        a[index] = value
        return a

    return edit


NAN_ROWS = {k: (lambda a: np.full_like(a, np.nan)) for k in ("xy_px", "z", "visibility", "presence", "xyz_world_m")}
PER_FRAME = ("xy_px", "z", "visibility", "presence", "xyz_world_m", "t_s", "frame_index")
ZERO_ROWS = {k: (lambda a: a[:0]) for k in PER_FRAME}
NPZ_CASES: list[tuple[str, Build, set[int]]] = [
    ("npz: text", lambda d: _bytes(d, "text.npz", b"x"), {10}),
    ("npz: truncated to half", npz_bytes("half.npz", lambda b: b[: len(b) // 2]), {10}),
    ("npz: truncated to 100 bytes", npz_bytes("short.npz", lambda b: b[:100]), {10}),
    *(
        (f"npz: bit flip at {int(f * 100)} %", npz_bytes(f"flip{int(f * 100)}.npz", _flip(f)), {0, 8, 10})
        for f in (0.01, 0.25, 0.5, 0.75, 0.995)
    ),
    ("npz: provenance a number", npz_with("prov_num.npz", provenance=np.array(3.0)), {10}),
    ("npz: provenance a list", npz_with("prov_list.npz", provenance=np.array(json.dumps([1, 2]))), {10}),
    ("npz: provenance fps text", npz_with("prov_fps.npz", provenance=np.array(json.dumps({"fps": "x"}))), {10}),
    ("npz: provenance stride -1", npz_with("prov_stride.npz", provenance=np.array(json.dumps({"stride": -1}))), {10}),
    ("npz: t_s a scalar", npz_with("scalar_t.npz", t_s=np.array(1.0)), {10}),
    ("npz: resolution a scalar", npz_with("scalar_wh.npz", resolution_wh=np.array(5)), {10}),
    ("npz: xy_px text", npz_with("text_xy.npz", xy_px=np.array(["a", "b"])), {10}),
    ("npz: xy_px wrong shape", npz_with("shape_xy.npz", xy_px=np.zeros((60, 33))), {10}),
    ("npz: infinite x", npz_with("inf.npz", xy_px=_set((3, 23, 0), np.inf)), {10}),
    ("npz: huge x", npz_with("huge.npz", xy_px=_set((3, 23, 0), 1e300)), {10}),
    ("npz: NaN time", npz_with("nan_t.npz", t_s=_set((5,), np.nan)), {10}),
    ("npz: repeated time", npz_with("rep_t.npz", t_s=_set((5,), 0.0)), {10}),
    ("npz: zero rows", npz_with("zero.npz", **ZERO_ROWS), {10}),
    ("npz: all NaN landmarks", npz_with("all_nan.npz", **NAN_ROWS), {8}),
    ("npz: no format", npz_with("no_format.npz", format=None), {10}),
    ("npz: other format", npz_with("fmt.npz", format=np.array("hipcheck.pose/99")), {10}),
    ("npz: missing t_s", npz_with("no_t.npz", t_s=None), {10}),
    ("npz: resolution 0", npz_with("wh0.npz", resolution_wh=np.array([0, 240])), {10}),
    ("npz: negative frame index", npz_with("fi.npz", frame_index=_set((2,), -5)), {10}),
    ("npz: a folder named .npz", lambda d: _folder(d, "dir.npz", 0), {4}),
]


def leftovers(folder: Path) -> list[Path]:
    """Temporary files, staging folders or part files a run must never leave in ``folder``."""
    if not folder.exists():
        return []
    bad = []
    for p in folder.rglob("*"):
        n = p.name
        if n.endswith((".tmp", ".part", ".part.npz")) or n.startswith(".hipcheck-staging-"):
            bad.append(p)
    return bad


def is_valid_report(path: Path) -> bool:
    """A whole ``report.json`` of schema ``hipcheck.report/1``."""
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return doc.get("schema") == "hipcheck.report/1" and "verdict" in doc


def load_ok(path: Path) -> PoseSeries:
    return PoseSeries.load_npz(path)
