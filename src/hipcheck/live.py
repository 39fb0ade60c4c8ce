"""Live self-test: framing guidance, the guided protocol and the live readouts.

The pure parts of ``hipcheck live``, fed with ``(t_s, per-frame features)`` so
they run in tests without a camera or MediaPipe::

    landmarks (one frame) ─▶ live_features() ─▶ ProtocolMachine.update() ─▶ LiveStatus
                         └─▶ ReadoutTracker.update() ─▶ Readouts (One-Euro smoothed)

The capture loop, the pose worker and the recorder are in
:mod:`hipcheck.live_session`; the window is :mod:`hipcheck.live_view`.

Conventions: pixels of the upright, **unmirrored** frame, x right, y down;
sides are the subject's anatomical sides; times in seconds of the source's own
clock; missing is NaN.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from hipcheck import geometry
from hipcheck.cleaning import OneEuroFilter
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
)
from hipcheck.results import Band

Side = Literal["left", "right"]
StepKind = Literal["stand", "reps", "single_leg"]
KEYS: tuple[str, ...] = ("space", "n", "r", "q")
"""Keys the protocol understands: start/pause, skip step, redo step, quit."""

PROTOCOLS: tuple[str, ...] = ("full", "squat", "lunge", "single-leg")

# Live colour bands (display convention). FPPA: amber from the upper end of the
# healthy single-leg-squat range (≈ 13°, Herrington 2014), red from the
# patellofemoral-pain group mean (16.8°). Pelvic drop: amber from the
# Trendelenburg MDC (≈ 4°), red from twice that.
FPPA_BANDS_DEG: tuple[float, float] = (13.0, 16.8)
PELVIC_DROP_BANDS_DEG: tuple[float, float] = (4.0, 8.0)


# --------------------------------------------------------------------- framing


@dataclass(frozen=True)
class FramingCheck:
    """How well the subject is framed in one frame.

    Attributes:
        ok: True when every check passes.
        messages: one short instruction per failed check, most important first.
        height_frac: head-to-feet height as a fraction of the frame height.
        roll_deg: tilt of the feet line (ankles; the shoulder line if the two
            disagree by > 6°, e.g. a foot lifted) in the image, with the
            camera-roll convention of :mod:`hipcheck.camera`: positive = the
            line descends toward the image right (y down). A level camera and
            a subject standing on both feet read ≈ 0°.
        facing_ratio: shoulder width / torso length (≈ 0.6–0.9 facing the
            camera, < 0.4 side-on).
        luma: mean luma of the frame, 0–255.
    """

    ok: bool
    messages: tuple[str, ...]
    height_frac: float = math.nan
    roll_deg: float = math.nan
    facing_ratio: float = math.nan
    luma: float = math.nan


def mean_luma(image_bgr: NDArray[np.uint8], step: int = 8) -> float:
    """Mean Rec.601 luma (0–255) of a BGR image, on every ``step``-th pixel."""
    sub = np.asarray(image_bgr)[::step, ::step, :3].astype(np.float32)
    return float((sub @ np.array([0.114, 0.587, 0.299], dtype=np.float32)).mean())


def _image_line_deg(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Angle of the line a–b oriented toward the image right, degrees, + = descends to the right (y down)."""
    d = b - a if b[0] >= a[0] else a - b
    return math.degrees(math.atan2(d[1], d[0]))


def _roll_deg(xy: NDArray[np.float64], max_disagreement_deg: float = 6.0) -> float:
    """Camera roll from the feet line, or the shoulder line when they disagree (a foot lifted)."""
    feet = _image_line_deg(xy[L_ANKLE], xy[R_ANKLE])
    shoulders = _image_line_deg(xy[L_SHOULDER], xy[R_SHOULDER])
    return shoulders if abs(feet - shoulders) > max_disagreement_deg else feet


