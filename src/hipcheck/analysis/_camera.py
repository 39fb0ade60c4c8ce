"""Camera roll and viewing direction from landmarks (and optionally the image).

Roll follows the convention of :mod:`hipcheck.analysis.geometry._roll`:
``roll_deg`` + = a true horizontal descends toward the image right;
:func:`~hipcheck.analysis.geometry.derotate_xy` undoes it.

This module may use OpenCV image processing (edges, lines) but never opens
a video itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray

from hipcheck.analysis.geometry import body_yaw_deg
from hipcheck.landmarks import (
    L_ANKLE,
    L_FOOT,
    L_HEEL,
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    NOSE,
    R_ANKLE,
    R_FOOT,
    R_HEEL,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
    PoseSeries,
)
from hipcheck.types import FloatArray, View

MAX_FLOOR_ANGLE_DEG = 20.0
"""Floor-line samples steeper than this are not taken as a level floor."""

FRONTAL_SHOULDER_RATIO = 0.70
"""Typical shoulder width / torso length of MediaPipe landmarks in a square-on view."""
LEG_TORSO_MAX = 2.6
"""Largest plausible leg (hip–knee–ankle) / torso (shoulder–hip midpoints) length ratio of the world
landmarks. People measure about 1.4–2.1 (the 49 readable catalog clips: 1.36–2.13); a pose with
longer legs has been misread (e.g. a barbell plate taken for the head, the legs put on the shorts)."""


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
        reason: why the view is ``unknown`` ('' otherwise).
    """

    view: View
    yaw_deg: float
    frontal_fraction: float
    evidence: dict[str, float] = field(default_factory=dict)
    reason: str = ""


def _nanmedian(a: NDArray[np.float64]) -> float:
    """Median of the finite values, NaN (without a warning) when there are none."""
    finite = a[np.isfinite(a)]
    return float(np.median(finite)) if finite.size else math.nan


def _line_angle_deg(a: FloatArray, b: FloatArray) -> FloatArray:
    """Angle of the line a–b in degrees, oriented toward the image right (y down), in (-90, 90]."""
    d = b - a
    d = np.where(d[..., :1] < 0, -d, d)
    return np.degrees(np.arctan2(d[..., 1], d[..., 0]))


def _standing_rows(pose: PoseSeries, tol_frac: float = 0.04) -> NDArray[np.bool_]:
    """Rows of quiet bipedal standing: both heels and the hip midpoint near their highest/lowest.

    Both heels within ``tol_frac`` of two leg lengths of their lowest image
    position (feet planted) and the hip midpoint within that of its highest
    (standing tall, not squatting).
    """
    xy = pose.xy_px
    leg = _nanmedian(np.linalg.norm(xy[:, [L_HIP, R_HIP]] - xy[:, [L_ANKLE, R_ANKLE]], axis=-1))
    ok = np.ones(len(pose), dtype=bool)
    if not np.isfinite(leg):
        return ~ok
    tol = tol_frac * 2 * leg
    hip_y = xy[:, [L_HIP, R_HIP], 1].mean(axis=1)
    with np.errstate(invalid="ignore"):
        for heel in (L_HEEL, R_HEEL):
            y = xy[:, heel, 1]
            ok &= y >= (np.nanpercentile(y, 90) if np.isfinite(y).any() else np.nan) - tol
        ok &= hip_y <= (np.nanpercentile(hip_y, 10) if np.isfinite(hip_y).any() else np.nan) + tol
    return ok


def _floor_samples(pose: PoseSeries, view: View, rows: NDArray[np.bool_]) -> FloatArray:
    """Per-frame floor-line angles (heel–heel in front/back views, heel–toe per foot side-on)."""
    xy = pose.xy_px
    if view == "side":
        ang = np.stack([_line_angle_deg(xy[:, L_HEEL], xy[:, L_FOOT]), _line_angle_deg(xy[:, R_HEEL], xy[:, R_FOOT])])
        sep = np.abs(xy[:, [L_FOOT, R_FOOT], 0] - xy[:, [L_HEEL, R_HEEL], 0]).T
        min_sep = 0.05 * _body_px(pose)
    else:
        ang = _line_angle_deg(xy[:, L_HEEL], xy[:, R_HEEL])[None, :]
        sep = np.abs(xy[:, L_HEEL, 0] - xy[:, R_HEEL, 0])[None, :]
        min_sep = 0.5 * _nanmedian(np.linalg.norm(xy[:, L_HIP] - xy[:, R_HIP], axis=-1))
    with np.errstate(invalid="ignore"):
        good = rows[None, :] & (sep >= min_sep) & (np.abs(ang) <= MAX_FLOOR_ANGLE_DEG)
    out: FloatArray = ang[good & np.isfinite(ang)]
    return out


