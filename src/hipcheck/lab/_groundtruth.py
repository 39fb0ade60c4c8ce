"""Ground truth of the rendered sample clips (``samples/**/*.gt.json``): loader and metrics.

The lab (``tools/lab``) renders a parametric body whose joint centres are known
exactly and writes, per clip, a ``<name>.gt.json`` next to ``<name>.mp4``. This
module reads and validates those files and holds the metric formulas the lab
uses to write them — hipcheck's own metric functions applied to the true joint
centres — so a test can recompute every stored metric from the stored joint
projections.

Conventions (as in DESIGN.md)
-----------------------------
- Joint positions ``joints_px`` are the true joint centres projected through the
  render camera: pixels, origin at the image's top-left corner, x right, y down.
- Sides are the subject's anatomical sides.
- Angles in degrees; missing (not applicable in that frame) is NaN (``null`` in JSON).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipcheck.analysis import geometry
from hipcheck.errors import InputNotFoundError, InvalidDataError
from hipcheck.types import SIDES, FloatArray, other_side

SCHEMA = "hipcheck-groundtruth/1"
GT_SUFFIX = ".gt.json"
STANCE_SIDES = ("left", "right", "both")
WEAKER_SIDES = ("left", "right", "none")
SPLITS = ("tune", "heldout")
REQUIRED_JOINTS = (
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_shoulder", "right_shoulder",
)  # fmt: skip
METRIC_NAMES = (
    "pelvic_obliquity_deg",
    "contralateral_pelvic_drop_deg",
    "knee_fppa_left_deg",
    "knee_fppa_right_deg",
    "hip_height_diff_px",
    "trunk_lean_deg",
    "lateral_pelvic_shift",
    "knee_ankle_separation_ratio",
)


# ----------------------------------------------------------------------------- metrics of the truth
# The truth is measured with hipcheck's own metric definitions (hipcheck.analysis.geometry), applied to
# the true joint centres: one definition of each metric, whether it is read off landmarks or off the lab.


def baseline_mask(phase: Sequence[str]) -> NDArray[np.bool_]:
    """Frames of the clip's quiet bipedal baseline: 'bipedal' frames before the first other phase."""
    mask = np.zeros(len(phase), dtype=bool)
    for i, p in enumerate(phase):
        if p != "bipedal":
            break
        mask[i] = True
    return mask


def phase_pelvic_drop_deg(obliquity_deg: FloatArray, phase: Sequence[str], baseline_deg: float) -> FloatArray:
    """Contralateral pelvic drop in single-leg frames, relative to the bipedal baseline θ0
    (:func:`hipcheck.analysis.geometry.contralateral_pelvic_drop_deg` on each stance side's frames).

    Convention: degrees; on 'single_leg_left' frames CPD = θ − θ0, on
    'single_leg_right' frames CPD = −(θ − θ0); NaN on all other frames (and
    everywhere when ``baseline_deg`` is NaN). Positive = swing-side hip
    dropped (Trendelenburg-type; points to the **stance** side's hip
    abductors); negative = hip hike.
    """
    theta = np.asarray(obliquity_deg, float)
    out = np.full(theta.shape, np.nan)
    if not math.isfinite(baseline_deg):
        return out
    ph = np.asarray(phase)
    for side in ("left", "right"):
        rows = ph == f"single_leg_{side}"
        out[rows] = geometry.contralateral_pelvic_drop_deg(
            obliquity_deg=theta[rows], baseline_deg=baseline_deg, stance_side=side
        )
    return out


