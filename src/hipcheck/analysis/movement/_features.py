"""Per-frame scale-free movement features for exercise recognition.

:func:`movement_features` turns a :class:`~hipcheck.landmarks.PoseSeries` into
:class:`MovementFeatures`: hip depth, knee flexion, foot lift, fore-aft and
lateral foot placement, thigh and trunk angles, and net travel, each denoised
(short gaps bridged, single-frame glitches removed). The exercises are
recognised from them (:mod:`hipcheck.analysis.movement._segments`).

Conventions
-----------
- Sides are the person's anatomical sides; (T, 2) features have columns
  left, right.
- Rows are indices into the :class:`~hipcheck.landmarks.PoseSeries`. Times
  are seconds from the series' own ``t_s``.
- Features are dimensionless: lengths are divided by the subject's own leg,
  thigh or shank length, so scale and translation change nothing.
- World landmarks (metres, hip-centred, y down, z away from the camera) give
  the out-of-image-plane cues (knee flexion in a front view, which foot is
  forward); image pixels (y down) give the in-plane ones. NaN = missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import median_filter, uniform_filter1d

from hipcheck.landmarks import (
    L_ANKLE,
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    R_ANKLE,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
    PoseSeries,
)  # fmt: skip

# Thresholds (dimensionless unless the name says a unit).
QUIET_KNEE_DEG = 30.0  # both knees and the trunk within this of straight: both feet taken as down
STAND_OFFSET_MAX = 0.08  # largest standing depth reading taken off as the clip's own zero
FOOT_GAP_S = 1.0  # a foot hidden this long is bridged (a lunge's back foot behind the front leg at the bottom)


@dataclass(frozen=True)
class MovementFeatures:
    """Per-frame scale-free features (all (T,) or (T, 2) with columns left, right).

    Attributes:
        depth: hip lowering below straight-leg standing / leg length (0 = standing, + = lower).
        knee_flex_deg: knee flexion, 0 = straight (world 3D angle, 2D where world is missing).
        lift: height of each ankle above the other one / shank length (+ = this foot higher).
        forward: each ankle's position along the facing direction / leg length (+ = ahead).
        wide: ankle separation along the hip line / leg length.
        thigh_incl_deg: angle of each thigh from the downward vertical (world).
        trunk_flex_deg: angle of the hip→shoulder midline from the upward vertical (world).
        travel: net hip-midpoint travel (sideways and toward/away from the camera)
            over a 1.5 s window, leg lengths per second.
        detected: (T,) bool, a person is in the picture (both hips in the image).
        abduction_deg: angle of each hip→ankle line from the vertical in the body's
            frontal plane (world), degrees, + = the ankle out to that leg's side (away
            from the midline). A foot lifted to the side shows here before it shows in ``lift``.
        thigh_fore_deg: each thigh's angle out of the image plane from its foreshortening in the
            image, arccos(length / its clip length), degrees, 0 = seen at full length. In a front or
            back view a squatting thigh shows here even where the world knee angle reads too little.
    """

    depth: NDArray[np.float64]
    knee_flex_deg: NDArray[np.float64]
    lift: NDArray[np.float64]
    forward: NDArray[np.float64]
    wide: NDArray[np.float64]
    thigh_incl_deg: NDArray[np.float64]
    trunk_flex_deg: NDArray[np.float64]
    travel: NDArray[np.float64]
    detected: NDArray[np.bool_]
    thigh_fore_deg: NDArray[np.float64]
    abduction_deg: NDArray[np.float64] | None = None


# --------------------------------------------------------------------------- small numeric helpers
def norm(v: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(np.linalg.norm(v, axis=-1), dtype=np.float64)


def _angle_deg(u: NDArray[np.float64], v: NDArray[np.float64]) -> NDArray[np.float64]:
    """Angle between vectors u and v along the last axis, degrees in [0, 180]."""
    cos = np.sum(u * v, axis=-1) / (norm(u) * norm(v))
    return np.asarray(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))), dtype=np.float64)


def fill_gaps(x: NDArray[np.float64], max_gap: int) -> NDArray[np.float64]:
    """Linear interpolation over interior NaN runs of at most ``max_gap`` rows."""
    x = np.asarray(x, dtype=np.float64).copy()
    ok = np.isfinite(x)
    if ok.sum() < 2:
        return x
    idx = np.arange(x.size)
    filled = np.interp(idx, idx[ok], x[ok])
    bad = ~ok
    starts = np.flatnonzero(bad & ~np.r_[False, bad[:-1]])
    for s in starts:
        e = s + int(np.argmin(bad[s:])) if not bad[s:].all() else x.size
        if s > 0 and e < x.size and e - s <= max_gap:
            x[s:e] = filled[s:e]
    return x


def smooth(x: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """NaN-aware centred moving average over ``n`` rows (NaN rows stay NaN)."""
    if n <= 1 or x.size == 0:
        return np.asarray(x, dtype=np.float64)
    ok = np.isfinite(x)
    num = uniform_filter1d(np.where(ok, x, 0.0), n, mode="nearest")
    den = uniform_filter1d(ok.astype(np.float64), n, mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    return np.where(ok, out, np.nan)


def _denoise(x: NDArray[np.float64], t_s: NDArray[np.float64], max_gap_s: float = 0.3) -> NDArray[np.float64]:
    """A feature made robust: gaps up to ``max_gap_s`` bridged, single-frame glitches (a left/right
    label swap) removed by a 5-row running median, then a 0.1 s moving average. Longer gaps stay NaN.
    Works on (T,) or column-wise on (T, k) arrays.
    """
    if x.ndim == 2:
        return np.stack([_denoise(x[:, j], t_s, max_gap_s) for j in range(x.shape[1])], axis=1)
    x = fill_gaps(x, rows_spanning(t_s, max_gap_s))
    ok = np.isfinite(x)
    if ok.sum() < 2:
        return x
    idx = np.arange(x.size)
    med = median_filter(np.interp(idx, idx[ok], x[ok]), size=5, mode="nearest")
    return smooth(np.where(ok, med, np.nan), rows_spanning(t_s, 0.1))


def rows_spanning(t_s: NDArray[np.float64], seconds: float) -> int:
    """Number of rows spanning ``seconds`` at the series' median frame rate (>= 1)."""
    if t_s.size < 2:
        return 1
    return max(1, round(seconds / float(np.median(np.diff(t_s)))))