def _body_vertical_samples(pose: PoseSeries, rows: NDArray[np.bool_]) -> FloatArray:
    """Per-frame roll implied by the ankle-midpoint → shoulder-midpoint line (vertical in quiet stance)."""
    xy = pose.xy_px
    v = xy[:, [L_SHOULDER, R_SHOULDER]].mean(axis=1) - xy[:, [L_ANKLE, R_ANKLE]].mean(axis=1)
    # a true vertical (0, -1) drawn under roll r is (sin r, -cos r)
    ang = np.degrees(np.arctan2(v[:, 0], -v[:, 1]))
    with np.errstate(invalid="ignore"):
        good = rows & np.isfinite(ang) & (np.abs(ang) <= MAX_FLOOR_ANGLE_DEG)
    out: FloatArray = ang[good]
    return out


def _robust(vals: FloatArray) -> tuple[float, float]:
    if vals.size == 0:
        return math.nan, math.nan
    q1, med, q3 = np.percentile(vals, [25, 50, 75])
    return float(med), float((q3 - q1) / 2)


def estimate_roll_deg(pose: PoseSeries, *, view: View | None = None, agree_deg: float = 1.5) -> RollEstimate:
    """Camera roll from the floor line and the body's vertical in quiet bipedal stance.

    Two cues over the frames where both feet are planted and the subject
    stands tall: the **floor line** (heel–heel in front/back views; heel–toe
    of each foot side-on) and the **body vertical** (ankle midpoint →
    shoulder midpoint: a standing person balances over the feet). The floor
    line is biased when one foot stands further back (perspective raises it);
    the body vertical by a sustained lean. When both agree within
    ``agree_deg`` their mean is used (``"floor_line+body_vertical"``),
    otherwise the body vertical alone (front/back) or the floor line (side).

    Convention:
        Degrees; + = a true horizontal descends toward the image right (see the
        module doc). NaN with ``method="none"`` when no frame qualifies.
    """
    v = view or classify_view(pose).view
    rows = _standing_rows(pose)
    floor, floor_spread = _robust(_floor_samples(pose, v, rows))
    body, body_spread = _robust(_body_vertical_samples(pose, rows) if v != "side" else np.array([]))
    n = int(rows.sum())
    if math.isfinite(floor) and math.isfinite(body) and abs(floor - body) <= agree_deg:
        return RollEstimate((floor + body) / 2, "floor_line+body_vertical", n, max(floor_spread, body_spread))
    if math.isfinite(body):
        return RollEstimate(body, "body_vertical", n, body_spread)
    if math.isfinite(floor):
        return RollEstimate(floor, "floor_line", n, floor_spread)
    return RollEstimate(math.nan, "none", 0, math.nan)


def _body_px(pose: PoseSeries) -> float:
    xy = pose.xy_px
    h = _nanmedian(np.abs(xy[:, [L_HEEL, R_HEEL], 1].mean(1) - xy[:, [L_SHOULDER, R_SHOULDER], 1].mean(1)))
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
    seg = np.asarray(lines, dtype=np.float64).reshape(-1, 4)  # OpenCV 4: (N, 1, 4); 5: (N, 4)
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


@dataclass(frozen=True)
class YawEstimate:
    """The body's yaw to the camera over a clip (convention of :mod:`hipcheck.analysis.geometry._yaw`).

    Attributes:
        yaw_deg: median yaw, degrees, + = the subject's left side farther from the camera,
            folded to [−90, 90); NaN when no frame had both hip and shoulder lines.
        spread_deg: half the interquartile range of the per-frame values (turning, noise).
        n_frames: frames the estimate rests on.
    """

    yaw_deg: float
    spread_deg: float
    n_frames: int


def estimate_yaw_deg(pose: PoseSeries) -> YawEstimate:
    """The body's yaw from MediaPipe's world landmarks: the hip and shoulder lines in the x–z plane.

    Per frame the mean of the two lines' yaws (:func:`~hipcheck.analysis.geometry.body_yaw_deg`),
    over the clip their median. On rendered squats it reads 13.5° (hips) / 14.4° (with the
    shoulders) for a true 12°.
    """
    yaw = body_yaw_deg(pose.xyz_world_m)
    per_frame = yaw[np.isfinite(yaw)]
    if per_frame.size < 3:
        return YawEstimate(math.nan, math.nan, int(per_frame.size))
    q1, med, q3 = np.percentile(per_frame, [25, 50, 75])
    return YawEstimate(float(med), float((q3 - q1) / 2), int(per_frame.size))


