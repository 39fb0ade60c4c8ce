"""Exercise recognition, rep segmentation and single-leg stance phases.

The flow is: per-frame scale-free features (:func:`movement_features`, in
:mod:`._features`) → a per-frame posture label (:func:`frame_postures`;
squat/lunge reps found on the hip-depth signal by :func:`find_reps` get one
label each) → runs merged with hysteresis (:func:`merge_runs`; both in
:mod:`._reps`) into :class:`Segment` s, each with its reps
(:class:`RepSegment`). A clip may hold several exercises in a row.
:func:`analyze_movement` runs it once and returns the segments with the
features, the quiet bipedal baseline rows and the per-frame labels.

Recognition rules (thresholds are module constants of this package's modules)
-----------------------------------------------------------------------------
- single-leg phase: one ankle is ``LIFT_ON`` shank lengths above the other
  (hysteresis down to ``LIFT_OFF``, at least ``MIN_STANCE_S``), or at least
  ``LIFT_OFF`` above it with its leg abducted (foot to the side) or its knee
  bent (foot behind or in front) beyond the other (:func:`swing_lift`), unless it is a
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
  ``QUIET_KNEE_DEG`` (or the thighs turned that far out of the image plane,
  read from their foreshortening: a front view of a small or distant body
  whose world knee angle reads too little), or the knees bent past
  ``SQUAT_KNEE_DEG``.
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

import numpy as np
from numpy.typing import NDArray

from hipcheck.analysis.movement._features import (
    QUIET_KNEE_DEG,
    MovementFeatures,
    movement_features,
)
from hipcheck.analysis.movement._reps import (
    LIFT_OFF,
    LIFT_ON,
    STEP_MAX_S,
    Label,
    RepSegment,
    find_reps,
    merge_runs,
    stance_phases_from_lift,
    true_runs,
)
from hipcheck.landmarks import PoseSeries
from hipcheck.types import EXERCISES, SINGLE_LEG, ExerciseName, Side

# Thresholds (dimensionless unless the name says a unit). Those of the features (QUIET_KNEE_DEG, ...)
# are in ._features, those of stance phases and run merging (LIFT_ON, LIFT_OFF, MIN_STANCE_S,
# MIN_RUN_S, GAP_S, STEP_MAX_S) in ._reps.
SQUAT_DEPTH = 0.10  # hip lowering / leg length
SQUAT_KNEE_DEG = 55.0  # mean knee flexion that is a squat even without the hips visibly lowered
SPLIT_ON = 0.40  # fore-aft ankle separation / leg length
BACK_FOOT_BEHIND = 0.30  # a raised foot this far behind the other, which is ahead of the hips and low: lunge
WIDE_ON, KNEE_ASYM_DEG = 0.80, 35.0  # side-lunge / warrior stance: wide feet, one knee bent
SLDL_TRUNK_DEG = 45.0
SLS_KNEE_DEG = 45.0  # stance-knee flexion that makes a single-leg stance a single-leg squat
TOES_LIFT, LUNGE_BACK_LIFT = 0.6, 1.6  # back foot on its toes / up on a bench, far behind: lunge, split squat
FRONT_FOOT_AHEAD = 0.12  # a lunge's front ankle is at least this far ahead of the hips / leg length
WALK_SPEED, WALK_MIN_S = 0.35, 2.0  # net hip travel across the image (leg lengths / s), sustained this long
SIDE_LIFT_ABD_DEG = 10.0  # a lifted leg this much more abducted than the other: a foot lifted to the side
BENT_LIFT_KNEE_DEG = 35.0  # a lifted leg's knee this much more bent than the other, straight one
CUE_MIN_S = 0.4  # those cues must hold this long (s)
STRAIGHT_KNEE_DEG = 15.0  # ... while the standing knee is within this of its own standing reading
STEP_SPLIT = 0.2  # walking in place: the leading foot changes when the split passes ±this (leg lengths)


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


def swing_lift(f: MovementFeatures, t_s: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T, 2) foot lift with the other cues of a free leg: the lift a stance phase is found on.

    However the leg is lifted, the foot leaves the floor; but a foot lifted to
    the side, or lifted a little with the knee bent, rises less than
    ``LIFT_ON`` shank lengths. Such a foot counts as clearly lifted (its lift raised to
    2 × ``LIFT_ON``) when it is at least ``LIFT_OFF`` up and either its leg is
    abducted ``SIDE_LIFT_ABD_DEG`` more than the other (lifted to the side) or
    its knee is bent ``BENT_LIFT_KNEE_DEG`` more than the other, straight one
    (lifted behind or in front). Two feet on the floor never qualify.
    """
    lift = f.lift
    knees = f.knee_flex_deg
    # each knee relative to its own standing reading (MediaPipe reads some straight knees as 25-30°)
    standing = np.array([np.nanpercentile(k, 10) if np.isfinite(k).any() else 0.0 for k in knees.T])
    with np.errstate(invalid="ignore"):
        # the other leg stands straight: a squat, a lunge or a side-on view (both knees bent) never counts
        raised = (np.nan_to_num(lift, nan=-np.inf) >= LIFT_OFF) & ((knees - standing)[:, ::-1] < STRAIGHT_KNEE_DEG)
        cue = (knees - knees[:, ::-1]) >= BENT_LIFT_KNEE_DEG
        if f.abduction_deg is not None:
            cue |= (f.abduction_deg - f.abduction_deg[:, ::-1]) >= SIDE_LIFT_ABD_DEG
    lifted = np.zeros(lift.shape, dtype=bool)
    for col in (0, 1):  # sustained for CUE_MIN_S: the first frames of a squat are not a lifted foot
        for s, e in true_runs(raised[:, col] & cue[:, col]):
            lifted[s:e, col] = t_s[e - 1] - t_s[s] >= CUE_MIN_S
    return np.where(lifted, np.fmax(lift, 2 * LIFT_ON), lift)


