"""Segmentation of 1-D movement signals: reps, single-leg stance phases, label runs.

- :func:`find_reps`: down-and-up repetitions in a depth signal.
- :func:`stance_phases_from_lift`: single-leg phases from the (T, 2) foot-lift
  feature (:class:`~hipcheck.analysis.movement.MovementFeatures`), with hysteresis.
- :func:`merge_runs`: per-frame (exercise, side) labels merged into runs,
  short runs absorbed by their neighbours.

:mod:`hipcheck.analysis.movement` builds segments from these; the conventions are
those of the features (rows index the pose series,
``end`` exclusive, times in seconds from its ``t_s``, NaN = missing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hipcheck.analysis.movement._features import fill_gaps, rows_spanning, smooth
from hipcheck.types import Side

Label = tuple[str, "Side | None"]
"""(exercise, side) of one frame; exercise "" = no valid pose."""

# Thresholds (dimensionless unless the name says a unit).
LIFT_ON, LIFT_OFF = 0.25, 0.12  # foot height above the other foot / shank length
STEP_MAX_S = 1.5  # walking (in place): the leading foot changes again within this (s); first / last steps
MIN_RUN_S, GAP_S, MIN_STANCE_S = 0.4, 3.0, 0.8


@dataclass(frozen=True)
class RepSegment:
    """One repetition or single-leg stance phase: rows ``start <= bottom < end``."""

    start: int
    bottom: int
    end: int


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
    x = smooth(fill_gaps(x, rows_spanning(t, 0.3)), rows_spanning(t, smooth_s))
    filled = np.where(np.isfinite(x), x, np.nanmin(x))
    from scipy.signal import find_peaks  # here, not at import (see hipcheck.analysis._cleaning)

    peaks, props = find_peaks(filled, prominence=min_depth, distance=rows_spanning(t, min_duration_s / 2))
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


def true_runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
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
    look = rows_spanning(t_s, 0.5)
    for col, stance in ((1, "left"), (0, "right")):  # right foot lifted → stance on left
        x = lift[:, col]
        for s0, e0 in true_runs(_hysteresis(x, LIFT_ON, LIFT_OFF)):
            s, e = _refine_edges(x, s0, e0, look)
            if t_s[e - 1] - t_s[s] >= min_duration_s:
                out.append((stance, s, e))  # type: ignore[arg-type]
    return sorted(out, key=lambda p: p[1])


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
