"""MediaPipe adapter: frames in, :class:`~hipcheck.landmarks.PoseSeries` out.

This is the only module that imports MediaPipe; no MediaPipe type leaves it.
Its MediaPipe-free helpers are subject selection (:mod:`hipcheck.io._subject`)
and the pelvis mask crop (:mod:`hipcheck.io._mask`). It runs the Tasks
``PoseLandmarker`` (BlazePose GHUM 3D, 33 landmarks) in
VIDEO mode for videos (tracking between frames; timestamps must strictly
increase, which :class:`PoseEstimator` guarantees) and IMAGE mode for stills.

Conventions (as in :mod:`hipcheck.landmarks`): ``xy_px`` pixels of the given
upright frame, x right, y down, origin at the top-left pixel corner;
``z`` = MediaPipe normalised z × frame width (smaller = nearer, hip-centred);
``xyz_world_m`` MediaPipe world landmarks in metres (hip-centred, y down).
Sides are the person's anatomical sides. Missing values are NaN.

Subject selection (several people in frame): see :class:`SubjectTracker`.

Pelvis mask: with segmentation on, the chosen person's soft mask (0..255) is
resampled into an ``M × M`` grid (``M = 64``) over a square box centred on
the hip midpoint, side ``3 × max(hip width, 0.4 × hip-to-shoulder
distance)`` in pixels (see :func:`pelvis_box`). The hip landmarks are joint
centres and under-read pelvic drop; the mask's waistline and lateral hip
contour show the pelvis outline itself.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import cv2
import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import BaseOptions
from mediapipe.tasks.python import vision as mpv
from numpy.typing import NDArray

from hipcheck import __version__
from hipcheck.errors import EmptyVideoError, ModelError, NoPersonError
from hipcheck.io._files import sha256_file
from hipcheck.io._frames import Frame, FrameStream, VideoInfo
from hipcheck.io._mask import MASK_SIZE, PELVIS_BOX_SCALE, PELVIS_MIN_TORSO_FRACTION, pelvis_box, resample_mask
from hipcheck.io._models import resolve_model
from hipcheck.io._offline import call_offline
from hipcheck.io._subject import SubjectTracker, people_summary, subject_text
from hipcheck.landmarks import PoseSeries, Provenance, empty_rows
from hipcheck.types import Image, ProgressFn

Mode = Literal["video", "image"]


# ----------------------------------------------------------------- data types
@dataclass(frozen=True, eq=False)
class FramePose:
    """The chosen subject's landmarks in one frame (conventions in the module docstring).

    Attributes:
        xy_px: (33, 2) pixel x, y of the frame, y down.
        z: (33,) MediaPipe normalised z times frame width (pixel scale).
        visibility: (33,) in [0, 1].
        presence: (33,) in [0, 1].
        xyz_world_m: (33, 3) world landmarks in metres, hip-centred.
        pelvis_mask: (M, M) uint8 soft person mask over ``pelvis_box_px``, or None.
        pelvis_box_px: (4,) ``x0, y0, x1, y1`` in pixels, or None.
        n_people: number of people MediaPipe found in the frame.
    """

    xy_px: NDArray[np.float64]
    z: NDArray[np.float64]
    visibility: NDArray[np.float64]
    presence: NDArray[np.float64]
    xyz_world_m: NDArray[np.float64]
    pelvis_mask: NDArray[np.uint8] | None
    pelvis_box_px: NDArray[np.float64] | None
    n_people: int


# ------------------------------------------------------------ pure helpers
def _landmark_array(landmarks: Any) -> NDArray[np.float64]:
    """(33, 5) ``x, y, z, visibility, presence`` (normalised) from MediaPipe landmarks."""
    nan = math.nan
    return np.array(
        [
            (
                lm.x,
                lm.y,
                lm.z,
                nan if lm.visibility is None else lm.visibility,
                nan if lm.presence is None else lm.presence,
            )
            for lm in landmarks
        ],
        dtype=np.float64,
    )


def video_timestamp_ms(t_s: float, last_ms: int) -> int:
    """Integer milliseconds for MediaPipe VIDEO mode: ``round(1000 · t_s)``, raised to
    ``last_ms + 1`` when needed so timestamps strictly increase (sub-ms or repeated times).
    """
    return max(round(t_s * 1000.0), last_ms + 1)


class _NativeStderr:
    """Process-wide redirection of file descriptor 2, shared by the threads that ask for it.

    The first thread to enter points fd 2 at /dev/null and the last one to leave restores it, so
    two landmarkers loading at once (one per worker thread) cannot leave stderr pointing at /dev/null.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._saved = -1

    def enter(self, fd: int) -> None:
        with self._lock:
            if self._depth == 0:
                with contextlib.suppress(AttributeError, OSError, ValueError):
                    sys.stderr.flush()
                self._saved = os.dup(fd)
                with open(os.devnull, "wb") as null:
                    os.dup2(null.fileno(), fd)
            self._depth += 1

    def leave(self, fd: int) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                os.dup2(self._saved, fd)
                os.close(self._saved)
                self._saved = -1