# --------------------------------------------------------------------------- features
def leg_lengths(p: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Thigh, shank and leg (thigh + shank) length per row, same unit as ``p``.

    The mean of both sides, or the one side seen (a side view hides the far leg).
    """
    thigh = _mean2(norm(p[:, L_HIP] - p[:, L_KNEE]), norm(p[:, R_HIP] - p[:, R_KNEE]))
    shank = _mean2(norm(p[:, L_KNEE] - p[:, L_ANKLE]), norm(p[:, R_KNEE] - p[:, R_ANKLE]))
    return thigh, shank, thigh + shank


def _mean2(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Element-wise mean of a and b where both are finite, else the finite one (NaN if neither)."""
    return np.where(np.isfinite(a) & np.isfinite(b), (a + b) / 2, np.fmax(a, b))


def robust_length(x: NDArray[np.float64]) -> float:
    """A clip-level segment length: 90th percentile (straight limbs), NaN if none."""
    return float(np.nanpercentile(x, 90)) if np.isfinite(x).any() else float("nan")


def _depth(xy: NDArray[np.float64], w: NDArray[np.float64]) -> NDArray[np.float64]:
    """Hip lowering / leg length: mean of the image estimate and the world estimate where both exist."""
    hip_y = (xy[:, L_HIP, 1] + xy[:, R_HIP, 1]) / 2
    floor_y = np.fmax(xy[:, L_ANKLE, 1], xy[:, R_ANKLE, 1])
    d_img = 1.0 - (floor_y - hip_y) / robust_length(leg_lengths(xy)[2])
    _, _, leg_w = leg_lengths(w)
    hip_wy = (w[:, L_HIP, 1] + w[:, R_HIP, 1]) / 2
    d_w = 1.0 - (np.fmax(w[:, L_ANKLE, 1], w[:, R_ANKLE, 1]) - hip_wy) / leg_w
    both = np.stack([d_img, d_w])
    n = np.isfinite(both).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.nansum(both, axis=0) / n, dtype=np.float64)


def _relative_depth(d: NDArray[np.float64]) -> NDArray[np.float64]:
    """Depth from the clip's own standing level: its 5th percentile, taken off when it lies
    between 0 and ``STAND_OFFSET_MAX`` (a body that reads a little short when standing);
    a clip that never stands keeps its absolute depth.
    """
    if not np.isfinite(d).any():
        return d
    return d - float(np.clip(np.nanpercentile(d, 5), 0.0, STAND_OFFSET_MAX))