def check_framing(
    xy_px: NDArray[np.float64] | None,
    visibility: NDArray[np.float64] | None,
    resolution_wh: tuple[int, int],
    *,
    luma: float,
    min_visibility: float = 0.5,
    margin_frac: float = 0.02,
    height_range: tuple[float, float] = (0.45, 0.92),
    min_facing_ratio: float = 0.45,
    max_roll_deg: float = 5.0,
    min_luma: float = 50.0,
) -> FramingCheck:
    """Check whole body in view, distance, facing, camera level and light.

    Args:
        xy_px: (33, 2) landmarks in pixels (y down) or None when no person.
        visibility: (33,) visibility in [0, 1] or None.
        resolution_wh: (width, height) of the frame in pixels.
        luma: mean frame luma 0–255 (see :func:`mean_luma`).
        min_visibility: a landmark counts as seen above this visibility.
        margin_frac: head and feet must stay this fraction of the frame inside it.
        height_range: acceptable head-to-feet height as a fraction of frame height.
        min_facing_ratio: shoulder width / torso length below this = turned sideways.
        max_roll_deg: largest acceptable feet-line tilt in degrees.
        min_luma: darker frames ask for more light.

    Returns:
        The :class:`FramingCheck`; its messages are what the user is told.
    """
    light = () if luma >= min_luma else ("More light please",)
    if xy_px is None or visibility is None:
        return FramingCheck(False, ("Stand in front of the camera", *light), luma=luma)
    w, h = resolution_wh
    xy = np.asarray(xy_px, dtype=np.float64)
    vis = np.nan_to_num(np.asarray(visibility, dtype=np.float64), nan=0.0)
    ends = [NOSE, L_HEEL, R_HEEL, L_FOOT, R_FOOT, L_ANKLE, R_ANKLE]
    mx, my = margin_frac * w, margin_frac * h
    inside_x = bool(np.all((xy[ends, 0] > mx) & (xy[ends, 0] < w - mx)))
    inside_y = bool(np.all((xy[ends, 1] > my) & (xy[ends, 1] < h - my)))
    seen = bool(np.all(vis[ends] >= min_visibility)) and inside_x and inside_y
    top, bottom = xy[NOSE, 1], np.nanmax(xy[[L_HEEL, R_HEEL, L_FOOT, R_FOOT], 1])
    height_frac = float((bottom - top) * 1.12 / h)  # nose→top of head ≈ 12 % of stature
    shoulder_w = float(np.linalg.norm(xy[L_SHOULDER] - xy[R_SHOULDER]))
    torso = float(np.linalg.norm((xy[L_SHOULDER] + xy[R_SHOULDER]) / 2 - (xy[L_HIP] + xy[R_HIP]) / 2))
    facing = shoulder_w / torso if torso > 0 else math.nan
    roll = _roll_deg(xy)
    msgs: list[str] = []
    if not inside_x:
        msgs.append("Move to the middle of the picture")
    elif not seen:
        msgs.append("Step back: whole body in view, head to feet")
    elif height_frac > height_range[1]:
        msgs.append("Step back a little")
    elif height_frac < height_range[0]:
        msgs.append("Come closer")
    if not facing >= min_facing_ratio:
        msgs.append("Face the camera")
    if seen and abs(roll) > max_roll_deg:
        msgs.append(f"Level the camera (tilted {roll:+.0f}°)")
    msgs.extend(light)
    return FramingCheck(not msgs, tuple(msgs), height_frac, roll, facing, luma)


# -------------------------------------------------------------------- features


@dataclass(frozen=True)
class LiveFeatures:
    """Per-frame quantities the protocol needs (pixels, y down; NaN = missing).

    Attributes:
        t_s: frame time in seconds.
        person: a pose was found in this frame.
        hip_height_px: lower ankle's y minus the hip midpoint's y: how high the
            hips are above the floor-side ankle (shrinks in a squat or lunge).
        ankle_y_left_px: y of the subject's left ankle.
        ankle_y_right_px: y of the subject's right ankle.
        framing: framing check of this frame.
    """

    t_s: float
    person: bool
    hip_height_px: float = math.nan
    ankle_y_left_px: float = math.nan
    ankle_y_right_px: float = math.nan
    framing: FramingCheck = field(default_factory=lambda: FramingCheck(False, ("Stand in front of the camera",)))


