"""The single pass (``flip_average=False``) on two cores, with the result of the sequential pass.

::

    first  ─ frames [start ────────────── seam) ─ ─ (goes on to the end if the hand-over is refused)
    second ─            frames [seam − overlap ── seam ──────────── end)
                                 └ compared ┘

A pass in VIDEO mode is sequential: MediaPipe and the subject tracker carry
state from frame to frame, so a pass started in the middle of a clip need not
give what the pass from the start gives there. With one person in the
picture and ``max_people`` ≥ 2, though, MediaPipe runs its person detector on
every frame (it tracks fewer people than it may return) and its output has no
memory; measured on rendered and phone clips, a pass started at any frame
gives bit for bit the sequential pass's landmarks from that frame on.

So the clip is split near its middle (the *seam*, placed so both passes have
as many frames). The first pass runs from the start; a second landmarker, in
its own pass with its own decoder, starts ``overlap`` seconds before the
seam. When the first pass reaches the seam its
decoder asks whether the second pass may take over. It may when, on every
frame of the overlap, the two passes recorded exactly the same thing
(landmarks, world points, visibility, mask, people, waistline), no frame
there had more than one person, and the overlap's last frame has the subject
(so the subject tracker's state, its last pick, is the same in both). Then
the first pass ends at the seam and the second pass's rows from the seam on
complete the series; otherwise the second pass is stopped and the first one
runs on to the end, which is the sequential pass itself. Either way the
series is the one the sequential pass gives; only the time differs.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from hipcheck import io
from hipcheck.extract._stream import PassesResult, RawPasses, _Pipeline, _Stopped
from hipcheck.landmarks import PoseSeries, Provenance
from hipcheck.types import ProgressFn

CHUNK_OVERLAP_S = 0.3
"""Seconds of the second pass before the seam that are compared with the first pass."""
MIN_OVERLAP_FRAMES = 5
"""The overlap holds at least this many frames (longer than ``CHUNK_OVERLAP_S`` at a low frame rate)."""
MIN_CHUNKED_S = 2.0
"""Windows shorter than this run as one pass (the overlap would be too large a share of the work)."""
_WAIT_S = 0.05

OpenWindow = Callable[[float], AbstractContextManager[io.FrameSource]]
"""Opens the source again from ``start_s`` (the window's end and the stride as before)."""


def chunk_seam(frames: io.FrameSource, start_s: float | None, end_s: float | None) -> float | None:
    """The seam time (s) when ``frames`` may run as two halves, else None.

    The seam splits the work evenly: the first pass runs from the window's start to the seam,
    the second from ``overlap_s`` before it to the end, so the seam is half an overlap past the
    window's middle. Only a video file with a known frame count and frame rate, every frame kept
    (stride 1: the second half's stride phase would differ) and a window of at least ``MIN_CHUNKED_S``.
    """
    info = frames.info
    fps = float(info.fps or math.nan)
    if info.kind != "video" or frames.stride != 1 or not info.frame_count or not (math.isfinite(fps) and fps > 0):
        return None
    t0 = max(0.0, start_s or 0.0)
    t1 = min(math.inf if end_s is None else end_s, info.frame_count / fps)
    return t0 + 0.5 * (t1 - t0 + overlap_s(fps)) if t1 - t0 >= MIN_CHUNKED_S else None


def overlap_s(fps: float) -> float:
    """How long before the seam the second pass starts (s)."""
    return max(CHUNK_OVERLAP_S, MIN_OVERLAP_FRAMES / fps)


@dataclass
class _Second:
    """The second pass, run in its own thread: its pipeline and what it left."""

    pipeline: _Pipeline
    thread: threading.Thread | None = None
    raw: RawPasses | None = None
    error: BaseException | None = None
    ended: bool = False
    refused: bool = False  # it saw a second person in the overlap: the hand-over cannot happen

    def check(self, done: int, seam_s: float) -> None:
        """After each of its frames: stop at once when the overlap shows more than one person."""
        rows = self.pipeline.rows
        if done and rows.n_people[done - 1] > 1 and rows.t_s[done - 1] < seam_s:
            self.refused = True
            self.pipeline.stop.set()


class _Handover:
    """The first pass's gate: at the seam, compare the overlap and decide who goes on."""

    def __init__(self, seam_s: float, second: _Second) -> None:
        self.seam_s, self.second = seam_s, second
        self.first: _Pipeline | None = None
        self.sent = 0
        self.decided: bool | None = None  # True: the second pass takes over at the seam

    def gate(self, frame: io.Frame) -> bool:
        if self.decided is not None or frame.t_s < self.seam_s:
            self.sent += 1
            return True
        self.decided = self._agree()
        if not self.decided:
            self.second.pipeline.stop.set()
            self.sent += 1
        return not self.decided

    def _wait(self, pipeline: _Pipeline, done: Callable[[], bool]) -> None:
        assert self.first is not None
        with pipeline.changed:
            while not done():
                if self.first.stop.is_set():
                    raise _Stopped
                pipeline.changed.wait(_WAIT_S)

    def _agree(self) -> bool:
        first, second = self.first, self.second
        assert first is not None
        self._wait(first, lambda: first.collected >= self.sent)
        p2 = second.pipeline

        def overlap_seen() -> bool:
            n = p2.collected
            return second.ended or (n > 0 and p2.rows.t_s[n - 1] >= self.seam_s)

        self._wait(p2, overlap_seen)
        return second.error is None and not second.refused and _same_overlap(first, p2, self.seam_s)


def _rows_before(p: _Pipeline, seam_s: float) -> tuple[dict[str, Any], Any, Any]:
    """The recorded rows of ``p`` with ``t_s < seam_s``: arrays, people, waistlines."""
    a = p.rows.arrays()
    n = int(np.searchsorted(a["t_s"], seam_s))
    lines = p.trackers[0].result(np.empty((n, 0)), drop_outliers=False)
    return {k: None if v is None else v[:n] for k, v in a.items()}, p.rows.n_people[:n], lines


def _same(a: Any, b: Any) -> bool:
    """Both None, or equal arrays (NaN equal to NaN)."""
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a), np.asarray(b)
    return np.array_equal(a, b, equal_nan=bool(np.issubdtype(a.dtype, np.floating)))


