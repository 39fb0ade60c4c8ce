"""Landmark cleaning: gating, left/right swap repair, outliers, gap filling, smoothing.

Every step is a pure function ``PoseSeries -> (PoseSeries, count)``;
:func:`clean` chains them and returns a :class:`CleanReport`. Missing stays
``NaN``: a long gap is never bridged and filters never invent values in it.
``pelvis_mask`` / ``pelvis_box_px`` are passed through untouched.

Steps and their defaults
------------------------
1. :func:`gate_by_visibility`: a landmark whose MediaPipe ``visibility`` is
   below :data:`VISIBILITY_THRESHOLD` (0.5, MediaPipe's own "visible" cut) is
   set to NaN in ``xy_px``, ``z`` and ``xyz_world_m``.
2. :func:`repair_swaps`: a frame where exchanging a left/right group (whole
   body, lower legs, feet, arms) brings it much closer to the previous frame
   is relabelled (MediaPipe's left/right label swaps).
3. :func:`reject_outliers`: Hampel filter on each coordinate (spikes far from
   the running median) and thigh/shank length jumps → NaN.
4. :func:`fill_short_gaps`: linear interpolation in time of gaps of at most
   :data:`MAX_GAP_S` (0.25 s); longer gaps stay NaN.
5. Smoothing: offline :func:`lowpass_butterworth` (zero-lag, 6 Hz, order 2,
   per contiguous non-NaN run, skipped below :data:`MIN_FPS_FOR_FILTER`);
   live, the causal :class:`OneEuroFilter` (:func:`one_euro_series`).
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import math
import threading
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipcheck.landmarks import INDEX, L_HIP, LEFT_RIGHT_PAIRS, R_HIP, PoseSeries
from hipcheck.types import FloatArray

VISIBILITY_THRESHOLD = 0.5
"""Landmarks with MediaPipe visibility below this are treated as missing."""
LAZY_MODULES = ("scipy.signal",)
"""Imported when first used, not with :mod:`hipcheck.analysis` (0.7 s at start-up otherwise)."""

MAX_GAP_S = 0.25
"""Gaps up to this long (seconds) are interpolated; longer ones stay NaN."""
CUTOFF_HZ = 6.0
"""Butterworth low-pass cutoff for recorded video (human movement < 6 Hz)."""
FILTER_ORDER = 2
MIN_FPS_FOR_FILTER = 15.0
"""Below this frame rate the 6 Hz cutoff is too close to Nyquist: no low-pass."""

_SIDE_NAMES = ("hip", "knee", "ankle", "heel", "foot_index")
SWAP_GROUPS: dict[str, tuple[tuple[int, int], ...]] = {
    "body": LEFT_RIGHT_PAIRS,
    "legs": tuple((INDEX[f"left_{n}"], INDEX[f"right_{n}"]) for n in _SIDE_NAMES[1:]),
    "feet": tuple((INDEX[f"left_{n}"], INDEX[f"right_{n}"]) for n in _SIDE_NAMES[2:]),
    "arms": tuple((INDEX[f"left_{n}"], INDEX[f"right_{n}"]) for n in ("elbow", "wrist", "pinky", "index", "thumb")),
}
"""Left/right landmark groups that MediaPipe swaps together, checked in this order."""


@dataclass(frozen=True)
class CleanReport:
    """What :func:`clean` changed (counts are landmark-frames unless named frames)."""

    n_frames: int
    gated_points: int = 0
    swap_frames: tuple[int, ...] = ()
    outlier_points: int = 0
    filled_points: int = 0
    smoothing: str = "none"
    parameters: dict[str, float] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        d = dataclasses.asdict(self)
        d["swap_frames"] = list(self.swap_frames)
        d["swaps_repaired"] = len(self.swap_frames)
        return d


def _nanmedian(a: NDArray[np.float64]) -> float:
    """Median of the finite values, NaN (without a warning) when there are none."""
    finite = a[np.isfinite(a)]
    return float(np.median(finite)) if finite.size else math.nan


def _with(pose: PoseSeries, xy: FloatArray, z: FloatArray, world: FloatArray) -> PoseSeries:
    return pose.replace(xy_px=xy, z=z, xyz_world_m=world)


def _missing(pose: PoseSeries) -> NDArray[np.bool_]:
    """(T, 33) True where the image point is missing."""
    return np.logical_not(np.isfinite(pose.xy_px).all(axis=-1))


def _set_nan(pose: PoseSeries, bad: NDArray[np.bool_]) -> PoseSeries:
    xy, z, world = pose.xy_px.copy(), pose.z.copy(), pose.xyz_world_m.copy()
    xy[bad], z[bad], world[bad] = np.nan, np.nan, np.nan
    return _with(pose, xy, z, world)


# ------------------------------------------------------------------ 1. gating
def gate_by_visibility(pose: PoseSeries, *, threshold: float = VISIBILITY_THRESHOLD) -> tuple[PoseSeries, int]:
    """Set landmarks with ``visibility < threshold`` (or NaN visibility) to NaN.

    Returns:
        The gated series and the number of landmark-frames newly set missing.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold: expected a visibility in [0, 1], got {threshold}")
    with np.errstate(invalid="ignore"):
        bad = ~(pose.visibility >= threshold)
    newly = int((bad & ~_missing(pose)).sum())
    return _set_nan(pose, bad), newly


