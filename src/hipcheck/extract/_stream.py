"""One decode, two pose passes at once, the waistline as the frames go by.

::

    decoder thread ──frame──▶ plain worker   (own landmarker, VIDEO mode) ──pose──┐
          │        ──frame──▶ mirror worker  (own landmarker, mirrored frames) ──pose──┤
          └──────────────────────────────────────────────────────────────────────▶ calling thread:
                                       average the two poses of the frame, waistline on the frame
                                       and on its mirror image, progress

Each worker runs :func:`hipcheck.io.estimate_pose_stream` over its own stream,
frame after frame, exactly as one sequential pass would (same frames, same
timestamps, same tracking), and creates its landmarker in its own thread.
MediaPipe releases the GIL while it computes, so the two passes use two
cores. The calling thread averages each frame's two poses with
:func:`~hipcheck.landmarks.average_with_mirror` (on one-row series, so the
result is bit for bit that of averaging the two whole passes) into the one
series it keeps. The queues between the stages are short (``QUEUE_FRAMES``),
so at most a few decoded frames are alive at once: memory does not grow with
the clip beyond the landmark arrays. ``KeyboardInterrupt`` (or any error) in the calling thread stops the
decoder and both workers within one frame and is re-raised once they have
ended; an error in a worker or the decoder is raised in the calling thread.
"""

from __future__ import annotations

import contextlib
import dataclasses
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipcheck import io
from hipcheck.extract._waistline import WaistlineTracker, drop_waistline_outliers
from hipcheck.landmarks import N_LANDMARKS, PoseSeries, Provenance, average_with_mirror, mirror_points_px
from hipcheck.types import FloatArray, ProgressFn

QUEUE_FRAMES = 2
"""Frames each queue between two stages may hold (the decoder runs at most this far ahead). Small:
a 1080p frame is 6 MB, and the workers, not the decoder, set the pace."""
_POLL_S = 0.1
_END: Any = object()
_NO_PROVENANCE = Provenance()
_NAN_ROW = np.full((N_LANDMARKS, 2), np.nan)


class _Stopped(Exception):
    """Raised inside a stage when the pipeline is being stopped."""


def _put(q: queue.Queue[Any], item: Any, stop: threading.Event) -> None:
    while True:
        if stop.is_set():
            raise _Stopped
        try:
            q.put(item, timeout=_POLL_S)
            return
        except queue.Full:
            continue


def _get(q: queue.Queue[Any], stop: threading.Event) -> Any:
    while True:
        if stop.is_set():
            raise _Stopped
        try:
            return q.get(timeout=_POLL_S)
        except queue.Empty:
            continue


def _finish(q: queue.Queue[Any], stop: threading.Event) -> None:
    """Put the end marker, unless the pipeline is stopping (then nobody reads it)."""
    with contextlib.suppress(_Stopped):
        _put(q, _END, stop)


class _QueueStream:
    """A :class:`hipcheck.io.FrameStream` over the frames the decoder puts in a queue."""

    def __init__(self, frames: io.FrameStream, q: queue.Queue[Any], stop: threading.Event, mirror: bool) -> None:
        self._info, self._stride, self._expected = frames.info, frames.stride, frames.expected_frames
        self._q, self._stop, self._mirror = q, stop, mirror

    @property
    def info(self) -> io.VideoInfo:
        return self._info

    @property
    def stride(self) -> int:
        return self._stride

    @property
    def expected_frames(self) -> int | None:
        return self._expected

    def __iter__(self) -> Iterator[io.Frame]:
        while True:
            frame = _get(self._q, self._stop)
            if frame is _END:
                return
            if self._mirror:
                frame = io.Frame(index=frame.index, t_s=frame.t_s, image=io.mirror_image(frame.image))
            yield frame


@dataclass
class _Stage:
    """A thread of the pipeline and what it left: a result or an error."""

    thread: threading.Thread
    result: Any = None
    error: BaseException | None = None


def _start(name: str, target: Callable[[], Any], ends: list[queue.Queue[Any]], stop: threading.Event) -> _Stage:
    """Run ``target`` in a thread; its result or error is recorded *before* the end marker goes into ``ends``."""
    stage: _Stage

    def run() -> None:
        try:
            stage.result = target()
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the calling thread
            stage.error = exc
        finally:
            for q in ends:
                _finish(q, stop)

    stage = _Stage(threading.Thread(target=run, name=f"hipcheck-{name}", daemon=True))
    stage.thread.start()
    return stage