def single_leg_phases(f: MovementFeatures, t_s: NDArray[np.float64]) -> list[tuple[Side, int, int]]:
    """:func:`stance_phases_from_lift` on :func:`swing_lift`, without the lunges' raised back feet."""
    phases = stance_phases_from_lift(swing_lift(f, t_s), t_s)
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
    """Front leg of a split stance at row i: more horizontal thigh, then the forward foot.

    A cue that cannot be read (one thigh hidden behind the other) counts 0, not for the right leg.
    """
    thigh = (f.thigh_incl_deg[i, 0] - f.thigh_incl_deg[i, 1]) / 45.0
    foot = (f.forward[i, 0] - f.forward[i, 1]) / 0.5
    score = float(np.nansum([thigh, foot]))
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
    # the thighs leaving the image plane as much show the knees bent where world landmarks read too little
    thighs = f.thigh_fore_deg[i]
    fore = float(np.nanmean(thighs)) if np.isfinite(thighs).any() else 0.0
    bent = knee > QUIET_KNEE_DEG or fore > QUIET_KNEE_DEG
    if (f.depth[i] > SQUAT_DEPTH and bent) or knee > SQUAT_KNEE_DEG:
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


def usable_rows(f: MovementFeatures) -> NDArray[np.bool_]:
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
    for s, e in true_runs(np.nan_to_num(f.travel) > WALK_SPEED):
        if t_s[e - 1] - t_s[s] >= WALK_MIN_S:
            out[s:e] = True
    stepping = np.zeros(t_s.shape, dtype=bool)
    flips = _step_flips(f.forward[:, 0] - f.forward[:, 1])
    for a, b in itertools.pairwise(flips):
        stepping[a : b + 1] |= t_s[b] - t_s[a] <= STEP_MAX_S
    for s, e in true_runs(stepping):
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
    valid = usable_rows(f)
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


def check_exercise(exercise: ExerciseName | None) -> None:
    if exercise is not None and exercise not in EXERCISES:
        raise ValueError(f"exercise: expected one of {', '.join(EXERCISES)}, got {exercise!r}")


def features_if_usable(pose: PoseSeries) -> MovementFeatures | None:
    """The movement features, or None when no row has a usable pose."""
    if len(pose) == 0 or not pose.detected.any():
        return None
    f = movement_features(pose)
    return f if usable_rows(f).any() else None


def segments_from_features(f: MovementFeatures, t: NDArray[np.float64], exercise: ExerciseName | None) -> list[Segment]:
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
        ValueError: ``exercise`` is not one of :data:`~hipcheck.types.EXERCISES`.
    """
    check_exercise(exercise)
    f = features_if_usable(pose)
    return [] if f is None else segments_from_features(f, pose.t_s, exercise)
