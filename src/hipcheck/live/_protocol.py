"""Live self-test: the guided protocol as a pure state machine.

Fed with ``(t_s, per-frame features)`` and key presses, so it runs in tests
without a camera or MediaPipe::

    landmarks (one frame) ─▶ live_features() ─▶ ProtocolMachine.update() ─▶ LiveStatus
                         └─▶ ReadoutTracker.update() ─▶ Readouts (One-Euro smoothed)

Per-frame features, framing checks and readouts are in
:mod:`hipcheck.live._features`; the capture loop in :mod:`hipcheck.live._session`,
the pose worker and recorder in :mod:`hipcheck.live._workers`; the window in
:mod:`hipcheck.live._window`.
Times are seconds of the source's own clock.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

import numpy as np

from hipcheck.live._features import FramingCheck, LiveFeatures
from hipcheck.types import LIVE_PROTOCOLS, Side

StepKind = Literal["stand", "reps", "single_leg"]
KEYS: tuple[str, ...] = ("space", "n", "r", "q")
"""Keys the protocol understands: start/pause, skip step, redo step, quit."""


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
    """The steps of protocol ``name`` (one of :data:`LIVE_PROTOCOLS`).

    Args:
        name: ``full``, ``squat``, ``lunge`` or ``single-leg``.
        time_scale: multiplies every countdown, hold and time-out (tests use < 1).
        reps: reps per rep-counted step.

    Raises:
        ValueError: unknown protocol, non-positive scale or reps.
    """
    if name not in LIVE_PROTOCOLS:
        raise ValueError(f"protocol: expected one of {', '.join(LIVE_PROTOCOLS)}, got {name!r}")
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


STAND_MAX_DEPTH = 0.05
"""Quiet stance: the hips within this fraction of their standing height (a squat's top is not quiet)."""
STILL_RANGE = 0.02
"""... and their height varying by less than this fraction of it over the last :data:`STILL_WINDOW_S`."""
STILL_WINDOW_S = 0.5


def _still(run: _StepRun, t_s: float, depth: float) -> bool:
    """True while the person stands still: hips up (:data:`STAND_MAX_DEPTH`) and not moving
    (:data:`STILL_RANGE` over :data:`STILL_WINDOW_S`). Time at the top of squats does not count.
    """
    if math.isnan(depth):
        run.recent.clear()
        return False
    run.recent.append((t_s, depth))
    while run.recent and t_s - run.recent[0][0] > STILL_WINDOW_S:
        run.recent.popleft()
    depths = [d for _, d in run.recent]
    return depth < STAND_MAX_DEPTH and max(depths) - min(depths) < STILL_RANGE


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
        self.recent: deque[tuple[float, float]] = deque()  # (t_s, depth) over the last STILL_WINDOW_S


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
                f"({'; '.join(f.framing.messages) or 'framing good for less than the hold time'}); started anyway"
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
            run.hold_s += dt if _still(run, f.t_s, depth) else 0.0
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