def live_features(
    t_s: float,
    xy_px: NDArray[np.float64] | None,
    visibility: NDArray[np.float64] | None,
    resolution_wh: tuple[int, int],
    *,
    luma: float,
) -> LiveFeatures:
    """Features of one frame from its (33, 2) landmarks (None when no person)."""
    framing = check_framing(xy_px, visibility, resolution_wh, luma=luma)
    if xy_px is None:
        return LiveFeatures(t_s, False, framing=framing)
    xy = np.asarray(xy_px, dtype=np.float64)
    hip_y = (xy[L_HIP, 1] + xy[R_HIP, 1]) / 2
    floor_y = max(xy[L_ANKLE, 1], xy[R_ANKLE, 1])
    return LiveFeatures(t_s, True, float(floor_y - hip_y), float(xy[L_ANKLE, 1]), float(xy[R_ANKLE, 1]), framing)


# ------------------------------------------------------------------- protocol


@dataclass(frozen=True)
class ProtocolStep:
    """One step of a guided protocol.

    Attributes:
        key: unique id, e.g. ``"lunge_left"``.
        exercise: ``quiet_stance``, ``squat``, ``lunge`` or ``single_leg_stance``.
        kind: ``stand`` (hold still), ``reps`` (count reps) or ``single_leg`` (hold on one leg).
        instruction: the on-screen prompt.
        side: the working side (lunge: front leg; single leg: stance leg) or None.
        target_reps: reps to count (``reps`` steps).
        hold_s: seconds to hold (``stand`` and ``single_leg`` steps).
        countdown_s: countdown before the step starts, seconds.
        timeout_s: the step ends (status ``timeout``) after this many active seconds.
    """

    key: str
    exercise: str
    kind: StepKind
    instruction: str
    side: Side | None = None
    target_reps: int = 0
    hold_s: float = 0.0
    countdown_s: float = 3.0
    timeout_s: float = 45.0


def _full_steps(reps: int) -> list[ProtocolStep]:
    quiet = ProtocolStep("quiet_stance", "quiet_stance", "stand", "Stand still, feet hip-width, arms relaxed",
                         hold_s=5.0, timeout_s=20.0)  # fmt: skip
    squat = ProtocolStep("squat", "squat", "reps", f"{reps} bodyweight squats", target_reps=reps, timeout_s=45.0)
    lunges = [
        ProtocolStep(
            f"lunge_{s}",
            "lunge",
            "reps",
            f"{reps} lunges, {s.upper()} leg forward",
            side=s,
            target_reps=reps,
            timeout_s=45.0,
        )
        for s in ("left", "right")
    ]
    legs = [
        ProtocolStep(
            f"single_leg_{s}",
            "single_leg_stance",
            "single_leg",
            f"Stand on your {s.upper()} leg, lift the other foot",
            side=s,
            hold_s=10.0,
            timeout_s=30.0,
        )
        for s in ("left", "right")
    ]
    return [quiet, squat, *lunges, *legs]