# ------------------------------------------------------------------ 2. swaps
def _swap_cost(prev: FloatArray, cur: FloatArray, pairs: tuple[tuple[int, int], ...]) -> tuple[float, float]:
    """Summed point distances to the previous frame as labelled and with the pairs exchanged."""
    left, right = [p[0] for p in pairs], [p[1] for p in pairs]
    keep = np.linalg.norm(cur[left] - prev[left], axis=-1) + np.linalg.norm(cur[right] - prev[right], axis=-1)
    swap = np.linalg.norm(cur[left] - prev[right], axis=-1) + np.linalg.norm(cur[right] - prev[left], axis=-1)
    ok = np.isfinite(keep) & np.isfinite(swap)
    return (float(keep[ok].sum()), float(swap[ok].sum())) if ok.sum() >= 1 else (math.nan, math.nan)


def _exchange(arrays: list[FloatArray], row: int, pairs: tuple[tuple[int, int], ...]) -> None:
    left, right = [p[0] for p in pairs], [p[1] for p in pairs]
    for a in arrays:
        a[row, left + right] = a[row, right + left]


def repair_swaps(
    pose: PoseSeries, *, ratio: float = 0.5, min_jump_hip_widths: float = 0.5
) -> tuple[PoseSeries, tuple[int, ...]]:
    """Detect and undo sudden left/right label exchanges.

    Frame by frame, each group of :data:`SWAP_GROUPS` is compared with the
    previous (already repaired) frame: if exchanging its left and right
    labels makes the summed point distance smaller than ``ratio`` times the
    distance as labelled, and the labelled distance is at least
    ``min_jump_hip_widths`` median hip widths per pair, the group is exchanged
    in every per-landmark field. A clip that is mislabelled from its first
    frame cannot be detected this way.

    Returns:
        The repaired series and the frame indices where a swap was undone.
    """
    xy, z, world = pose.xy_px.copy(), pose.z.copy(), pose.xyz_world_m.copy()
    vis, pres = pose.visibility.copy(), pose.presence.copy()
    hip_w = _nanmedian(np.linalg.norm(xy[:, L_HIP] - xy[:, R_HIP], axis=-1)) if len(pose) else math.nan
    if not math.isfinite(hip_w) or hip_w <= 0:
        return pose, ()
    fixed: list[int] = []
    prev = 0
    for t in range(1, len(pose)):
        if not np.isfinite(xy[prev]).any():
            prev = t
            continue
        for pairs in SWAP_GROUPS.values():
            keep, swap = _swap_cost(xy[prev], xy[t], pairs)
            if math.isfinite(keep) and keep >= min_jump_hip_widths * hip_w * len(pairs) and swap < ratio * keep:
                _exchange([xy, z, world, vis, pres], t, pairs)
                fixed.append(t)
                break
        if np.isfinite(xy[t]).any():
            prev = t
    out = pose.replace(xy_px=xy, z=z, xyz_world_m=world, visibility=vis, presence=pres)
    return out, tuple(sorted(set(fixed)))


# ------------------------------------------------------------------ 3. outliers
def _hampel_mask(x: FloatArray, half_window: int, n_sigma: float, floor: float) -> NDArray[np.bool_]:
    """True where x deviates from its running median by > n_sigma robust SDs (and > floor)."""
    n = x.shape[0]
    pad = np.pad(x, half_window, mode="constant", constant_values=np.nan)
    win = np.lib.stride_tricks.sliding_window_view(pad, 2 * half_window + 1)[:n]
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows
        med = np.nanmedian(win, axis=1)
        mad = 1.4826 * np.nanmedian(np.abs(win - med[:, None]), axis=1)
        dev = np.abs(x - med)
        out: NDArray[np.bool_] = (dev > n_sigma * mad) & (dev > floor)
    return out


