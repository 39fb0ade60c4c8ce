"""``hipcheck live``: the guided self-test in front of a camera.

::

    FrameSource ─▶ capture loop ──▶ Recorder (raw, unmirrored MJPG .avi, written as captured)
                        └───▶ PoseWorker (own thread, latest frame wins)
                                 └─▶ live_features / ReadoutTracker ─▶ ProtocolMachine ─▶ LiveStatus
                        └─▶ the window (mirrored preview, display only)
    at the end: run_job on the recording (the same analysis as ``hipcheck analyze``)

The protocol is a pure state machine fed with per-frame features and keys, so
it runs in tests without a camera or MediaPipe. Analysis uses the unmirrored
frames; times are the source's own clock in seconds.
"""

from hipcheck.live._features import (
    FramingCheck,
    LiveFeatures,
    Readouts,
    ReadoutTracker,
    check_framing,
    frame_angles_deg,
    live_features,
    mean_luma,
)
from hipcheck.live._protocol import (
    KEYS,
    LiveStatus,
    Phase,
    ProtocolMachine,
    ProtocolStep,
    RepCounter,
    StepRecord,
    build_protocol,
)
from hipcheck.live._session import (
    RECORDING_NAME,
    SESSION_FORMAT,
    SESSION_LOG_NAME,
    LiveConfig,
    LiveView,
    SessionLog,
    SessionResult,
    SessionStats,
    run_session,
)
from hipcheck.live._window import LiveWindow, draw_live_frame, draw_skeleton, mirror_points
from hipcheck.live._workers import Estimator, PoseLike, PoseResult, PoseWorker, Recorder, cfr_copies

__all__ = [
    "KEYS",
    "RECORDING_NAME",
    "SESSION_FORMAT",
    "SESSION_LOG_NAME",
    "Estimator",
    "FramingCheck",
    "LiveConfig",
    "LiveFeatures",
    "LiveStatus",
    "LiveView",
    "LiveWindow",
    "Phase",
    "PoseLike",
    "PoseResult",
    "PoseWorker",
    "ProtocolMachine",
    "ProtocolStep",
    "ReadoutTracker",
    "Readouts",
    "Recorder",
    "RepCounter",
    "SessionLog",
    "SessionResult",
    "SessionStats",
    "StepRecord",
    "build_protocol",
    "cfr_copies",
    "check_framing",
    "draw_live_frame",
    "draw_skeleton",
    "frame_angles_deg",
    "live_features",
    "mean_luma",
    "mirror_points",
    "run_session",
]
