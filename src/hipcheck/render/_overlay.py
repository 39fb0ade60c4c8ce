"""Skeleton and angle overlay on video frames, and the annotated video.

:class:`PoseAnnotator` draws one frame: the skeleton, the hip line and the
two knee lines (hip–knee–ankle) coloured green / amber / red by threshold,
angle readouts, the person's L/R labels, the rep counter and the exercise.
:func:`write_annotated_video` runs it over a whole clip.

Conventions: ``xy_px`` is in pixels of the upright, unmirrored frame, y down;
sides are the person's anatomical sides (in a front view the person's left is
on the image right, so the "L" label sits on the image right). Metric values
come from the Assessment's metric table (degrees); nothing is computed here.
Colours are BGR.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from hipcheck import io
from hipcheck.landmarks import (
    L_ANKLE,
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    R_ANKLE,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
    SKELETON_EDGES,
    PoseSeries,
)
from hipcheck.metrics import METRICS, format_metric
from hipcheck.render._style import BAND_BGR, BGR, GREY, LEFT_BGR, RIGHT_BGR
from hipcheck.results import Assessment
from hipcheck.types import Side

DEG = "°" if int(cv2.__version__.split(".")[0]) >= 5 else " deg"  # OpenCV < 5 fonts have no degree sign
LEGS: Mapping[Side, tuple[int, int, int]] = {"left": (L_HIP, L_KNEE, L_ANKLE), "right": (R_HIP, R_KNEE, R_ANKLE)}


def signed(value: float) -> str:
    """Whole-degree text with sign and no negative zero: ``+9``, ``-3``, ``0``."""
    r = round(value)
    return "0" if r == 0 else f"{r:+d}"


def readout(metric: str, value: float) -> str:
    """A value drawn on video: signed, with the registry's decimals (the same rounding as the report)
    and the degree mark OpenCV can draw (:data:`DEG`).
    """
    text = format_metric(metric, value, unit=False, sign=True)
    return text + (DEG if METRICS[metric].unit == "deg" else "")


def band_color(metric: str, value: float) -> BGR:
    """The colour of ``value`` of a metric: its display band (:attr:`hipcheck.metrics.MetricInfo.bands`)."""
    return BAND_BGR[METRICS[metric].band(value)]


@dataclass(frozen=True)
class OverlayStyle:
    """How the overlay looks; sizes scale with the frame height (``scale=1`` at 720 px).

    Line colours follow each metric's display bands in the registry
    (:data:`hipcheck.metrics.METRICS`), the same as the live window's.
    """

    bone_color: BGR = (235, 235, 235)
    joint_radius_px: int = 5
    line_px: int = 3
    font_scale: float = 0.7
    left_color: BGR = LEFT_BGR
    right_color: BGR = RIGHT_BGR


def _pt(xy: NDArray[np.float64]) -> tuple[int, int] | None:
    return (round(float(xy[0])), round(float(xy[1]))) if np.isfinite(xy).all() else None


class PoseAnnotator:
    """Draws the pose, hip and knee lines, angle readouts, side labels, rep and exercise on a frame.

    Example:
        >>> ann = PoseAnnotator()
        >>> out = ann.annotate(frame, pose.xy_px[i], {"knee_fppa_deg_left": 12.0}, exercise="squat", rep=3)
    """

    def __init__(self, style: OverlayStyle | None = None) -> None:
        """Keep the style; nothing is drawn yet."""
        self.style = style or OverlayStyle()

    def _scale(self, frame: NDArray[np.uint8]) -> float:
        return max(0.4, float(frame.shape[0]) / 720.0)

    def annotate(
        self,
        frame_bgr: NDArray[np.uint8],
        xy_px_row: NDArray[np.float64],
        metrics_row: Mapping[str, float],
        *,
        exercise: str = "",
        rep: int = 0,
    ) -> NDArray[np.uint8]:
        """A copy of ``frame_bgr`` with the overlay drawn.

        Args:
            frame_bgr: (H, W, 3) uint8 BGR frame.
            xy_px_row: (33, 2) landmark pixels of this frame (NaN = missing).
            metrics_row: metric column → value at this frame, e.g.
                ``pelvic_drop_deg_left``, ``knee_fppa_deg_right``,
                ``pelvic_obliquity_deg`` (degrees; NaN/missing = not drawn).
            exercise: current exercise name ("" when none).
            rep: current rep number (0 = not in a rep).
        """
        out = np.ascontiguousarray(frame_bgr.copy())
        xy = np.asarray(xy_px_row, dtype=np.float64)
        if xy.shape != (33, 2):
            raise ValueError(f"xy_px_row: expected shape (33, 2), got {xy.shape}")
        s = self._scale(out)
        self._bones(out, xy, s)
        self._hip_line(out, xy, metrics_row, s)
        self._trunk(out, xy, metrics_row, s)
        for side in ("left", "right"):
            self._knee(out, xy, side, metrics_row, s)
        self._side_labels(out, xy, s)
        self._banner(out, exercise, rep, s)
        return out

    def _bones(self, img: NDArray[np.uint8], xy: NDArray[np.float64], s: float) -> None:
        for a, b in SKELETON_EDGES:
            pa, pb = _pt(xy[a]), _pt(xy[b])
            if pa and pb and (a, b) not in ((L_HIP, R_HIP), (L_HIP, L_KNEE), (R_HIP, R_KNEE)):
                cv2.line(img, pa, pb, self.style.bone_color, max(1, round(2 * s)), cv2.LINE_AA)

    def _hip_line(self, img: NDArray[np.uint8], xy: NDArray[np.float64], m: Mapping[str, float], s: float) -> None:
        pl, pr = _pt(xy[L_HIP]), _pt(xy[R_HIP])
        if not (pl and pr):
            return
        drops = [m.get(f"pelvic_drop_deg_{side}", math.nan) for side in ("left", "right")]
        finite = [d for d in drops if math.isfinite(d)]
        drop = max(finite) if finite else math.nan
        color = band_color("pelvic_drop_deg", drop)
        cv2.line(img, pl, pr, color, max(2, round(self.style.line_px * s)), cv2.LINE_AA)
        mid = ((pl[0] + pr[0]) // 2, (pl[1] + pr[1]) // 2)
        if math.isfinite(drop):
            text = f"pelvic drop {readout('pelvic_drop_deg', drop)}"
            self._text(img, text, (mid[0] - self._width(text, s) // 2, mid[1] - int(14 * s)), color, s)
        elif math.isfinite(m.get("pelvic_obliquity_deg", math.nan)):
            obl = m["pelvic_obliquity_deg"]
            text = f"hip line {readout('pelvic_obliquity_deg', obl)}"
            self._text(img, text, (mid[0] - self._width(text, s) // 2, mid[1] - int(14 * s)), GREY, s)

    def _trunk(self, img: NDArray[np.uint8], xy: NDArray[np.float64], m: Mapping[str, float], s: float) -> None:
        """Trunk lean readout above the shoulder midpoint (stance-side lean when known, else whole-body)."""
        ps, pr = _pt(xy[L_SHOULDER]), _pt(xy[R_SHOULDER])
        sided = [m.get(f"trunk_lean_ipsi_deg_{side}", math.nan) for side in ("left", "right")]
        finite = [v for v in sided if math.isfinite(v)]
        lean = max(finite, key=abs) if finite else m.get("trunk_lean_deg", math.nan)
        if not (ps and pr and math.isfinite(lean)):
            return
        color = band_color("trunk_lean_deg", lean)
        text = f"trunk {readout('trunk_lean_deg', lean)}"
        mid = ((ps[0] + pr[0]) // 2, min(ps[1], pr[1]) - int(40 * s))
        self._text(img, text, (mid[0] - self._width(text, s) // 2, mid[1]), color, s)

    def _knee(
        self, img: NDArray[np.uint8], xy: NDArray[np.float64], side: Side, m: Mapping[str, float], s: float
    ) -> None:
        hip, knee, ankle = (_pt(xy[i]) for i in LEGS[side])
        fppa = m.get(f"knee_fppa_deg_{side}", math.nan)
        color = band_color("knee_fppa_deg", fppa)
        width = max(2, round(self.style.line_px * s))
        for a, b in ((hip, knee), (knee, ankle)):
            if a and b:
                cv2.line(img, a, b, color, width, cv2.LINE_AA)
        if knee is None:
            return
        side_color = self.style.left_color if side == "left" else self.style.right_color
        cv2.circle(img, knee, max(3, round(self.style.joint_radius_px * s)), side_color, -1, cv2.LINE_AA)
        if math.isfinite(fppa):
            text = f"knee {readout('knee_fppa_deg', fppa)}"
            dx = int(14 * s) if self._outer_is_right(xy, side) else -int(14 * s) - self._width(text, s)
            self._text(img, text, (knee[0] + dx, knee[1] + int(5 * s)), color, s)

    @staticmethod
    def _outer_is_right(xy: NDArray[np.float64], side: Side) -> bool:
        """True when this leg's knee is on the image right of the other knee (text goes outward)."""
        own, other = (L_KNEE, R_KNEE) if side == "left" else (R_KNEE, L_KNEE)
        return bool(xy[own, 0] >= xy[other, 0]) if np.isfinite(xy[[own, other], 0]).all() else side == "left"

    def _side_labels(self, img: NDArray[np.uint8], xy: NDArray[np.float64], s: float) -> None:
        sides: tuple[tuple[Side, int, int], ...] = (("left", L_SHOULDER, L_HIP), ("right", R_SHOULDER, R_HIP))
        for side, sh, hip in sides:
            p = _pt(xy[sh]) or _pt(xy[hip])
            if p is None:
                continue
            color = self.style.left_color if side == "left" else self.style.right_color
            dx = int(12 * s) if self._outer_is_right(xy, side) else -int(34 * s)
            self._text(img, "L" if side == "left" else "R", (p[0] + dx, p[1] - int(10 * s)), color, 1.3 * s)

    def _banner(self, img: NDArray[np.uint8], exercise: str, rep: int, s: float) -> None:
        text = exercise.replace("_", " ") if exercise else "-"
        if rep > 0:
            text += f"   rep {rep}"
        h = int(34 * s)
        cv2.rectangle(img, (0, 0), (img.shape[1], h), (30, 30, 30), -1)
        self._text(img, text, (int(10 * s), int(24 * s)), (255, 255, 255), s, outline=False)

    def _width(self, text: str, s: float) -> int:
        fs = self.style.font_scale * s
        (w, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, fs, max(1, round(1.6 * s)))
        return int(w)

    def _text(
        self, img: NDArray[np.uint8], text: str, org: tuple[int, int], color: BGR, s: float, *, outline: bool = True
    ) -> None:
        """Text at ``org`` (baseline left), on a dark box when ``outline`` so it reads on any background."""
        fs = self.style.font_scale * s
        thick = max(1, round(1.6 * s))
        if outline:
            (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, fs, thick)
            pad = max(2, round(3 * s))
            x0, y0 = org[0] - pad, org[1] - h - pad
            cv2.rectangle(img, (x0, y0), (org[0] + w + pad, org[1] + base + pad // 2), (25, 25, 25), -1)
        cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, fs, color, thick, cv2.LINE_AA)


# ------------------------------------------------------------------ timeline lookups
def metrics_row(assessment: Assessment, row: int) -> dict[str, float]:
    """Metric column → value at table row ``row`` (NaN when out of range)."""
    cols = assessment.metrics.columns
    n = len(assessment.metrics.t_s)
    return {k: float(v[row]) if 0 <= row < n else math.nan for k, v in cols.items()}


def nearest_row(t_s: NDArray[np.float64], t: float, tol_s: float) -> int:
    """Index of the time in ``t_s`` nearest to ``t``, or -1 if none within ``tol_s``."""
    if len(t_s) == 0:
        return -1
    i = int(np.clip(np.searchsorted(t_s, t), 1, len(t_s) - 1)) if len(t_s) > 1 else 0
    if i > 0 and abs(t_s[i - 1] - t) <= abs(t_s[i] - t):
        i -= 1
    return i if abs(t_s[i] - t) <= tol_s else -1


def exercise_and_rep_at(assessment: Assessment, t: float) -> tuple[str, int]:
    """The exercise (with side for one-leg tests) and rep number at time ``t`` s.

    Between reps of a bout the rep counter shows the last rep started; outside
    every bout it returns ``("", 0)``.
    """
    for ex in assessment.exercises:
        if ex.t_start_s <= t <= ex.t_end_s:
            name = ex.exercise + (f" ({ex.side})" if ex.side else "")
            started = [r.index for r in ex.reps if r.t_start_s <= t]
            return name, (max(started) if started else 0)
    return "", 0


def _pose_rows(pose: PoseSeries) -> dict[int, int]:
    assert pose.frame_index is not None
    return {int(f): i for i, f in enumerate(pose.frame_index)}


def write_annotated_video(
    video_path: str | Path,
    pose: PoseSeries,
    assessment: Assessment,
    out_path: str | Path,
    *,
    annotator: PoseAnnotator | None = None,
    fourcc: str | None = None,
) -> Path:
    """Write ``out_path`` (e.g. ``DIR/annotated.mp4``): every source frame with the overlay.

    Same frame count and frame rate as the source. Pose rows are matched to
    frames by ``pose.frame_index`` (frames without a pose row are copied
    with only the banner); metric rows by time (nearest within half a frame).
    An ``.mp4`` is H.264 (plays in browsers) where PyAV has libx264
    (:func:`hipcheck.io.h264_available`); otherwise, or with an explicit
    ``fourcc``, OpenCV's MPEG-4 Part 2, and a warning on the ``hipcheck``
    logger says that browsers may not play it.

    Raises:
        HipcheckError subclasses from :func:`hipcheck.io.open_source` for unreadable input.
    """
    ann = annotator or PoseAnnotator()
    rows = _pose_rows(pose)
    empty = np.full((33, 2), np.nan)
    t_metrics = np.asarray(assessment.metrics.t_s)
    with io.open_source(video_path) as src:
        fps = src.info.fps
        half = 0.5 / fps if fps > 0 else 0.02
        with _sink(Path(out_path), fps, src.info.resolution_wh, fourcc) as sink:
            for frame in src:
                row = rows.get(frame.index, -1)
                xy = pose.xy_px[row] if row >= 0 else empty
                m = metrics_row(assessment, nearest_row(t_metrics, frame.t_s, half))
                exercise, rep = exercise_and_rep_at(assessment, frame.t_s)
                sink.write(ann.annotate(frame.image, xy, m, exercise=exercise, rep=rep))
    return Path(out_path)


def _sink(path: Path, fps: float, resolution_wh: tuple[int, int], fourcc: str | None) -> io.H264Sink | io.VideoSink:
    if fourcc is None and path.suffix.lower() == ".mp4":
        if io.h264_available():
            return io.H264Sink(path, fps, resolution_wh)
        logging.getLogger("hipcheck").warning(
            "%s: written as MPEG-4 Part 2 (no H.264 encoder here: install PyAV with libx264); "
            "browsers may not play it in a <video> element",
            path,
        )
    return io.VideoSink(path, fps, resolution_wh, fourcc=fourcc)


def annotate_rows(
    frames: Sequence[NDArray[np.uint8]],
    xy_rows: Sequence[NDArray[np.float64]],
    metric_rows: Sequence[Mapping[str, float]],
    *,
    annotator: PoseAnnotator | None = None,
    exercise: str = "",
) -> list[NDArray[np.uint8]]:
    """Annotate several frames at once (key frames); rep counter off."""
    ann = annotator or PoseAnnotator()
    return [ann.annotate(f, xy, m, exercise=exercise) for f, xy, m in zip(frames, xy_rows, metric_rows, strict=True)]