def reject_outliers(
    pose: PoseSeries,
    *,
    window_s: float = 0.2,
    n_sigma: float = 4.0,
    floor_hip_widths: float = 0.25,
    max_length_change: float = 0.35,
) -> tuple[PoseSeries, int]:
    """Remove spikes: Hampel filter per image coordinate, and segment-length jumps.

    A point is an outlier when it is more than ``n_sigma`` robust standard
    deviations and more than ``floor_hip_widths`` median hip widths from the
    running median over ``window_s`` seconds. A knee or ankle is also
    removed when its thigh/shank length in the image differs from its running
    median over the same window by more than ``max_length_change`` (a
    fraction; slow foreshortening in a squat is not a jump).

    Returns:
        The series with outliers set to NaN, and how many landmark-frames were removed.
    """
    xy = pose.xy_px
    fps = pose.fps if math.isfinite(pose.fps) else 30.0
    half = max(2, round(window_s * fps / 2))
    hip_w = _nanmedian(np.linalg.norm(xy[:, L_HIP] - xy[:, R_HIP], axis=-1)) if len(pose) else math.nan
    if len(pose) < 2 * half + 1 or not math.isfinite(hip_w):
        return pose, 0
    bad = np.zeros(xy.shape[:2], dtype=bool)
    for k in range(xy.shape[1]):
        for c in range(2):
            bad[:, k] |= _hampel_mask(xy[:, k, c], half, n_sigma, floor_hip_widths * hip_w)
    bad |= _length_jumps(xy, half, max_length_change)
    newly = int((bad & ~_missing(pose)).sum())
    return _set_nan(pose, bad), newly