def leg_torso_ratio(pose: PoseSeries) -> float:
    """Clip-level leg / torso length ratio of the world landmarks (NaN if never measurable).

    Leg = hip–knee + knee–ankle of the longer side, torso = shoulder midpoint to
    hip midpoint, per frame; the clip's value is the 90th percentile (straight
    legs). World landmarks keep true 3D lengths in any view.
    """
    w = pose.xyz_world_m
    torso = np.linalg.norm(w[:, [L_SHOULDER, R_SHOULDER]].mean(1) - w[:, [L_HIP, R_HIP]].mean(1), axis=-1)
    legs = [
        np.linalg.norm(w[:, hip] - w[:, knee], axis=-1) + np.linalg.norm(w[:, knee] - w[:, ankle], axis=-1)
        for hip, knee, ankle in ((L_HIP, L_KNEE, L_ANKLE), (R_HIP, R_KNEE, R_ANKLE))
    ]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.fmax(*legs) / torso
    ratio = ratio[np.isfinite(ratio)]
    return float(np.percentile(ratio, 90)) if ratio.size else math.nan


def _fold_yaw(yaw_deg: float) -> float:
    """|yaw| folded into [0, 180]."""
    return abs(((yaw_deg + 180.0) % 360.0) - 180.0)


def view_from_yaw(yaw_deg: float) -> View:
    """View name of a body yaw: front ≤ 25° < oblique < 65° ≤ side ≤ 115° < oblique < 155° ≤ back."""
    a = _fold_yaw(yaw_deg)
    if not math.isfinite(a):
        return "unknown"
    if a <= 25.0:
        return "front"
    if a >= 155.0:
        return "back"
    return "side" if 65.0 <= a <= 115.0 else "oblique"


def classify_view(pose: PoseSeries) -> ViewEstimate:
    """Classify the clip as a front, back, side or oblique view.

    Cues (per-clip medians over frames with shoulders and hips):

    - world yaw: the direction of the left-minus-right shoulder + hip vector
      of MediaPipe's world landmarks in the x–z plane (0° = square on, facing
      the camera; ±180° = back to it). The primary cue: it does not depend on
      body build. On the catalog fixtures it reads 0–11° on front clips,
      31° front-oblique, 43–60° oblique, 74–103° side.
    - image: shoulder width / torso length (≈ 0.62–0.80 square on, → 0
      side-on) gives |cos yaw| when world landmarks are missing; the
      left/right order in x (front: the subject's left on the image right) and
      nose visibility tell front from back.
    - plausibility: a skeleton whose legs are over :data:`LEG_TORSO_MAX` times
      its torso was misread by the pose model; the view is then ``unknown``
      with the reason.

    Convention:
        ``yaw_deg`` in degrees folded to [0, 180]: 0 = facing the camera.
        ``front`` ≤ 25°, ``oblique`` 25–65°, ``side`` 65–115°, ``oblique``
        115–155°, ``back`` ≥ 155°; ``unknown`` with fewer than 3 usable frames.
    """
    cues = _view_cues(pose)
    ok = np.isfinite(cues["shoulder_ratio"]) & np.isfinite(cues["lr_order"])
    if ok.sum() < 3:
        return ViewEstimate("unknown", math.nan, math.nan, {"frames": float(ok.sum())}, "body not found")
    legs = leg_torso_ratio(pose)
    if legs > LEG_TORSO_MAX:
        why = (
            f"the pose model misread the body (legs {legs:.1f}× the torso; people measure 1.4–2.1×), "
            "so no landmark-based view or angle can be trusted"
        )
        return ViewEstimate("unknown", math.nan, math.nan, {"frames": float(ok.sum()), "leg_torso_ratio": legs}, why)
    ev = {k: float(np.nanmedian(v[ok])) if np.isfinite(v[ok]).any() else math.nan for k, v in cues.items()}
    ev["frames"] = float(ok.sum())
    ev["leg_torso_ratio"] = legs
    frac = min(1.0, max(ev["shoulder_ratio"], 1.4 * ev["hip_ratio"]) / FRONTAL_SHOULDER_RATIO)
    facing = ev["lr_order"] > 0 if ev["lr_order"] != 0 else ev["face_visibility"] > 0.5
    image_yaw = math.degrees(math.acos(frac))
    image_yaw = image_yaw if facing else 180.0 - image_yaw
    ev["image_yaw_deg"] = image_yaw
    world = ev["world_yaw_deg"]
    if math.isfinite(world):
        world_yaw = float(np.nanmedian(np.abs(((cues["world_yaw_deg"][ok] + 180.0) % 360.0) - 180.0)))
        yaw = world_yaw
    else:
        yaw = image_yaw
    return ViewEstimate(view_from_yaw(yaw), yaw, frac, ev)