_NATIVE_STDERR = _NativeStderr()


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Send the C++ log lines MediaPipe/TFLite print while loading a model (XNNPACK, feedback
    manager, NORM_RECT notices: informational, see google-ai-edge/mediapipe#5639) to /dev/null.
    Python exceptions are unaffected; set ``HIPCHECK_MEDIAPIPE_LOG=1`` to keep the lines.
    Thread-safe: fd 2 is restored when the last thread using it leaves.
    """
    if os.environ.get("HIPCHECK_MEDIAPIPE_LOG"):
        yield
        return
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # replaced stderr (Jupyter): native code still writes to fd 2
        fd = 2
    _NATIVE_STDERR.enter(fd)
    try:
        yield
    finally:
        _NATIVE_STDERR.leave(fd)


# --------------------------------------------------------------- estimator
class PoseEstimator:
    """MediaPipe PoseLandmarker for one stream of frames (not thread-safe).

    Args:
        model_path: a ``.task`` bundle, or None for the bundled, checksum-verified model.
        mode: ``"video"`` (tracking; for files and webcams) or ``"image"`` (independent stills).
        max_people: how many people MediaPipe may return per frame (the subject is chosen among them).
        segmentation: also compute the pelvis mask (slower).
        min_detection_confidence: MediaPipe person-detector threshold.
        min_tracking_confidence: MediaPipe threshold for keeping a track (VIDEO mode).

    Raises:
        ModelError: the model is missing, fails its checksum, or MediaPipe cannot load it.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        mode: Mode = "video",
        max_people: int = 2,
        segmentation: bool = True,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        if mode not in ("video", "image"):
            raise ValueError(f"mode: expected 'video' or 'image', got {mode!r}")
        if max_people < 1:
            raise ValueError(f"max_people: expected >= 1, got {max_people}")
        self.model_path, self.model_sha256 = resolve_model(model_path)
        self.mode: Mode = mode
        self.max_people = max_people
        self.segmentation = segmentation
        self.min_detection_confidence = min_detection_confidence
        self.min_tracking_confidence = min_tracking_confidence
        self._last_ms = -1
        self._first_frame = True
        self._tracker: SubjectTracker | None = None
        options = mpv.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=mpv.RunningMode.VIDEO if mode == "video" else mpv.RunningMode.IMAGE,
            num_poses=max_people,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
            output_segmentation_masks=segmentation,
        )
        try:
            with _quiet_native_stderr():  # created where it cannot reach the network (see io._offline)
                self._landmarker = call_offline(lambda: mpv.PoseLandmarker.create_from_options(options))
        except (RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"{self.model_path}: MediaPipe cannot load this model ({first})") from None

    # context manager ---------------------------------------------------
    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the MediaPipe graph (safe to call twice)."""
        landmarker = self.__dict__.pop("_landmarker", None)
        if landmarker is not None:
            with _quiet_native_stderr():  # TFLite logs one INFO line per accelerator it destroys
                landmarker.close()

    @property
    def subject_reselections(self) -> int:
        """How often the subject was (re-)chosen by the initial rule (1 = chosen once, never lost)."""
        return 0 if self._tracker is None else self._tracker.reselections

    # per frame ---------------------------------------------------------
    def _timestamp_ms(self, t_s: float) -> int:
        self._last_ms = video_timestamp_ms(t_s, self._last_ms)
        return self._last_ms

    def _detect(self, image_bgr: Image, t_s: float) -> Any:
        if image_bgr.dtype != np.uint8 or image_bgr.ndim != 3 or image_bgr.shape[2] != 3:
            raise ValueError(f"image_bgr: expected (H, W, 3) uint8, got {image_bgr.shape} {image_bgr.dtype}")
        if "_landmarker" not in self.__dict__:
            raise RuntimeError("PoseEstimator is closed")
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        quiet = _quiet_native_stderr() if self._first_frame else contextlib.nullcontext()
        self._first_frame = False
        with quiet:
            if self.mode == "image":
                return self._landmarker.detect(image)
            return self._landmarker.detect_for_video(image, self._timestamp_ms(t_s))

    def process(self, image_bgr: Image, t_s: float) -> FramePose | None:
        """Landmarks of the subject in one upright BGR frame at time ``t_s`` (s), or None if nobody is found."""
        result = self._detect(image_bgr, t_s)
        h, w = image_bgr.shape[:2]
        people = [_landmark_array(p) for p in result.pose_landmarks]
        if self._tracker is None or self.mode == "image":
            self._tracker = SubjectTracker((w, h))
        xy_all = [p[:, :2] * (w, h) for p in people]
        pick = self._tracker.choose(xy_all, t_s)
        if pick is None:
            return None
        lm = people[pick]
        world = np.array([(q.x, q.y, q.z) for q in result.pose_world_landmarks[pick]], dtype=np.float64)
        mask = box = None
        if self.segmentation and result.segmentation_masks:
            box = pelvis_box(xy_all[pick])
            if box is not None:
                mask01 = result.segmentation_masks[pick].numpy_view()
                mask = resample_mask(mask01.reshape(mask01.shape[0], mask01.shape[1]), box)
        return FramePose(
            xy_px=xy_all[pick], z=lm[:, 2] * w, visibility=lm[:, 3], presence=lm[:, 4],
            xyz_world_m=world, pelvis_mask=mask, pelvis_box_px=box, n_people=len(people),
        )  # fmt: skip


# ------------------------------------------------------------ whole source
class PoseRecorder:
    """Per-frame poses written into the arrays of a :class:`~hipcheck.landmarks.PoseSeries` as they come.

    Memory: the output arrays only, sized from the expected frame count and doubled when a
    source delivers more. With ``keep=False`` only the counts are kept (frames, detections,
    people per frame), for a consumer that stores the poses itself. With ``pack_masks`` each
    frame's pelvis mask is kept zlib-compressed (lossless: ≈ 1 kB instead of 4 kB a frame, so a
    long clip's rows grow half as fast) and unpacked by :meth:`arrays`.

    Args:
        segmentation: also store the pelvis mask and box (zeros / NaN where a frame has none).
        expected: about how many frames will come (None when unknown).
        keep: store the landmarks (else only count).
        pack_masks: keep the masks compressed until :meth:`arrays`.
    """

    def __init__(
        self, segmentation: bool, expected: int | None = None, *, keep: bool = True, pack_masks: bool = False
    ) -> None:
        self.segmentation = segmentation and keep
        self.keep = keep
        self.n = 0
        self.detected = 0
        self._cap = 0
        self._a: dict[str, Any] = {}
        self._packed: list[bytes | None] | None = [] if self.segmentation and pack_masks else None
        self._grow(int(expected) if expected else 16)

    def _grow(self, cap: int) -> None:
        fresh: dict[str, Any] = {
            **(empty_rows(cap) if self.keep else {}), "t_s": np.zeros(cap), "frame_index": np.zeros(cap, np.int64),
            "n_people": np.zeros(cap, np.int64),
        }  # fmt: skip
        if self.segmentation:
            if self._packed is None:
                fresh["pelvis_mask"] = np.zeros((cap, MASK_SIZE, MASK_SIZE), np.uint8)
            fresh["pelvis_box_px"] = np.full((cap, 4), np.nan)
        for key, old in self._a.items():
            fresh[key][: self.n] = old[: self.n]
        self._a, self._cap = fresh, cap

    def add(self, index: int, t_s: float, pose: FramePose | None) -> None:
        """Record frame ``index`` at ``t_s`` (s) with its pose (None: nobody found, a NaN row)."""
        if self.n == self._cap:
            self._grow(2 * self._cap)
        i, a = self.n, self._a
        a["frame_index"][i], a["t_s"][i] = index, t_s
        mask = None if pose is None or pose.pelvis_box_px is None else pose.pelvis_mask
        if self._packed is not None:
            self._packed.append(None if mask is None else zlib.compress(np.ascontiguousarray(mask).tobytes(), 1))
        self.n += 1
        if pose is None:
            return
        self.detected += 1
        a["n_people"][i] = pose.n_people
        if not self.keep:
            return
        a["xy_px"][i], a["z"][i], a["xyz_world_m"][i] = pose.xy_px, pose.z, pose.xyz_world_m
        a["visibility"][i], a["presence"][i] = pose.visibility, pose.presence
        if self.segmentation and mask is not None:
            a["pelvis_box_px"][i] = pose.pelvis_box_px
            if self._packed is None:
                a["pelvis_mask"][i] = mask

    @property
    def n_people(self) -> NDArray[np.int64]:
        """(n,) people MediaPipe found in each recorded frame."""
        people: NDArray[np.int64] = self._a["n_people"][: self.n]
        return people

    @property
    def t_s(self) -> NDArray[np.float64]:
        """(n,) the recorded frames' times in seconds (a view)."""
        t: NDArray[np.float64] = self._a["t_s"][: self.n]
        return t

    def _unpacked_masks(self) -> NDArray[np.uint8]:
        assert self._packed is not None
        masks = np.zeros((self.n, MASK_SIZE, MASK_SIZE), np.uint8)
        for i, packed in enumerate(self._packed[: self.n]):
            if packed is not None:
                masks[i] = np.frombuffer(zlib.decompress(packed), np.uint8).reshape(MASK_SIZE, MASK_SIZE)
        return masks

    def arrays(self) -> dict[str, Any]:
        """The recorded rows as :class:`~hipcheck.landmarks.PoseSeries` keyword arguments
        (all but ``resolution_wh`` and ``provenance``).
        """
        if not self.keep:
            raise RuntimeError("PoseRecorder(keep=False) stores no landmarks")
        # views, not copies: a copy of a 10-minute clip's rows (masks included) would double them at the peak
        out = {k: v[: self.n] for k, v in self._a.items() if k != "n_people"}
        if not self.segmentation:
            out.update(pelvis_mask=None, pelvis_box_px=None)
        elif self._packed is not None:
            out["pelvis_mask"] = self._unpacked_masks()
        return out