def compute_metrics(joints_px: Mapping[str, FloatArray], phase: Sequence[str]) -> tuple[dict[str, FloatArray], float]:
    """All ground-truth metrics of :data:`METRIC_NAMES` from joint projections.

    Args:
        joints_px: joint name → (T, 2) pixels (at least :data:`REQUIRED_JOINTS`).
        phase: (T,) phase labels ('bipedal', 'single_leg_left', ...).

    Returns:
        (metric name → (T,) array, baseline pelvic obliquity θ0 in degrees; NaN
        when the clip has no leading bipedal frames).
    """
    j = {name: np.asarray(xy, dtype=float) for name, xy in joints_px.items()}
    theta = geometry.pelvic_obliquity_deg(left_hip_xy=j["left_hip"], right_hip_xy=j["right_hip"])
    base = baseline_mask(phase)
    theta0 = geometry.pelvic_baseline_deg(obliquity_deg=theta, baseline_rows=base) if base.any() else math.nan
    fppa = {
        side: geometry.knee_fppa_deg(
            hip_xy=j[f"{side}_hip"], knee_xy=j[f"{side}_knee"], ankle_xy=j[f"{side}_ankle"],
            contralateral_hip_xy=j[f"{other_side(side)}_hip"],
        )
        for side in SIDES
    }  # fmt: skip
    metrics = {
        "pelvic_obliquity_deg": theta,
        "contralateral_pelvic_drop_deg": phase_pelvic_drop_deg(theta, phase, theta0),
        "knee_fppa_left_deg": fppa["left"],
        "knee_fppa_right_deg": fppa["right"],
        "hip_height_diff_px": j["right_hip"][:, 1] - j["left_hip"][:, 1],
        "trunk_lean_deg": geometry.trunk_lean_deg(
            left_hip_xy=j["left_hip"], right_hip_xy=j["right_hip"],
            left_shoulder_xy=j["left_shoulder"], right_shoulder_xy=j["right_shoulder"],
        ),
        "lateral_pelvic_shift": geometry.lateral_pelvic_shift(
            left_hip_xy=j["left_hip"], right_hip_xy=j["right_hip"],
            left_ankle_xy=j["left_ankle"], right_ankle_xy=j["right_ankle"],
        ),
        "knee_ankle_separation_ratio": geometry.knee_ankle_separation_ratio(
            left_knee_xy=j["left_knee"], right_knee_xy=j["right_knee"],
            left_ankle_xy=j["left_ankle"], right_ankle_xy=j["right_ankle"],
        ),
    }  # fmt: skip
    return metrics, theta0