@dataclass(frozen=True)
class RawPasses:
    """What one :class:`_Pipeline` run leaves, before the waistline's outliers are dropped.

    Attributes:
        series: the pose (flip-averaged when both passes ran), without ``waist_px``.
        lines: (T, 2, 2) the waistline found frame by frame (no outlier dropped).
        lines_flipped: (T, 2, 2) the same on the mirrored frames, in the mirrored picture, or None.
        n_people: (T,) people the model saw in each frame (0 where nobody was chosen).
    """

    series: PoseSeries
    lines: FloatArray
    lines_flipped: FloatArray | None
    n_people: NDArray[np.int64]

    def passes_result(self) -> PassesResult:
        """The :class:`PassesResult`: the waistlines with the rows that disagree with their neighbours blanked."""
        flipped = None
        if self.lines_flipped is not None:
            xy_m = mirror_points_px(self.series.xy_px, self.series.resolution_wh[0])
            flipped = drop_waistline_outliers(self.lines_flipped, xy_m)
        return PassesResult(self.series, drop_waistline_outliers(self.lines, self.series.xy_px), flipped)


@dataclass(frozen=True)
class PassesResult:
    """What :func:`run_passes` returns.

    Attributes:
        series: the pose (flip-averaged when both passes ran), without ``waist_px``.
        waist_px: (T, 2, 2) waistline found on the frames with the series' landmarks, outliers dropped.
        waist_flipped_px: (T, 2, 2) the waistline found on the mirrored frames with the mirrored
            landmarks, in the mirrored picture (person's left first), or None for one pass.
    """

    series: PoseSeries
    waist_px: FloatArray
    waist_flipped_px: FloatArray | None


def _one_row(frame: io.Frame, pose: Any, segmentation: bool) -> PoseSeries:
    """A one-row PoseSeries of one frame's pose (the layout :func:`hipcheck.io.estimate_pose` gives)."""
    rec = io.PoseRecorder(segmentation, 1)
    rec.add(int(frame.index), float(frame.t_s), pose)
    wh = (int(frame.image.shape[1]), int(frame.image.shape[0]))
    return PoseSeries(**rec.arrays(), resolution_wh=wh, provenance=_NO_PROVENANCE)


def _row_pose(row: PoseSeries, n_people: int) -> Any:
    """Row 0 of ``row`` as a :class:`hipcheck.io.FramePose` (to record it)."""
    mask = None if row.pelvis_mask is None else row.pelvis_mask[0]
    box = None if row.pelvis_box_px is None else row.pelvis_box_px[0]
    return io.FramePose(
        xy_px=row.xy_px[0], z=row.z[0], visibility=row.visibility[0], presence=row.presence[0],
        xyz_world_m=row.xyz_world_m[0], pelvis_mask=mask, pelvis_box_px=box, n_people=n_people,
    )  # fmt: skip


Gate = Callable[[io.Frame], bool]
"""Asked by the decoder before each frame goes to the workers: False ends the stream at that frame."""