def _auto_mode(info: VideoInfo) -> Mode:
    """IMAGE mode for stills and image folders (no real frame rate), else VIDEO."""
    if info.kind in ("image", "images") or not (math.isfinite(info.fps) and info.fps > 0):
        return "image"
    return "video"


def _provenance(info: VideoInfo, est: PoseEstimator, rows: PoseRecorder, stride: int, sha: str | None) -> Provenance:
    name = info.source
    path = Path(name) if name else None
    if sha is None:
        sha = sha256_file(path) if path is not None and path.is_file() else ""
    counts = people_summary(rows.n_people, est.subject_reselections)
    return Provenance(
        source_path=name, source_sha256=sha, model_path=str(est.model_path), model_sha256=est.model_sha256,
        hipcheck_version=__version__, fps=float(info.fps or math.nan), stride=stride,
        subject=subject_text(counts),
        extra={
            "pose_mode": est.mode, "max_people": est.max_people, "segmentation": est.segmentation,
            "min_detection_confidence": est.min_detection_confidence,
            "min_tracking_confidence": est.min_tracking_confidence,
            "frames": counts["frames"], "frames_detected": counts["frames_detected"],
            "max_people_seen": counts["max_people_seen"], "frames_multi_person": counts["frames_multi_person"],
            "subject_selections": counts["subject_selections"],
            "pelvis_box": f"square, centre hip midpoint, side {PELVIS_BOX_SCALE} x max(hip width, "
            f"{PELVIS_MIN_TORSO_FRACTION} x hip-shoulder distance), mask {MASK_SIZE}x{MASK_SIZE}",
            "mediapipe_version": getattr(mp, "__version__", ""),
        },
    )  # fmt: skip