def frontal_plane_joints(joints_world_m: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
    """The true 3D joints projected orthographically onto the body's own frontal plane.

    The lab's bodies face −Y (anny axes: +X the subject's left, Z up), so the
    frontal plane is X–Z. The result is laid out as a square-on front-view
    image would be (x toward the subject's left, y **down**; metres, not
    pixels), so the 2D metric functions apply unchanged and give the angles
    a camera exactly square on and infinitely far away would see: the
    body's truth, whatever the render camera's yaw, roll or height.

    Returns:
        joint name → (T, 2) frontal-plane coordinates, metres.
    """
    return {
        name: np.stack([w[:, 0], -w[:, 2]], axis=-1)
        for name, w in ((n, np.asarray(v, float)) for n, v in joints_world_m.items())
    }


def compute_metrics_3d(
    joints_world_m: Mapping[str, FloatArray], phase: Sequence[str]
) -> tuple[dict[str, FloatArray], float]:
    """:func:`compute_metrics` on the body's frontal plane (:func:`frontal_plane_joints`): the 3D truth.

    ``hip_height_diff_px`` is then in metres. Knee FPPA and pelvic drop here are what
    the verdict must follow; the projected-joint metrics share the camera's artefacts
    (a camera yawed 6° off square swings both knees' FPPA ≈ 10° the same way at depth).
    """
    return compute_metrics(frontal_plane_joints(joints_world_m), phase)


# ----------------------------------------------------------------------------- container + loader


@dataclass(frozen=True)
class GroundTruth:
    """Ground truth of one rendered clip.

    Attributes:
        path: the ``.gt.json`` file.
        video_path: the clip it describes (resolved next to ``path``).
        name: clip name (file stem).
        split: 'tune' (measures may be tuned on it) or 'heldout' (check only).
        exercise: 'single_leg_stance', 'squat', 'lunge' or 'quiet_standing'.
        stance_side: 'left' / 'right' (single-leg stance) or 'both'.
        weaker_side: the side the clip was built to show as weaker: 'left' / 'right' / 'none'.
        fps: frame rate, frames per second.
        resolution_wh: (width, height) in pixels.
        t_s: (T,) frame times in seconds, strictly increasing.
        phase: (T,) phase labels: 'bipedal', 'transition', 'single_leg_left',
            'single_leg_right', 'squat', 'lunge_left', 'lunge_right' (the front leg).
        joint_names: names of the joints in ``joints_px``.
        joints_px: (T, J, 2) true joint centres in the image, pixels, y down.
        joints_world_m: (T, J, 3) the same in the lab's world frame, metres
            (Z up, +X the subject's left, −Y the subject's front, floor z = 0).
        metrics: metric name → (T,) array (see :data:`METRIC_NAMES` and the
            formula functions of this module for units and signs), from the projected joints.
        metrics_3d: the same metrics in the body's own frontal plane from the 3D joints
            (:func:`compute_metrics_3d`): the body's truth, free of camera placement.
        baseline_obliquity_deg: θ0 (:func:`hipcheck.analysis.geometry.pelvic_baseline_deg`) over the leading
            bipedal frames.
        camera: render camera parameters (intrinsics, pose, roll ...).
        scenario: all scenario parameters the clip was rendered from.
        summary: a few headline numbers (peak CPD, peak FPPA per side ...).
    """

    path: Path
    video_path: Path
    name: str
    split: str
    exercise: str
    stance_side: str
    weaker_side: str
    fps: float
    resolution_wh: tuple[int, int]
    t_s: FloatArray
    phase: tuple[str, ...]
    joint_names: tuple[str, ...]
    joints_px: FloatArray
    joints_world_m: FloatArray
    metrics: dict[str, FloatArray]
    baseline_obliquity_deg: float
    metrics_3d: dict[str, FloatArray] = field(default_factory=dict)
    camera: dict[str, Any] = field(default_factory=dict)
    scenario: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        """Number of frames T."""
        return int(self.t_s.shape[0])

    def joint_px(self, name: str) -> FloatArray:
        """(T, 2) pixel track of one joint, e.g. ``'left_hip'``."""
        return self.joints_px[:, self.joint_names.index(name)]

    def joints_px_dict(self) -> dict[str, FloatArray]:
        """Joint name → (T, 2) pixel track."""
        return {n: self.joints_px[:, i] for i, n in enumerate(self.joint_names)}

    def phase_mask(self, label: str) -> NDArray[np.bool_]:
        """(T,) True where the phase label equals ``label``."""
        mask: NDArray[np.bool_] = np.asarray(self.phase) == label
        return mask


def _bad(path: Path, msg: str) -> InvalidDataError:
    return InvalidDataError(f"{path}: invalid ground truth: {msg}")


def _array(path: Path, value: Any, shape_tail: tuple[int, ...], what: str) -> FloatArray:
    try:
        arr = np.array([math.nan if v is None else v for v in value] if not shape_tail else value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise _bad(path, f"{what} is not numeric ({exc})") from None
    if arr.ndim != 1 + len(shape_tail) or arr.shape[1:] != shape_tail:
        raise _bad(path, f"{what}: expected shape (T, {', '.join(map(str, shape_tail))}), got {arr.shape}")
    return arr


def _choice(path: Path, doc: Mapping[str, Any], key: str, allowed: Sequence[str]) -> str:
    value = doc.get(key)
    if value not in allowed:
        raise _bad(path, f"'{key}' must be one of {list(allowed)}, got {value!r}")
    return str(value)


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputNotFoundError(f"{path}: ground-truth file not found")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _bad(path, f"not JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise _bad(path, "top level is not an object")
    if doc.get("schema") != SCHEMA:
        raise _bad(path, f"expected schema {SCHEMA!r}, got {doc.get('schema')!r}")
    for key in ("name", "video", "fps", "resolution_wh", "frames", "joint_names"):
        if key not in doc:
            raise _bad(path, f"missing key '{key}'")
    return doc


def _frames(path: Path, doc: Mapping[str, Any]) -> tuple[FloatArray, tuple[str, ...], FloatArray, FloatArray]:
    frames = doc["frames"]
    names = tuple(doc["joint_names"])
    missing = [n for n in REQUIRED_JOINTS if n not in names]
    if missing:
        raise _bad(path, f"joint_names lacks {missing}")
    t_s = _array(path, frames.get("t_s", []), (), "frames.t_s")
    if t_s.size < 2 or not np.all(np.diff(t_s) > 0):
        raise _bad(path, "frames.t_s must hold at least 2 strictly increasing times")
    phase = tuple(str(p) for p in frames.get("phase", []))
    px = _array(path, frames.get("joints_px", []), (len(names), 2), "frames.joints_px")
    world = _array(path, frames.get("joints_world_m", []), (len(names), 3), "frames.joints_world_m")
    for what, n in (("phase", len(phase)), ("joints_px", len(px)), ("joints_world_m", len(world))):
        if n != t_s.size:
            raise _bad(path, f"frames.{what} has {n} entries, expected {t_s.size} (one per frame)")
    return t_s, phase, px, world


def _metrics(path: Path, doc: Mapping[str, Any], n: int) -> dict[str, FloatArray]:
    raw = doc["frames"].get("metrics", {})
    out = {}
    for name in METRIC_NAMES:
        if name not in raw:
            raise _bad(path, f"frames.metrics lacks '{name}'")
        arr = _array(path, raw[name], (), f"frames.metrics.{name}")
        if arr.size != n:
            raise _bad(path, f"frames.metrics.{name} has {arr.size} entries, expected {n}")
        out[name] = arr
    return out


def load_ground_truth(path: str | Path) -> GroundTruth:
    """Read and validate one ``.gt.json`` file.

    Raises:
        InputNotFoundError: the file does not exist.
        InvalidDataError: not JSON, wrong schema, missing keys, inconsistent lengths.
    """
    path = Path(path)
    doc = _read_json(path)
    t_s, phase, px, world = _frames(path, doc)
    res = doc["resolution_wh"]
    if not (isinstance(res, list) and len(res) == 2 and all(isinstance(v, int) and v > 0 for v in res)):
        raise _bad(path, f"resolution_wh must be [width, height] in pixels, got {res!r}")
    baseline = doc.get("baseline_obliquity_deg")
    names = tuple(str(n) for n in doc["joint_names"])
    return GroundTruth(
        path=path,
        video_path=path.parent / str(doc["video"]),
        name=str(doc["name"]),
        split=_choice(path, doc, "split", SPLITS),
        exercise=str(doc.get("exercise", "")),
        stance_side=_choice(path, doc, "stance_side", STANCE_SIDES),
        weaker_side=_choice(path, doc, "weaker_side", WEAKER_SIDES),
        fps=float(doc["fps"]),
        resolution_wh=(int(res[0]), int(res[1])),
        t_s=t_s,
        phase=phase,
        joint_names=names,
        joints_px=px,
        joints_world_m=world,
        metrics=_metrics(path, doc, t_s.size),
        metrics_3d=compute_metrics_3d({n: world[:, i] for i, n in enumerate(names)}, phase)[0],
        baseline_obliquity_deg=math.nan if baseline is None else float(baseline),
        camera=dict(doc.get("camera", {})),
        scenario=dict(doc.get("scenario", {})),
        summary=dict(doc.get("summary", {})),
    )


def find_samples(directory: str | Path, split: str | None = None) -> list[tuple[Path, Path]]:
    """All ``(video_path, gt_path)`` pairs under ``directory`` (recursively), sorted by path.

    Args:
        directory: folder to search for ``*.gt.json`` files.
        split: keep only this split ('tune' / 'heldout'); None keeps all.

    Raises:
        InputNotFoundError: ``directory`` does not exist, or a ground-truth file
            names a video that is not there.
        InvalidDataError: a ground-truth file is malformed.
    """
    root = Path(directory)
    if not root.is_dir():
        raise InputNotFoundError(f"{root}: samples folder not found")
    pairs = []
    for gt_path in sorted(root.rglob(f"*{GT_SUFFIX}")):
        doc = _read_json(gt_path)
        if split is not None and doc.get("split") != split:
            continue
        video = gt_path.parent / str(doc["video"])
        if not video.is_file():
            raise InputNotFoundError(f"{video}: video named by {gt_path.name} not found")
        pairs.append((video, gt_path))
    return pairs