def _same_overlap(first: _Pipeline, second: _Pipeline, seam_s: float) -> bool:
    """True when ``second``'s rows before the seam are exactly ``first``'s rows of the same frames
    and the hand-over keeps every piece of state (one person at most, the subject seen last).
    """
    a2, people2, lines2 = _rows_before(second, seam_s)
    k = len(a2["t_s"])
    if k == 0:
        return False
    a1, people1, lines1 = _rows_before(first, seam_s)
    if len(a1["t_s"]) < k:
        return False
    tail = slice(len(a1["t_s"]) - k, None)
    if people2.max() > 1 or people2[-1] == 0 or not np.array_equal(people1[tail], people2):
        return False
    same = all(_same(None if a1[key] is None else a1[key][tail], a2[key]) for key in a2)
    return same and _same(lines1[tail], lines2)


def _concat(a: PoseSeries, b: PoseSeries, provenance: Provenance) -> PoseSeries:
    """The rows of ``a`` then those of ``b`` (same resolution and fields)."""

    def cat(x: Any, y: Any) -> Any:
        return None if x is None else np.concatenate([x, y])

    return PoseSeries(
        xy_px=cat(a.xy_px, b.xy_px), z=cat(a.z, b.z), visibility=cat(a.visibility, b.visibility),
        presence=cat(a.presence, b.presence), xyz_world_m=cat(a.xyz_world_m, b.xyz_world_m),
        t_s=cat(a.t_s, b.t_s), frame_index=cat(a.frame_index, b.frame_index),
        pelvis_mask=cat(a.pelvis_mask, b.pelvis_mask), pelvis_box_px=cat(a.pelvis_box_px, b.pelvis_box_px),
        resolution_wh=a.resolution_wh, provenance=provenance,
    )  # fmt: skip


def _merge(first: RawPasses, second: RawPasses, seam_s: float, overlap: float) -> RawPasses:
    """The first pass's rows, then the second pass's from the seam on, with one provenance."""
    keep = second.series.t_s >= seam_s
    people = np.concatenate([first.n_people, second.n_people[keep]])
    p1, p2 = first.series.provenance, second.series.provenance
    extra = {**p1.extra, **io.people_summary(people, _selections(p1) + max(0, _selections(p2) - 1))}
    extra["chunks"] = {"seam_s": round(seam_s, 6), "overlap_s": round(overlap, 6)}
    extra.pop("decode", None)
    if "decode" in p2.extra:  # the second pass decoded to the end of the file
        extra["decode"] = p2.extra["decode"]
    prov = replace(p1, extra=extra, subject=io.subject_text(extra))
    series = _concat(first.series, second.series.slice(keep), prov)
    lines = np.concatenate([first.lines, second.lines[keep]])
    return RawPasses(series, lines, None, people)


def _selections(p: Provenance) -> int:
    return int(p.extra.get("subject_selections", 0) or 0)


def run_single_pass_chunked(
    frames: io.FrameSource,
    reopen: OpenWindow,
    seam_s: float,
    pose_options: dict[str, Any],
    progress: ProgressFn | None = None,
) -> PassesResult:
    """The single pass over ``frames`` in two halves at ``seam_s`` (see the module docstring).

    ``reopen(start_s)`` opens the same source from ``start_s``. ``progress(done, total)`` is
    called from the calling thread: the first pass's frames plus the second pass's past the overlap.
    Raises what the sequential pass would raise; KeyboardInterrupt stops both passes first.
    """
    overlap = overlap_s(float(frames.info.fps))
    total = frames.expected_frames
    with reopen(seam_s - overlap) as later:
        second = _Second(_Pipeline(later, False, pose_options))
        handover = _Handover(seam_s, second)
        first = _Pipeline(frames, False, pose_options, gate=handover.gate)
        handover.first = first
        overlap_frames = round(overlap * float(frames.info.fps))
        shown = 0

        def run_second() -> None:
            try:
                second.raw = second.pipeline.run(lambda done, _total: second.check(done, seam_s))
            except _Stopped:
                pass
            except BaseException as exc:  # handed to the calling thread
                second.error = exc
            finally:
                with second.pipeline.changed:
                    second.ended = True
                    second.pipeline.changed.notify_all()

        def both(done: int, _total: int | None) -> None:
            nonlocal shown
            if progress is None:
                return
            ahead = 0 if handover.decided is False else max(0, second.pipeline.collected - overlap_frames)
            shown = max(shown, done + ahead)  # never backwards (a refused hand-over only stalls the bar)
            progress(min(shown, total) if total else shown, total)

        second.thread = threading.Thread(target=run_second, name="hipcheck-second-half", daemon=True)
        second.thread.start()
        try:
            raw1 = first.run(both)
        finally:
            if handover.decided is not True:
                second.pipeline.stop.set()
            second.thread.join()
    if not handover.decided:
        return raw1.passes_result()
    if second.error is not None:
        raise second.error
    assert second.raw is not None
    merged = _merge(raw1, second.raw, seam_s, overlap)
    if progress is not None:
        progress(len(merged.series), len(merged.series))
    return merged.passes_result()
