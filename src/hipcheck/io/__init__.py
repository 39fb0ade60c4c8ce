"""Input and output at the edge: video sources and sink, the MediaPipe adapter, model files.

The only package that touches ``cv2.VideoCapture`` / ``cv2.VideoWriter``, PyAV
and MediaPipe; nothing it returns carries their types::

    open_source(path | camera) ──▶ FrameSource (Frame: index, t_s, upright BGR image)
        └─▶ estimate_pose(frames) ──▶ PoseSeries (one subject, 33 landmarks per frame)

Conventions: ``Frame.index`` counts every decoded frame from the start of the
source; ``Frame.t_s`` is seconds from the source's own timestamps, strictly
increasing; images are upright (container rotation applied) and unmirrored;
landmark pixels have x right, y down (see :mod:`hipcheck.landmarks`).

MediaPipe itself is imported on first use of the pose names (``PoseEstimator``,
``estimate_pose`` ...), so reading a video or a file here does not load it.
"""

import importlib
from typing import TYPE_CHECKING, Any

from hipcheck.io._files import (
    TEMP_SUFFIX,
    OutputLock,
    atomic_write,
    ensure_output_dir,
    ensure_output_file,
    fsync_dir,
    jsonable,
    output_error,
    remove_stale_temporaries,
    sha256_file,
    write_bytes_atomic,
    write_json_atomic,
    write_text_atomic,
)
from hipcheck.io._frames import (
    MIN_STEP_S,
    Frame,
    FrameSource,
    FrameStream,
    Mirrored,
    SourceKind,
    VideoInfo,
    mirror_image,
    next_timestamp,
    window_frame_count,
)
from hipcheck.io._h264 import H264Sink, h264_available
from hipcheck.io._mask import MASK_SIZE, pelvis_box, resample_mask
from hipcheck.io._models import (
    BUNDLE_MEMBERS,
    DEFAULT_MODEL_NAME,
    DEFAULT_MODEL_SHA256,
    MODEL_ENV_VAR,
    OFFICIAL_MODELS,
    OfficialModel,
    bundled_model_path,
    check_task_bundle,
    default_model_path,
    fetch_verified,
    resolve_model,
    verify_sha256,
)
from hipcheck.io._offline import ALLOW_ENV_VAR, call_offline, network_guard_status
from hipcheck.io._probe import ContainerInfo, probe_container
from hipcheck.io._sink import VideoSink
from hipcheck.io._subject import SUBJECT_RULE, SubjectTracker, people_summary, person_box_px, subject_text
from hipcheck.io._video import (
    CORRUPT_FRACTION,
    DEFAULT_IMAGE_FPS,
    IMAGE_SUFFIXES,
    Decoder,
    count_frames,
    open_source,
    probe,
    read_frame_at,
    read_frames_at,
)

if TYPE_CHECKING:
    from hipcheck.io._pose import (
        FramePose,
        PoseEstimator,
        PoseRecorder,
        estimate_image,
        estimate_pose,
        estimate_pose_stream,
        video_timestamp_ms,
    )

_MEDIAPIPE_NAMES = frozenset(
    {
        "FramePose",
        "PoseEstimator",
        "PoseRecorder",
        "estimate_image",
        "estimate_pose",
        "estimate_pose_stream",
        "video_timestamp_ms",
    }
)


def __getattr__(name: str) -> Any:
    """The pose names, loading MediaPipe on first use."""
    if name in _MEDIAPIPE_NAMES:
        return getattr(importlib.import_module("hipcheck.io._pose"), name)
    raise AttributeError(f"module 'hipcheck.io' has no attribute {name!r}")


__all__ = [
    "ALLOW_ENV_VAR",
    "BUNDLE_MEMBERS",
    "CORRUPT_FRACTION",
    "DEFAULT_IMAGE_FPS",
    "DEFAULT_MODEL_NAME",
    "DEFAULT_MODEL_SHA256",
    "IMAGE_SUFFIXES",
    "MASK_SIZE",
    "MIN_STEP_S",
    "MODEL_ENV_VAR",
    "OFFICIAL_MODELS",
    "SUBJECT_RULE",
    "TEMP_SUFFIX",
    "ContainerInfo",
    "Decoder",
    "Frame",
    "FramePose",
    "FrameSource",
    "FrameStream",
    "H264Sink",
    "Mirrored",
    "OfficialModel",
    "OutputLock",
    "PoseEstimator",
    "PoseRecorder",
    "SourceKind",
    "SubjectTracker",
    "VideoInfo",
    "VideoSink",
    "atomic_write",
    "bundled_model_path",
    "call_offline",
    "check_task_bundle",
    "count_frames",
    "default_model_path",
    "ensure_output_dir",
    "ensure_output_file",
    "estimate_image",
    "estimate_pose",
    "estimate_pose_stream",
    "fetch_verified",
    "fsync_dir",
    "h264_available",
    "jsonable",
    "mirror_image",
    "network_guard_status",
    "next_timestamp",
    "open_source",
    "output_error",
    "pelvis_box",
    "people_summary",
    "person_box_px",
    "probe",
    "probe_container",
    "read_frame_at",
    "read_frames_at",
    "remove_stale_temporaries",
    "resample_mask",
    "resolve_model",
    "sha256_file",
    "subject_text",
    "verify_sha256",
    "video_timestamp_ms",
    "window_frame_count",
    "write_bytes_atomic",
    "write_json_atomic",
    "write_text_atomic",
]
