"""Subject selection of the pose adapter: which person to follow when several are in frame.

Pure numpy, no MediaPipe. Landmarks are
``(33, 2)`` pixels of the upright frame, x right, y down.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipcheck.landmarks import L_HIP, R_HIP

SUBJECT_RULE = (
    "largest person (area of the landmark box in frame), the most central among those within 70% of the "
    "largest; then in each frame the person whose hip midpoint is nearest the previous subject's "
    "(frames where nobody is within half the subject's box diagonal count as missing; after 1 s without the "
    "subject it is re-selected by the first rule)"
)


def people_summary(n_people: NDArray[np.int64], selections: int) -> dict[str, int]:
    """The provenance counts of a pass: frames, frames with the subject, most people in one frame,
    frames with more than one, and how often the subject was chosen. ``n_people``: (T,) people
    per frame, 0 where no subject was chosen.
    """
    return {
        "frames": int(n_people.shape[0]), "frames_detected": int((n_people > 0).sum()),
        "max_people_seen": int(n_people.max(initial=0)), "frames_multi_person": int((n_people > 1).sum()),
        "subject_selections": int(selections),
    }  # fmt: skip


def subject_text(counts: dict[str, Any]) -> str:
    """The provenance's subject sentence from :func:`people_summary`'s counts."""
    most = int(counts["max_people_seen"])
    return (
        f"{SUBJECT_RULE}. Up to {most} {'person' if most == 1 else 'people'} seen; "
        f"{counts['frames_multi_person']} of {counts['frames']} frames had more than one; "
        f"subject chosen {counts['subject_selections']} time(s)."
    )


def person_box_px(xy_px: NDArray[np.float64], resolution_wh: tuple[int, int]) -> NDArray[np.float64]:
    """Bounding box ``x0, y0, x1, y1`` (pixels) of all landmarks, clipped to the frame."""
    w, h = resolution_wh
    x0, y0 = np.nanmin(xy_px, axis=0)
    x1, y1 = np.nanmax(xy_px, axis=0)
    return np.array([np.clip(x0, 0, w), np.clip(y0, 0, h), np.clip(x1, 0, w), np.clip(y1, 0, h)])


class SubjectTracker:
    """Keeps one subject when several people are in frame.

    Rule: at the start (and after losing the subject) take the largest person
    by landmark-box area, the most central one among those within 70 % of the
    largest; afterwards take the person whose hip midpoint is nearest the
    previous subject's, provided it is within half the subject's box diagonal.
    If nobody is that near, the frame has no subject (another person is never
    swapped in) until the subject has been unseen for ``lost_after_s``; then
    the first rule chooses again.
    """

    def __init__(self, resolution_wh: tuple[int, int], lost_after_s: float = 1.0) -> None:
        self.resolution_wh = resolution_wh
        self.lost_after_s = lost_after_s
        self.reselections = 0
        self._hip_mid: NDArray[np.float64] | None = None
        self._diag = math.nan
        self._t_last = -math.inf

    def choose(self, people_xy_px: list[NDArray[np.float64]], t_s: float) -> int | None:
        """Index of the subject among ``people_xy_px`` ((33, 2) px each), or None.

        None when nobody is in frame, or when only other people are (the
        subject was seen less than ``lost_after_s`` ago and none is near it).
        """
        if not people_xy_px:
            return None
        boxes = [person_box_px(xy, self.resolution_wh) for xy in people_xy_px]
        hips = [np.nanmean(xy[[L_HIP, R_HIP]], axis=0) for xy in people_xy_px]
        tracking = self._hip_mid is not None and t_s - self._t_last <= self.lost_after_s
        pick = self._nearest(hips) if tracking else None
        if pick is None:
            if tracking:
                return None
            pick = self._initial(boxes)
            self.reselections += 1
        self._hip_mid, self._t_last = hips[pick], t_s
        b = boxes[pick]
        self._diag = float(math.hypot(b[2] - b[0], b[3] - b[1]))
        return pick

    def _nearest(self, hips: list[NDArray[np.float64]]) -> int | None:
        assert self._hip_mid is not None
        dist = np.array([np.linalg.norm(h - self._hip_mid) for h in hips])
        if not np.any(np.isfinite(dist)):
            return None
        i = int(np.nanargmin(dist))
        return i if dist[i] <= 0.5 * self._diag else None

    def _initial(self, boxes: list[NDArray[np.float64]]) -> int:
        area = np.array([(b[2] - b[0]) * (b[3] - b[1]) for b in boxes])
        centre = 0.5 * np.asarray(self.resolution_wh, dtype=np.float64)
        off = np.array([np.linalg.norm(0.5 * (b[:2] + b[2:]) - centre) for b in boxes])
        big = area >= 0.7 * area.max()
        return int(np.argmin(np.where(big, off, np.inf)))