def _knee_flex(xy: NDArray[np.float64], w: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T, 2) knee flexion in degrees, 0 = straight; world angle, 2D where world is missing."""
    out = []
    for hip, knee, ankle in ((L_HIP, L_KNEE, L_ANKLE), (R_HIP, R_KNEE, R_ANKLE)):
        fw = _angle_deg(w[:, hip] - w[:, knee], w[:, ankle] - w[:, knee])
        f2 = _angle_deg(xy[:, hip] - xy[:, knee], xy[:, ankle] - xy[:, knee])
        out.append(180.0 - np.where(np.isfinite(fw), fw, f2))
    return np.stack(out, axis=1)


def _depth_slope(dy: NDArray[np.float64], dz: NDArray[np.float64], quiet: NDArray[np.bool_]) -> float:
    """How much higher a foot reads per unit it is farther from the camera (camera pitch, perspective).

    Median of dy / dz over quiet two-feet-down rows whose feet differ in
    depth by more than 0.1 shank lengths; 0 when such rows are fewer than 5
    or than a quarter of the quiet rows (feet side by side: nothing to
    correct, and a few rows of a foot starting to lift must not set it).
    Clipped to ±0.6.
    """
    ok = quiet & np.isfinite(dy) & np.isfinite(dz)
    use = ok & (np.abs(dz) > 0.1)
    if use.sum() < max(5, 0.25 * ok.sum()):
        return 0.0
    return float(np.clip(np.median(dy[use] / dz[use]), -0.6, 0.6))


def _lift(xy: NDArray[np.float64], w: NDArray[np.float64], quiet: NDArray[np.bool_]) -> NDArray[np.float64]:
    """(T, 2) ankle height above the other ankle / shank length (+ = this foot higher).

    Image and world readings are each corrected for the apparent rise of the
    farther foot (:func:`_depth_slope`, fitted on ``quiet`` rows where both
    feet are down), and the smaller reading is kept: a far foot in a lunge or
    an oblique view is not a lifted foot.
    """
    shank_px = robust_length(leg_lengths(xy)[1])
    shank_w = leg_lengths(w)[1]
    dz = (w[:, L_ANKLE, 2] - w[:, R_ANKLE, 2]) / shank_w  # + = left foot farther
    img = (xy[:, R_ANKLE, 1] - xy[:, L_ANKLE, 1]) / shank_px  # + = left foot higher
    wor = (w[:, R_ANKLE, 1] - w[:, L_ANKLE, 1]) / shank_w
    img = img - _depth_slope(img, dz, quiet) * dz
    wor = wor - _depth_slope(wor, dz, quiet) * dz
    both = np.stack([img, -img], axis=1), np.stack([wor, -wor], axis=1)
    return np.asarray(np.fmin(*both), dtype=np.float64)


def _body_axes(w: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Unit lateral (right→left hip) and forward directions in the world x–z plane, (T, 3) each."""
    lat = w[:, L_HIP] - w[:, R_HIP]
    lat[:, 1] = 0.0
    lat = lat / norm(lat)[:, None]
    up = np.array([0.0, -1.0, 0.0])
    fwd = np.cross(lat, up)
    return lat, fwd