class _Pipeline:
    """The decoder, the pose workers and their queues (see the module docstring).

    ``gate`` (optional) is called in the decoder thread before each frame is handed on; when it
    returns False the stream ends there, as if the source had ended. ``collected`` counts the
    frames recorded so far; ``changed`` is notified after each one and when the run ends.
    """

    def __init__(
        self, frames: io.FrameSource, flip: bool, pose_options: dict[str, Any], gate: Gate | None = None
    ) -> None:
        self.frames, self.flip, self.pose_options, self.gate = frames, flip, pose_options, gate
        self.segmentation = bool(pose_options["segmentation"])
        self.stop = threading.Event()
        n = 2 if flip else 1
        self.inputs: list[queue.Queue[Any]] = [queue.Queue(QUEUE_FRAMES) for _ in range(n)]
        self.outputs: list[queue.Queue[Any]] = [queue.Queue(QUEUE_FRAMES) for _ in range(n)]
        self.trackers = [WaistlineTracker(frames.expected_frames or 0) for _ in range(n)]
        self.rows = io.PoseRecorder(self.segmentation, frames.expected_frames, pack_masks=True)
        self.stages: list[_Stage] = []
        self.collected = 0
        self.changed = threading.Condition()

    def _decode(self) -> None:
        for frame in self.frames:
            if self.gate is not None and not self.gate(frame):
                return
            for q in self.inputs:
                _put(q, frame, self.stop)

    def _estimate(self, k: int) -> Provenance:
        stream = _QueueStream(self.frames, self.inputs[k], self.stop, mirror=k == 1)

        def hand_on(frame: io.Frame, pose: Any) -> None:
            _put(self.outputs[k], (frame, pose), self.stop)

        return io.estimate_pose_stream(stream, hand_on, **self.pose_options)

    def _collect(self, row: int) -> bool:
        """Take the next frame's pose from every pass, record it (averaged) and find its waistlines.

        False once the passes have ended: at once when one ended with an error (the others are
        then stopped); when one ended normally the others deliver their last frames first.
        """
        items = []
        for q, worker in zip(self.outputs, self.stages[1:], strict=True):
            item = _get(q, self.stop)
            if item is _END:
                if worker.error is None:
                    for other in self.outputs:  # the others end too: drain them to their end markers
                        while other is not q and _get(other, self.stop) is not _END:
                            pass
                return False
            items.append(item)
        (frame, pose), *mirrored = items
        if not mirrored:
            self.rows.add(int(frame.index), float(frame.t_s), pose)
            self.trackers[0].add(row, frame.image, _NAN_ROW if pose is None else pose.xy_px)
            return True
        frame_m, pose_m = mirrored[0]
        avg = average_with_mirror(
            _one_row(frame, pose, self.segmentation), _one_row(frame_m, pose_m, self.segmentation)
        )
        self.rows.add(int(frame.index), float(frame.t_s), _row_pose(avg, 0 if pose is None else pose.n_people))
        self.trackers[0].add(row, frame.image, avg.xy_px[0])
        self.trackers[1].add(row, frame_m.image, mirror_points_px(avg.xy_px[0], avg.resolution_wh[0]))
        return True

    def _counted(self, done: int) -> None:
        with self.changed:
            self.collected = done
            self.changed.notify_all()

    def run(self, progress: ProgressFn | None) -> RawPasses:
        """Run the passes to the end of the stream; raises ``_Stopped`` when :attr:`stop` was set from outside."""
        expected = self.frames.expected_frames
        done = 0
        try:
            self.stages.append(_start("decode", self._decode, self.inputs, self.stop))
            for k, out in enumerate(self.outputs):
                self.stages.append(_start(f"pose-{k}", partial(self._estimate, k), [out], self.stop))
            while self._collect(done):
                done += 1
                self._counted(done)
                if progress is not None:
                    progress(done, expected)
        finally:
            self.stop.set()
            for stage in self.stages:
                stage.thread.join()
            self._counted(done)
        for stage in self.stages:  # the decoder's error first: a damaged file explains the rest
            if stage.error is not None:
                raise stage.error
        prov: Provenance = self.stages[1].result
        if self.flip:  # as average_with_mirror marks it
            prov = dataclasses.replace(prov, extra={**prov.extra, "flip_average": True})
        decode = getattr(self.frames, "decode_status", None)  # a video that decoded only in part says so
        if decode:
            prov = dataclasses.replace(prov, extra={**prov.extra, "decode": decode})
        wh = self.frames.info.resolution_wh
        series = PoseSeries(**self.rows.arrays(), resolution_wh=wh, provenance=prov)
        if len(series) != done:  # a bug, never an input problem
            raise RuntimeError(f"pose passes delivered {len(series)} rows, the waistline saw {done}")
        lines = self.trackers[0].result(series.xy_px, drop_outliers=False)
        lines_m = self.trackers[1].result(series.xy_px, drop_outliers=False) if self.flip else None
        return RawPasses(series, lines, lines_m, self.rows.n_people.copy())


def run_passes(
    frames: io.FrameSource,
    *,
    model_path: str | Path | None,
    flip: bool,
    stride: int,
    max_people: int = 2,
    segmentation: bool = True,
    progress: ProgressFn | None = None,
    source_sha256: str | None = None,
) -> PassesResult:
    """Decode ``frames`` once and run the pose passes (plain, and mirrored with ``flip``) at the same time.

    The options are those of :func:`hipcheck.io.estimate_pose`; ``progress(done, total)`` is called
    from the calling thread as each frame is complete. Returns the series (averaged with the
    mirrored pass when ``flip``) and the waistlines found on the way (see :class:`PassesResult`).
    Raises what decoding or :func:`hipcheck.io.estimate_pose` raise, in the calling thread.
    """
    options = {
        "model_path": model_path, "max_people": max_people, "segmentation": segmentation, "stride": stride,
        "source_sha256": source_sha256,
    }  # fmt: skip
    return _Pipeline(frames, flip, options).run(progress).passes_result()