def build_protocol(name: str, *, time_scale: float = 1.0, reps: int = 5) -> tuple[ProtocolStep, ...]:
    """The steps of protocol ``name`` (one of :data:`PROTOCOLS`).

    Args:
        name: ``full``, ``squat``, ``lunge`` or ``single-leg``.
        time_scale: multiplies every countdown, hold and time-out (tests use < 1).
        reps: reps per rep-counted step.

    Raises:
        ValueError: unknown protocol, non-positive scale or reps.
    """
    if name not in PROTOCOLS:
        raise ValueError(f"protocol: expected one of {', '.join(PROTOCOLS)}, got {name!r}")
    if not time_scale > 0 or reps < 1:
        raise ValueError(f"time_scale > 0 and reps >= 1 expected, got {time_scale}, {reps}")
    steps = _full_steps(reps)
    keep = {"full": ("quiet_stance", "squat", "lunge", "single_leg_stance"), "squat": ("quiet_stance", "squat"),
            "lunge": ("quiet_stance", "lunge"), "single-leg": ("quiet_stance", "single_leg_stance")}[name]  # fmt: skip
    return tuple(
        replace(
            s, hold_s=s.hold_s * time_scale, countdown_s=s.countdown_s * time_scale, timeout_s=s.timeout_s * time_scale
        )
        for s in steps
        if s.exercise in keep
    )


class RepCounter:
    """Counts reps on a depth signal with hysteresis.

    A rep is counted when depth rises above ``down`` and then falls back below
    ``up`` (``up < down``), so jitter around one threshold never double-counts.
    """

    def __init__(self, down: float = 0.2, up: float = 0.15) -> None:
        """Args: down: depth that marks the bottom phase; up: depth that marks standing again."""
        if not up < down:
            raise ValueError(f"RepCounter: expected up < down, got up={up}, down={down}")
        self.down, self.up = down, up
        self.count = 0
        self.rep_times_s: list[tuple[float, float]] = []
        self._bottom_t: float | None = None
        self._bottom_depth = -math.inf

    def update(self, t_s: float, depth: float) -> bool:
        """Feed one sample; True when it completes a rep. NaN samples are ignored."""
        if math.isnan(depth):
            return False
        if self._bottom_t is None:
            if depth > self.down:
                self._bottom_t, self._bottom_depth = t_s, depth
            return False
        if depth > self._bottom_depth:
            self._bottom_t, self._bottom_depth = t_s, depth
        if depth < self.up:
            self.rep_times_s.append((self._bottom_t, t_s))
            self.count += 1
            self._bottom_t, self._bottom_depth = None, -math.inf
            return True
        return False


class Phase(StrEnum):
    """Where the session is."""

    FRAMING = "framing"
    COUNTDOWN = "countdown"
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"


@dataclass(frozen=True)
class StepRecord:
    """What happened in one step (times in the source clock, seconds).

    ``status``: ``done``, ``timeout``, ``skipped``, ``quit``, ``interrupted`` or
    ``source_ended``. ``t_start_s`` is when the step became active (after its
    countdown; NaN if it never did). ``rep_times_s`` holds (bottom, end) per rep.
    """

    key: str
    exercise: str
    side: Side | None
    status: str
    t_countdown_s: float
    t_start_s: float
    t_end_s: float
    reps: int = 0
    rep_times_s: tuple[tuple[float, float], ...] = ()
    hold_s: float = 0.0
    touchdowns: int = 0
    attempt: int = 1
    paused_s: float = 0.0


@dataclass(frozen=True)
class LiveStatus:
    """What the screen shows now."""

    phase: Phase
    step_index: int
    n_steps: int
    step: ProtocolStep | None
    prompt: str
    countdown_left_s: float = math.nan
    reps: int = 0
    hold_s: float = 0.0
    elapsed_s: float = 0.0
    messages: tuple[str, ...] = ()
    framing: FramingCheck | None = None


class _StepRun:
    """Mutable bookkeeping of the step in progress."""

    def __init__(self, t_s: float, attempt: int, rep_thresholds: tuple[float, float]) -> None:
        self.t_countdown = t_s
        self.t_active = math.nan
        self.last_t = t_s
        self.paused_s = 0.0
        self.attempt = attempt
        self.reps = RepCounter(*rep_thresholds)
        self.hold_s = 0.0
        self.touchdowns = 0
        self.lifted = False
        self.heights: deque[float] = deque(maxlen=3)
        self.standing_px = math.nan


