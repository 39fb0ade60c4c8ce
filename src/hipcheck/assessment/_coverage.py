"""Who was measured, and with what: the facts of a pose series the verdict must state.

A verdict is only as good as its input. Three facts of the :class:`~hipcheck.landmarks.PoseSeries`
decide whether a side may be called at all, and the report says each plainly:

- **several people**: when more than one person was in the picture and the subject was lost and
  chosen again, the measurements may mix two people: no side is called. When one subject was
  followed through the whole clip, the verdict only says that others were in the picture.
- **a partial body**: when the head, shoulders, hips, knees or ankles are outside the frame in more
  than :data:`MAX_PARTIAL_FRACTION` of the tested frames, the angles rest on guessed joints: no
  side is called.
- **what the pose file carries**: a series without the visible waistline measures the pelvic drop
  from the hip landmarks alone, which under-read it (about a third of a true drop), so the drop
  calls no side; a series made without the mirrored pass keeps the pose model's ≈ 1.5° left/right
  bias of the hip line.

Conventions: pixels of the upright frame, y down; a landmark is in frame when
``0 ≤ x ≤ width`` and ``0 ≤ y ≤ height``; fractions in [0, 1].
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hipcheck.assessment._indicators import SegmentLike
from hipcheck.landmarks import L_ANKLE, L_HIP, L_KNEE, L_SHOULDER, NOSE, R_ANKLE, R_HIP, R_KNEE, R_SHOULDER, PoseSeries
from hipcheck.types import TEST_EXERCISES, BoolArray

BODY_LANDMARKS: tuple[int, ...] = (NOSE, L_SHOULDER, R_SHOULDER, L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE)
"""Landmarks that must be inside the frame for a frame to show the whole body."""
MAX_PARTIAL_FRACTION = 0.1
"""Share of the tested frames (with a person found) that may show a partial body before no side is called."""
MIN_MULTI_PERSON_FRACTION = 0.05
"""Share of frames with more than one person from which "several people" is said."""


@dataclass(frozen=True)
class PoseCoverage:
    """What a pose series says about who was measured and what it carries.

    Attributes:
        max_people: the most people the pose model saw in one frame.
        multi_person_fraction: share of frames with more than one person.
        subject_selections: how often the subject was chosen by the initial rule
            (1 = found once and followed through; 0 = unknown).
        body_in_frame: (T,) True where a person was found with every :data:`BODY_LANDMARKS` in frame;
            None when unknown.
        detected: (T,) True where a person was found; None when unknown.
        waistline: the series carries the visible waistline (``waist_px``).
        mirrored: the series was averaged with the mirrored pass (flip averaging).
    """

    max_people: int = 1
    multi_person_fraction: float = 0.0
    subject_selections: int = 1
    body_in_frame: BoolArray | None = None
    detected: BoolArray | None = None
    waistline: bool = True
    mirrored: bool = True

    def partial_fraction(self, rows: BoolArray | None = None) -> float:
        """Share of the frames in ``rows`` (all when None) with a person found where part of the body
        is out of frame; 0 when unknown or when no such frame exists.
        """
        if self.body_in_frame is None or self.detected is None:
            return 0.0
        sel = self.detected if rows is None else self.detected & rows
        return float(np.mean(~self.body_in_frame[sel])) if sel.any() else 0.0

    @property
    def several_people(self) -> bool:
        """More than one person was in the picture in a noticeable share of frames."""
        return self.max_people > 1 and self.multi_person_fraction >= MIN_MULTI_PERSON_FRACTION

    @property
    def tracked_through(self) -> bool:
        """One subject was found once and followed through the whole clip."""
        return self.subject_selections == 1


def _subject_selections(pose: PoseSeries) -> int:
    """Times the subject was chosen, from the provenance (structured field, else its sentence); 0 = unknown."""
    extra = pose.provenance.extra
    if "subject_selections" in extra:
        return int(extra["subject_selections"])
    match = re.search(r"subject chosen (\d+) time", pose.provenance.subject)
    return int(match.group(1)) if match else 0


def pose_coverage(pose: PoseSeries) -> PoseCoverage:
    """The :class:`PoseCoverage` of a pose series as extracted (before cleaning)."""
    w, h = pose.resolution_wh
    xy = pose.xy_px[:, list(BODY_LANDMARKS)]
    with np.errstate(invalid="ignore"):
        inside = (xy[..., 0] >= 0) & (xy[..., 0] <= w) & (xy[..., 1] >= 0) & (xy[..., 1] <= h)
    detected = np.asarray(pose.detected, dtype=bool)
    extra = pose.provenance.extra
    n = max(1, len(pose))
    return PoseCoverage(
        max_people=int(extra.get("max_people_seen", 1) or 1),
        multi_person_fraction=float(extra.get("frames_multi_person", 0) or 0) / n,
        subject_selections=_subject_selections(pose),
        body_in_frame=inside.all(axis=1) & detected,
        detected=detected,
        waistline=pose.waist_px is not None,
        mirrored=bool(extra.get("flip_average", False)),
    )


def tested_rows(segments: Sequence[SegmentLike], n_rows: int) -> BoolArray:
    """(T,) True on the rows of every recognised test (quiet standing, squats, lunges, one-leg tests)."""
    rows = np.zeros(n_rows, dtype=bool)
    for seg in segments:
        if seg.exercise in TEST_EXERCISES:
            rows[max(0, seg.start) : min(n_rows, seg.end)] = True
    return rows


def coverage_statements(coverage: PoseCoverage, rows: BoolArray | None) -> tuple[list[str], list[str]]:
    """``(blocking, caveats)``: sentences that stop any side call, and sentences the verdict states
    without stopping it (see the module doc for the rules).
    """
    blocking: list[str] = []
    caveats: list[str] = []
    if coverage.several_people:
        seen = (
            f"up to {coverage.max_people} people were in the picture "
            f"({coverage.multi_person_fraction:.0%} of frames had more than one)"
        )
        if coverage.tracked_through:
            caveats.append(f"{seen}; one subject was followed through the whole clip")
        else:
            again = (
                f"the subject was lost and chosen again {coverage.subject_selections} times"
                if coverage.subject_selections > 1
                else "it is not known whether one subject was followed through"
            )
            blocking.append(f"{seen} and {again}: the measurements may mix people")
    partial = coverage.partial_fraction(rows)
    if partial > MAX_PARTIAL_FRACTION:
        blocking.append(
            f"part of the body (head, shoulders, hips, knees or ankles) was out of frame in {partial:.0%} of "
            "the tested frames: angles of a partial body rest on guessed joints"
        )
    return blocking, caveats


def pose_lacks(coverage: PoseCoverage) -> dict[str, str]:
    """What the pose series lacks, as ``{short name: sentence}`` (empty when it has everything)."""
    out: dict[str, str] = {}
    if not coverage.waistline:
        out["waistline"] = (
            "this pose file carries no visible waistline, so the pelvic drop is measured from the hip "
            "landmarks, which read about a third of a true drop: it is shown but calls no side"
        )
    if not coverage.mirrored:
        out["mirrored pass"] = (
            "this pose file was made without the mirrored pass, so the hip line keeps the pose model's "
            "≈ 1.5° left/right bias"
        )
    return out


__all__ = [
    "BODY_LANDMARKS",
    "MAX_PARTIAL_FRACTION",
    "MIN_MULTI_PERSON_FRACTION",
    "PoseCoverage",
    "coverage_statements",
    "pose_coverage",
    "pose_lacks",
    "tested_rows",
]
