"""Per-frame quantities for ``hipcheck live``: framing checks, protocol features, live readouts.

Pure functions and small classes over one frame's landmarks (``(33, 2)``
pixels of the upright, **unmirrored** frame, x right, y down; sides are the
subject's anatomical sides; times in seconds; missing is NaN). The protocol
state machine that consumes :class:`LiveFeatures` is in :mod:`hipcheck.live._protocol`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from hipcheck.analysis import OneEuroFilter
from hipcheck.analysis.geometry import (
    body_yaw_deg,
    contralateral_pelvic_drop_deg,
    knee_fppa_deg,
    pelvic_baseline_deg,
    pelvic_obliquity_deg,
)
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
from hipcheck.metrics import METRICS
from hipcheck.types import Band, Side

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
            camera-roll convention of :mod:`hipcheck.analysis.geometry._roll`: positive = the
            line descends toward the image right (y down). A level camera and
            a subject standing on both feet read ≈ 0°.
        facing_ratio: shoulder width / torso length (≈ 0.6–0.9 facing the
            camera, < 0.4 side-on).
        luma: mean luma of the frame, 0–255.
        yaw_deg: the body's yaw to the camera from the world hip and shoulder lines
            (:func:`hipcheck.analysis.geometry.axis_yaw_deg` convention: + = the left side
            farther from the camera); NaN without world landmarks.
    """

    ok: bool
    messages: tuple[str, ...]
    height_frac: float = math.nan
    roll_deg: float = math.nan
    facing_ratio: float = math.nan
    luma: float = math.nan
    yaw_deg: float = math.nan


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
    world_m: NDArray[np.float64] | None = None,
    max_yaw_deg: float = 10.0,
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
        world_m: (33, 3) world landmarks (metres), for the body's yaw to the camera.
        max_yaw_deg: turned further than this from square on, the person is asked to turn
            ("Turn a little to your right"): frontal angles are most exact square on.

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
    yaw = math.nan if world_m is None else float(body_yaw_deg(np.asarray(world_m, dtype=np.float64)))
    if not facing >= min_facing_ratio:
        msgs.append("Face the camera")
    elif abs(yaw) > max_yaw_deg:  # + = the left side farther: the person is turned to their own left
        msgs.append(f"Turn a little to your {'right' if yaw > 0 else 'left'}, square to the camera")
    if seen and abs(roll) > max_roll_deg:
        msgs.append(f"Level the camera (tilted {roll:+.0f}°)")
    msgs.extend(light)
    return FramingCheck(not msgs, tuple(msgs), height_frac, roll, facing, luma, yaw)


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
    world_m: NDArray[np.float64] | None = None,
) -> LiveFeatures:
    """Features of one frame from its (33, 2) landmarks (None when no person) and, when
    given, its (33, 3) world landmarks (for the body's yaw in the framing check).
    """
    framing = check_framing(xy_px, visibility, resolution_wh, luma=luma, world_m=world_m)
    if xy_px is None:
        return LiveFeatures(t_s, False, framing=framing)
    xy = np.asarray(xy_px, dtype=np.float64)
    hip_y = (xy[L_HIP, 1] + xy[R_HIP, 1]) / 2
    floor_y = max(xy[L_ANKLE, 1], xy[R_ANKLE, 1])
    return LiveFeatures(t_s, True, float(floor_y - hip_y), float(xy[L_ANKLE, 1]), float(xy[R_ANKLE, 1]), framing)


# -------------------------------------------------------------------- readouts


def frame_angles_deg(xy_px: NDArray[np.float64]) -> tuple[float, float, float]:
    """(pelvic obliquity, left knee FPPA, right knee FPPA) of one frame, degrees.

    Thin per-frame wrapper over :mod:`hipcheck.analysis.geometry` (conventions there):
    obliquity + = the subject's left hip higher; FPPA + = valgus. Pixels, y down.
    """
    xy = np.asarray(xy_px, dtype=np.float64)
    theta = pelvic_obliquity_deg(left_hip_xy=xy[L_HIP], right_hip_xy=xy[R_HIP])
    fppa_l = knee_fppa_deg(hip_xy=xy[L_HIP], knee_xy=xy[L_KNEE], ankle_xy=xy[L_ANKLE], contralateral_hip_xy=xy[R_HIP])
    fppa_r = knee_fppa_deg(hip_xy=xy[R_HIP], knee_xy=xy[R_KNEE], ankle_xy=xy[R_ANKLE], contralateral_hip_xy=xy[L_HIP])
    return float(theta), float(fppa_l), float(fppa_r)


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
        """Display band per readout, from the metric registry (the annotated video's bands).

        FPPA bands count valgus only; in a single-leg step the pelvic drop
        counts a drop only, otherwise the pelvis line is a tilt either way
        (``pelvic_obliquity_deg`` relative to the quiet-stance baseline).
        """
        pelvis = METRICS["pelvic_drop_deg" if self.stance is not None else "pelvic_obliquity_deg"]
        return {
            "pelvic_drop_deg": pelvis.band(self.pelvic_drop_deg),
            "fppa_left_deg": METRICS["knee_fppa_deg"].band(self.fppa_left_deg),
            "fppa_right_deg": METRICS["knee_fppa_deg"].band(self.fppa_right_deg),
        }


_READOUT_LANDMARKS = (L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE)


class ReadoutTracker:
    """One-Euro smoothed live angles, with the quiet-stance baseline θ0.

    Feed every pose result with :meth:`update`; while ``baseline=True`` (the
    quiet-stance step is active) the obliquity samples are collected for θ0
    (:func:`~hipcheck.analysis.geometry.pelvic_baseline_deg`, the offline
    analysis' definition), which :attr:`Readouts.pelvic_drop_deg` is measured
    against (CPD_L = θ − θ0 on the left leg, CPD_R = −(θ − θ0) on the right).
    """

    def __init__(self, *, min_cutoff_hz: float = 1.0, beta: float = 0.05, min_visibility: float = 0.5) -> None:
        """Args: One-Euro parameters; min_visibility: hips/knees/ankles must be seen above this."""
        self._filter = OneEuroFilter(min_cutoff=min_cutoff_hz, beta=beta)
        self._last_t = -math.inf
        self.min_visibility = min_visibility
        self._base_samples: list[float] = []
        self._base_deg = math.nan

    @property
    def baseline_deg(self) -> float:
        """Quiet-stance obliquity θ0 in degrees (NaN until measured)."""
        return self._base_deg

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
            self._base_samples.append(raw[0])
            samples = np.asarray(self._base_samples)
            self._base_deg = pelvic_baseline_deg(obliquity_deg=samples, baseline_rows=np.ones(samples.size, bool))
        base = self._base_deg if self._base_samples else 0.0
        if stance is None:
            drop = theta - base
        else:
            drop = float(contralateral_pelvic_drop_deg(obliquity_deg=theta, baseline_deg=base, stance_side=stance))
        return Readouts(theta, drop, fppa_l, fppa_r, self.baseline_deg, stance)