def _stance_geometry(w: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-ankle forward position (T, 2) and lateral ankle gap (T,), both / leg length (world)."""
    lat, fwd = _body_axes(w)
    leg = leg_lengths(w)[2]
    hip = (w[:, L_HIP] + w[:, R_HIP]) / 2
    ankles = w[:, [L_ANKLE, R_ANKLE]] - hip[:, None]
    forward = np.einsum("tsk,tk->ts", ankles, fwd) / leg[:, None]
    gap = np.einsum("tk,tk->t", w[:, L_ANKLE] - w[:, R_ANKLE], lat)
    return forward, np.abs(gap) / leg


SCALE_BONES: tuple[tuple[int, int], ...] = (
    (L_SHOULDER, R_SHOULDER), (L_HIP, R_HIP), (L_SHOULDER, L_HIP), (R_SHOULDER, R_HIP),
    (L_HIP, L_KNEE), (R_HIP, R_KNEE), (L_KNEE, L_ANKLE), (R_KNEE, R_ANKLE),
)  # fmt: skip
"""Body segments whose pixel / metre ratio gives the image scale."""


def _px_per_m(xy: NDArray[np.float64], w: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T,) image scale in pixels per metre at the body's distance (NaN where unknown).

    A segment's image length / world length is largest when it lies parallel
    to the image; the second largest ratio over :data:`SCALE_BONES` is used
    (the largest when only one is known), so one bad segment does not set it.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = np.stack([norm(xy[:, a] - xy[:, b]) / norm(w[:, a] - w[:, b]) for a, b in SCALE_BONES], axis=1)
    finite = np.isfinite(ratios)
    ranked = np.sort(np.where(finite, ratios, -np.inf), axis=1)[:, ::-1]
    count = finite.sum(axis=1)
    pick = ranked[np.arange(ranked.shape[0]), np.clip(count - 1, 0, 1)]
    return np.where(count > 0, pick, np.nan)


def _travel(pose: PoseSeries, window_s: float = 1.5) -> NDArray[np.float64]:
    """Net travel of the hip midpoint over a centred window, in leg lengths per second.

    Sideways travel comes from the image x, travel toward / away from the
    camera from the change of image scale (distance = f / scale with an
    assumed focal length f = the frame's longer side in pixels, a ~53° view).
    Net displacement (not speed), so jitter and swaying do not count. The
    window uses the first and last detected rows inside it and shrinks at the
    series' ends; 0 where it spans under 0.5 s.
    """
    xy, w, t_s = pose.xy_px, pose.xyz_world_m, pose.t_s
    scale = smooth(_px_per_m(xy, w), rows_spanning(t_s, 0.3))
    f_px = float(max(pose.resolution_wh))
    hip_x = (xy[:, L_HIP, 0] + xy[:, R_HIP, 0]) / 2 - pose.resolution_wh[0] / 2
    pos = np.stack([hip_x / scale, f_px / scale], axis=1)  # metres: sideways, distance
    n, half = t_s.size, rows_spanning(t_s, window_s / 2)
    idx = np.arange(n)
    ok = np.isfinite(pos).all(axis=1)
    if ok.sum() < 2:
        return np.zeros(n)
    prev_ok = np.maximum.accumulate(np.where(ok, idx, -1))  # last usable row <= k
    next_ok = np.minimum.accumulate(np.where(ok, idx, n)[::-1])[::-1]  # first usable row >= k
    lo, hi = next_ok[np.clip(idx - half, 0, n - 1)], prev_ok[np.clip(idx + half, 0, n - 1)]
    good = (lo < n) & (hi >= 0) & (hi > lo)
    lo, hi = np.where(good, lo, 0), np.where(good, hi, 0)
    span = t_s[hi] - t_s[lo]
    leg_m = float(np.nanmedian(leg_lengths(w)[2])) if np.isfinite(leg_lengths(w)[2]).any() else float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = norm(pos[hi] - pos[lo]) / span / leg_m
    return np.where(good & (span >= 0.5), speed, 0.0)


def _abduction_deg(w: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T, 2) hip→ankle angle from the vertical in the body's frontal plane, + = the ankle away from
    the midline (degrees), from world landmarks, so the same in any view (a side view's image shows
    the sagittal angle instead).
    """
    lat, _ = _body_axes(w)  # toward the subject's left, horizontal
    out = []
    for hip, ankle, sign in ((L_HIP, L_ANKLE, 1.0), (R_HIP, R_ANKLE, -1.0)):
        leg = w[:, ankle] - w[:, hip]
        out.append(np.degrees(np.arctan2(sign * np.einsum("tk,tk->t", leg, lat), np.abs(leg[:, 1]))))
    return np.stack(out, axis=1)


def _thigh_fore_deg(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T, 2) each thigh's angle out of the image plane, arccos(image length / clip length), degrees
    (the clip length: :func:`robust_length`, the thigh straight and seen whole); NaN where missing.
    """
    out = []
    for hip, knee in ((L_HIP, L_KNEE), (R_HIP, R_KNEE)):
        length = norm(xy[:, hip] - xy[:, knee])
        full = robust_length(length)
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append(np.degrees(np.arccos(np.clip(length / full, 0.0, 1.0))))
    return np.stack(out, axis=1)


def movement_features(pose: PoseSeries) -> MovementFeatures:
    """Compute the per-frame features used for recognition (see :class:`MovementFeatures`)."""
    xy, w = pose.xy_px, pose.xyz_world_m
    t = pose.t_s
    forward, wide = _stance_geometry(w)
    down = np.array([0.0, 1.0, 0.0])
    incl = np.stack([_angle_deg(w[:, k] - w[:, h], down) for h, k in ((L_HIP, L_KNEE), (R_HIP, R_KNEE))], axis=1)
    trunk = _angle_deg((w[:, L_SHOULDER] + w[:, R_SHOULDER]) / 2 - (w[:, L_HIP] + w[:, R_HIP]) / 2, -down)
    knees = _knee_flex(xy, w)
    with np.errstate(invalid="ignore"):
        quiet = (knees < QUIET_KNEE_DEG).all(axis=1) & (trunk < QUIET_KNEE_DEG)
    return MovementFeatures(
        depth=_denoise(_relative_depth(_depth(xy, w)), t), knee_flex_deg=_denoise(knees, t),
        lift=_denoise(_lift(xy, w, quiet), t, FOOT_GAP_S), forward=_denoise(forward, t, FOOT_GAP_S),
        wide=_denoise(wide, t),
        thigh_incl_deg=_denoise(incl, t), trunk_flex_deg=_denoise(trunk, t),
        travel=_travel(pose), detected=pose.detected, abduction_deg=_denoise(_abduction_deg(w), t),
        thigh_fore_deg=_denoise(_thigh_fore_deg(xy), t),
    )  # fmt: skip
