"""The movement step: segments, the quiet bipedal baseline and per-frame labels of one clip, computed once.

Rows index the :class:`~hipcheck.landmarks.PoseSeries`; ``end`` is exclusive;
sides are the person's anatomical sides (a segment's side is the stance leg of
a single-leg test, the front leg of a lunge).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hipcheck.analysis.movement._features import (
    MovementFeatures,
    leg_lengths,
    movement_features,
    norm,
    robust_length,
    rows_spanning,
    smooth,
)
from hipcheck.analysis.movement._reps import LIFT_OFF
from hipcheck.analysis.movement._segments import (
    SPLIT_ON,
    Segment,
    check_exercise,
    features_if_usable,
    segments_from_features,
    usable_rows,
)
from hipcheck.landmarks import L_HIP, R_HIP, PoseSeries
from hipcheck.types import SINGLE_LEG, BoolArray, ExerciseName, Side


@dataclass(frozen=True)
class Movement:
    """What the movement stage found in one clip, computed once (see :func:`analyze_movement`).

    Attributes:
        segments: the recognised exercises in time order, each with its reps.
        baseline_rows: (T,) quiet bipedal standing rows (see :func:`bipedal_baseline_rows`).
        exercise_labels: (T,) per-frame exercise ("" outside every segment).
        phase_labels: (T,) per-frame phase (see :func:`frame_labels`).
    """

    segments: tuple[Segment, ...]
    baseline_rows: BoolArray
    exercise_labels: tuple[str, ...]
    phase_labels: tuple[str, ...]

    def stance_rows(self, side: Side, exercises: Sequence[str]) -> BoolArray:
        """(T,) rows inside the reps (stance phases) of the given single-leg ``exercises`` on ``side``."""
        rows = np.zeros(self.baseline_rows.shape, dtype=bool)
        for seg in self.segments:
            if seg.exercise in exercises and seg.side == side:
                for rep in seg.reps:
                    rows[rep.start : rep.end] = True
        return rows


def analyze_movement(pose: PoseSeries, *, exercise: ExerciseName | None = None) -> Movement:
    """Segment a clip once: exercises and reps, the quiet bipedal baseline and per-frame labels.

    Args:
        pose: a cleaned :class:`PoseSeries`.
        exercise: skip recognition, as in :func:`segment_movement`.

    Raises:
        ValueError: ``exercise`` is not one of :data:`~hipcheck.types.EXERCISES`.
    """
    check_exercise(exercise)
    f = features_if_usable(pose)
    segments = [] if f is None else segments_from_features(f, pose.t_s, exercise)
    baseline = np.zeros(len(pose), dtype=bool) if f is None else bipedal_baseline_rows(pose, segments, features=f)
    ex, ph = frame_labels(segments, len(pose))
    return Movement(tuple(segments), baseline, tuple(ex), tuple(ph))


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


def bipedal_baseline_rows(
    pose: PoseSeries, segments: Sequence[Segment], *, features: MovementFeatures | None = None
) -> NDArray[np.bool_]:
    """(T,) True on quiet bipedal standing rows: the baseline for pelvic drop θ0 and camera roll.

    A row qualifies when a person is detected, both feet are down (neither
    lifted by ``LIFT_OFF`` shank lengths), the feet are not split fore-aft,
    the hips are near the clip's own standing height (depth below its 10th
    percentile + 0.06 leg lengths, and below 0.15), the hips move less than
    0.25 leg lengths per second, and the row lies in no single-leg phase or
    walking segment. Rows of "standing" segments are preferred; if none
    qualify, quiet rows anywhere else (e.g. between squat reps) are used.
    ``features`` are the series' :func:`movement_features` when already computed.
    """
    n = len(pose)
    if n < 3 or not pose.detected.any():
        return np.zeros(n, dtype=bool)
    f = features if features is not None else movement_features(pose)
    valid = usable_rows(f)
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
    leg = robust_length(leg_lengths(xy)[2])
    v = norm(np.gradient(hip, pose.t_s, axis=0)) / leg
    return smooth(v, rows_spanning(pose.t_s, 0.3))