class ProtocolMachine:
    """The guided protocol as a state machine over ``(t_s, features)`` and keys.

    Phases: FRAMING (until the framing has been good for ``framing_hold_s``,
    or ``framing_timeout_s`` passes, or space) → per step COUNTDOWN → ACTIVE →
    next step ... → FINISHED. Space pauses/resumes, ``n`` skips the step,
    ``r`` redoes it (during a countdown: the previous step), ``q`` quits.
    Methods return the :class:`StepRecord` of steps that finished just now.
    """

    def __init__(
        self,
        steps: Sequence[ProtocolStep],
        *,
        framing_hold_s: float = 1.0,
        framing_timeout_s: float | None = None,
        rep_thresholds: tuple[float, float] = (0.2, 0.15),
        lift_thresholds: tuple[float, float] = (0.05, 0.025),
    ) -> None:
        """Args:
        steps: the protocol (see :func:`build_protocol`).
        framing_hold_s: seconds of continuously good framing before the start.
        framing_timeout_s: start anyway (with a warning) after this long; None = wait.
        rep_thresholds: (down, up) depth thresholds, depth = 1 − hip height / standing hip height.
        lift_thresholds: (on, off) foot lift, as a fraction of standing hip height.
        """
        if not steps:
            raise ValueError("ProtocolMachine: expected at least one step, got none")
        self.steps = tuple(steps)
        self.framing_hold_s, self.framing_timeout_s = framing_hold_s, framing_timeout_s
        self.rep_thresholds, self.lift_thresholds = rep_thresholds, lift_thresholds
        self.records: list[StepRecord] = []
        self.warnings: list[str] = []
        self.phase = Phase.FRAMING
        self.index = 0
        self.end_reason = ""
        self._t0: float | None = None
        self._good_since: float | None = None
        self._paused_from: tuple[Phase, float] | None = None
        self._run: _StepRun | None = None
        self._attempts = [0] * len(self.steps)
        self._framing = FramingCheck(False, ())

    @property
    def done(self) -> bool:
        """True once every step finished or the user quit."""
        return self.phase is Phase.FINISHED

    # ---- inputs
    def update(self, f: LiveFeatures) -> list[StepRecord]:
        """Advance with one frame's features; returns steps finished now."""
        self._framing = f.framing
        if self._t0 is None:
            self._t0 = f.t_s
        if self.phase is Phase.FRAMING:
            self._update_framing(f)
            return []
        if self.phase in (Phase.PAUSED, Phase.FINISHED):
            return []
        run = self._current_run()
        depth = self._track_height(run, f)
        if self.phase is Phase.COUNTDOWN:
            if f.t_s - run.t_countdown - run.paused_s >= self.steps[self.index].countdown_s:
                self.phase, run.t_active, run.last_t = Phase.ACTIVE, f.t_s, f.t_s
            return []
        return self._update_active(run, f, depth)

    def press(self, key: str, t_s: float) -> list[StepRecord]:
        """Handle a key (see :data:`KEYS`) at time ``t_s``; returns steps finished now."""
        if self.phase is Phase.FINISHED:
            return []
        if key == "q":
            return self.finish(t_s, "quit")
        if key == "space":
            self._toggle_start_pause(t_s)
        elif key == "n" and self.phase is not Phase.FRAMING:
            return self._end_step(t_s, "skipped")
        elif key == "r" and self.phase is not Phase.FRAMING:
            self._redo(t_s)
        return []

    def finish(self, t_s: float, reason: str) -> list[StepRecord]:
        """End the session now (``quit``, ``interrupted``, ``source_ended``...)."""
        if self.phase is Phase.FINISHED:
            return []
        out = self._end_step(t_s, reason, advance=False) if self._run is not None else []
        self.phase, self.end_reason = Phase.FINISHED, reason
        return out

    # ---- outputs
    def status(self, t_s: float) -> LiveStatus:
        """What to show at time ``t_s``."""
        step = self.steps[self.index] if self.index < len(self.steps) else None
        run = self._run
        base = LiveStatus(
            self.phase, self.index, len(self.steps), step, "", messages=self._framing.messages, framing=self._framing
        )
        if self.phase is Phase.FRAMING:
            return replace(base, prompt="Get into position: whole body in view, facing the camera")
        if self.phase is Phase.FINISHED or step is None or run is None:
            return replace(base, prompt="Session finished" if self.end_reason != "quit" else "Stopped", messages=())
        paused = self.phase is Phase.PAUSED
        t_eff = self._paused_from[1] if paused and self._paused_from else t_s
        left = step.countdown_s - (t_eff - run.t_countdown - run.paused_s)
        elapsed = 0.0 if math.isnan(run.t_active) else t_eff - run.t_active - run.paused_s
        prompt = "Paused: press space to resume" if paused else step.instruction
        return replace(base, prompt=prompt, countdown_left_s=max(left, 0.0), reps=run.reps.count,
                       hold_s=run.hold_s, elapsed_s=max(elapsed, 0.0), messages=())  # fmt: skip

    # ---- internals
    def _update_framing(self, f: LiveFeatures) -> None:
        assert self._t0 is not None
        self._good_since = (self._good_since if self._good_since is not None else f.t_s) if f.framing.ok else None
        if self._good_since is not None and f.t_s - self._good_since >= self.framing_hold_s:
            self._start_step(0, f.t_s)
        elif self.framing_timeout_s is not None and f.t_s - self._t0 >= self.framing_timeout_s:
            self.warnings.append(
                f"framing not confirmed after {self.framing_timeout_s:.0f} s "
                f"({'; '.join(f.framing.messages) or 'no person'}); started anyway"
            )
            self._start_step(0, f.t_s)

    def _toggle_start_pause(self, t_s: float) -> None:
        if self.phase is Phase.FRAMING:
            if not self._framing.ok:
                self.warnings.append("started by the user before the framing was confirmed")
            self._start_step(0, t_s)
        elif self.phase is Phase.PAUSED and self._paused_from is not None:
            phase, since = self._paused_from
            self._current_run().paused_s += t_s - since
            self.phase, self._paused_from = phase, None
        else:
            self._paused_from, self.phase = (self.phase, t_s), Phase.PAUSED

    def _redo(self, t_s: float) -> None:
        if self.phase is Phase.PAUSED and self._paused_from is not None:
            self._paused_from = None
        if self.phase is Phase.COUNTDOWN and self.index > 0 and self._current_run().attempt == 1:
            self._start_step(self.index - 1, t_s)
        else:
            self._start_step(self.index, t_s)

    def _start_step(self, index: int, t_s: float) -> None:
        self.index = index
        self._attempts[index] += 1
        self._run = _StepRun(t_s, self._attempts[index], self.rep_thresholds)
        self.phase = Phase.COUNTDOWN

    def _current_run(self) -> _StepRun:
        if self._run is None:
            raise RuntimeError("no step in progress")
        return self._run

    def _track_height(self, run: _StepRun, f: LiveFeatures) -> float:
        """Median of the last 3 hip heights (drops single-frame glitches, lags one sample);
        updates the standing (max) height. Returns depth = 1 − height / standing height.
        """
        if not f.person or math.isnan(f.hip_height_px):
            return math.nan
        run.heights.append(f.hip_height_px)
        h = float(np.median(run.heights))
        run.standing_px = h if math.isnan(run.standing_px) else max(run.standing_px, h)
        return 1.0 - h / run.standing_px if run.standing_px > 0 else math.nan

    def _update_active(self, run: _StepRun, f: LiveFeatures, depth: float) -> list[StepRecord]:
        step = self.steps[self.index]
        dt = min(max(f.t_s - run.last_t, 0.0), 0.5)
        run.last_t = f.t_s
        if step.kind == "reps":
            run.reps.update(f.t_s, depth)
            if run.reps.count >= step.target_reps:
                return self._end_step(f.t_s, "done")
        elif step.kind == "stand":
            run.hold_s += dt if depth < self.rep_thresholds[1] else 0.0
        else:
            self._update_single_leg(run, step, f, dt)
        if step.kind != "reps" and run.hold_s >= step.hold_s:
            return self._end_step(f.t_s, "done")
        if f.t_s - run.t_active - run.paused_s >= step.timeout_s:
            return self._end_step(f.t_s, "timeout")
        return []

    def _update_single_leg(self, run: _StepRun, step: ProtocolStep, f: LiveFeatures, dt: float) -> None:
        if not f.person or not run.standing_px > 0:
            return
        stance, swing = (
            (f.ankle_y_left_px, f.ankle_y_right_px) if step.side == "left" else (f.ankle_y_right_px, f.ankle_y_left_px)
        )
        lift = (stance - swing) / run.standing_px
        on, off = self.lift_thresholds
        if run.lifted and lift < off:
            run.lifted, run.touchdowns = False, run.touchdowns + 1
        elif not run.lifted and lift > on:
            run.lifted = True
        run.hold_s += dt if run.lifted else 0.0

    def _end_step(self, t_s: float, status: str, *, advance: bool = True) -> list[StepRecord]:
        run, step = self._current_run(), self.steps[self.index]
        rec = StepRecord(
            step.key, step.exercise, step.side, status, run.t_countdown, run.t_active, t_s,
            reps=run.reps.count, rep_times_s=tuple(run.reps.rep_times_s), hold_s=round(run.hold_s, 3),
            touchdowns=run.touchdowns, attempt=run.attempt, paused_s=round(run.paused_s, 3),
        )  # fmt: skip
        self.records.append(rec)
        self._run, self._paused_from = None, None
        if advance:
            if self.index + 1 < len(self.steps):
                self._start_step(self.index + 1, t_s)
            else:
                self.index += 1
                self.phase, self.end_reason = Phase.FINISHED, "completed"
        return [rec]