def estimate_pose_stream(
    source: FrameStream,
    on_frame: Callable[[Frame, FramePose | None], None],
    *,
    model_path: str | Path | None = None,
    segmentation: bool = True,
    max_people: int = 2,
    mode: Literal["auto", "video", "image"] = "auto",
    stride: int | None = None,
    progress: ProgressFn | None = None,
    source_sha256: str | None = None,
) -> Provenance:
    """Run pose estimation over every frame of ``source``, handing each frame and its pose to ``on_frame``.

    For consumers that store the poses themselves (:func:`estimate_pose` stores them in a
    PoseSeries). The landmarker is created in the calling thread and closed before returning.

    Args:
        source: frames with ``.index``, ``.t_s`` (s, strictly increasing) and
            ``.image`` (upright BGR uint8), e.g. a :class:`~hipcheck.io.FrameSource`;
            ``source.info`` gives the source name, frame rate and kind.
        on_frame: called as ``on_frame(frame, pose_or_None)`` after each frame.
        model_path: a ``.task`` bundle, or None for the bundled model.
        segmentation: also compute the pelvis mask and box.
        max_people: people MediaPipe may return per frame (subject chosen among them).
        mode: ``"video"``, ``"image"``, or ``"auto"`` (image for stills, else video).
        stride: recorded in the provenance (default ``source.stride``).
        progress: called as ``progress(frames_done, total_or_None)`` after each frame.
        source_sha256: the source file's SHA-256 for the provenance when the caller has it
            (default: hashed here).

    Returns:
        The provenance of the run (source, model, settings, people seen, subject rule).

    Raises:
        ModelError: model missing or wrong.
        EmptyVideoError: the source yielded no frame.
        NoPersonError: no person in any frame.
    """
    info = source.info
    run_mode: Mode = _auto_mode(info) if mode == "auto" else mode
    total = source.expected_frames
    rows = PoseRecorder(segmentation, total, keep=False)
    with PoseEstimator(model_path, mode=run_mode, max_people=max_people, segmentation=segmentation) as est:
        for frame in source:
            pose = est.process(frame.image, float(frame.t_s))
            rows.add(int(frame.index), float(frame.t_s), pose)
            on_frame(frame, pose)
            if progress is not None:
                progress(rows.n, total)
        name = info.source or "input"
        if rows.n == 0:
            raise EmptyVideoError(f"{name}: no frames to analyse")
        if rows.detected == 0:
            raise NoPersonError(f"{name}: no person found in any of {rows.n} frames")
        prov = _provenance(info, est, rows, stride if stride is not None else source.stride, source_sha256)
    decode = getattr(source, "decode_status", None)  # a video that decoded only in part says so in the report
    if decode:
        prov = Provenance(**{**prov.__dict__, "extra": {**prov.extra, "decode": decode}})
    return prov


