"""Knee metrics (frontal-plane projection angle, knee/ankle gap, flexion) as small pure functions.

The common conventions are those of :mod:`hipcheck.analysis.geometry`:
image points ``*_xy`` are pixels of the upright, unmirrored, roll-corrected
frame, x right, y **down**; world points ``*_world_m`` are metres; sides are
the subject's anatomical sides; angles in degrees; missing = NaN (never 0).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hipcheck.analysis.geometry._checks import points, same_shape
from hipcheck.types import FloatArray

FPPA_MIN_THIGH_FRACTION = 0.5
"""Knee FPPA is not reported where the image thigh is shorter than this fraction of its standing length."""


def joint_angle_deg(*, a: ArrayLike, vertex: ArrayLike, b: ArrayLike) -> FloatArray:
    """Unsigned interior angle ∠(a, vertex, b) in degrees, 0..180, in 2-D or 3-D.

    Convention:
        Degrees; points ``(..., 2)`` or ``(..., 3)``; NaN if a segment has zero length.
    """
    pa, pv, pb = np.asarray(a, np.float64), np.asarray(vertex, np.float64), np.asarray(b, np.float64)
    if pa.ndim < 1 or pa.shape[-1] not in (2, 3):
        raise ValueError(f"a: expected shape (..., 2) or (..., 3), got {pa.shape}")
    same_shape(a=pa, vertex=pv, b=pb)
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
    h, k, a = points("hip_xy", hip_xy), points("knee_xy", knee_xy), points("ankle_xy", ankle_xy)
    o = points("contralateral_hip_xy", contralateral_hip_xy)
    same_shape(hip_xy=h, knee_xy=k, ankle_xy=a, contralateral_hip_xy=o)
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
    lk, rk = points("left_knee_xy", left_knee_xy), points("right_knee_xy", right_knee_xy)
    la, ra = points("left_ankle_xy", left_ankle_xy), points("right_ankle_xy", right_ankle_xy)
    same_shape(left_knee_xy=lk, right_knee_xy=rk, left_ankle_xy=la, right_ankle_xy=ra)
    ankle_gap = np.linalg.norm(la - ra, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ankle_gap > 0, np.linalg.norm(lk - rk, axis=-1) / ankle_gap, np.nan)


def knee_flexion_deg(*, hip_world_m: ArrayLike, knee_world_m: ArrayLike, ankle_world_m: ArrayLike) -> FloatArray:
    """Knee flexion 180° − ∠(hip, knee, ankle) from 3-D world landmarks.

    Convention:
        Degrees, 0 = straight leg, larger = deeper; metres, any view (3-D).
    """
    h = points("hip_world_m", hip_world_m, 3)
    return 180.0 - joint_angle_deg(a=h, vertex=points("knee_world_m", knee_world_m, 3), b=ankle_world_m)


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
    h, k = points("hip_xy", hip_xy), points("knee_xy", knee_xy)
    same_shape(hip_xy=h, knee_xy=k)
    length = np.linalg.norm(h - k, axis=-1)
    finite = length[np.isfinite(length)]
    if finite.size == 0:
        return np.zeros(length.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        out: NDArray[np.bool_] = length < min_fraction * np.percentile(finite, 95)
    return out