# -------------------------------------------------------------------- readouts


def frame_angles_deg(xy_px: NDArray[np.float64]) -> tuple[float, float, float]:
    """(pelvic obliquity, left knee FPPA, right knee FPPA) of one frame, degrees.

    Thin per-frame wrapper over :mod:`hipcheck.geometry` (conventions there):
    obliquity + = the subject's left hip higher; FPPA + = valgus. Pixels, y down.
    """
    xy = np.asarray(xy_px, dtype=np.float64)
    theta = geometry.pelvic_obliquity_deg(left_hip_xy=xy[L_HIP], right_hip_xy=xy[R_HIP])
    fppa_l = geometry.knee_fppa_deg(
        hip_xy=xy[L_HIP], knee_xy=xy[L_KNEE], ankle_xy=xy[L_ANKLE], contralateral_hip_xy=xy[R_HIP]
    )
    fppa_r = geometry.knee_fppa_deg(
        hip_xy=xy[R_HIP], knee_xy=xy[R_KNEE], ankle_xy=xy[R_ANKLE], contralateral_hip_xy=xy[L_HIP]
    )
    return float(theta), float(fppa_l), float(fppa_r)


def band(value: float, bands: tuple[float, float], *, one_sided: bool = False) -> Band:
    """Colour band of ``|value|``: green below ``bands[0]``, amber below ``bands[1]``, else red.

    With ``one_sided`` only positive values (valgus, Trendelenburg-type drop)
    can be amber or red; negative ones (varus, hip hike) are green.
    """
    if math.isnan(value):
        return "none"
    a = max(value, 0.0) if one_sided else abs(value)
    return "green" if a < bands[0] else ("amber" if a < bands[1] else "red")


