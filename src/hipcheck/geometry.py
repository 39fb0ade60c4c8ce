"""Frontal-plane and depth metrics as small pure functions over landmark arrays.

Common convention (each function restates what it uses)
-------------------------------------------------------
- Image points ``*_xy`` are pixels of the upright, unmirrored frame, x right,
  y **down**, already derotated for camera roll (:func:`hipcheck.camera.derotate_xy`).
  Angles are never computed on normalised coordinates.
- Sides are the subject's anatomical sides. Which image side is the subject's
  left is read from the hip landmarks themselves (front view: left hip on the
  image right; back view: on the image left), so every signed metric means
  the same anatomically in front and back views.
- Angles in degrees; missing = NaN (propagated, never 0).
- Shapes: every ``*_xy`` argument is ``(..., 2)`` (typically (T, 2)); outputs
  have the leading shape ``(...)``.

:data:`METRICS` lists every per-frame metric by name; :func:`compute_metrics`
evaluates them on a :class:`~hipcheck.landmarks.PoseSeries` into a
:class:`~hipcheck.results.MetricTable` with columns ``<name>`` or
``<name>_left`` / ``<name>_right``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import cv2
import numpy as np
from numpy.typing import ArrayLike, NDArray

from hipcheck.camera import derotate_xy
from hipcheck.landmarks import (
    INDEX,
    L_ANKLE,
    L_HEEL,
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    N_LANDMARKS,
    NOSE,
    R_ANKLE,
    R_HEEL,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
    PoseSeries,
)
from hipcheck.results import SIDES, MetricTable

FloatArray = NDArray[np.float64]
Side = Literal["left", "right"]

FPPA_MIN_THIGH_FRACTION = 0.5
"""Knee FPPA is not reported where the image thigh is shorter than this fraction of its standing length."""

NOSE_HEIGHT_FRACTION = 0.92
"""Nose height as a fraction of standing body height (anthropometric average)."""

__all__ = [
    "METRICS",
    "MetricInputs",
    "MetricSpec",
    "balance_sway",
    "compute_metrics",
    "contralateral_pelvic_drop_deg",
    "foreshortened_thigh",
    "hip_drop_ratio",
    "hip_height_difference_cm",
    "joint_angle_deg",
    "knee_ankle_separation_ratio",
    "knee_flexion_deg",
    "knee_fppa_deg",
    "lateral_pelvic_shift",
    "pelvic_obliquity_deg",
    "pelvic_rotation_deg",
    "pelvic_tilt_from_mask_deg",
    "trunk_lean_deg",
]


# ------------------------------------------------------------------ checks
def _pts(name: str, a: ArrayLike, dim: int = 2) -> FloatArray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim < 1 or arr.shape[-1] != dim:
        raise ValueError(f"{name}: expected shape (..., {dim}), got {arr.shape}")
    return arr


def _same(**arrays: FloatArray) -> None:
    shapes = {k: v.shape for k, v in arrays.items()}
    first = next(iter(shapes.values()))
    for k, s in shapes.items():
        if s != first:
            raise ValueError(f"{k}: expected shape {first} like the other points, got {s}")


def _side(side: str, name: str = "side") -> Side:
    if side not in ("left", "right"):
        raise ValueError(f"{name}: expected 'left' or 'right', got {side!r}")
    return side  # type: ignore[return-value]


def _left_dir(left_hip_xy: FloatArray, right_hip_xy: FloatArray) -> FloatArray:
    """+1 where the subject's left is toward the image right (front view), -1 in a back view, NaN if unknown."""
    with np.errstate(invalid="ignore"):
        s = np.sign(left_hip_xy[..., 0] - right_hip_xy[..., 0])
    return np.where(s == 0, np.nan, s)


# ------------------------------------------------------------------ pelvis
def pelvic_obliquity_deg(*, left_hip_xy: ArrayLike, right_hip_xy: ArrayLike) -> FloatArray:
    """Pelvic obliquity from the hip landmarks: θ = atan2(y_R − y_L, |x_L − x_R|).

    Convention:
        Degrees, **positive = the subject's left hip higher** in the image.
        Pixels, y down, roll-corrected. Front and back views alike.
    """
    left, right = _pts("left_hip_xy", left_hip_xy), _pts("right_hip_xy", right_hip_xy)
    _same(left_hip_xy=left, right_hip_xy=right)
    return np.degrees(np.arctan2(right[..., 1] - left[..., 1], np.abs(left[..., 0] - right[..., 0])))


