"""How a report was made, in plain rows: the provenance of an Assessment as ``(label, text)`` pairs.

The provenance is nested data (the pose file's own record, the cleaning report,
the analysis options); people read it as one row per fact with a plain label
and a plain value: no Python dict text, no ``None`` or ``nan`` (a missing value
reads ``not given``, a list its items, a flag ``yes`` / ``no``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from hipcheck.metrics import format_value
from hipcheck.render._text import yaw_phrase
from hipcheck.results import Assessment

LABELS: Mapping[str, str] = {
    "hipcheck_version": "hipcheck version",
    "source_path": "Source file",
    "source_sha256": "Source SHA-256",
    "model_path": "Pose model",
    "model_sha256": "Model SHA-256",
    "fps": "Frame rate (frames/s)",
    "stride": "Frames used (every n-th)",
    "subject": "Subject (who was followed)",
    "pose_mode": "Pose model mode",
    "max_people": "People the model may return per frame",
    "segmentation": "Person mask",
    "min_detection_confidence": "Minimum detection confidence",
    "min_tracking_confidence": "Minimum tracking confidence",
    "frames": "Frames analysed",
    "frames_detected": "Frames with a person found",
    "max_people_seen": "Most people seen in one frame",
    "frames_multi_person": "Frames with more than one person",
    "subject_selections": "Times the subject was chosen",
    "pelvis_box": "Pelvis mask box",
    "mediapipe_version": "MediaPipe version",
    "flip_average": "Mirrored pass averaged in",
    "chunks": "Single pass in two halves (same result)",
    "seam_s": "second half from (s)",
    "overlap_s": "overlap checked (s)",
    "n_frames": "Frames cleaned",
    "gated_points": "Landmarks dropped for low visibility",
    "swap_frames": "Frames with a left/right swap repaired",
    "outlier_points": "Landmarks dropped as outliers",
    "filled_points": "Landmarks filled over short gaps",
    "smoothing": "Smoothing",
    "swaps_repaired": "Left/right swaps repaired",
    "visibility_threshold": "Visibility threshold",
    "max_gap_s": "Longest gap filled (s)",
    "cutoff_hz": "Low-pass cut-off (Hz)",
    "exercise_override": "Exercise given",
    "roll_deg_given": "Camera roll given (°)",
    "sex": "Sex given (reference values)",
    "pelvic_drop_source": "Pelvic drop measured from",
    "pelvic_drop_source_note": "Pelvis line chosen because",
}
"""Plain labels of the provenance keys hipcheck writes; other keys show as their words."""
SECTIONS: Mapping[str, str] = {"extra": "Pose", "cleaning": "Cleaning", "analysis": "Analysis", "parameters": ""}
"""Nested records and the prefix their rows get."""
VALUE_WORDS: Mapping[str, str] = {"hip_landmarks": "hip landmarks", "waistline": "visible waistline"}


def plain_value(value: Any) -> str:
    """A provenance value as people read it (never ``None``, ``nan`` or brackets)."""
    if value is None or value == "":
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else "not known"
    if isinstance(value, (list, tuple)):
        return ", ".join(plain_value(v) for v in value) if value else "none"
    if isinstance(value, Mapping):
        return "; ".join(f"{label_of(k)}: {plain_value(v)}" for k, v in value.items())
    text = re.sub(r"\b1 people\b", "1 person", str(value))  # pose files written before the plural was fixed
    return VALUE_WORDS.get(text, text)


def label_of(key: str) -> str:
    """The plain label of a provenance key."""
    return LABELS.get(key, key.replace("_", " ").capitalize())


def _rows(record: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, str]]:
    for key, value in record.items():
        if isinstance(value, Mapping) and key in SECTIONS:
            inner = SECTIONS[key] or prefix
            yield from _rows(value, inner)
            continue
        label = label_of(key)
        if prefix and label[1:2].islower():
            label = label[0].lower() + label[1:]
        yield (f"{prefix}: {label}" if prefix else label), plain_value(value)


def provenance_rows(assessment: Assessment) -> list[tuple[str, str]]:
    """``(label, text)`` rows of how the report was made: view and roll first, then the provenance."""
    rows = [("View", assessment.view), ("Camera roll used", format_value(assessment.roll_deg, 1, "deg"))]
    if yaw_phrase(assessment.yaw_deg):
        rows.append(
            (
                "Body to the camera (yaw)",
                f"{format_value(assessment.yaw_deg, 1, 'deg')}: {yaw_phrase(assessment.yaw_deg)}",
            )
        )
    rows += list(_rows(assessment.provenance, ""))
    return rows
