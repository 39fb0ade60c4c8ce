"""The ``hipcheck live`` session: capture loop and session log (the recorder and the pose
worker run on their own threads, :mod:`hipcheck.live._workers`).

::

    FrameSource ─▶ capture loop ──▶ Recorder (raw, unmirrored, MJPG .avi, written as captured)
                        │     └───▶ PoseWorker (own thread, latest frame wins)
                        │                 └─▶ live_features / ReadoutTracker ─▶ ProtocolMachine
                        └─▶ view.show(...) (the window, :mod:`hipcheck.live._window`; None = headless)

At the end the full analysis runs on the recording (:func:`hipcheck.run_job`). Times are the source's
own clock (seconds); wall-clock latencies are ``time.monotonic`` seconds.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from hipcheck import __version__, io
from hipcheck.errors import UsageError
from hipcheck.io import FrameStream, VideoInfo, open_source, write_json_atomic
from hipcheck.jobs import Job, run_job
from hipcheck.live._features import LiveFeatures, Readouts, ReadoutTracker, live_features
from hipcheck.live._protocol import LiveStatus, Phase, ProtocolMachine, ProtocolStep, StepRecord, build_protocol
from hipcheck.live._workers import Estimator, PoseLike, PoseResult, PoseWorker, Recorder
from hipcheck.render import verdict_line
from hipcheck.types import Side

SESSION_FORMAT = "hipcheck.live-session/1"
RECORDING_NAME = "recording.avi"
SESSION_LOG_NAME = "session.json"


class LiveView(Protocol):
    """A display: draws one frame and returns the key pressed (see ``live.KEYS``) or None."""

    def show(
        self, image_bgr: NDArray[np.uint8], pose: PoseLike | None, status: LiveStatus, readouts: Readouts
    ) -> str | None:
        """Draw the unmirrored frame (mirrored for display) and return a key or None."""

    def close(self) -> None:
        """Close the display (the session calls it before the analysis starts)."""


# --------------------------------------------------------------------- session


@dataclass(frozen=True)
class LiveConfig:
    """Everything a session needs, unpacked from the CLI flags.

    Attributes:
        source: camera index or a video file (with ``realtime`` to act like a camera).
        out_dir: where the recording, ``session.json`` and the analysis go.
        protocol: ``full``, ``squat``, ``lunge`` or ``single-leg``.
        realtime: pace a file source to its own timestamps.
        time_scale: multiplies countdowns, holds and time-outs (tests use < 1).
        reps: reps per rep-counted step.
        framing_timeout_s: start anyway after this long without good framing (None = wait).
        analysis: run the full analysis on the recording at the end.
        model_path: pose model bundle (None = the bundled one).
    """

    source: str | int
    out_dir: Path
    protocol: str = "full"
    realtime: bool = False
    time_scale: float = 1.0
    reps: int = 5
    framing_timeout_s: float | None = None
    analysis: bool = True
    model_path: Path | None = None


@dataclass
class SessionStats:
    """Throughput and latency of a session (wall clock)."""

    frames_captured: int = 0
    frames_recorded: int = 0
    pose_frames: int = 0
    pose_dropped: int = 0
    wall_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        """Frames/s of capture and pose, latency median and p95 in ms."""
        lat = np.asarray(self.latencies_s) * 1000.0
        wall = self.wall_s if self.wall_s > 0 else math.nan
        return {
            "frames_captured": self.frames_captured,
            "frames_recorded": self.frames_recorded,
            "pose_frames": self.pose_frames,
            "pose_dropped": self.pose_dropped,
            "capture_fps": round(self.frames_captured / wall, 2),
            "pose_fps": round(self.pose_frames / wall, 2),
            "latency_ms_median": round(float(np.median(lat)), 1) if lat.size else math.nan,
            "latency_ms_p95": round(float(np.percentile(lat, 95)), 1) if lat.size else math.nan,
        }


@dataclass(frozen=True)
class SessionResult:
    """What a session left behind."""

    out_dir: Path
    recording: Path
    session_log: Path
    steps: tuple[StepRecord, ...]
    end_reason: str
    warnings: tuple[str, ...]
    stats: dict[str, float]
    report_html: Path | None = None
    report_json: Path | None = None
    verdict: str = ""  # the analysis' verdict line (render.verdict_line), "" when none ran
    analysis_note: str = ""  # why no analysis ran or why it failed ("" when it ran)


class SessionLog:
    """``session.json``, rewritten atomically whenever a step finishes."""

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        """Args: path: the JSON file; header: fixed fields (source, protocol, recording...)."""
        self.path, self.header = path, header
        self.steps: list[dict[str, Any]] = []

    def write(self, machine: ProtocolMachine, **extra: Any) -> None:
        """Write the header, every finished step and ``extra`` fields."""
        self.steps = [asdict(r) for r in machine.records]
        doc = {**self.header, "steps": self.steps, "warnings": list(machine.warnings),
               "end_reason": machine.end_reason or None, **extra}  # fmt: skip
        write_json_atomic(self.path, doc)


def _stance(step: ProtocolStep | None, phase: Phase) -> tuple[bool, Side | None]:
    """(collect baseline?, stance side) for the readouts in the current step."""
    if step is None or phase is not Phase.ACTIVE:
        return False, None
    return step.exercise == "quiet_stance", step.side if step.kind == "single_leg" else None


@dataclass
class _Loop:
    """The live objects of one running session."""

    machine: ProtocolMachine
    readouts: ReadoutTracker
    worker: PoseWorker
    recorder: Recorder
    log: SessionLog
    view: LiveView | None
    stats: SessionStats
    resolution_wh: tuple[int, int]
    last_pose: PoseLike | None = None
    last_readouts: Readouts = field(default_factory=Readouts)
    t_last_s: float = 0.0

    def close(self) -> None:
        """Stop the worker, finish the recording, fill in the counters."""
        try:
            self.worker.close()
        finally:
            self.recorder.close()
        s = self.stats
        s.frames_recorded, s.pose_frames, s.pose_dropped = (
            self.recorder.frames_written, self.worker.processed, self.worker.dropped
        )  # fmt: skip

    def on_result(self, r: PoseResult) -> None:
        """Feed one pose result to the readouts and the protocol."""
        xy = None if r.pose is None else np.asarray(r.pose.xy_px)
        vis = None if r.pose is None else np.asarray(r.pose.visibility)
        world = None if r.pose is None else np.asarray(r.pose.xyz_world_m)
        feats: LiveFeatures = live_features(r.t_s, xy, vis, self.resolution_wh, luma=r.luma, world_m=world)
        st = self.machine.status(r.t_s)
        baseline, stance = _stance(st.step, st.phase)
        self.last_readouts = self.readouts.update(r.t_s, xy, vis, baseline=baseline, stance=stance)
        self.last_pose = r.pose
        self.stats.latencies_s.append(time.monotonic() - r.captured_at)
        if self.machine.update(feats):
            self.log.write(self.machine)

    def on_frame(self, image: NDArray[np.uint8], t_s: float) -> None:
        """Record, hand to the pose worker, consume a result, show, handle keys."""
        captured_at = time.monotonic()
        self.t_last_s = t_s
        self.stats.frames_captured += 1
        self.recorder.write(image, t_s)
        self.worker.submit(image, t_s, captured_at)
        if (r := self.worker.take()) is not None:
            self.on_result(r)
        if self.view is not None:
            key = self.view.show(image, self.last_pose, self.machine.status(t_s), self.last_readouts)
            if key and self.machine.press(key, t_s):
                self.log.write(self.machine)


def _header(config: LiveConfig, info: VideoInfo, steps: tuple[ProtocolStep, ...], fps: float) -> dict[str, Any]:
    return {
        "format": SESSION_FORMAT,
        "hipcheck_version": __version__,
        "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": str(info.source),
        "source_kind": info.kind,
        "protocol": config.protocol,
        "time_scale": config.time_scale,
        "recording": RECORDING_NAME,
        "recording_fps": fps,
        "resolution_wh": list(info.resolution_wh),
        "protocol_steps": [asdict(s) for s in steps],
    }


def _recording_fps(fps: float) -> float:
    """The source's nominal rate if sane, else 30 frames/s."""
    return float(fps) if math.isfinite(fps) and 1.0 <= fps <= 240.0 else 30.0