def contralateral_pelvic_drop_deg(*, obliquity_deg: ArrayLike, baseline_deg: float, stance_side: str) -> FloatArray:
    """Contralateral pelvic drop (CPD) while standing on ``stance_side``.

    CPD_L = θ − θ0 (standing on the left, the right hip drops), CPD_R = −(θ − θ0),
    where θ is the obliquity (or silhouette tilt) and θ0 the clip's quiet
    bipedal baseline.

    Convention:
        Degrees, **positive = the swing-side hip drops** (Trendelenburg-type,
        points to weak abductors of the stance side); negative = hip hike.
    """
    side = _side(stance_side, "stance_side")
    theta = np.asarray(obliquity_deg, dtype=np.float64)
    if not math.isfinite(baseline_deg):
        raise ValueError(f"baseline_deg: expected a finite angle, got {baseline_deg}")
    d = theta - baseline_deg
    return d if side == "left" else -d


def hip_height_difference_cm(
    *, left_hip_y: ArrayLike, right_hip_y: ArrayLike, metres_per_unit: ArrayLike = 1.0
) -> FloatArray:
    """Hip height difference in centimetres, + = left hip higher.

    Convention:
        ``*_y`` in a y-down frame (image pixels or world metres), roll-corrected;
        ``metres_per_unit`` converts their unit to metres (1 for world
        landmarks, 1/(pixels per metre) for image pixels).
    """
    yl, yr = np.asarray(left_hip_y, dtype=np.float64), np.asarray(right_hip_y, dtype=np.float64)
    if yl.shape != yr.shape:
        raise ValueError(f"right_hip_y: expected shape {yl.shape} like left_hip_y, got {yr.shape}")
    return (yr - yl) * np.asarray(metres_per_unit, dtype=np.float64) * 100.0


def pelvic_rotation_deg(*, left_hip_world_m: ArrayLike, right_hip_world_m: ArrayLike) -> FloatArray:
    """Pelvic rotation about the vertical from world landmarks (x–z plane).

    atan2(s·(z_L − z_R), |x_L − x_R|) with s = +1 when the left hip is on the
    image right (front view), −1 in a back view.

    Convention:
        Degrees, **positive = the left hip is behind the right** (pelvis turned
        toward the subject's left, counter-clockwise seen from above). World
        landmarks in metres: x image right, y down, z away from the camera.
    """
    left, right = _pts("left_hip_world_m", left_hip_world_m, 3), _pts("right_hip_world_m", right_hip_world_m, 3)
    _same(left_hip_world_m=left, right_hip_world_m=right)
    s = _left_dir(left, right)
    return np.degrees(np.arctan2(s * (left[..., 2] - right[..., 2]), np.abs(left[..., 0] - right[..., 0])))


def lateral_pelvic_shift(
    *, left_hip_xy: ArrayLike, right_hip_xy: ArrayLike, left_ankle_xy: ArrayLike, right_ankle_xy: ArrayLike
) -> FloatArray:
    """Hip-midpoint offset from the ankle midpoint, in hip widths.

    (x_hipmid − x_anklemid) / |hip width|, signed so that **positive = toward
    the subject's left**.

    Convention:
        Dimensionless (hip widths), pixels y down, roll-corrected; front and
        back views alike (the subject's left side is read from the hip order).
    """
    lh, rh = _pts("left_hip_xy", left_hip_xy), _pts("right_hip_xy", right_hip_xy)
    la, ra = _pts("left_ankle_xy", left_ankle_xy), _pts("right_ankle_xy", right_ankle_xy)
    _same(left_hip_xy=lh, right_hip_xy=rh, left_ankle_xy=la, right_ankle_xy=ra)
    width = np.linalg.norm(lh - rh, axis=-1)
    offset = (lh[..., 0] + rh[..., 0] - la[..., 0] - ra[..., 0]) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(width > 0, _left_dir(lh, rh) * offset / width, np.nan)


def balance_sway(*, hip_mid_x_px: ArrayLike, hip_width_px: ArrayLike) -> float:
    """Sway of the hip midpoint during a stance, in hip widths.

    Standard deviation of the hip-midpoint x over the window divided by the
    median hip width (NaN-aware; NaN if fewer than 3 finite samples).

    Convention:
        Dimensionless (hip widths), unsigned; pixels, roll-corrected.
    """
    x = np.asarray(hip_mid_x_px, dtype=np.float64)
    w = np.asarray(hip_width_px, dtype=np.float64)
    if x.ndim != 1 or w.shape != x.shape:
        raise ValueError(f"hip_width_px: expected shape {x.shape} like hip_mid_x_px (1-D), got {w.shape}")
    ok = np.isfinite(x) & np.isfinite(w) & (w > 0)
    if ok.sum() < 3:
        return math.nan
    return float(np.std(x[ok]) / np.median(w[ok]))