def _length_jumps(xy: FloatArray, half_window: int, max_change: float) -> NDArray[np.bool_]:
    bad = np.zeros(xy.shape[:2], dtype=bool)
    for side in ("left", "right"):
        for a, b in (("hip", "knee"), ("knee", "ankle")):
            ia, ib = INDEX[f"{side}_{a}"], INDEX[f"{side}_{b}"]
            length = np.linalg.norm(xy[:, ia] - xy[:, ib], axis=-1)
            n = length.shape[0]
            pad = np.pad(length, half_window, mode="constant", constant_values=np.nan)
            win = np.lib.stride_tricks.sliding_window_view(pad, 2 * half_window + 1)[:n]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows
                ref = np.nanmedian(win, axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                jump = np.abs(length / ref - 1.0) > max_change
            bad[:, ib] |= jump
    return bad


# ------------------------------------------------------------------ 4. gaps
def _fill_series(t: FloatArray, x: FloatArray, max_gap_s: float, dt: float) -> tuple[FloatArray, int]:
    """Linearly fill NaN runs of x (1-D) lasting at most max_gap_s, bounded on both sides."""
    ok = np.isfinite(x)
    if ok.all() or ok.sum() < 2:
        return x, 0
    out = x.copy()
    idx = np.flatnonzero(ok)
    filled = 0
    for a, b in itertools.pairwise(idx):
        if b - a > 1 and (t[b] - t[a]) - dt <= max_gap_s + 1e-9:
            seg = slice(a + 1, b)
            out[seg] = np.interp(t[seg], [t[a], t[b]], [x[a], x[b]])
            filled += int(b - a - 1)
    return out, filled


def fill_short_gaps(pose: PoseSeries, *, max_gap_s: float = MAX_GAP_S) -> tuple[PoseSeries, int]:
    """Interpolate (linearly in time) gaps of at most ``max_gap_s`` seconds.

    The gap duration is the time between the last sample before and the
    first sample after it, minus one frame interval (so at 30 fps a 0.25 s
    limit fills up to 7 missing frames). Leading/trailing gaps and longer
    gaps stay NaN.

    Returns:
        The filled series and the number of landmark-frames filled.
    """
    if max_gap_s < 0:
        raise ValueError(f"max_gap_s: expected >= 0 seconds, got {max_gap_s}")
    t = pose.t_s
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    xy, z, world = pose.xy_px.copy(), pose.z.copy(), pose.xyz_world_m.copy()
    filled = 0
    for k in range(xy.shape[1]):
        for c in range(2):
            xy[:, k, c], n = _fill_series(t, xy[:, k, c], max_gap_s, dt)
            filled += n if c == 0 else 0
        z[:, k], _ = _fill_series(t, z[:, k], max_gap_s, dt)
        for c in range(3):
            world[:, k, c], _ = _fill_series(t, world[:, k, c], max_gap_s, dt)
    return _with(pose, xy, z, world), filled


# ------------------------------------------------------------------ 5. smoothing
def _runs(ok: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    d = np.diff(np.concatenate([[0], ok.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def butterworth_1d(x: FloatArray, *, fps: float, cutoff_hz: float = CUTOFF_HZ, order: int = FILTER_ORDER) -> FloatArray:
    """Zero-lag Butterworth low-pass of a 1-D series, per contiguous non-NaN run.

    Runs too short for ``sosfiltfilt``'s padding are left unfiltered; NaN stays NaN.
    """
    if not (math.isfinite(fps) and 0 < cutoff_hz < fps / 2):
        raise ValueError(f"cutoff_hz: expected 0 < cutoff < fps/2 = {fps / 2:.3g}, got {cutoff_hz}")
    from scipy import signal  # here, not at import: 0.7 s that hipcheck.jobs loads during the pose passes

    sos = signal.butter(order, cutoff_hz, btype="low", fs=fps, output="sos")
    padlen = 3 * (2 * len(sos) + 1)
    out = np.asarray(x, dtype=np.float64).copy()
    for a, b in _runs(np.isfinite(out)):
        if b - a > padlen:
            out[a:b] = signal.sosfiltfilt(sos, out[a:b])
    return out


def lowpass_butterworth(
    pose: PoseSeries, *, cutoff_hz: float = CUTOFF_HZ, order: int = FILTER_ORDER
) -> tuple[PoseSeries, str]:
    """Zero-lag low-pass of ``xy_px``, ``z`` and ``xyz_world_m`` for recorded video.

    Butterworth of ``order`` (applied forward and backward, so the effective
    order doubles and there is no lag) at ``cutoff_hz``, with the clip's median
    frame rate. Below :data:`MIN_FPS_FOR_FILTER` frames per second nothing is
    filtered. NaN stays NaN (each contiguous run is filtered on its own).

    Returns:
        The smoothed series and a one-line description of what was done.
    """
    fps = pose.fps
    if not math.isfinite(fps) or fps < MIN_FPS_FOR_FILTER or cutoff_hz >= 0.45 * fps:
        return pose, f"none (frame rate {fps:.3g} fps too low for a {cutoff_hz:g} Hz low-pass)"
    flat = [pose.xy_px.reshape(len(pose), -1), pose.z, pose.xyz_world_m.reshape(len(pose), -1)]
    out = []
    from scipy import signal  # see butterworth_1d

    sos = signal.butter(order, cutoff_hz, btype="low", fs=fps, output="sos")
    for arr in flat:
        res = arr.copy()
        full = np.isfinite(arr).all(axis=0)
        if full.any() and arr.shape[0] > 3 * (2 * len(sos) + 1):  # gap-free columns in one call
            res[:, full] = signal.sosfiltfilt(sos, arr[:, full], axis=0)
        for j in np.flatnonzero(~full):
            res[:, j] = butterworth_1d(arr[:, j], fps=fps, cutoff_hz=cutoff_hz, order=order)
        out.append(res)
    smoothed = _with(pose, out[0].reshape(pose.xy_px.shape), out[1], out[2].reshape(pose.xyz_world_m.shape))
    return smoothed, f"butterworth low-pass {cutoff_hz:g} Hz, order {order}, zero-lag (sosfiltfilt), {fps:.3g} fps"


class OneEuroFilter:
    """Causal One-Euro filter (Casiez et al. 2012) for live landmark streams.

    Element-wise over arrays of any fixed shape: a cutoff that rises with
    speed (``min_cutoff + beta * |dx/dt|``) keeps slow poses steady and fast
    moves responsive. NaN inputs give NaN outputs and leave that element's
    state unchanged until it is seen again.

    Args:
        min_cutoff: cutoff in Hz at rest (lower = smoother).
        beta: speed coefficient (higher = less lag when moving), per unit/s.
        d_cutoff: cutoff in Hz of the derivative estimate.
    """

    def __init__(self, *, min_cutoff: float = 1.0, beta: float = 0.05, d_cutoff: float = 1.0) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError(f"expected min_cutoff > 0, d_cutoff > 0, beta >= 0, got {min_cutoff}, {d_cutoff}, {beta}")
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self._x: FloatArray | None = None
        self._dx: FloatArray | None = None
        self._t: float | None = None

    @staticmethod
    def _alpha(cutoff: FloatArray | float, dt: float) -> FloatArray:
        tau = 1.0 / (2 * np.pi * np.asarray(cutoff, dtype=np.float64))
        return np.asarray(1.0 / (1.0 + tau / dt), dtype=np.float64)

    def reset(self) -> None:
        """Forget the state (e.g. after the subject left the frame)."""
        self._x = self._dx = None
        self._t = None

    def __call__(self, x: NDArray[np.float64], t_s: float) -> FloatArray:
        """Filter one sample ``x`` taken at time ``t_s`` (seconds, increasing)."""
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._dx is None or self._t is None:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), t_s
            return x.copy()
        dt = t_s - self._t
        if dt <= 0:
            raise ValueError(f"t_s: expected increasing timestamps, got {t_s} after {self._t}")
        seen = np.isfinite(x)
        prev = np.where(np.isfinite(self._x), self._x, x)
        dx = (x - prev) / dt
        dx_hat = self._dx + self._alpha(self.d_cutoff, dt) * (dx - self._dx)
        a = self._alpha(self.min_cutoff + self.beta * np.abs(dx_hat), dt)
        x_hat = prev + a * (x - prev)
        self._x = np.where(seen, x_hat, self._x)
        self._dx = np.where(seen, dx_hat, self._dx)
        self._t = t_s
        return np.where(seen, x_hat, np.nan)


def one_euro_series(pose: PoseSeries, *, min_cutoff: float = 1.0, beta: float = 0.05) -> PoseSeries:
    """Run :class:`OneEuroFilter` causally over a whole series (what a live view shows).

    ``beta`` applies to image pixels per second; world metres and ``z`` use
    the same cutoffs with ``beta`` rescaled by the hip width in pixels.
    """
    f_xy = OneEuroFilter(min_cutoff=min_cutoff, beta=beta)
    hip_w = _nanmedian(np.linalg.norm(pose.xy_px[:, L_HIP] - pose.xy_px[:, R_HIP], axis=-1))
    scale = hip_w / 0.2 if math.isfinite(hip_w) and hip_w > 0 else 500.0  # px per metre, roughly
    f_w = OneEuroFilter(min_cutoff=min_cutoff, beta=beta * scale)
    f_z = OneEuroFilter(min_cutoff=min_cutoff, beta=beta)
    xy, z, world = pose.xy_px.copy(), pose.z.copy(), pose.xyz_world_m.copy()
    for i, t in enumerate(pose.t_s):
        xy[i], z[i], world[i] = f_xy(xy[i], float(t)), f_z(z[i], float(t)), f_w(world[i], float(t))
    return _with(pose, xy, z, world)


# ------------------------------------------------------------------ chain
def clean(
    pose: PoseSeries,
    *,
    live: bool = False,
    visibility_threshold: float = VISIBILITY_THRESHOLD,
    max_gap_s: float = MAX_GAP_S,
    cutoff_hz: float = CUTOFF_HZ,
    order: int = FILTER_ORDER,
) -> tuple[PoseSeries, CleanReport]:
    """The full cleaning chain (see the module doc for each step).

    Offline (``live=False``): gate → repair swaps → reject outliers → fill
    short gaps → zero-lag Butterworth. Live (``live=True``): only causal
    steps: gate → repair swaps → One-Euro filter (no look-ahead, no gap filling).

    Returns:
        The cleaned series and a :class:`CleanReport`.
    """
    gated, n_gated = gate_by_visibility(pose, threshold=visibility_threshold)
    swapped, swaps = repair_swaps(gated)
    params = {"visibility_threshold": visibility_threshold, "max_gap_s": max_gap_s, "cutoff_hz": cutoff_hz}
    if live:
        out = one_euro_series(swapped)
        return out, CleanReport(len(pose), n_gated, swaps, 0, 0, "one-euro (causal)", params)
    no_spikes, n_out = reject_outliers(swapped)
    filled, n_filled = fill_short_gaps(no_spikes, max_gap_s=max_gap_s)
    smooth, how = lowpass_butterworth(filled, cutoff_hz=cutoff_hz, order=order)
    return smooth, CleanReport(len(pose), n_gated, swaps, n_out, n_filled, how, params)


def preload() -> threading.Thread:
    """Import :data:`LAZY_MODULES` in a background thread, and return it (already started).

    For a caller that is about to wait on something else, e.g. the pose passes, which spend their
    time in MediaPipe with the GIL released: the analysis then finds the modules loaded. Importing
    them again meanwhile is safe (Python's import lock makes the second import wait).
    """

    def load() -> None:
        for name in LAZY_MODULES:
            importlib.import_module(name)

    thread = threading.Thread(target=load, name="analysis-preload", daemon=True)
    thread.start()
    return thread
