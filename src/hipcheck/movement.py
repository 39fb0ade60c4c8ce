"""Exercise recognition, rep segmentation and single-leg stance phases.

The flow is: per-frame scale-free features (:func:`movement_features`) → a
per-frame posture label (:func:`frame_postures`; squat/lunge reps found on
the hip-depth signal get one label each) → runs merged with hysteresis
(:func:`merge_runs`) into :class:`Segment` s, each with its reps
(:class:`RepSegment`). A clip may hold several exercises in a row.

Recognition rules (thresholds are the module constants)
-------------------------------------------------------
- single-leg phase: one ankle is ``LIFT_ON`` shank lengths above the other
  (hysteresis down to ``LIFT_OFF``, at least ``MIN_STANCE_S``), unless it is a
  lunge's or split squat's back foot (``BACK_FOOT_BEHIND`` behind, the other
  foot ahead of the hips, on its toes, or bench-high with the trunk up). Within a phase:
  trunk flexed past ``SLDL_TRUNK_DEG`` → single-leg deadlift; stance knee
  past ``SLS_KNEE_DEG`` or hips lowered → single-leg squat; else single-leg
  stance.
- lunge: feet split fore-aft by ``SPLIT_ON`` leg lengths with the front foot
  ahead of the hips, or a wide stance with one knee bent (warrior / side
  lunge). Front leg = the more horizontal thigh, then the forward foot.
- squat: both feet down and together, hips lowered by ``SQUAT_DEPTH`` leg
  lengths (below the clip's own standing level) with the knees bent past
  ``QUIET_KNEE_DEG``, or the knees bent past ``SQUAT_KNEE_DEG``.
- walking: net travel above ``WALK_SPEED`` leg lengths/s for ``WALK_MIN_S``.
- else standing. Frames without a pose get no label.

Conventions
-----------
- Sides are the person's anatomical sides. ``Segment.side`` is the **stance**
  leg for single-leg tests and the **front** leg for a lunge; None otherwise.
- Rows are indices into the :class:`~hipcheck.landmarks.PoseSeries`; ``end``
  is exclusive. Times are seconds from the series' own ``t_s``.
- Features are dimensionless: lengths are divided by the subject's own leg,
  thigh or shank length, so scale and translation change nothing.
- World landmarks (metres, hip-centred, y down, z away from the camera) give
  the out-of-image-plane cues (knee flexion in a front view, which foot is
  forward); image pixels (y down) give the in-plane ones. NaN = missing.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import median_filter, uniform_filter1d
from scipy.signal import find_peaks

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

ExerciseName = Literal[
    "standing", "squat", "lunge", "single_leg_stance", "single_leg_squat", "single_leg_deadlift", "walking", "unknown"
]  # fmt: skip
Side = Literal["left", "right"]
EXERCISES: tuple[ExerciseName, ...] = get_args(ExerciseName)
SIDED: frozenset[str] = frozenset({"lunge", "single_leg_stance", "single_leg_squat", "single_leg_deadlift"})
SINGLE_LEG: frozenset[str] = frozenset({"single_leg_stance", "single_leg_squat", "single_leg_deadlift"})

Label = tuple[str, "Side | None"]
"""(exercise, side) of one frame; exercise "" = no valid pose."""

# Thresholds (dimensionless unless the name says a unit); see movement_features.
LIFT_ON, LIFT_OFF = 0.25, 0.12  # foot height above the other foot / shank length
QUIET_KNEE_DEG = 30.0  # both knees and the trunk within this of straight: both feet taken as down
SQUAT_DEPTH = 0.10  # hip lowering / leg length
STAND_OFFSET_MAX = 0.08  # largest standing depth reading taken off as the clip's own zero
SQUAT_KNEE_DEG = 55.0  # mean knee flexion that is a squat even without the hips visibly lowered
SPLIT_ON = 0.40  # fore-aft ankle separation / leg length
BACK_FOOT_BEHIND = 0.30  # a raised foot this far behind the other, which is ahead of the hips and low: lunge
WIDE_ON, KNEE_ASYM_DEG = 0.80, 35.0  # side-lunge / warrior stance: wide feet, one knee bent
SLDL_TRUNK_DEG = 45.0
SLS_KNEE_DEG = 45.0  # stance-knee flexion that makes a single-leg stance a single-leg squat
TOES_LIFT, LUNGE_BACK_LIFT = 0.6, 1.6  # back foot on its toes / up on a bench, far behind: lunge, split squat
FRONT_FOOT_AHEAD = 0.12  # a lunge's front ankle is at least this far ahead of the hips / leg length
WALK_SPEED, WALK_MIN_S = 0.35, 2.0  # net hip travel across the image (leg lengths / s), sustained this long
STEP_SPLIT, STEP_MAX_S = 0.2, 1.5  # walking in place: the leading foot (split beyond ±this) changes this often
MIN_RUN_S, GAP_S, MIN_STANCE_S = 0.4, 3.0, 0.8
FOOT_GAP_S = 1.0  # a foot hidden this long is bridged (a lunge's back foot behind the front leg at the bottom)


@dataclass(frozen=True)
class RepSegment:
    """One repetition or single-leg stance phase: rows ``start <= bottom < end``."""

    start: int
    bottom: int
    end: int


@dataclass(frozen=True)
class Segment:
    """A run of rows holding one exercise.

    Attributes:
        exercise: recognised (or user-given) exercise.
        side: stance leg (single-leg tests), front leg (lunge), else None.
        start: first row; end: one past the last row.
        t_start_s: time of row ``start``; t_end_s: time of row ``end - 1`` (s).
        reps: squat/lunge reps; for single-leg tests one per stance phase
            (foot lift → touch-down), ``bottom`` = deepest / worst row.
        confidence: 0..1, share of rows (in the reps' deeper halves, if any)
            whose own per-frame posture agrees, times the share of rows with a pose;
            1.0 when the exercise was given by the user.
    """

    exercise: ExerciseName
    side: Side | None
    start: int
    end: int
    t_start_s: float
    t_end_s: float
    reps: tuple[RepSegment, ...] = ()
    confidence: float = 1.0


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


# --------------------------------------------------------------------------- small numeric helpers
def _norm(v: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(np.linalg.norm(v, axis=-1), dtype=np.float64)


def _angle_deg(u: NDArray[np.float64], v: NDArray[np.float64]) -> NDArray[np.float64]:
    """Angle between vectors u and v along the last axis, degrees in [0, 180]."""
    cos = np.sum(u * v, axis=-1) / (_norm(u) * _norm(v))
    return np.asarray(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))), dtype=np.float64)


def _fill_gaps(x: NDArray[np.float64], max_gap: int) -> NDArray[np.float64]:
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


def _smooth(x: NDArray[np.float64], n: int) -> NDArray[np.float64]:
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
    x = _fill_gaps(x, _rows(t_s, max_gap_s))
    ok = np.isfinite(x)
    if ok.sum() < 2:
        return x
    idx = np.arange(x.size)
    med = median_filter(np.interp(idx, idx[ok], x[ok]), size=5, mode="nearest")
    return _smooth(np.where(ok, med, np.nan), _rows(t_s, 0.1))


def _rows(t_s: NDArray[np.float64], seconds: float) -> int:
    """Number of rows spanning ``seconds`` at the series' median frame rate (>= 1)."""
    if t_s.size < 2:
        return 1
    return max(1, round(seconds / float(np.median(np.diff(t_s)))))


# --------------------------------------------------------------------------- features
def _leg_lengths(p: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Thigh, shank and leg (thigh + shank) length per row, same unit as ``p``.

    The mean of both sides, or the one side seen (a side view hides the far leg).
    """
    thigh = _mean2(_norm(p[:, L_HIP] - p[:, L_KNEE]), _norm(p[:, R_HIP] - p[:, R_KNEE]))
    shank = _mean2(_norm(p[:, L_KNEE] - p[:, L_ANKLE]), _norm(p[:, R_KNEE] - p[:, R_ANKLE]))
    return thigh, shank, thigh + shank


def _mean2(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Element-wise mean of a and b where both are finite, else the finite one (NaN if neither)."""
    return np.where(np.isfinite(a) & np.isfinite(b), (a + b) / 2, np.fmax(a, b))


def _robust_len(x: NDArray[np.float64]) -> float:
    """A clip-level segment length: 90th percentile (straight limbs), NaN if none."""
    return float(np.nanpercentile(x, 90)) if np.isfinite(x).any() else float("nan")


def _depth(xy: NDArray[np.float64], w: NDArray[np.float64]) -> NDArray[np.float64]:
    """Hip lowering / leg length: mean of the image estimate and the world estimate where both exist."""
    hip_y = (xy[:, L_HIP, 1] + xy[:, R_HIP, 1]) / 2
    floor_y = np.fmax(xy[:, L_ANKLE, 1], xy[:, R_ANKLE, 1])
    d_img = 1.0 - (floor_y - hip_y) / _robust_len(_leg_lengths(xy)[2])
    _, _, leg_w = _leg_lengths(w)
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
    shank_px = _robust_len(_leg_lengths(xy)[1])
    shank_w = _leg_lengths(w)[1]
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
    lat = lat / _norm(lat)[:, None]
    up = np.array([0.0, -1.0, 0.0])
    fwd = np.cross(lat, up)
    return lat, fwd


def _stance_geometry(w: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-ankle forward position (T, 2) and lateral ankle gap (T,), both / leg length (world)."""
    lat, fwd = _body_axes(w)
    leg = _leg_lengths(w)[2]
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
        ratios = np.stack([_norm(xy[:, a] - xy[:, b]) / _norm(w[:, a] - w[:, b]) for a, b in SCALE_BONES], axis=1)
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
    scale = _smooth(_px_per_m(xy, w), _rows(t_s, 0.3))
    f_px = float(max(pose.resolution_wh))
    hip_x = (xy[:, L_HIP, 0] + xy[:, R_HIP, 0]) / 2 - pose.resolution_wh[0] / 2
    pos = np.stack([hip_x / scale, f_px / scale], axis=1)  # metres: sideways, distance
    n, half = t_s.size, _rows(t_s, window_s / 2)
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
    leg_m = float(np.nanmedian(_leg_lengths(w)[2])) if np.isfinite(_leg_lengths(w)[2]).any() else float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = _norm(pos[hi] - pos[lo]) / span / leg_m
    return np.where(good & (span >= 0.5), speed, 0.0)


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
        travel=_travel(pose), detected=pose.detected,
    )  # fmt: skip


# --------------------------------------------------------------------------- reps and stance phases
def _rep_edges(
    x: NDArray[np.float64], peaks: NDArray[np.intp], prominences: NDArray[np.float64], edge_frac: float
) -> list[tuple[int, int]]:
    """(start, end) per peak, end exclusive: where the signal is ``edge_frac`` of the peak's
    prominence below the peak, searched between the neighbouring peaks; the lowest point between
    them when it never gets that low (reps back to back).
    """
    bounds = np.r_[0, peaks, x.size - 1]
    out = []
    for k, (p, prom) in enumerate(zip(peaks, prominences, strict=True)):
        left, right = x[bounds[k] : p + 1], x[p : bounds[k + 2] + 1]
        level = x[p] - edge_frac * prom
        below_l, below_r = np.flatnonzero(left <= level), np.flatnonzero(right <= level)
        start = bounds[k] + (int(below_l[-1]) if below_l.size else int(np.argmin(left)))
        end = p + (int(below_r[0]) if below_r.size else int(np.argmin(right))) + 1
        out.append((int(start), int(end)))
    return out


def find_reps(
    signal: NDArray[np.float64],
    t_s: NDArray[np.float64],
    *,
    min_depth: float = 0.08,
    min_duration_s: float = 0.4,
    smooth_s: float = 0.15,
    edge_frac: float = 0.85,
) -> list[RepSegment]:
    """Find down-and-up repetitions in a depth signal (larger = deeper).

    Args:
        signal: (T,) depth, e.g. hip lowering / leg length; NaN = missing
            (gaps up to 0.3 s are bridged).
        t_s: (T,) timestamps in seconds.
        min_depth: minimum prominence of a rep's bottom, in signal units.
        min_duration_s: minimum start→end duration of a rep, seconds.
        smooth_s: moving-average window applied first, seconds.
        edge_frac: a rep starts (ends) where the signal is ``edge_frac`` of
            the bottom's prominence (scipy's: height above the higher of its
            two bases) below the bottom, i.e. close to the standing level.

    Returns:
        Reps in time order, non-overlapping; ``bottom`` is the deepest row of
        the smoothed signal.
    """
    x = np.asarray(signal, dtype=np.float64)
    t = np.asarray(t_s, dtype=np.float64)
    if x.size < 3 or np.isfinite(x).sum() < 3:
        return []
    x = _smooth(_fill_gaps(x, _rows(t, 0.3)), _rows(t, smooth_s))
    filled = np.where(np.isfinite(x), x, np.nanmin(x))
    peaks, props = find_peaks(filled, prominence=min_depth, distance=_rows(t, min_duration_s / 2))
    reps: list[RepSegment] = []
    for p, (start, end) in zip(peaks, _rep_edges(filled, peaks, props["prominences"], edge_frac), strict=True):
        if t[end - 1] - t[start] >= min_duration_s and np.isfinite(x[p]):
            reps.append(RepSegment(start=start, bottom=int(p), end=end))
    return reps


def _hysteresis(x: NDArray[np.float64], on: float, off: float) -> NDArray[np.bool_]:
    """Boolean state: switches on above ``on``, off below ``off`` (NaN switches off)."""
    out = np.zeros(x.shape, dtype=bool)
    state = False
    for i, v in enumerate(x):
        state = bool(v > on) if not state else bool(v >= off)
        out[i] = state
    return out


def _runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(start, end) of every True run, end exclusive."""
    d = np.diff(np.r_[0, mask.astype(np.int8), 0])
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def _refine_edges(x: NDArray[np.float64], s: int, e: int, look: int) -> tuple[int, int]:
    """Widen a lifted run [s, e) to where the lift leaves / regains its local floor level.

    The edge level is 10 % of the way from the median of the ``look`` rows
    outside each edge to the run's peak, so a slow lift is timed from its
    beginning, not from the threshold crossing.
    """
    peak = float(np.nanmax(x[s:e]))
    before, after = x[max(0, s - look) : s], x[e : e + look]
    lo_b = float(np.nanmedian(before)) if np.isfinite(before).any() else 0.0
    lo_a = float(np.nanmedian(after)) if np.isfinite(after).any() else 0.0
    level_b, level_a = lo_b + 0.1 * (peak - lo_b), lo_a + 0.1 * (peak - lo_a)
    while s > 0 and x[s - 1] > level_b:
        s -= 1
    while e < x.size and x[e] > level_a:
        e += 1
    return s, e


def stance_phases_from_lift(
    lift: NDArray[np.float64], t_s: NDArray[np.float64], *, min_duration_s: float = MIN_STANCE_S
) -> list[tuple[Side, int, int]]:
    """Single-leg phases from the (T, 2) foot-lift feature: (stance side, lift row, touch-down row).

    The stance side is the foot that stays down; ``end`` (exclusive) is the
    first row after touch-down. Phases shorter than ``min_duration_s`` go.
    """
    out: list[tuple[Side, int, int]] = []
    look = _rows(t_s, 0.5)
    for col, stance in ((1, "left"), (0, "right")):  # right foot lifted → stance on left
        x = lift[:, col]
        for s0, e0 in _runs(_hysteresis(x, LIFT_ON, LIFT_OFF)):
            s, e = _refine_edges(x, s0, e0, look)
            if t_s[e - 1] - t_s[s] >= min_duration_s:
                out.append((stance, s, e))  # type: ignore[arg-type]
    return sorted(out, key=lambda p: p[1])


def _is_lunge_back_foot(f: MovementFeatures, stance: Side, s: int, e: int) -> bool:
    """True when a "lifted" foot is a lunge's or split squat's back foot: far behind the stance
    foot, which is ahead of the hips, and either only on its toes or up on a bench (Bulgarian
    split squat) with the trunk up (a single-leg deadlift's free leg goes back and up, trunk flexed).
    """
    st, sw = (0, 1) if stance == "left" else (1, 0)
    fwd = f.forward[s:e]
    if not np.isfinite(fwd).all(axis=1).any():
        return False
    behind = np.nanmedian(fwd[:, st] - fwd[:, sw])
    # a lunge's front foot is ahead of the hips, at least at the bottom of its reps (MediaPipe's world depth
    # reads the split shorter when the legs are straighter); a single-leg stance's stays under them
    ahead = _p90(fwd[:, st])
    lift = np.nanmedian(f.lift[s:e, sw])
    low = lift < TOES_LIFT or (lift < LUNGE_BACK_LIFT and _p90(f.trunk_flex_deg[s:e]) < SLDL_TRUNK_DEG)
    return bool(behind > BACK_FOOT_BEHIND and ahead > FRONT_FOOT_AHEAD and low)


def single_leg_phases(f: MovementFeatures, t_s: NDArray[np.float64]) -> list[tuple[Side, int, int]]:
    """:func:`stance_phases_from_lift` without the lunges' raised back feet."""
    phases = stance_phases_from_lift(f.lift, t_s)
    return [p for p in phases if not _is_lunge_back_foot(f, *p)]


def find_stance_phases(pose: PoseSeries) -> list[tuple[Side, int, int]]:
    """Single-leg stance phases of a pose series.

    Returns:
        ``(stance_side, start, end)`` per phase in time order: the **stance**
        (supporting) side — the other foot is the lifted one — the row the
        foot lifts and one past the row it touches down again.
    """
    if len(pose) < 3:
        return []
    return single_leg_phases(movement_features(pose), pose.t_s)


# --------------------------------------------------------------------------- per-frame posture
def _front_side(f: MovementFeatures, i: int) -> Side:
    """Front leg of a split stance at row i: more horizontal thigh, then the forward foot."""
    score = (f.thigh_incl_deg[i, 0] - f.thigh_incl_deg[i, 1]) / 45.0 + (f.forward[i, 0] - f.forward[i, 1]) / 0.5
    return "left" if score >= 0 else "right"


def _bipedal_label(f: MovementFeatures, i: int) -> Label:
    """Posture of a row with both feet down: lunge / squat / standing."""
    knees = f.knee_flex_deg[i]
    split = abs(f.forward[i, 0] - f.forward[i, 1])
    asym = abs(knees[0] - knees[1])
    ahead = float(np.nanmax(f.forward[i])) if np.isfinite(f.forward[i]).any() else 0.0
    if (split > SPLIT_ON and ahead > FRONT_FOOT_AHEAD) or (f.wide[i] > WIDE_ON and asym > KNEE_ASYM_DEG):
        return ("lunge", _front_side(f, i))
    knee = float(np.nanmean(knees))  # both knees bend in a squat (or the one seen)
    if (f.depth[i] > SQUAT_DEPTH and knee > QUIET_KNEE_DEG) or knee > SQUAT_KNEE_DEG:
        return ("squat", None)
    return ("standing", None)


def _p90(x: NDArray[np.float64]) -> float:
    """90th percentile of the finite values (0 if none): a noise-tolerant peak."""
    x = x[np.isfinite(x)]
    return float(np.percentile(x, 90)) if x.size else 0.0


def _single_leg_label(f: MovementFeatures, rows: slice, stance: Side) -> ExerciseName:
    """Which single-leg test a stance phase is: deadlift, squat or stance (from 90th-percentile peaks)."""
    s = 0 if stance == "left" else 1
    if _p90(f.trunk_flex_deg[rows]) > SLDL_TRUNK_DEG:
        return "single_leg_deadlift"
    if _p90(f.knee_flex_deg[rows, s]) > SLS_KNEE_DEG or _p90(f.depth[rows]) > SQUAT_DEPTH:
        return "single_leg_squat"
    return "single_leg_stance"


def _valid(f: MovementFeatures) -> NDArray[np.bool_]:
    """Rows that can be classified: person detected, hip depth and at least one knee known.

    The foot lift needs both legs; where one is hidden no foot counts as lifted.
    """
    finite = np.isfinite(f.depth) & np.isfinite(f.knee_flex_deg).any(axis=1)
    return np.asarray(finite & f.detected)


def _step_flips(split: NDArray[np.float64]) -> list[int]:
    """Rows where the leading foot changes: the signed fore-aft split crosses ±``STEP_SPLIT``."""
    flips, state = [], 0
    for i, v in enumerate(split):
        now = 1 if v > STEP_SPLIT else -1 if v < -STEP_SPLIT else state
        if now != state:
            flips.append(i)
            state = now
    return flips[1:]  # the first "flip" only sets the starting state


def _walking_rows(f: MovementFeatures, t_s: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Rows of walking: sustained travel, or stepping (on a treadmill, or a camera following).

    Travel: net hip travel above ``WALK_SPEED`` for at least ``WALK_MIN_S``.
    Stepping: the leading foot changes at least 3 times, each within
    ``STEP_MAX_S`` of the last, over at least ``WALK_MIN_S``, with the hips
    up (median depth under ``SQUAT_DEPTH``; alternating lunges go deeper).
    """
    out = np.zeros(t_s.shape, dtype=bool)
    for s, e in _runs(np.nan_to_num(f.travel) > WALK_SPEED):
        if t_s[e - 1] - t_s[s] >= WALK_MIN_S:
            out[s:e] = True
    stepping = np.zeros(t_s.shape, dtype=bool)
    flips = _step_flips(f.forward[:, 0] - f.forward[:, 1])
    for a, b in itertools.pairwise(flips):
        stepping[a : b + 1] |= t_s[b] - t_s[a] <= STEP_MAX_S
    for s, e in _runs(stepping):
        n_flips = sum(s <= k < e for k in flips)
        if t_s[e - 1] - t_s[s] >= WALK_MIN_S and n_flips >= 3 and np.nanmedian(f.depth[s:e]) < SQUAT_DEPTH:
            out[s:e] = True
    return out


def frame_postures(
    f: MovementFeatures, phases: Sequence[tuple[Side, int, int]], t_s: NDArray[np.float64]
) -> list[Label]:
    """Raw per-frame (exercise, side); ("", None) where the pose is missing.

    Bipedal postures first, single-leg phases over them, sustained travel
    ("walking") over everything.
    """
    valid = _valid(f)
    labels: list[Label] = [_bipedal_label(f, i) if valid[i] else ("", None) for i in range(valid.size)]
    for stance, s, e in phases:
        name = _single_leg_label(f, slice(s, e), stance)
        labels[s:e] = [(name, stance) if valid[i] else labels[i] for i in range(s, e)]
    walking = _walking_rows(f, t_s)
    return [("walking", None) if walking[i] and valid[i] else lab for i, lab in enumerate(labels)]


def _mode(labels: Sequence[Label]) -> Label:
    keys, counts = np.unique([f"{e}|{s}" for e, s in labels], return_counts=True)
    e, s = str(keys[int(np.argmax(counts))]).split("|")
    return (e, None if s == "None" else s)  # type: ignore[return-value]


def _label_reps(labels: list[Label], f: MovementFeatures, reps: Sequence[RepSegment]) -> list[Label]:
    """Give every squat/lunge rep one label: the mode of its deeper half."""
    out = list(labels)
    for r in reps:
        half = (f.depth[r.bottom] + np.nanmin(f.depth[r.start : r.end])) / 2
        core = [labels[i] for i in range(r.start, r.end) if f.depth[i] >= half and labels[i][0]]
        if not core:
            continue
        lab = _mode(core)
        if lab[0] in ("squat", "lunge"):
            out[r.start : r.end] = [lab if labels[i][0] else labels[i] for i in range(r.start, r.end)]
    return out


# --------------------------------------------------------------------------- runs → segments
Run = tuple[Label, int, int]


def _coalesce(runs: list[Run]) -> list[Run]:
    """Join neighbouring runs that carry the same label."""
    out: list[Run] = []
    for lab, s, e in runs:
        if out and out[-1][0] == lab:
            out[-1] = (lab, out[-1][1], e)
        else:
            out.append((lab, s, e))
    return out


def _absorb(runs: list[Run], k: int, dur: Sequence[float]) -> list[Run]:
    """Relabel run k as its neighbour (the one on both sides, else the longer one) and coalesce."""
    prev = runs[k - 1][0] if k > 0 else None
    nxt = runs[k + 1][0] if k + 1 < len(runs) else None
    to_next = prev is None or (nxt is not None and nxt != prev and dur[k + 1] > dur[k - 1])
    new = list(runs)
    new[k] = (runs[k + 1 if to_next else k - 1][0], runs[k][1], runs[k][2])
    return _coalesce(new)


def _walk_edge(runs: list[Run], k: int, t_s: NDArray[np.float64]) -> Run:
    """Run k, relabelled walking when it is a first or last step: a split or bent-knee moment of at
    most ``STEP_MAX_S`` right before or after walking.
    """
    lab, s, e = runs[k]
    near = {runs[j][0][0] for j in (k - 1, k + 1) if 0 <= j < len(runs)}
    if lab[0] in ("lunge", "squat") and "walking" in near and t_s[e - 1] - t_s[s] <= STEP_MAX_S:
        return (("walking", None), s, e)
    return runs[k]


def merge_runs(labels: Sequence[Label], t_s: NDArray[np.float64]) -> list[Run]:
    """Runs of equal labels, cleaned in two passes.

    First every run shorter than ``MIN_RUN_S`` is absorbed by a neighbour,
    shortest first; short lunge / squat moments next to walking become
    walking (first and last steps); then standing pauses up to ``GAP_S`` between two runs of
    the same exercise and side are absorbed by them (and so are squat-like
    moments up to ``GAP_S`` inside a lunge bout: stepping between lunges).
    """
    runs = _coalesce([(lab, i, i + 1) for i, lab in enumerate(labels)])

    def durations(rs: list[Run]) -> list[float]:
        return [float(t_s[e - 1] - t_s[s]) for _, s, e in rs]

    while len(runs) > 1:
        dur = durations(runs)
        k = int(np.argmin(dur))
        if dur[k] >= MIN_RUN_S:
            break
        runs = _absorb(runs, k, dur)
    runs = _coalesce([_walk_edge(runs, k, t_s) for k in range(len(runs))])
    k = 1
    while k < len(runs) - 1:
        lab, s, e = runs[k]
        pause = lab[0] == "standing" or (lab[0] == "squat" and runs[k - 1][0][0] == "lunge")
        if pause and runs[k - 1][0] == runs[k + 1][0] and t_s[e - 1] - t_s[s] <= GAP_S:
            runs = _absorb(runs, k, durations(runs))
        else:
            k += 1
    return runs


def _argmax_row(x: NDArray[np.float64], a: int, b: int) -> int:
    """Row of the largest finite value of x in [a, b) (``a`` when all NaN)."""
    return a + int(np.argmax(np.nan_to_num(x[a:b], nan=-np.inf)))


def _single_leg_reps(
    name: str, a: int, b: int, *, f: MovementFeatures, reps: Sequence[RepSegment], t_s: NDArray[np.float64]
) -> list[RepSegment]:
    """Reps of one stance phase [a, b): the depth reps inside it for a single-leg squat, the trunk
    flexion reps for a single-leg deadlift, else (or when none) the phase itself, bottom = its peak.
    """
    key = f.trunk_flex_deg if name == "single_leg_deadlift" else f.depth
    if name == "single_leg_squat":
        inner = [RepSegment(max(r.start, a), r.bottom, min(r.end, b)) for r in reps if a <= r.bottom < b]
    elif name == "single_leg_deadlift":
        found = find_reps(key[a:b] / 90.0, t_s[a:b], min_depth=0.2, min_duration_s=0.8)
        inner = [RepSegment(a + r.start, a + r.bottom, a + r.end) for r in found]
    else:
        inner = []
    return inner or [RepSegment(a, _argmax_row(key, a, b), b)]


def _reps_in(
    lab: Label, s: int, e: int, *, f: MovementFeatures, reps: Sequence[RepSegment],
    phases: Sequence[tuple[Side, int, int]], t_s: NDArray[np.float64],
) -> tuple[RepSegment, ...]:  # fmt: skip
    """Reps of the segment [s, e): stance phases (single-leg), depth reps, or the held position as one rep."""
    name, side = lab
    if name in SINGLE_LEG:
        clipped = [(max(a, s), min(b, e)) for st, a, b in phases if st == side and min(b, e) > max(a, s)]
        return tuple(r for a, b in clipped for r in _single_leg_reps(name, a, b, f=f, reps=reps, t_s=t_s))
    if name not in ("squat", "lunge"):
        return ()
    inside = tuple(RepSegment(max(r.start, s), r.bottom, min(r.end, e)) for r in reps if s <= r.bottom < e)
    if inside or not np.isfinite(f.depth[s:e]).any():
        return inside
    return (RepSegment(s, _argmax_row(f.depth, s, e), e),)  # a held position: one "rep"


def _segment(
    lab: Label, s: int, e: int, *, t: NDArray[np.float64], conf: float, reps: tuple[RepSegment, ...]
) -> Segment:
    name, side = lab
    return Segment(
        exercise=name if name in EXERCISES else "unknown",
        side=side, start=s, end=e, t_start_s=float(t[s]), t_end_s=float(t[e - 1]),
        reps=reps, confidence=round(conf, 3),
    )  # fmt: skip


def _nearest_side(n: int, anchors: Sequence[tuple[Side, int, int]], default: Side) -> list[Side]:
    """Per-row side of the nearest anchor ``(side, start, end)``; ``default`` without anchors."""
    if not anchors:
        return [default] * n
    mids = np.array([(a + b) / 2 for _, a, b in anchors])
    return [anchors[int(np.argmin(np.abs(mids - i)))][0] for i in range(n)]


def _override_labels(
    exercise: ExerciseName, raw: Sequence[Label], f: MovementFeatures, reps: Sequence[RepSegment],
    phases: Sequence[tuple[Side, int, int]],
) -> list[Label]:  # fmt: skip
    """Per-frame labels when the user names the exercise: only the side is inferred."""
    n = len(raw)
    sides: list[Side | None] = [None] * n
    if exercise == "lunge":
        anchors = [(_front_side(f, r.bottom), r.start, r.end) for r in reps]
        sides = list(_nearest_side(n, anchors, _front_side(f, int(np.nanargmax(np.nan_to_num(f.depth, nan=-1))))))
    elif exercise in SINGLE_LEG:
        diff = f.lift[:, 0] - f.lift[:, 1]  # + = left foot higher on average → standing on the right
        default: Side = "right" if np.isfinite(diff).any() and np.nanmean(diff) > 0 else "left"
        sides = list(_nearest_side(n, phases, default))
    return [(exercise, sides[i]) if raw[i][0] else ("", None) for i in range(n)]


def _agreement(raw: Sequence[Label], lab: Label, s: int, e: int, reps: Sequence[RepSegment]) -> float:
    """Share of rows whose own posture is the segment's label, times the share of rows with a pose.

    The first share is taken over the reps' deeper halves (from midway
    between start and bottom to midway between bottom and end) when there are
    reps, else over all rows of the segment.
    """
    rows = [i for r in reps for i in range((r.start + r.bottom) // 2, (r.bottom + r.end) // 2 + 1)] or range(s, e)
    seen = float(np.mean([bool(raw[i][0]) for i in range(s, e)]))
    return seen * float(np.mean([raw[i] == lab for i in rows]))


def segment_movement(pose: PoseSeries, *, exercise: ExerciseName | None = None) -> list[Segment]:
    """Recognise the exercise(s) of a clip and segment reps and stance phases.

    Args:
        pose: a cleaned :class:`PoseSeries` (NaN = missing).
        exercise: if given, the whole clip is this exercise (recognition is
            skipped; reps, stance phases and sides are still found).

    Returns:
        Segments in time order, not overlapping. [] when the series is empty
        or has no usable pose; a very short series (even one still frame)
        gets one segment of its most common posture.

    Raises:
        ValueError: ``exercise`` is not one of :data:`EXERCISES`.
    """
    if exercise is not None and exercise not in EXERCISES:
        raise ValueError(f"exercise: expected one of {', '.join(EXERCISES)}, got {exercise!r}")
    t = pose.t_s
    if len(pose) == 0 or not pose.detected.any():
        return []
    f = movement_features(pose)
    if not _valid(f).any():
        return []
    reps = find_reps(f.depth, t)
    phases = single_leg_phases(f, t)
    raw = frame_postures(f, phases, t)
    labels = _override_labels(exercise, raw, f, reps, phases) if exercise else _label_reps(raw, f, reps)
    segments = []
    for lab, s, e in merge_runs(labels, t):
        if not lab[0]:
            continue
        seg_reps = _reps_in(lab, s, e, f=f, reps=reps, phases=phases, t_s=t)
        conf = _agreement(raw, lab, s, e, seg_reps) if exercise is None else 1.0
        segments.append(_segment(lab, s, e, t=t, conf=conf, reps=seg_reps))
    return segments


# --------------------------------------------------------------------------- labels and baseline
def frame_labels(segments: Sequence[Segment], n_frames: int) -> tuple[list[str], list[str]]:
    """Per-frame exercise and phase labels ("" outside every segment).

    Phases: "descent" (rep start → bottom), "bottom" (the bottom row),
    "ascent" (after the bottom), "stance_left"/"stance_right" (single-leg
    phase), "standing" (inside a segment but between reps), "" otherwise.
    """
    ex, ph = [""] * n_frames, [""] * n_frames
    for seg in segments:
        for i in range(max(seg.start, 0), min(seg.end, n_frames)):
            ex[i] = seg.exercise
            ph[i] = "" if seg.exercise == "walking" else "standing"
        for r in seg.reps:
            for i in range(max(r.start, 0), min(r.end, n_frames)):
                if seg.exercise in SINGLE_LEG:
                    ph[i] = f"stance_{seg.side}"
                else:
                    ph[i] = "descent" if i < r.bottom else "bottom" if i == r.bottom else "ascent"
    return ex, ph


def bipedal_baseline_rows(pose: PoseSeries, segments: Sequence[Segment]) -> NDArray[np.bool_]:
    """(T,) True on quiet bipedal standing rows: the baseline for pelvic drop θ0 and camera roll.

    A row qualifies when a person is detected, both feet are down (neither
    lifted by ``LIFT_OFF`` shank lengths), the feet are not split fore-aft,
    the hips are near the clip's own standing height (depth below its 10th
    percentile + 0.06 leg lengths, and below 0.15), the hips move less than
    0.25 leg lengths per second, and the row lies in no single-leg phase or
    walking segment. Rows of "standing" segments are preferred; if none
    qualify, quiet rows anywhere else (e.g. between squat reps) are used.
    """
    n = len(pose)
    if n < 3 or not pose.detected.any():
        return np.zeros(n, dtype=bool)
    f = movement_features(pose)
    valid = _valid(f)
    if not valid.any():
        return np.zeros(n, dtype=bool)
    level = min(float(np.percentile(f.depth[valid], 10)) + 0.06, 0.15)
    with np.errstate(invalid="ignore"):
        quiet = valid & (f.depth < level) & (np.abs(f.lift) < LIFT_OFF).all(axis=1)
        quiet &= (np.abs(f.forward[:, 0] - f.forward[:, 1]) < SPLIT_ON / 2) & (_hip_speed(pose) < 0.25)
    standing = np.zeros(n, dtype=bool)
    for seg in segments:
        standing[seg.start : seg.end] |= seg.exercise == "standing"
        if seg.exercise in SINGLE_LEG or seg.exercise == "walking":
            busy = [(seg.start, seg.end)] if seg.exercise == "walking" else [(r.start, r.end) for r in seg.reps]
            for a, b in busy:
                quiet[a:b] = False
    return np.asarray(quiet & standing) if (quiet & standing).any() else np.asarray(quiet)


def _hip_speed(pose: PoseSeries) -> NDArray[np.float64]:
    """Hip-midpoint image speed (x and y) / leg length, leg lengths per second, 0.3 s mean."""
    xy = pose.xy_px
    hip = (xy[:, L_HIP] + xy[:, R_HIP]) / 2
    leg = _robust_len(_leg_lengths(xy)[2])
    v = _norm(np.gradient(hip, pose.t_s, axis=0)) / leg
    return _smooth(v, _rows(pose.t_s, 0.3))
