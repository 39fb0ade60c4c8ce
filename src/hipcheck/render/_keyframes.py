"""Key frames for the report: the worst rep of each side, with the overlay drawn.

"Worst" is the rep with the largest per-rep peak of the leading metric: the
metric of the strongest finding in the evidence table, else pelvic drop, else
knee FPPA (both: larger = worse on that side). The frame shown is the one in
that rep whose value is nearest the rep's peak value (the number the evidence
uses), or the rep's bottom (``Rep.t_bottom_s``) when the column has no value
there; the readout drawn on it is the rep's peak value, so the picture, its
caption and the report show one number (the registry's rounding). Sides are
the person's anatomical sides.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from hipcheck import io
from hipcheck.landmarks import PoseSeries
from hipcheck.metrics import format_metric, plain_name
from hipcheck.render._overlay import PoseAnnotator, metrics_row, nearest_row
from hipcheck.render._plots import series_columns
from hipcheck.results import Assessment, EvidenceRow, MetricTable, Rep
from hipcheck.types import SIDES, Side

KEY_METRICS: tuple[str, ...] = ("pelvic_drop_deg", "knee_fppa_deg", "trunk_lean_deg")
"""Metrics a worst rep may be chosen by, in default order of preference."""


@dataclass(frozen=True)
class KeyFrameSpec:
    """Which frame to show for one side: the worst rep by ``metric`` (its peak ``value``)."""

    side: Side
    rep: Rep
    metric: str
    value: float
    also: KeyFrameSpec | None = None  # the other side, when the same two-legged rep is worst for both
    t_s: float = math.nan  # time of the frame to show (NaN: the rep's bottom)

    @property
    def caption(self) -> str:
        """Plain caption, e.g. ``"Left leg: single leg squat, rep 3 – pelvic drop 9.6° (worst rep)"``."""
        ex = self.rep.exercise.replace("_", " ")
        if self.also is not None:
            parts = f"{self._value_text()} left, {self.also._value_text()} right"
            return f"Both legs: {ex}, rep {self.rep.index} – {parts} (worst rep of both sides, at its peak)"
        return (
            f"{self.side.capitalize()} leg: {ex}, rep {self.rep.index} – {self._value_text()} (worst rep, at its peak)"
        )

    def _value_text(self) -> str:
        name = plain_name(self.metric)
        return f"{name[0].lower()}{name[1:]} {format_metric(self.metric, self.value)}"


def leading_metrics(evidence: Sequence[EvidenceRow]) -> tuple[str, ...]:
    """Key metrics ordered by finding strength (|difference| / uncertainty), then the default order."""
    found = [r for r in evidence if r.finding and r.metric in KEY_METRICS]
    found.sort(key=lambda r: -abs(r.difference) / (r.uncertainty if r.uncertainty > 0 else 1.0))
    ordered = [r.metric for r in found]
    return tuple(dict.fromkeys([*ordered, *KEY_METRICS]))


def worst_rep(reps: Sequence[Rep], metric: str, side: Side) -> tuple[Rep, float] | None:
    """The rep with the largest finite ``peaks[f"{metric}_{side}"]``, with that value."""
    best: tuple[Rep, float] | None = None
    for rep in reps:
        v = rep.peaks.get(f"{metric}_{side}", math.nan)
        if math.isfinite(v) and (best is None or v > best[1]):
            best = (rep, v)
    return best


def peak_time(metrics: MetricTable, metric: str, side: Side, rep: Rep, value: float | None = None) -> float:
    """Time (s) within the rep where the metric's column for ``side`` is nearest ``value`` (the rep's peak
    value; its largest value when None); the rep bottom if the column has no value in the rep.
    """
    col = series_columns(metrics, metric).get(side)
    t = np.asarray(metrics.t_s)
    sel = (t >= rep.t_start_s) & (t <= rep.t_end_s)
    if col is None or not sel.any():
        return rep.t_bottom_s
    values = np.where(sel, metrics[col], np.nan)
    ok = np.isfinite(values)
    if not ok.any():
        return rep.t_bottom_s
    if value is None or not math.isfinite(value):
        return float(t[int(np.argmax(np.where(ok, values, -np.inf)))])
    return float(t[int(np.argmin(np.where(ok, np.abs(values - value), np.inf)))])


def keyframe_specs(assessment: Assessment) -> list[KeyFrameSpec]:
    """One :class:`KeyFrameSpec` per side that has a rep with a key metric (left first)."""
    reps = [r for ex in assessment.exercises for r in ex.reps]
    specs: list[KeyFrameSpec] = []
    for side in SIDES:
        for metric in leading_metrics(assessment.evidence):
            hit = worst_rep(reps, metric, side)
            if hit is not None:
                t_peak = peak_time(assessment.metrics, metric, side, hit[0], hit[1])
                specs.append(KeyFrameSpec(side, hit[0], metric, hit[1], t_s=t_peak))
                break
    if len(specs) == 2 and specs[0].rep is specs[1].rep:  # a two-legged rep is worst for both: show it once
        return [dataclasses.replace(specs[0], also=specs[1])]
    return specs


def worst_rep_keyframes(
    video_path: str | Path,
    pose: PoseSeries,
    assessment: Assessment,
    *,
    annotator: PoseAnnotator | None = None,
) -> dict[str, NDArray[np.uint8]]:
    """Annotated BGR frames of the worst rep of each side, keyed by caption.

    The frame is the pose row nearest the rep's bottom time, read from the
    video by its decoded-frame index. Returns ``{}`` when no rep qualifies.
    """
    specs = keyframe_specs(assessment)
    if not specs or len(pose) == 0:
        return {}
    assert pose.frame_index is not None
    rows = [nearest_row(pose.t_s, s.t_s if math.isfinite(s.t_s) else s.rep.t_bottom_s, math.inf) for s in specs]
    images = io.read_frames_at(video_path, [int(pose.frame_index[r]) for r in rows])
    ann = annotator or PoseAnnotator()
    out = {}
    for spec, row in zip(specs, rows, strict=True):
        m = metrics_row(assessment, nearest_row(assessment.metrics.t_s, float(pose.t_s[row]), math.inf))
        m.update(_peak_readouts(assessment.metrics, spec))
        name = spec.rep.exercise + (f" ({spec.rep.side})" if spec.rep.side else "")
        image = images[int(pose.frame_index[row])]
        x0, y0, x1, y1 = person_box(pose.xy_px[row], image.shape[1], image.shape[0])
        crop = np.ascontiguousarray(image[y0:y1, x0:x1])
        xy = pose.xy_px[row] - np.array([x0, y0], dtype=np.float64)
        out[spec.caption] = ann.annotate(crop, xy, m, exercise=name, rep=spec.rep.index)
    return out


def _peak_readouts(metrics: MetricTable, spec: KeyFrameSpec) -> dict[str, float]:
    """The key metric's column(s) set to the rep's peak value(s), so the frame shows the caption's number."""
    out = {}
    for s in (spec, spec.also):
        if s is not None:
            col = series_columns(metrics, s.metric).get(s.side)
            if col is not None:
                out[col] = s.value
    return out


def person_box(
    xy_px_row: NDArray[np.float64], width: int, height: int, margin: float = 0.3
) -> tuple[int, int, int, int]:
    """Crop box ``(x0, y0, x1, y1)`` in pixels around the found landmarks, grown by ``margin`` of its size
    (plus room for the banner), clipped to the frame; the whole frame when no landmark is found.
    """
    ok = np.isfinite(xy_px_row).all(axis=1)
    if not ok.any():
        return 0, 0, width, height
    lo, hi = xy_px_row[ok].min(axis=0), xy_px_row[ok].max(axis=0)
    pad = margin * float(np.max(hi - lo))
    banner = 0.1 * float(hi[1] - lo[1])
    x0, y0 = math.floor(lo[0] - pad), math.floor(lo[1] - pad - banner)
    x1, y1 = math.ceil(hi[0] + pad), math.ceil(hi[1] + pad)
    return max(0, x0), max(0, y0), min(width, x1), min(height, y1)