def run_session(
    config: LiveConfig,
    *,
    view: LiveView | None = None,
    stop: threading.Event | None = None,
    estimator_factory: Callable[[], Estimator] | None = None,
    on_started: Callable[[Path], None] | None = None,
) -> SessionResult:
    """Run one live session end to end and return what it wrote.

    Args:
        config: the session's settings.
        view: the window (None = headless).
        stop: set from a signal handler to end the session cleanly (``interrupted``).
        estimator_factory: builds the pose estimator (default: MediaPipe, VIDEO mode, one person, no mask).
        on_started: called with the recording path once it is being written.

    Raises:
        CameraError, NotAVideoError, ModelError: the source or model cannot be used.
        UsageError: ``out_dir`` already holds a recording (never overwritten).
    """
    steps = build_protocol(config.protocol, time_scale=config.time_scale, reps=config.reps)
    out = Path(config.out_dir)
    if (out / RECORDING_NAME).exists():
        raise UsageError(f"{out}: already holds a live session ({RECORDING_NAME}); choose another output folder")
    stop = stop or threading.Event()
    with open_source(config.source, realtime=config.realtime) as src:
        fps = _recording_fps(src.info.fps)
        loop = _Loop(
            ProtocolMachine(steps, framing_timeout_s=config.framing_timeout_s), ReadoutTracker(),
            PoseWorker((estimator_factory or _default_estimator(config))()),
            Recorder(out / RECORDING_NAME, fps, src.info.resolution_wh),
            SessionLog(out / SESSION_LOG_NAME, _header(config, src.info, steps, fps)), view, SessionStats(),
            src.info.resolution_wh,
        )  # fmt: skip
        loop.log.write(loop.machine)
        if on_started:
            on_started(loop.recorder.path)
        reason = "error"
        try:
            reason = _capture(loop, src, stop)
        finally:
            loop.machine.finish(loop.t_last_s, reason)
            loop.machine.end_reason = reason
            loop.close()
            loop.log.write(loop.machine, stats=loop.stats.summary())
    return _finish(config, loop, reason)