def estimate_pose(
    source: FrameStream,
    *,
    model_path: str | Path | None = None,
    segmentation: bool = True,
    max_people: int = 2,
    mode: Literal["auto", "video", "image"] = "auto",
    stride: int | None = None,
    progress: ProgressFn | None = None,
    source_sha256: str | None = None,
) -> PoseSeries:
    """Run pose estimation over every frame of ``source`` and return the subject's PoseSeries.

    Arguments, errors and provenance as :func:`estimate_pose_stream`.

    Returns:
        One row per decoded frame; frames without a person are NaN rows.
    """
    rows = PoseRecorder(segmentation, source.expected_frames)
    size: list[tuple[int, int]] = []

    def record(frame: Frame, pose: FramePose | None) -> None:
        if not size:
            size.append((int(frame.image.shape[1]), int(frame.image.shape[0])))
        rows.add(int(frame.index), float(frame.t_s), pose)

    prov = estimate_pose_stream(
        source, record, model_path=model_path, segmentation=segmentation, max_people=max_people, mode=mode,
        stride=stride, progress=progress, source_sha256=source_sha256,
    )  # fmt: skip
    return PoseSeries(**rows.arrays(), resolution_wh=size[0], provenance=prov)


def estimate_image(
    image_bgr: Image, *, model_path: str | Path | None = None, segmentation: bool = True
) -> FramePose | None:
    """Landmarks of the main person in one still (IMAGE mode), or None if nobody is found."""
    with PoseEstimator(model_path, mode="image", segmentation=segmentation) as est:
        return est.process(image_bgr, 0.0)