# ------------------------------------------------------------------ knees
def joint_angle_deg(*, a: ArrayLike, vertex: ArrayLike, b: ArrayLike) -> FloatArray:
    """Unsigned interior angle ∠(a, vertex, b) in degrees, 0..180, in 2-D or 3-D.

    Convention:
        Degrees; points ``(..., 2)`` or ``(..., 3)``; NaN if a segment has zero length.
    """
    pa, pv, pb = np.asarray(a, np.float64), np.asarray(vertex, np.float64), np.asarray(b, np.float64)
    if pa.ndim < 1 or pa.shape[-1] not in (2, 3):
        raise ValueError(f"a: expected shape (..., 2) or (..., 3), got {pa.shape}")
    _same(a=pa, vertex=pv, b=pb)
    u, v = pa - pv, pb - pv
    if u.shape[-1] == 2:
        cross = np.abs(u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0])
    else:
        cross = np.linalg.norm(np.cross(u, v), axis=-1)
    dot = (u * v).sum(-1)
    zero = (np.linalg.norm(u, axis=-1) == 0) | (np.linalg.norm(v, axis=-1) == 0)
    return np.where(zero, np.nan, np.degrees(np.arctan2(cross, dot)))


def knee_fppa_deg(
    *, hip_xy: ArrayLike, knee_xy: ArrayLike, ankle_xy: ArrayLike, contralateral_hip_xy: ArrayLike
) -> FloatArray:
    """Knee frontal-plane projection angle (FPPA) of one leg.

    Magnitude 180° − ∠(hip, knee, ankle) in the image plane; sign from the
    knee's side of the hip–ankle line: toward the other hip (the body
    midline) is valgus.

    Convention:
        Degrees, **positive = valgus** (knee medial to the hip–ankle line),
        negative = varus. Pixels, y down, roll-corrected (rotation does not
        change it). Correct in front and back views because the medial
        direction is read from ``contralateral_hip_xy``. Only meaningful in
        front/back views.
    """
    h, k, a = _pts("hip_xy", hip_xy), _pts("knee_xy", knee_xy), _pts("ankle_xy", ankle_xy)
    o = _pts("contralateral_hip_xy", contralateral_hip_xy)
    _same(hip_xy=h, knee_xy=k, ankle_xy=a, contralateral_hip_xy=o)
    mag = 180.0 - joint_angle_deg(a=h, vertex=k, b=a)
    line, rel, medial = a - h, k - h, o - h
    # knee side of the hip→ankle line vs the midline side, both as 2-D cross products with the line
    side_knee = line[..., 0] * rel[..., 1] - line[..., 1] * rel[..., 0]
    side_mid = line[..., 0] * medial[..., 1] - line[..., 1] * medial[..., 0]
    with np.errstate(invalid="ignore"):
        sign = np.sign(side_knee) * np.sign(side_mid)
    return np.where(side_knee == 0, 0.0, mag * sign)


def knee_ankle_separation_ratio(
    *, left_knee_xy: ArrayLike, right_knee_xy: ArrayLike, left_ankle_xy: ArrayLike, right_ankle_xy: ArrayLike
) -> FloatArray:
    """Knee gap divided by ankle gap (image distances).

    Convention:
        Dimensionless; < 1 = knees closer together than the ankles (valgus
        pattern in a bilateral squat). NaN where the ankle gap is 0.
    """
    lk, rk = _pts("left_knee_xy", left_knee_xy), _pts("right_knee_xy", right_knee_xy)
    la, ra = _pts("left_ankle_xy", left_ankle_xy), _pts("right_ankle_xy", right_ankle_xy)
    _same(left_knee_xy=lk, right_knee_xy=rk, left_ankle_xy=la, right_ankle_xy=ra)
    ankle_gap = np.linalg.norm(la - ra, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ankle_gap > 0, np.linalg.norm(lk - rk, axis=-1) / ankle_gap, np.nan)


def knee_flexion_deg(*, hip_world_m: ArrayLike, knee_world_m: ArrayLike, ankle_world_m: ArrayLike) -> FloatArray:
    """Knee flexion 180° − ∠(hip, knee, ankle) from 3-D world landmarks.

    Convention:
        Degrees, 0 = straight leg, larger = deeper; metres, any view (3-D).
    """
    h = _pts("hip_world_m", hip_world_m, 3)
    return 180.0 - joint_angle_deg(a=h, vertex=_pts("knee_world_m", knee_world_m, 3), b=ankle_world_m)


def hip_drop_ratio(*, hip_mid_y_px: ArrayLike, standing_hip_y_px: float, thigh_length_px: float) -> FloatArray:
    """Squat depth: vertical drop of the hip midpoint divided by thigh length.

    Convention:
        Dimensionless; 0 = standing height, ≈ 1 when the hips have dropped
        by one thigh length (about thighs parallel). Pixels, y down, roll-corrected.
    """
    y = np.asarray(hip_mid_y_px, dtype=np.float64)
    if not (math.isfinite(thigh_length_px) and thigh_length_px > 0):
        raise ValueError(f"thigh_length_px: expected a positive length, got {thigh_length_px}")
    return (y - standing_hip_y_px) / thigh_length_px


