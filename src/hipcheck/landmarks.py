"""BlazePose landmarks and :class:`PoseSeries`, the landmark time series container.

Conventions (used everywhere in hipcheck)
-----------------------------------------
- Sides are the **person's anatomical** sides: ``LEFT_HIP`` is the subject's
  left hip, which in a front view appears on the image's right.
- Image coordinates ``xy_px`` are pixels of the *upright, unmirrored* frame,
  x to the right, y **down**, origin at the top-left pixel corner.
- ``z`` is MediaPipe's relative depth scaled to pixels (normalised z times the
  frame width): smaller = nearer the camera, origin at the hip midpoint.
- ``xyz_world_m`` are MediaPipe world landmarks in metres, origin at the hip
  midpoint, x to the image right, y down, z away from the camera.
- Missing values are ``NaN``, never 0. Times ``t_s`` are seconds from the
  source's own timestamps and strictly increase.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipcheck.errors import InputNotFoundError, InvalidDataError

LANDMARK_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner",
    "right_eye", "right_eye_outer", "left_ear", "right_ear", "mouth_left",
    "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky",
    "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)  # fmt: skip
N_LANDMARKS = len(LANDMARK_NAMES)
INDEX: Mapping[str, int] = {name: i for i, name in enumerate(LANDMARK_NAMES)}

NOSE = INDEX["nose"]
L_SHOULDER, R_SHOULDER = INDEX["left_shoulder"], INDEX["right_shoulder"]
L_HIP, R_HIP = INDEX["left_hip"], INDEX["right_hip"]
L_KNEE, R_KNEE = INDEX["left_knee"], INDEX["right_knee"]
L_ANKLE, R_ANKLE = INDEX["left_ankle"], INDEX["right_ankle"]
L_HEEL, R_HEEL = INDEX["left_heel"], INDEX["right_heel"]
L_FOOT, R_FOOT = INDEX["left_foot_index"], INDEX["right_foot_index"]


def _left_right_pairs() -> tuple[tuple[int, int], ...]:
    pairs = []
    for name, i in INDEX.items():
        if "left" in name:
            pairs.append((i, INDEX[name.replace("left", "right")]))
    return tuple(pairs)


LEFT_RIGHT_PAIRS: tuple[tuple[int, int], ...] = _left_right_pairs()
"""(left index, right index) for every paired landmark."""

MIRROR_PERMUTATION: NDArray[np.intp] = np.arange(N_LANDMARKS)
for _l, _r in LEFT_RIGHT_PAIRS:
    MIRROR_PERMUTATION[_l], MIRROR_PERMUTATION[_r] = _r, _l

SKELETON_EDGES: tuple[tuple[int, int], ...] = (
    (L_SHOULDER, R_SHOULDER), (L_HIP, R_HIP),
    (L_SHOULDER, L_HIP), (R_SHOULDER, R_HIP),
    (L_SHOULDER, INDEX["left_elbow"]), (INDEX["left_elbow"], INDEX["left_wrist"]),
    (R_SHOULDER, INDEX["right_elbow"]), (INDEX["right_elbow"], INDEX["right_wrist"]),
    (L_HIP, L_KNEE), (L_KNEE, L_ANKLE), (L_ANKLE, L_HEEL), (L_HEEL, L_FOOT),
    (L_ANKLE, L_FOOT), (R_HIP, R_KNEE), (R_KNEE, R_ANKLE), (R_ANKLE, R_HEEL),
    (R_HEEL, R_FOOT), (R_ANKLE, R_FOOT),
)  # fmt: skip
"""Landmark index pairs drawn as bones."""

NPZ_FORMAT = "hipcheck.pose/1"


def mirror_x_px(x_px: NDArray[np.float64], width: int) -> NDArray[np.float64]:
    """Image x of the horizontally flipped frame: ``width − x``.

    Pixel coordinates have their origin at the top-left pixel *corner*, so
    the flip maps ``[0, width]`` onto itself (the centre of pixel column ``j``,
    ``x = j + 0.5``, goes to the centre of column ``width − 1 − j``). NaN stays NaN.
    """
    return width - np.asarray(x_px, dtype=np.float64)


def mirror_points_px(xy_px: NDArray[np.float64], width: int) -> NDArray[np.float64]:
    """(..., 33, 2) landmarks of the horizontally flipped frame: x → ``width − x`` and every
    left/right pair swapped (:data:`MIRROR_PERMUTATION`), so the sides stay anatomical. A new array.
    """
    xy = np.asarray(xy_px, dtype=np.float64)[..., MIRROR_PERMUTATION, :].copy()
    xy[..., 0] = mirror_x_px(xy[..., 0], width)
    return xy


def mirror_waist_px(waist_px: NDArray[np.float64], width: int) -> NDArray[np.float64]:
    """(T, 2, 2) waistline end points (person's left first) in the horizontally flipped frame. A new array."""
    waist = np.asarray(waist_px, dtype=np.float64)[:, ::-1].copy()
    waist[..., 0] = mirror_x_px(waist[..., 0], width)
    return waist


@dataclass(frozen=True)
class Provenance:
    """How a PoseSeries was made: recorded in every report.

    ``subject`` describes which person was tracked when several were seen.
    """

    source_path: str = ""
    source_sha256: str = ""
    model_path: str = ""
    model_sha256: str = ""
    hipcheck_version: str = ""
    fps: float = float("nan")
    stride: int = 1
    subject: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        d = dataclasses.asdict(self)
        d["extra"] = dict(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Provenance:
        """Inverse of :meth:`to_dict`; unknown keys are kept in ``extra``."""
        names = {f.name for f in dataclasses.fields(cls)}
        known = {k: v for k, v in d.items() if k in names}
        raw_extra = known.pop("extra", {}) or {}
        if not isinstance(raw_extra, Mapping):
            raise ValueError(f"provenance.extra: expected an object, got {type(raw_extra).__name__}")
        extra = dict(raw_extra)
        extra.update({k: v for k, v in d.items() if k not in names})
        for key in ("source_path", "source_sha256", "model_path", "model_sha256", "hipcheck_version", "subject"):
            if not isinstance(known.get(key, ""), str):
                raise ValueError(f"provenance.{key}: expected text, got {type(known[key]).__name__}")
        fps = known.get("fps", float("nan"))
        if fps is None:
            known["fps"] = float("nan")
        elif isinstance(fps, bool) or not isinstance(fps, int | float):
            raise ValueError(f"provenance.fps: expected a number, got {type(fps).__name__}")
        stride = known.get("stride", 1)
        if isinstance(stride, bool) or not isinstance(stride, int) or not 1 <= stride <= 1_000_000:
            raise ValueError(f"provenance.stride: expected an integer >= 1, got {stride!r}"[:120])
        return cls(**known, extra=extra)


def _as_float(name: str, a: Any, shape: tuple[int | None, ...]) -> NDArray[np.float64]:
    arr = np.asarray(a, dtype=np.float64)
    ok = arr.ndim == len(shape) and all(
        want is None or got == want for got, want in zip(arr.shape, shape, strict=False)
    )
    if not ok:
        spec = "(" + ", ".join("T" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name}: expected shape {spec}, got {arr.shape}")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class PoseSeries:
    """One subject's 33 BlazePose landmarks over time (see module conventions).

    Attributes:
        xy_px: (T, 33, 2) image x, y in pixels, y down. NaN where missing.
        z: (T, 33) relative depth in pixel scale, smaller = nearer.
        visibility: (T, 33) MediaPipe visibility in [0, 1]; NaN where missing.
        presence: (T, 33) MediaPipe presence in [0, 1]; NaN where missing.
        xyz_world_m: (T, 33, 3) world landmarks in metres, hip-centred.
        t_s: (T,) strictly increasing timestamps in seconds.
        resolution_wh: (width, height) of the upright frame in pixels.
        frame_index: (T,) index of each row's frame in the decoded source.
        pelvis_mask: optional (T, M, M) uint8 soft person mask (0-255) of the
            pelvis region, resampled into the box ``pelvis_box_px``.
        pelvis_box_px: optional (T, 4) box ``x0, y0, x1, y1`` in pixels that
            ``pelvis_mask`` covers; NaN where no mask.
        waist_px: optional (T, 2, 2) the visible waistline (belt / waistband /
            shirt–shorts edge) as two image points (x, y) in pixels: row 0 on
            the person's **left** side, row 1 on the right. NaN where not seen.
            Pelvic obliquity of these two points reads the visible pelvis tilt.
        provenance: how the series was made.
    """

    xy_px: NDArray[np.float64]
    z: NDArray[np.float64]
    visibility: NDArray[np.float64]
    presence: NDArray[np.float64]
    xyz_world_m: NDArray[np.float64]
    t_s: NDArray[np.float64]
    resolution_wh: tuple[int, int]
    frame_index: NDArray[np.int64] | None = None
    pelvis_mask: NDArray[np.uint8] | None = None
    pelvis_box_px: NDArray[np.float64] | None = None
    waist_px: NDArray[np.float64] | None = None
    landmark_names: tuple[str, ...] = LANDMARK_NAMES
    provenance: Provenance = field(default_factory=Provenance)

    def __post_init__(self) -> None:
        n = N_LANDMARKS
        t_s = _as_float("t_s", self.t_s, (None,))
        t = t_s.shape[0]
        object.__setattr__(self, "t_s", t_s)
        object.__setattr__(self, "xy_px", _as_float("xy_px", self.xy_px, (t, n, 2)))
        object.__setattr__(self, "z", _as_float("z", self.z, (t, n)))
        object.__setattr__(self, "visibility", _as_float("visibility", self.visibility, (t, n)))
        object.__setattr__(self, "presence", _as_float("presence", self.presence, (t, n)))
        world = _as_float("xyz_world_m", self.xyz_world_m, (t, n, 3))
        object.__setattr__(self, "xyz_world_m", world)
        self._check_time_and_size(t_s)
        self._check_optional(t)
        if tuple(self.landmark_names) != LANDMARK_NAMES:
            raise ValueError(f"landmark_names: expected the 33 BlazePose names, got {len(self.landmark_names)} names")

    def _check_time_and_size(self, t_s: NDArray[np.float64]) -> None:
        if not np.all(np.isfinite(t_s)):
            raise ValueError("t_s: expected finite timestamps, got NaN or inf")
        if t_s.size > 1 and not np.all(np.diff(t_s) > 0):
            raise ValueError("t_s: expected strictly increasing timestamps, got a repeat or a step back")
        wh = tuple(int(v) for v in self.resolution_wh)
        if len(wh) != 2 or min(wh) <= 0:
            raise ValueError(f"resolution_wh: expected (width, height) > 0, got {self.resolution_wh}")
        object.__setattr__(self, "resolution_wh", wh)

    def _check_optional(self, t: int) -> None:
        fi = np.arange(t, dtype=np.int64) if self.frame_index is None else np.asarray(self.frame_index)
        if fi.shape != (t,):
            raise ValueError(f"frame_index: expected shape ({t},), got {fi.shape}")
        fi = fi.astype(np.int64)
        fi.setflags(write=False)
        object.__setattr__(self, "frame_index", fi)
        if (self.pelvis_mask is None) != (self.pelvis_box_px is None):
            raise ValueError("pelvis_mask and pelvis_box_px: expected both or neither, got one")
        if self.pelvis_mask is not None:
            mask = np.asarray(self.pelvis_mask, dtype=np.uint8)
            if mask.ndim != 3 or mask.shape[0] != t or mask.shape[1] != mask.shape[2]:
                raise ValueError(f"pelvis_mask: expected shape ({t}, M, M), got {mask.shape}")
            mask.setflags(write=False)
            object.__setattr__(self, "pelvis_mask", mask)
            object.__setattr__(self, "pelvis_box_px", _as_float("pelvis_box_px", self.pelvis_box_px, (t, 4)))
        if self.waist_px is not None:
            object.__setattr__(self, "waist_px", _as_float("waist_px", self.waist_px, (t, 2, 2)))

    # ------------------------------------------------------------------ basics
    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @property
    def n_frames(self) -> int:
        """Number of rows T."""
        return len(self)

    @property
    def fps(self) -> float:
        """Median frame rate in frames per second (NaN for fewer than 2 rows)."""
        if len(self) < 2:
            return float("nan")
        return float(1.0 / np.median(np.diff(self.t_s)))

    @property
    def detected(self) -> NDArray[np.bool_]:
        """(T,) True where a person was found (hips present)."""
        return np.asarray(np.isfinite(self.xy_px[:, [L_HIP, R_HIP], 0]).all(axis=1), dtype=bool)

    @property
    def decode_note(self) -> str:
        """The sentence a report carries when the video decoded only in part ("" when whole).

        Reads ``provenance.extra["decode"]`` (``frames_decoded``, ``frames_expected``,
        ``decoded_until_s``), which the video source records when decoding stopped early.
        """
        info: Any = self.provenance.extra.get("decode")
        if not isinstance(info, dict) or not info.get("incomplete"):
            return ""
        done, expected, until = info.get("frames_decoded"), info.get("frames_expected"), info.get("decoded_until_s")
        until_txt = f" (up to {until:.1f} s)" if isinstance(until, int | float) else ""
        return (
            f"the video is truncated or damaged: {done} of {expected} frames decoded{until_txt}; "
            "only that part was analysed"
        )

    def replace(self, **changes: Any) -> PoseSeries:
        """A copy with some fields replaced (validated again)."""
        return dataclasses.replace(self, **changes)

    def slice(self, rows: slice | NDArray[np.bool_] | NDArray[np.intp]) -> PoseSeries:
        """The rows selected by a slice, boolean mask or index array."""
        mask = None if self.pelvis_mask is None else self.pelvis_mask[rows]
        box = None if self.pelvis_box_px is None else self.pelvis_box_px[rows]
        waist = None if self.waist_px is None else self.waist_px[rows]
        assert self.frame_index is not None
        return self.replace(
            waist_px=waist,
            xy_px=self.xy_px[rows], z=self.z[rows], visibility=self.visibility[rows],
            presence=self.presence[rows], xyz_world_m=self.xyz_world_m[rows],
            t_s=self.t_s[rows], frame_index=self.frame_index[rows],
            pelvis_mask=mask, pelvis_box_px=box,
        )  # fmt: skip

    def mirrored(self) -> PoseSeries:
        """The series of the horizontally flipped video.

        x becomes ``width - x`` and every left/right pair swaps, so the
        anatomical sides stay correct for the flipped picture (a person's left
        in the flipped video is the original person's right).
        """
        w = self.resolution_wh[0]
        perm = MIRROR_PERMUTATION
        xy = mirror_points_px(self.xy_px, w)
        world = self.xyz_world_m[:, perm].copy()
        world[..., 0] = -world[..., 0]
        mask = box = None
        if self.pelvis_mask is not None and self.pelvis_box_px is not None:
            mask = self.pelvis_mask[:, :, ::-1].copy()
            box = self.pelvis_box_px.copy()
            box[:, [0, 2]] = mirror_x_px(self.pelvis_box_px[:, [2, 0]], w)
        waist = None if self.waist_px is None else mirror_waist_px(self.waist_px, w)
        return self.replace(
            waist_px=waist,
            xy_px=xy, z=self.z[:, perm], visibility=self.visibility[:, perm],
            presence=self.presence[:, perm], xyz_world_m=world,
            pelvis_mask=mask, pelvis_box_px=box,
        )  # fmt: skip

    # ---------------------------------------------------------------- file I/O
    def save_npz(self, path: str | Path) -> Path:
        """Write a compressed ``.npz`` (format ``hipcheck.pose/1``) atomically; returns the path.

        Raises:
            OutputError: ``path`` is a folder, lies under a file, is read-only, or the disk is full.
        """
        from hipcheck.io import atomic_write  # the edge: temp file, fsync, rename

        path = Path(path)
        arrays: dict[str, Any] = {
            "format": np.array(NPZ_FORMAT),
            "xy_px": self.xy_px, "z": self.z, "visibility": self.visibility,
            "presence": self.presence, "xyz_world_m": self.xyz_world_m,
            "t_s": self.t_s, "resolution_wh": np.array(self.resolution_wh),
            "frame_index": self.frame_index,
            "provenance": np.array(json.dumps(self.provenance.to_dict())),
        }  # fmt: skip
        if self.pelvis_mask is not None:
            arrays["pelvis_mask"] = self.pelvis_mask
            arrays["pelvis_box_px"] = self.pelvis_box_px
        if self.waist_px is not None:
            arrays["waist_px"] = self.waist_px
        with atomic_write(path, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        return path

    @classmethod
    def load_npz(cls, path: str | Path) -> PoseSeries:
        """Read a file written by :meth:`save_npz`, validating every field.

        Anything else (a truncated or bit-flipped archive, a member of the wrong type or
        shape, a scalar where an array belongs, infinite values, zero rows, provenance
        of the wrong type, more than ``MAX_NPZ_BYTES`` uncompressed) is refused in one line.

        Raises:
            InputNotFoundError: the file does not exist.
            InvalidDataError: it is not a hipcheck pose file or is damaged.
        """
        path = Path(path)
        if path.is_dir():
            raise InvalidDataError(f"{path}: is a folder, expected a pose .npz file")
        if not path.is_file():
            raise InputNotFoundError(f"{path}: no such pose file")
        data = _read_npz(path)
        fmt = data.get("format")
        if fmt is None or fmt.dtype.kind not in "US" or fmt.shape != () or str(fmt) != NPZ_FORMAT:
            shown = "" if fmt is None else str(fmt)[:40]
            raise InvalidDataError(f"{path}: expected a {NPZ_FORMAT} pose file, got format {shown!r}")
        try:
            return cls(**_npz_fields(data))
        except (KeyError, ValueError, TypeError, OverflowError) as exc:
            text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InvalidDataError(f"{path}: damaged pose file ({text})") from None

    def to_csv(self, path: str | Path) -> Path:
        """Write one row per frame: ``t_s, frame_index``, then for each landmark
        ``<name>_x_px, _y_px, _z, _visibility, _presence, _wx_m, _wy_m, _wz_m``.
        Missing values are empty cells.
        """
        from hipcheck.io import atomic_write  # the edge: temp file, fsync, rename

        path = Path(path)
        cols = ["t_s", "frame_index"]
        for n in LANDMARK_NAMES:
            cols += [f"{n}_{s}" for s in ("x_px", "y_px", "z", "visibility", "presence", "wx_m", "wy_m", "wz_m")]
        per_lm = np.concatenate(
            [self.xy_px, self.z[..., None], self.visibility[..., None], self.presence[..., None], self.xyz_world_m],
            axis=2,
        ).reshape(len(self), -1)
        assert self.frame_index is not None
        with atomic_write(path, "w", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(cols)
            for i in range(len(self)):
                vals = ["" if not np.isfinite(v) else f"{v:.4f}" for v in per_lm[i]]
                w.writerow([f"{self.t_s[i]:.6f}", int(self.frame_index[i]), *vals])
        return path


MAX_NPZ_BYTES = 4 << 30
"""Largest total uncompressed size of a pose ``.npz`` hipcheck reads (4 GiB: hours of video)."""
_REQUIRED_NPZ = ("xy_px", "z", "visibility", "presence", "xyz_world_m", "t_s", "resolution_wh", "frame_index")
_NPZ_MAX_ABS = 1e9
_FLOAT_NPZ = ("xy_px", "z", "visibility", "presence", "xyz_world_m", "t_s", "pelvis_box_px", "waist_px")


def _read_npz(path: Path) -> dict[str, NDArray[Any]]:
    """Every member of a ``.npz`` as an array, or InvalidDataError in one line (never a traceback)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(i.file_size for i in zf.infolist())
        if total > MAX_NPZ_BYTES:
            raise InvalidDataError(f"{path}: pose file unpacks to {total / 2**30:.1f} GiB, over the 4 GiB limit")
        with np.load(path, allow_pickle=False) as f:
            return {k: np.asarray(f[k]) for k in f.files}
    except InvalidDataError:
        raise
    except Exception as exc:  # a damaged archive surfaces as any of a dozen types (BadZipFile, zlib.error, ...)
        text = str(exc).splitlines()[0][:120] if str(exc) else ""
        what = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        raise InvalidDataError(f"{path}: not a readable .npz file ({what})") from None


def _npz_array(data: Mapping[str, NDArray[Any]], key: str, kinds: str) -> NDArray[Any]:
    arr = data[key]
    if arr.dtype.kind not in kinds or arr.ndim == 0:
        raise ValueError(f"{key}: expected a numeric array, got {arr.dtype} with shape {arr.shape}")
    if arr.dtype.kind == "f" and np.isinf(arr).any():
        raise ValueError(f"{key}: infinite values")
    if arr.size:  # the extremes without a float64 copy of the array (a 10-minute clip's masks would take 0.6 GB)
        hi, lo = (
            (np.fmax.reduce(arr, axis=None), np.fmin.reduce(arr, axis=None))
            if arr.dtype.kind == "f"
            else (arr.max(), arr.min())
        )  # fmax/fmin skip NaN; all NaN gives NaN, which is no breach
        if max(abs(float(hi)), abs(float(lo))) > _NPZ_MAX_ABS:
            raise ValueError(f"{key}: values beyond ±{_NPZ_MAX_ABS:g} (not pixels, metres or seconds)")
    return arr


def _npz_fields(data: Mapping[str, NDArray[Any]]) -> dict[str, Any]:
    """The PoseSeries keyword arguments of a ``.npz``'s arrays, type-checked (ValueError/KeyError otherwise)."""
    missing = [k for k in _REQUIRED_NPZ if k not in data]
    if missing:
        raise KeyError(f"missing {', '.join(missing)}")
    out: dict[str, Any] = {k: _npz_array(data, k, "fiu") for k in _FLOAT_NPZ if k in data}
    if out["t_s"].shape[0:1] == (0,):
        raise ValueError("t_s: zero rows (no frames)")
    wh = _npz_array(data, "resolution_wh", "iuf")
    if wh.shape != (2,) or not np.all(np.isfinite(wh)) or not np.all((wh >= 1) & (wh <= 1 << 16)):
        raise ValueError(f"resolution_wh: expected (width, height) in 1..65536, got {wh.tolist()[:4]}")
    out["resolution_wh"] = (int(wh[0]), int(wh[1]))
    fi = _npz_array(data, "frame_index", "iuf")
    if not np.all(np.isfinite(fi)) or (fi.size and (fi.min() < 0 or fi.max() > 1 << 40)):
        raise ValueError("frame_index: expected non-negative integers")
    out["frame_index"] = fi.astype(np.int64)
    if "pelvis_mask" in data:
        mask = _npz_array(data, "pelvis_mask", "u")
        out["pelvis_mask"] = mask
    prov = data.get("provenance")
    if prov is None or prov.dtype.kind not in "US" or prov.shape != ():
        raise ValueError("provenance: expected a JSON text")
    doc = json.loads(str(prov))
    if not isinstance(doc, dict):
        raise ValueError(f"provenance: expected a JSON object, got {type(doc).__name__}")
    out["provenance"] = Provenance.from_dict(doc)
    return out


def empty_rows(t: int) -> dict[str, NDArray[np.float64]]:
    """NaN-filled per-frame landmark arrays for ``t`` frames (keys as in PoseSeries)."""
    return {
        "xy_px": np.full((t, N_LANDMARKS, 2), np.nan),
        "z": np.full((t, N_LANDMARKS), np.nan),
        "visibility": np.full((t, N_LANDMARKS), np.nan),
        "presence": np.full((t, N_LANDMARKS), np.nan),
        "xyz_world_m": np.full((t, N_LANDMARKS, 3), np.nan),
    }


def nanmean2(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Element-wise mean of two arrays ignoring NaN (NaN only where both are)."""
    both = np.stack([a, b])
    count = np.isfinite(both).sum(axis=0)
    total = np.where(np.isfinite(both), both, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def average_with_mirror(pose: PoseSeries, flipped: PoseSeries) -> PoseSeries:
    """Average a series with the one estimated on the horizontally flipped frames.

    ``flipped`` is in the flipped picture's coordinates and labels; it is
    mirrored back (:meth:`PoseSeries.mirrored`) and averaged with ``pose``
    landmark by landmark, ignoring NaN. The result is exactly mirror-equivariant
    (flipping the input video mirrors the output) and cancels any left/right
    bias of the pose model. Both must share timestamps and resolution.
    """
    if flipped.resolution_wh != pose.resolution_wh or flipped.t_s.shape != pose.t_s.shape:
        raise ValueError(
            f"flipped: expected {len(pose)} rows at {pose.resolution_wh}, "
            f"got {len(flipped)} rows at {flipped.resolution_wh}"
        )
    back = flipped.mirrored()
    mask = box = None
    if pose.pelvis_mask is not None and back.pelvis_mask is not None:
        mask, box = _average_masks(pose, back)
    extra = {**pose.provenance.extra, "flip_average": True}
    waist = None
    if pose.waist_px is not None and back.waist_px is not None:
        waist = nanmean2(pose.waist_px, back.waist_px)
    return pose.replace(
        waist_px=waist,
        xy_px=nanmean2(pose.xy_px, back.xy_px), z=nanmean2(pose.z, back.z),
        visibility=nanmean2(pose.visibility, back.visibility), presence=nanmean2(pose.presence, back.presence),
        xyz_world_m=nanmean2(pose.xyz_world_m, back.xyz_world_m), pelvis_mask=mask, pelvis_box_px=box,
        provenance=dataclasses.replace(pose.provenance, extra=extra),
    )  # fmt: skip


def _average_masks(a: PoseSeries, b: PoseSeries) -> tuple[NDArray[np.uint8], NDArray[np.float64]]:
    assert a.pelvis_mask is not None and b.pelvis_mask is not None
    assert a.pelvis_box_px is not None and b.pelvis_box_px is not None
    box = nanmean2(a.pelvis_box_px, b.pelvis_box_px)
    wa = np.isfinite(a.pelvis_box_px[:, 0]).astype(np.float64)[:, None, None]
    wb = np.isfinite(b.pelvis_box_px[:, 0]).astype(np.float64)[:, None, None]
    total = a.pelvis_mask * wa + b.pelvis_mask * wb
    mask = np.rint(total / np.maximum(wa + wb, 1.0)).astype(np.uint8)
    return mask, box


__all__ = [
    "INDEX",
    "LANDMARK_NAMES",
    "LEFT_RIGHT_PAIRS",
    "L_ANKLE",
    "L_FOOT",
    "L_HEEL",
    "L_HIP",
    "L_KNEE",
    "L_SHOULDER",
    "MAX_NPZ_BYTES",
    "MIRROR_PERMUTATION",
    "NOSE",
    "NPZ_FORMAT",
    "N_LANDMARKS",
    "R_ANKLE",
    "R_FOOT",
    "R_HEEL",
    "R_HIP",
    "R_KNEE",
    "R_SHOULDER",
    "SKELETON_EDGES",
    "PoseSeries",
    "Provenance",
    "average_with_mirror",
    "empty_rows",
    "mirror_x_px",
    "nanmean2",
]