def _capture(loop: _Loop, frames: FrameStream, stop: threading.Event) -> str:
    """Run the capture loop; returns why it ended."""
    start = time.monotonic()
    try:
        for frame in frames:
            loop.on_frame(frame.image, frame.t_s)
            if loop.machine.done:
                return loop.machine.end_reason
            if stop.is_set():
                return "interrupted"
        loop.worker.wait_idle()
        if (r := loop.worker.take()) is not None:
            loop.on_result(r)
        return "source_ended"
    except KeyboardInterrupt:
        return "interrupted"
    finally:
        loop.stats.wall_s = time.monotonic() - start


def _finish(config: LiveConfig, loop: _Loop, reason: str) -> SessionResult:
    """Close the view and, unless interrupted, run the analysis."""
    stats = loop.stats.summary()
    if loop.view is not None:
        loop.view.close()
    html = rjson = None
    verdict, note = "", _no_analysis_note(config, reason, loop.recorder.frames_written)
    if not note:
        print(f"hipcheck live: analysing {loop.recorder.path} ...", file=sys.stderr, flush=True)
        html, rjson, verdict, note = _analyse(loop.recorder.path, Path(config.out_dir) / "analysis", config)
        analysis = {"report_html": _rel(html), "report_json": _rel(rjson), "verdict": verdict, "note": note}
        loop.log.write(loop.machine, stats=stats, analysis=analysis)
    return SessionResult(
        Path(config.out_dir), loop.recorder.path, loop.log.path, tuple(loop.machine.records), reason,
        tuple(loop.machine.warnings), stats, html, rjson, verdict, note,
    )  # fmt: skip


def _no_analysis_note(config: LiveConfig, reason: str, frames: int) -> str:
    """Why the analysis does not run at the end ("" when it does)."""
    if not config.analysis:
        return "analysis skipped (--no-analysis)"
    if reason == "interrupted":
        return "interrupted before the analysis"
    return "" if frames > 0 else "nothing was recorded"


def _rel(p: Path | None) -> str | None:
    return None if p is None else str(p)


def _analyse(recording: Path, out: Path, config: LiveConfig) -> tuple[Path | None, Path | None, str, str]:
    """Run the full analysis on the recording; (report.html, report.json, verdict line, note)."""
    result = run_job(Job(recording, out, model_path=config.model_path))
    if result.outputs is None or result.assessment is None:
        return None, None, "", f"analysis failed: {result.error}"
    return result.outputs.report_html, result.outputs.report_json, verdict_line(result.assessment), ""


def _default_estimator(config: LiveConfig) -> Callable[[], Estimator]:
    def make() -> Estimator:
        # One person: with num_poses > 1 MediaPipe runs its person detector on every
        # frame (measured 64–82 ms vs 20–29 ms per 640x480 frame here); a home
        # self-test has one subject, and the offline analysis still tracks among several.
        return io.PoseEstimator(config.model_path, mode="video", max_people=1, segmentation=False)

    return make