# ------------------------------------------------------------------ trunk
def trunk_lean_deg(
    *, left_hip_xy: ArrayLike, right_hip_xy: ArrayLike, left_shoulder_xy: ArrayLike, right_shoulder_xy: ArrayLike
) -> FloatArray:
    """Trunk lateral lean: hip-midpoint → shoulder-midpoint line against the vertical.

    Convention:
        Degrees, **positive = the trunk leans toward the subject's left**
        (shoulders displaced to the left of the hips). Pixels, y down,
        roll-corrected; front and back views alike.
    """
    lh, rh = _pts("left_hip_xy", left_hip_xy), _pts("right_hip_xy", right_hip_xy)
    ls, rs = _pts("left_shoulder_xy", left_shoulder_xy), _pts("right_shoulder_xy", right_shoulder_xy)
    _same(left_hip_xy=lh, right_hip_xy=rh, left_shoulder_xy=ls, right_shoulder_xy=rs)
    v = (ls + rs - lh - rh) / 2.0
    return np.degrees(np.arctan2(_left_dir(lh, rh) * v[..., 0], -v[..., 1]))


# ------------------------------------------------------------------ pelvis silhouette
@dataclass(frozen=True)
class MaskTiltParams:
    """Tunable constants of :func:`pelvic_tilt_from_mask_deg` (lengths in hip widths)."""

    band_above: float = 0.9  # rows from this far above the hip line (waist, iliac crest) ...
    band_below: float = -0.1  # ... to this far below it (negative: stop just above the hip line)
    max_tilt_deg: float = 20.0  # tilts searched: ±this ...
    grid_deg: float = 1.0  # ... in steps of this, refined by a parabola
    min_edge: float = 0.45  # outer edges closer than this to the midline are inner structure
    threshold: float = 0.5  # mask level of the silhouette edge (0..1)
    min_rows: int = 6  # fewer valid rows on either side → NaN
    arm_half_width: float = 0.2  # arms erased along the landmarks, this wide each side (0 = keep)


def _outer_edges(mask01: FloatArray, c: float, min_dist: float, thr: float) -> FloatArray:
    """Per row, distance from column ``c`` to the body's outer edge toward the image right.

    The edge is the first fall of the mask below ``thr`` at least ``min_dist``
    from ``c`` (closer falls are the crotch notch or the gap between the
    thighs); sub-pixel by linear interpolation; NaN where there is none.
    """
    m = mask01.shape[1]
    j0 = int(np.clip(math.floor(c + min_dist), 0, m - 2))
    sub = mask01[:, j0:]
    inside = sub >= thr
    falls = inside[:, :-1] & ~inside[:, 1:]
    k = np.argmax(falls, axis=1)
    rows = np.arange(mask01.shape[0])
    a, b = sub[rows, k], sub[rows, np.minimum(k + 1, sub.shape[1] - 1)]
    with np.errstate(invalid="ignore", divide="ignore"):
        pos = j0 + k + (a - thr) / (a - b)
    return np.where(falls.any(axis=1), pos - c, np.nan)


def _profiles(
    mask01: FloatArray, c: tuple[float, float], hw: float, p: MaskTiltParams
) -> tuple[FloatArray, FloatArray]:
    """Image-left and image-right outer-edge distances per row (NaN outside the band)."""
    m = mask01.shape[0]
    rows = np.arange(m)
    band = (rows >= c[1] - p.band_above * hw) & (rows <= c[1] + p.band_below * hw)
    right = _outer_edges(mask01, c[0], p.min_edge * hw, p.threshold)
    left = _outer_edges(mask01[:, ::-1], m - 1 - c[0], p.min_edge * hw, p.threshold)
    return np.where(band, left, np.nan), np.where(band, right, np.nan)


def _asymmetry(mask01: FloatArray, c: tuple[float, float], hw: float, angle_deg: float, p: MaskTiltParams) -> float:
    """Left/right mismatch of the band's outer-edge profiles after turning the crop by ``angle_deg``.

    ``angle_deg`` is OpenCV's (+ = content turned counter-clockwise on screen)
    about the hip midpoint ``c``. The mismatch is the variance of
    right(y) − left(y): a constant sideways offset of the silhouette from the
    hip midpoint does not count. Inf if too few rows have both edges.
    """
    m = mask01.shape[0]
    rot = cv2.getRotationMatrix2D(c, angle_deg, 1.0)
    turned = cv2.warpAffine(mask01.astype(np.float32), rot, (m, m), flags=cv2.INTER_LINEAR)
    left, right = _profiles(turned.astype(np.float64), c, hw, p)
    d = right - left
    d = d[np.isfinite(d)]
    return float(np.var(d)) if d.size >= p.min_rows else math.inf


_ARM_CHAINS = (
    (INDEX["left_shoulder"], INDEX["left_elbow"], INDEX["left_wrist"], INDEX["left_index"]),
    (INDEX["right_shoulder"], INDEX["right_elbow"], INDEX["right_wrist"], INDEX["right_index"]),
)