@dataclass(frozen=True)
class Readouts:
    """Smoothed live angles (degrees, NaN = not available).

    Attributes:
        obliquity_deg: hip-line obliquity, + = left hip higher.
        pelvic_drop_deg: in a single-leg step, contralateral pelvic drop for
            the stance side (+ = swing-side hip dropped, Trendelenburg-type);
            otherwise obliquity relative to the quiet-stance baseline.
        fppa_left_deg: knee FPPA of the left knee, + = valgus.
        fppa_right_deg: knee FPPA of the right knee, + = valgus.
        baseline_deg: quiet-stance obliquity θ0 (NaN until measured).
        stance: the stance side in a single-leg step, else None.
    """

    obliquity_deg: float = math.nan
    pelvic_drop_deg: float = math.nan
    fppa_left_deg: float = math.nan
    fppa_right_deg: float = math.nan
    baseline_deg: float = math.nan
    stance: Side | None = None

    def bands(self) -> dict[str, Band]:
        """Display band per readout (see :data:`FPPA_BANDS_DEG`, :data:`PELVIC_DROP_BANDS_DEG`).

        FPPA bands count valgus only; pelvic drop counts a drop only in a
        single-leg step (a tilt either way otherwise).
        """
        return {
            "pelvic_drop_deg": band(self.pelvic_drop_deg, PELVIC_DROP_BANDS_DEG, one_sided=self.stance is not None),
            "fppa_left_deg": band(self.fppa_left_deg, FPPA_BANDS_DEG, one_sided=True),
            "fppa_right_deg": band(self.fppa_right_deg, FPPA_BANDS_DEG, one_sided=True),
        }


