"""Camera roll and viewing direction from landmarks (and optionally the image).

Roll convention (used everywhere in hipcheck)
---------------------------------------------
``roll_deg`` is the angle, in degrees, at which a **true horizontal** line of
the scene (the floor line) is drawn in the image, measured in image
coordinates (x right, y **down**): **positive = the horizontal descends
toward the image right** (its right end is lower on screen). Equivalently the
picture is the level picture rotated by ``roll_deg`` about the image centre
with the matrix ``[[cos r, -sin r], [sin r, cos r]]`` acting on (x, y-down)
offsets. :func:`derotate_xy` applies the inverse rotation, after which the
floor is horizontal and angles against the vertical/horizontal are true.

This module may use OpenCV image processing (edges, lines) but never opens
a video itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from hipcheck.landmarks import (
    L_ANKLE,
    L_FOOT,
    L_HEEL,
    L_HIP,
    L_SHOULDER,
    NOSE,
    R_ANKLE,
    R_FOOT,
    R_HEEL,
    R_HIP,
    R_SHOULDER,
    PoseSeries,
)

FloatArray = NDArray[np.float64]
ViewName = Literal["front", "back", "side", "oblique", "unknown"]

MAX_FLOOR_ANGLE_DEG = 20.0
"""Floor-line samples steeper than this are not taken as a level floor."""

FRONTAL_SHOULDER_RATIO = 0.70
"""Typical shoulder width / torso length of MediaPipe landmarks in a square-on view."""


@dataclass(frozen=True)
class RollEstimate:
    """A camera-roll estimate (see the module's roll convention).

    Attributes:
        roll_deg: roll in degrees, + = a true horizontal descends toward the
            image right; NaN when no usable frame was found.
        method: ``"floor_line"``, ``"scene_lines"`` or ``"none"``.
        n_frames: number of frames (or lines) the estimate rests on.
        spread: half the interquartile range of the per-frame values, degrees.
    """

    roll_deg: float
    method: str
    n_frames: int
    spread: float


@dataclass(frozen=True)
class ViewEstimate:
    """The viewing direction of a clip.

    Attributes:
        view: ``front`` (subject faces the camera), ``back``, ``side``,
            ``oblique`` or ``unknown``.
        yaw_deg: estimated body yaw, 0 = facing the camera, ±180 = back to
            the camera, ±90 = side-on (sign not meaningful for side views).
        frontal_fraction: median |cos yaw| from shoulder/hip widths (1 = square on).
        evidence: per-clip medians of each cue, for the report.
    """

    view: ViewName
    yaw_deg: float
    frontal_fraction: float
    evidence: dict[str, float] = field(default_factory=dict)


def _check_xy(xy_px: FloatArray) -> FloatArray:
    arr = np.asarray(xy_px, dtype=np.float64)
    if arr.ndim < 1 or arr.shape[-1] != 2:
        raise ValueError(f"xy_px: expected shape (..., 2), got {arr.shape}")
    return arr


def derotate_xy(*, xy_px: FloatArray, roll_deg: float, resolution_wh: tuple[int, int]) -> FloatArray:
    """Undo camera roll: rotate image points by ``-roll_deg`` about the image centre.

    Convention:
        Pixels, x right, y down. ``roll_deg`` as in the module doc (+ = a true
        horizontal descends toward the image right). NaN stays NaN.

    Args:
        xy_px: (..., 2) points in pixels.
        roll_deg: camera roll in degrees (finite).
        resolution_wh: (width, height) of the frame in pixels.

    Returns:
        New (..., 2) array of level-frame pixel coordinates.
    """
    arr = _check_xy(xy_px)
    if not math.isfinite(roll_deg):
        raise ValueError(f"roll_deg: expected a finite angle in degrees, got {roll_deg}")
    if len(resolution_wh) != 2 or min(resolution_wh) <= 0:
        raise ValueError(f"resolution_wh: expected (width, height) > 0, got {resolution_wh}")
    r = -math.radians(roll_deg)
    rot = np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]])
    centre = np.array([resolution_wh[0] / 2.0, resolution_wh[1] / 2.0])
    out: FloatArray = (arr - centre) @ rot.T + centre
    return out


def _line_angle_deg(a: FloatArray, b: FloatArray) -> FloatArray:
    """Angle of the line a–b in degrees, oriented toward the image right (y down), in (-90, 90]."""
    d = b - a
    d = np.where(d[..., :1] < 0, -d, d)
    return np.degrees(np.arctan2(d[..., 1], d[..., 0]))


def _planted_rows(pose: PoseSeries, tol_frac: float = 0.04) -> NDArray[np.bool_]:
    """Rows where both feet are at (near) their lowest image position of the clip."""
    xy = pose.xy_px
    leg = np.nanmedian(np.linalg.norm(xy[:, L_HIP] - xy[:, L_ANKLE], axis=-1))
    ok = np.ones(len(pose), dtype=bool)
    if not np.isfinite(leg):
        return ~ok
    for heel in (L_HEEL, R_HEEL):
        y = xy[:, heel, 1]
        low = np.nanpercentile(y, 90) if np.isfinite(y).any() else np.nan
        with np.errstate(invalid="ignore"):
            ok &= y >= low - tol_frac * 2 * leg
    return ok


def estimate_roll_deg(pose: PoseSeries, *, view: ViewName | None = None) -> RollEstimate:
    """Camera roll from the floor line of both feet in quiet bipedal stance.

    Front/back views: per frame, the angle of the heel–heel and the
    toe–toe (foot index) lines; side views: the heel–toe line of each foot.
    Only frames where both heels are within a few percent of leg length of
    their lowest image position (both feet planted) and where the feet are
    apart by at least half a hip width are used; the estimate is the median.

    Convention:
        Degrees; + = a true horizontal descends toward the image right (see the
        module doc). NaN with ``method="none"`` when no frame qualifies.
    """
    v = view or classify_view(pose).view
    xy = pose.xy_px
    rows = _planted_rows(pose)
    if v == "side":
        samples = np.stack(
            [_line_angle_deg(xy[:, L_HEEL], xy[:, L_FOOT]), _line_angle_deg(xy[:, R_HEEL], xy[:, R_FOOT])]
        )
        sep = np.abs(xy[:, [L_FOOT, R_FOOT], 0] - xy[:, [L_HEEL, R_HEEL], 0]).T
    else:
        samples = np.stack(
            [_line_angle_deg(xy[:, L_HEEL], xy[:, R_HEEL]), _line_angle_deg(xy[:, L_FOOT], xy[:, R_FOOT])]
        )
        sep = np.abs(np.stack([xy[:, L_HEEL, 0] - xy[:, R_HEEL, 0], xy[:, L_FOOT, 0] - xy[:, R_FOOT, 0]]))
    hip_w = np.nanmedian(np.linalg.norm(xy[:, L_HIP] - xy[:, R_HIP], axis=-1))
    min_sep = 0.5 * hip_w if v != "side" and np.isfinite(hip_w) else 0.05 * _body_px(pose)
    with np.errstate(invalid="ignore"):
        good = rows[None, :] & (sep >= min_sep) & (np.abs(samples) <= MAX_FLOOR_ANGLE_DEG)
    vals = samples[good & np.isfinite(samples)]
    if vals.size == 0:
        return RollEstimate(math.nan, "none", 0, math.nan)
    q1, med, q3 = np.percentile(vals, [25, 50, 75])
    return RollEstimate(float(med), "floor_line", int(good.any(axis=0).sum()), float((q3 - q1) / 2))


def _body_px(pose: PoseSeries) -> float:
    xy = pose.xy_px
    h = np.nanmedian(np.abs(xy[:, [L_HEEL, R_HEEL], 1].mean(1) - xy[:, [L_SHOULDER, R_SHOULDER], 1].mean(1)))
    return float(h) if np.isfinite(h) else float(min(pose.resolution_wh))


def estimate_roll_from_image(
    image_bgr: NDArray[np.uint8], *, max_tilt_deg: float = 10.0, min_length_frac: float = 0.15
) -> float | None:
    """Camera roll from long near-horizontal / near-vertical scene lines.

    Canny edges and a probabilistic Hough transform find straight segments
    longer than ``min_length_frac`` of the shorter image side. Segments within
    ``max_tilt_deg`` of horizontal give the roll directly; segments within it of
    vertical give it as the vertical's deviation (a true vertical drawn
    leaning so its lower end is to the left means +roll). The estimate is
    the length-weighted median.

    Convention:
        Degrees, same as :func:`estimate_roll_deg`. Perspective makes scene
        lines converge, so this is a fallback; ``None`` when fewer than 3
        segments qualify.
    """
    img = np.asarray(image_bgr)
    if img.ndim not in (2, 3) or img.dtype != np.uint8:
        raise ValueError(f"image_bgr: expected a uint8 (H, W[, 3]) image, got {img.dtype} {img.shape}")
    gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    edges = cv2.Canny(cv2.GaussianBlur(gray, (5, 5), 0), 50, 150)
    min_len = min_length_frac * min(gray.shape)
    lines = cv2.HoughLinesP(edges, 1, np.pi / 720, threshold=80, minLineLength=min_len, maxLineGap=5)
    if lines is None:
        return None
    seg = lines[:, 0, :].astype(np.float64)
    dx, dy = seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1]
    length = np.hypot(dx, dy)
    horiz = _line_angle_deg(seg[:, :2], seg[:, 2:])  # (-90, 90]
    vert = np.degrees(np.arctan2(-dx * np.sign(dy + 1e-12), np.abs(dy)))  # roll implied by a vertical
    is_h = np.abs(horiz) <= max_tilt_deg
    is_v = (np.abs(vert) <= max_tilt_deg) & ~is_h
    vals = np.concatenate([horiz[is_h], vert[is_v]])
    weights = np.concatenate([length[is_h], length[is_v]])
    if vals.size < 3:
        return None
    order = np.argsort(vals)
    cum = np.cumsum(weights[order])
    return float(vals[order][np.searchsorted(cum, cum[-1] / 2)])


def _view_cues(pose: PoseSeries) -> dict[str, FloatArray]:
    xy, world = pose.xy_px, pose.xyz_world_m
    sh_mid, hip_mid = xy[:, [L_SHOULDER, R_SHOULDER]].mean(1), xy[:, [L_HIP, R_HIP]].mean(1)
    torso = np.linalg.norm(sh_mid - hip_mid, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sh_ratio = np.abs(xy[:, L_SHOULDER, 0] - xy[:, R_SHOULDER, 0]) / torso
        hip_ratio = np.abs(xy[:, L_HIP, 0] - xy[:, R_HIP, 0]) / torso
    order = np.sign(xy[:, L_SHOULDER, 0] - xy[:, R_SHOULDER, 0]) + np.sign(xy[:, L_HIP, 0] - xy[:, R_HIP, 0])
    d = world[:, L_HIP] - world[:, R_HIP]
    d_sh = world[:, L_SHOULDER] - world[:, R_SHOULDER]
    # yaw: 0 = subject faces the camera (left at +x), ±180 = back; z away from camera
    yaw = np.degrees(np.arctan2(d[:, 2] + d_sh[:, 2], d[:, 0] + d_sh[:, 0]))
    return {"shoulder_ratio": sh_ratio, "hip_ratio": hip_ratio, "lr_order": order / 2, "world_yaw_deg": yaw,
            "face_visibility": pose.visibility[:, NOSE]}  # fmt: skip


def classify_view(pose: PoseSeries) -> ViewEstimate:
    """Classify the clip as a front, back, side or oblique view.

    Cues (per-clip medians over frames with shoulders and hips):
    the image shoulder width relative to torso length (≈ 0.7 square on,
    → 0 side-on) gives |cos yaw|; the left/right order in x (front: the
    subject's left hip and shoulder on the image right) and the nose
    visibility decide front vs back; the world-landmark shoulder+hip line
    yaw is kept as supporting evidence.

    Convention:
        ``front`` |yaw| < ~35°, ``back`` |yaw| > ~145°, ``side`` 65–115°
        (|cos yaw| < 0.42), otherwise ``oblique``; ``unknown`` without enough
        frames.
    """
    cues = _view_cues(pose)
    ok = np.isfinite(cues["shoulder_ratio"]) & np.isfinite(cues["lr_order"])
    if ok.sum() < 3:
        return ViewEstimate("unknown", math.nan, math.nan, {"frames": float(ok.sum())})
    ev = {k: float(np.nanmedian(v[ok])) if np.isfinite(v[ok]).any() else math.nan for k, v in cues.items()}
    ev["frames"] = float(ok.sum())
    frac = min(1.0, max(ev["shoulder_ratio"], 1.4 * ev["hip_ratio"]) / FRONTAL_SHOULDER_RATIO)
    facing = ev["lr_order"] > 0 if ev["lr_order"] != 0 else ev["face_visibility"] > 0.5
    yaw = math.degrees(math.acos(frac))
    yaw = yaw if facing else 180.0 - yaw
    ev["world_yaw_deg"] = ev["world_yaw_deg"]
    if frac < 0.42:
        view: ViewName = "side"
    elif frac > 0.82:
        view = "front" if facing else "back"
    else:
        view = "oblique"
    return ViewEstimate(view, yaw, frac, ev)