def _wipe_arms(mask01: FloatArray, arm_cells: FloatArray, half_width: float) -> FloatArray:
    """Erase the arms (shoulder-elbow-wrist-hand polylines, ``half_width`` cells each side) from a crop.

    Hands hanging against the hips would otherwise be read as the hip contour.
    """
    out = mask01.copy()
    thick = max(1, round(2 * half_width))
    for chain in arm_cells:
        pts = chain[np.isfinite(chain).all(axis=1)]
        if len(pts) >= 2:
            poly = np.round(pts * 16).astype(np.int32).reshape(-1, 1, 2)
            cv2.polylines(out, [poly], False, 0.0, thickness=thick, lineType=cv2.LINE_8, shift=4)
    return out


def _frame_tilt(
    mask: NDArray[np.uint8], box: FloatArray, lm_xy: FloatArray, roll_deg: float, p: MaskTiltParams
) -> float:
    """Silhouette tilt of one frame in degrees, + = image-right side higher (level frame).

    Searches the turn that makes the pelvis band most left/right symmetric:
    a coarse grid of 4 × ``p.grid_deg`` over ±``p.max_tilt_deg``, a fine grid
    of ``p.grid_deg`` around the best, then a parabola through the best three.
    """
    m = mask.shape[0]
    cell = (box[2] - box[0]) / m
    hips = lm_xy[[L_HIP, R_HIP]]
    if not (np.all(np.isfinite(box)) and np.all(np.isfinite(hips)) and cell > 0):
        return math.nan
    cells = (lm_xy - box[:2]) / cell - 0.5
    hips_cells = cells[[L_HIP, R_HIP]]
    hw = float(np.linalg.norm(hips_cells[0] - hips_cells[1]))
    if hw < 2.0:
        return math.nan
    c = (float(hips_cells[:, 0].mean()), float(hips_cells[:, 1].mean()))
    mask01 = mask.astype(np.float64) / 255.0
    if p.arm_half_width > 0:
        mask01 = _wipe_arms(mask01, cells[np.array(_ARM_CHAINS)], p.arm_half_width * hw)
    # turning content by OpenCV angle a levels a tilt of (roll - a) degrees (image-right side higher = +)
    coarse = np.arange(-p.max_tilt_deg, p.max_tilt_deg + 1e-9, 4.0 * p.grid_deg)
    errs = np.array([_asymmetry(mask01, c, hw, roll_deg - t, p) for t in coarse])
    i = int(np.argmin(errs))
    if not np.isfinite(errs[i]):
        return math.nan
    fine = coarse[i] + p.grid_deg * np.arange(-4, 5)
    fine = fine[np.abs(fine) <= p.max_tilt_deg]
    errs = np.array([_asymmetry(mask01, c, hw, roll_deg - t, p) for t in fine])
    i = int(np.argmin(errs))
    if 0 < i < len(fine) - 1 and np.all(np.isfinite(errs[i - 1 : i + 2])):
        e0, e1, e2 = errs[i - 1 : i + 2]
        den = e0 - 2 * e1 + e2
        return float(fine[i] + (0.5 * (e0 - e2) / den * p.grid_deg if den > 0 else 0.0))
    return float(fine[i])