_READOUT_LANDMARKS = (L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE)


class ReadoutTracker:
    """One-Euro smoothed live angles, with the quiet-stance baseline θ0.

    Feed every pose result with :meth:`update`; while ``baseline=True`` (the
    quiet-stance step is active) the obliquity samples are averaged into θ0,
    which :attr:`Readouts.pelvic_drop_deg` is measured against (DESIGN.md:
    CPD_L = θ − θ0 on the left leg, CPD_R = −(θ − θ0) on the right).
    """

    def __init__(self, *, min_cutoff_hz: float = 1.0, beta: float = 0.05, min_visibility: float = 0.5) -> None:
        """Args: One-Euro parameters; min_visibility: hips/knees/ankles must be seen above this."""
        self._filter = OneEuroFilter(min_cutoff=min_cutoff_hz, beta=beta)
        self._last_t = -math.inf
        self.min_visibility = min_visibility
        self._base_sum, self._base_n = 0.0, 0

    @property
    def baseline_deg(self) -> float:
        """Quiet-stance obliquity θ0 in degrees (NaN until measured)."""
        return self._base_sum / self._base_n if self._base_n else math.nan

    def update(
        self,
        t_s: float,
        xy_px: NDArray[np.float64] | None,
        visibility: NDArray[np.float64] | None,
        *,
        baseline: bool = False,
        stance: Side | None = None,
    ) -> Readouts:
        """Readouts at ``t_s`` from one frame's (33, 2) landmarks (None = no person)."""
        raw = (math.nan, math.nan, math.nan)
        if xy_px is not None and visibility is not None:
            vis = np.nan_to_num(np.asarray(visibility)[list(_READOUT_LANDMARKS)], nan=0.0)
            if np.all(vis >= self.min_visibility):
                raw = frame_angles_deg(np.asarray(xy_px, dtype=np.float64))
        smooth = self._filter(np.asarray(raw), t_s) if t_s > self._last_t else np.asarray(raw)
        self._last_t = max(self._last_t, t_s)
        theta, fppa_l, fppa_r = (float(v) for v in smooth)
        if baseline and not math.isnan(raw[0]):
            self._base_sum, self._base_n = self._base_sum + raw[0], self._base_n + 1
        base = self.baseline_deg if self._base_n else 0.0
        if stance is None:
            drop = theta - base
        else:
            drop = float(
                geometry.contralateral_pelvic_drop_deg(obliquity_deg=theta, baseline_deg=base, stance_side=stance)
            )
        return Readouts(theta, drop, fppa_l, fppa_r, self.baseline_deg, stance)