def pelvic_tilt_from_mask_deg(
    *,
    pelvis_mask: ArrayLike,
    pelvis_box_px: ArrayLike,
    xy_px: ArrayLike,
    roll_deg: float = 0.0,
    params: MaskTiltParams | None = None,
) -> FloatArray:
    """Pelvis tilt read from the body silhouette instead of the hip landmarks.

    MediaPipe's hip landmarks are joint centres and under-read an isolated
    pelvic drop (≈ 30–35 % of it with an upright trunk). The segmentation
    mask shows the body outline itself. Per frame: the arms are erased along
    their landmarks (hands hanging at the hips would pass for the hip
    contour); the crop is turned about the hip midpoint by candidate angles
    (roll included); in a band of rows from ``band_above`` hip widths above
    the hip line down to ``band_below`` (the waist and iliac crest) the
    distance from the hip midpoint to the outer body edge is taken on each
    side; the angle that makes the two profiles most alike (least variance of
    their difference) is the tilt.

    Measured on the lab renders (``samples/``; median over single-leg frames
    minus the bipedal-baseline median, vs the true pelvic obliquity):
    tuning set (5 clips the band was tuned on): mean absolute error 1.8°
    (hip-landmark line 4.8°); upright trunk +8.1 / −8.5° for ±7.8°, hip hike
    −6.0° for −5.8°, trunk following +5.0 / −2.9° for ±7.8°. Held-out set
    (5 clips, untouched): 3.3° (hip-landmark line 4.6°); upright −8.6° for
    −8.4°, −0.5° for −0.4°, but +5.6° for +2.2°; trunk following +2.6° for
    +12.7° and −3.1° for −5.9°. So it reads an upright-trunk drop well and
    still under-reads when the trunk follows the pelvis. Per-frame SD ≈ 1–2°
    in quiet standing on the catalog's front-view clips, whose standing value
    agrees with the landmark line within ≈ 2°. In deep squats the band is
    crossed by the thighs: read it in stance phases only.

    Args:
        pelvis_mask: (T, M, M) uint8 soft person mask (0..255) over ``pelvis_box_px``.
        pelvis_box_px: (T, 4) square boxes ``x0, y0, x1, y1`` in (un-derotated) pixels; NaN = no mask.
        xy_px: (T, 33, 2) landmarks in (un-derotated) pixels; the hips locate the midline.
        roll_deg: camera roll (+ = a true horizontal descends toward the image right).
        params: tuning constants.

    Returns:
        (T,) tilt in degrees, NaN where not measurable.

    Convention:
        Degrees, **positive = the subject's left side higher**, the same sign
        as :func:`pelvic_obliquity_deg`; level (roll-corrected) frame; the
        subject's left is read from the hip order (front and back views).
        Assumes a roughly left/right symmetric outline: take it relative to
        the clip's bipedal baseline to cancel clothing and posture asymmetry.
    """
    p = params or MaskTiltParams()
    mask = np.asarray(pelvis_mask)
    box = _pts("pelvis_box_px", pelvis_box_px, 4)
    xy = np.asarray(xy_px, dtype=np.float64)
    t = mask.shape[0] if mask.ndim == 3 else -1
    if mask.ndim != 3 or mask.shape[1] != mask.shape[2] or mask.dtype != np.uint8:
        raise ValueError(f"pelvis_mask: expected uint8 shape (T, M, M), got {mask.dtype} {mask.shape}")
    if box.shape != (t, 4) or xy.shape != (t, N_LANDMARKS, 2):
        raise ValueError(
            f"pelvis_box_px, xy_px: expected shapes ({t}, 4) and ({t}, 33, 2), got {box.shape}, {xy.shape}"
        )
    hips = xy[:, [L_HIP, R_HIP]]
    out = np.array([_frame_tilt(mask[i], box[i], xy[i], float(roll_deg), p) for i in range(t)])
    with np.errstate(invalid="ignore"):
        # derotated order of the hips (roll only matters near side views)
        r = math.radians(roll_deg)
        dx = (hips[:, 0, 0] - hips[:, 1, 0]) * math.cos(r) + (hips[:, 0, 1] - hips[:, 1, 1]) * math.sin(r)
        left_on_right = np.sign(dx)
    return np.where(left_on_right == 0, np.nan, out * left_on_right)


# ------------------------------------------------------------------ metric table
@dataclass(frozen=True)
class MetricInputs:
    """Everything a metric may read, prepared once per clip by :func:`compute_metrics`.

    ``xy_px`` and ``xyz_world_m`` are already derotated for ``roll_deg``.
    """

    xy_px: FloatArray
    xyz_world_m: FloatArray
    resolution_wh: tuple[int, int]
    roll_deg: float
    body_height_m: float | None
    pelvis_mask: NDArray[np.uint8] | None
    pelvis_box_px: FloatArray | None
    raw_xy_px: FloatArray


MetricFunction = Callable[[MetricInputs, Side | None], FloatArray]


@dataclass(frozen=True)
class MetricSpec:
    """One per-frame metric of :data:`METRICS`.

    ``function(inputs, side)`` returns the (T,) column; ``side`` is
    ``"left"``/``"right"`` for sided metrics and None otherwise.
    """

    name: str
    unit: str
    sided: bool
    needs_frontal_view: bool
    description: str
    function: MetricFunction


def _lr(inp: MetricInputs, left: int, right: int, side: Side | None) -> tuple[FloatArray, FloatArray]:
    a, b = inp.xy_px[:, left], inp.xy_px[:, right]
    return (a, b) if side in (None, "left") else (b, a)


def _m_obliquity(inp: MetricInputs, side: Side | None) -> FloatArray:
    return pelvic_obliquity_deg(left_hip_xy=inp.xy_px[:, L_HIP], right_hip_xy=inp.xy_px[:, R_HIP])


def _m_tilt_mask(inp: MetricInputs, side: Side | None) -> FloatArray:
    if inp.pelvis_mask is None or inp.pelvis_box_px is None:
        return np.full(inp.xy_px.shape[0], np.nan)
    return pelvic_tilt_from_mask_deg(
        pelvis_mask=inp.pelvis_mask, pelvis_box_px=inp.pelvis_box_px, xy_px=inp.raw_xy_px, roll_deg=inp.roll_deg
    )


def _m_fppa(inp: MetricInputs, side: Side | None) -> FloatArray:
    hip, other = _lr(inp, L_HIP, R_HIP, side)
    knee, _ = _lr(inp, L_KNEE, R_KNEE, side)
    ankle, _ = _lr(inp, L_ANKLE, R_ANKLE, side)
    fppa = knee_fppa_deg(hip_xy=hip, knee_xy=knee, ankle_xy=ankle, contralateral_hip_xy=other)
    return np.where(foreshortened_thigh(hip_xy=hip, knee_xy=knee), np.nan, fppa)


def foreshortened_thigh(
    *, hip_xy: ArrayLike, knee_xy: ArrayLike, min_fraction: float = FPPA_MIN_THIGH_FRACTION
) -> NDArray[np.bool_]:
    """True where the thigh points so far toward (or away from) the camera that FPPA is meaningless.

    The image thigh length is compared with its 95th percentile over the
    series (the standing length): below ``min_fraction`` (0.5: the thigh is
    pitched more than 60° out of the image plane, as at the bottom of a deep
    squat or lunge seen from the front) the hip–knee–ankle angle measures
    foreshortening, not frontal-plane alignment (it reaches −100° on
    symmetric deep squats).

    Convention:
        Pixels, (T, 2) points of one leg; NaN lengths count as not foreshortened.
    """
    h, k = _pts("hip_xy", hip_xy), _pts("knee_xy", knee_xy)
    _same(hip_xy=h, knee_xy=k)
    length = np.linalg.norm(h - k, axis=-1)
    finite = length[np.isfinite(length)]
    if finite.size == 0:
        return np.zeros(length.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        out: NDArray[np.bool_] = length < min_fraction * np.percentile(finite, 95)
    return out


def _m_sep(inp: MetricInputs, side: Side | None) -> FloatArray:
    xy = inp.xy_px
    return knee_ankle_separation_ratio(
        left_knee_xy=xy[:, L_KNEE],
        right_knee_xy=xy[:, R_KNEE],
        left_ankle_xy=xy[:, L_ANKLE],
        right_ankle_xy=xy[:, R_ANKLE],
    )


def _px_per_m(inp: MetricInputs) -> float:
    """Pixels per metre from a standing nose-to-heel height and the user's body height."""
    xy = inp.xy_px
    nose_to_heel = np.nanmean(xy[:, [L_HEEL, R_HEEL], 1], axis=1) - xy[:, NOSE, 1]
    if inp.body_height_m is None or not np.isfinite(nose_to_heel).any():
        return math.nan
    return float(np.nanpercentile(nose_to_heel, 90) / (NOSE_HEIGHT_FRACTION * inp.body_height_m))


def _m_height_cm(inp: MetricInputs, side: Side | None) -> FloatArray:
    if inp.body_height_m is not None:
        xy = inp.xy_px
        return hip_height_difference_cm(
            left_hip_y=xy[:, L_HIP, 1], right_hip_y=xy[:, R_HIP, 1], metres_per_unit=1.0 / _px_per_m(inp)
        )
    w = inp.xyz_world_m
    return hip_height_difference_cm(left_hip_y=w[:, L_HIP, 1], right_hip_y=w[:, R_HIP, 1])


def _m_shift(inp: MetricInputs, side: Side | None) -> FloatArray:
    xy = inp.xy_px
    return lateral_pelvic_shift(
        left_hip_xy=xy[:, L_HIP], right_hip_xy=xy[:, R_HIP], left_ankle_xy=xy[:, L_ANKLE], right_ankle_xy=xy[:, R_ANKLE]
    )


def _m_lean(inp: MetricInputs, side: Side | None) -> FloatArray:
    xy = inp.xy_px
    return trunk_lean_deg(
        left_hip_xy=xy[:, L_HIP], right_hip_xy=xy[:, R_HIP],
        left_shoulder_xy=xy[:, L_SHOULDER], right_shoulder_xy=xy[:, R_SHOULDER],
    )  # fmt: skip


def _m_rotation(inp: MetricInputs, side: Side | None) -> FloatArray:
    w = inp.xyz_world_m
    return pelvic_rotation_deg(left_hip_world_m=w[:, L_HIP], right_hip_world_m=w[:, R_HIP])


def _m_flexion(inp: MetricInputs, side: Side | None) -> FloatArray:
    w = inp.xyz_world_m
    hip, knee, ankle = (L_HIP, L_KNEE, L_ANKLE) if side == "left" else (R_HIP, R_KNEE, R_ANKLE)
    return knee_flexion_deg(hip_world_m=w[:, hip], knee_world_m=w[:, knee], ankle_world_m=w[:, ankle])


def _m_depth(inp: MetricInputs, side: Side | None) -> FloatArray:
    xy = inp.xy_px
    hip_y = xy[:, [L_HIP, R_HIP], 1].mean(axis=1)
    thigh = np.linalg.norm(xy[:, [L_HIP, R_HIP]] - xy[:, [L_KNEE, R_KNEE]], axis=-1).mean(axis=1)
    if not (np.isfinite(hip_y).any() and np.isfinite(thigh).any()):
        return np.full(hip_y.shape, np.nan)
    # standing reference: the highest hip position (5th percentile of y) and the longest projected thigh
    return hip_drop_ratio(
        hip_mid_y_px=hip_y,
        standing_hip_y_px=float(np.nanpercentile(hip_y, 5)),
        thigh_length_px=float(np.nanpercentile(thigh, 95)),
    )


METRICS: Mapping[str, MetricSpec] = MappingProxyType(
    {
        s.name: s
        for s in (
            MetricSpec("pelvic_obliquity_deg", "deg", False, True,
                       "hip-landmark line tilt, + = left hip higher", _m_obliquity),
            MetricSpec("pelvic_tilt_deg", "deg", False, True,
                       "pelvis silhouette tilt from the segmentation mask, + = left side higher", _m_tilt_mask),
            MetricSpec("hip_height_asymmetry_deg", "deg", False, True,
                       "hip height difference as an angle (= obliquity), + = left higher", _m_obliquity),
            MetricSpec("hip_height_asymmetry_cm", "cm", False, True,
                       "hip height difference, + = left higher (world landmarks or body height)", _m_height_cm),
            MetricSpec("knee_fppa_deg", "deg", True, True,
                       "knee frontal plane projection angle, + = valgus (NaN where the thigh is foreshortened)",
                       _m_fppa),
            MetricSpec("knee_ankle_separation_ratio", "ratio", False, True,
                       "knee gap / ankle gap, < 1 = knees in", _m_sep),
            MetricSpec("lateral_pelvic_shift", "hip widths", False, True,
                       "hip midpoint offset from ankle midpoint, + = toward the left", _m_shift),
            MetricSpec("trunk_lean_deg", "deg", False, True,
                       "trunk lateral lean from vertical, + = toward the left", _m_lean),
            MetricSpec("pelvic_rotation_deg", "deg", False, False,
                       "hip line yaw in world x-z, + = left hip behind the right", _m_rotation),
            MetricSpec("knee_flexion_deg", "deg", True, False,
                       "knee flexion from world landmarks, 0 = straight", _m_flexion),
            MetricSpec("squat_depth", "thigh lengths", False, False,
                       "hip-midpoint drop below standing height / thigh length", _m_depth),
        )
    }
)  # fmt: skip
"""Every per-frame metric by name (see :class:`MetricSpec`)."""


def _derotate_world(world: FloatArray, roll_deg: float) -> FloatArray:
    r = -math.radians(roll_deg)
    rot = np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]])
    out = world.copy()
    out[..., :2] = world[..., :2] @ rot.T
    return out


def compute_metrics(
    pose: PoseSeries,
    *,
    roll_deg: float = 0.0,
    body_height_m: float | None = None,
    names: tuple[str, ...] | None = None,
) -> MetricTable:
    """Evaluate metrics of :data:`METRICS` on a pose series.

    Landmarks are first derotated for ``roll_deg`` (image points about the
    image centre, world x–y about the origin).

    Args:
        pose: the (cleaned) landmark series.
        roll_deg: camera roll, + = a true horizontal descends toward the image right.
        body_height_m: the subject's height; if given, ``hip_height_asymmetry_cm``
            uses the image scale from it instead of world landmarks.
        names: metric names to compute (default: all).

    Returns:
        MetricTable with columns ``<name>`` or ``<name>_left``/``<name>_right``,
        and ``units`` per metric name.
    """
    if not math.isfinite(roll_deg):
        raise ValueError(f"roll_deg: expected a finite angle in degrees, got {roll_deg}")
    if body_height_m is not None and not (0.5 < body_height_m < 2.8):
        raise ValueError(f"body_height_m: expected a height in metres (0.5-2.8), got {body_height_m}")
    chosen = tuple(METRICS) if names is None else names
    unknown = [n for n in chosen if n not in METRICS]
    if unknown:
        raise ValueError(f"names: expected metric names from METRICS, got unknown {unknown}")
    inp = MetricInputs(
        xy_px=derotate_xy(xy_px=pose.xy_px, roll_deg=roll_deg, resolution_wh=pose.resolution_wh),
        xyz_world_m=_derotate_world(pose.xyz_world_m, roll_deg),
        resolution_wh=pose.resolution_wh, roll_deg=float(roll_deg), body_height_m=body_height_m,
        pelvis_mask=pose.pelvis_mask, pelvis_box_px=pose.pelvis_box_px, raw_xy_px=pose.xy_px,
    )  # fmt: skip
    cols: dict[str, FloatArray] = {}
    for name in chosen:
        spec = METRICS[name]
        if name == "pelvic_tilt_deg" and pose.pelvis_mask is None:
            continue  # no silhouette recorded: leave the column out rather than all-NaN
        if spec.sided:
            for side in SIDES:
                cols[f"{name}_{side}"] = spec.function(inp, side)
        else:
            cols[name] = spec.function(inp, None)
    return MetricTable(t_s=pose.t_s, columns=cols, units={n: METRICS[n].unit for n in chosen})
