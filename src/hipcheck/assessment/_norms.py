"""Reference values and measurement error, each with its source.

Values are task-specific: a knee angle norm for a single-leg squat is not the
norm for a drop-jump landing. Conventions (such as the commercial colour bands)
are labelled as conventions, not evidence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from hipcheck.metrics import METRICS
from hipcheck.types import Band


@dataclass(frozen=True)
class Reference:
    """A reference value for a metric in one task, with its source.

    ``text`` is what the report shows (e.g. "healthy women 8.4 ± 5.1°").
    ``upper_normal`` is the value above which a reading is unusual in this
    task, ``lower_normal`` the value below which it is (NaN when the source
    gives none).
    """

    metric: str
    task: str
    text: str
    source: str
    upper_normal: float = float("nan")
    lower_normal: float = float("nan")


@dataclass(frozen=True)
class MeasurementError:
    """How precisely 2D video measures a metric, and the smallest side-to-side
    difference that counts as a finding (``threshold``, in the metric's unit,
    :attr:`hipcheck.metrics.MetricInfo.unit`).

    ``correction_error``: for a metric a camera correction changes (the yaw
    correction of the sideways hip shift), the standard error of that
    correction as a fraction of its size; it adds to the reading's uncertainty.
    """

    metric: str
    sem: float
    threshold: float
    text: str
    source: str
    correction_error: float = 0.0


HERRINGTON_2014 = "Herrington 2014, Knee 21:514"
GHULAM_2021 = "Ghulam et al. 2021"
HERRINGTON_MUNRO_2010 = "Herrington & Munro 2010 (drop-jump landing)"
MUNRO_2012 = "Munro, Herrington & Carolan 2012"
NAKAGAWA_2012 = "Nakagawa et al. 2012, JOSPT 42:491"
DINGENEN_2018 = "Dingenen et al. 2018"
CONVENTION = "convention (commercial asymmetry bands), not evidence"
RADIOGRAPHIC = "radiographic iliac-crest convention; leg-length treatment threshold ≥ 2 cm"

REFERENCES: Mapping[str, Reference] = {
    "knee_fppa_deg/single_leg_squat/f": Reference(
        "knee_fppa_deg", "single_leg_squat", "healthy women 8.4 ± 5.1° (patellofemoral pain 16.8 ± 5.4°)",
        HERRINGTON_2014, upper_normal=13.5,
    ),
    "knee_fppa_deg/single_leg_squat/m": Reference(
        "knee_fppa_deg", "single_leg_squat", "healthy men ≈ 7°", GHULAM_2021, upper_normal=12.0,
    ),
    "knee_fppa_deg/any": Reference(
        "knee_fppa_deg", "any",
        "single-leg squat: healthy ≈ 7–8°; '< 8° men, < 13° women' are drop-jump landing limits",
        f"{HERRINGTON_2014}; {HERRINGTON_MUNRO_2010}", upper_normal=13.0,
    ),
    "pelvic_drop_deg/single_leg_squat": Reference(
        "pelvic_drop_deg", "single_leg_squat", "controls 7.4 ± 3.8° vs patellofemoral pain 10.3 ± 4.7° (3D)",
        NAKAGAWA_2012, upper_normal=11.2,
    ),
    "pelvic_drop_deg/single_leg_stance": Reference(
        "pelvic_drop_deg", "single_leg_stance", "level pelvis expected; drop ≥ MDC ≈ 4° is a positive Trendelenburg",
        "Trendelenburg pelvic-on-femoral angle MDC ≈ 4°", upper_normal=4.0,
    ),
    "trunk_lean_deg/single_leg_squat": Reference(
        "trunk_lean_deg", "single_leg_squat", "ipsilateral trunk lean controls 6.7° vs patellofemoral pain 9.3°",
        NAKAGAWA_2012, upper_normal=9.3,
    ),
    "hip_height_asymmetry_cm/standing": Reference(
        "hip_height_asymmetry_cm", "standing", "iliac-crest height difference > 1 cm", RADIOGRAPHIC, upper_normal=1.0,
    ),
    "knee_ankle_separation_ratio/squat": Reference(
        "knee_ankle_separation_ratio", "squat",
        "knees at least 0.8 × as far apart as the ankles at the bottom of a squat; below that the knees cave in",
        "hipcheck convention (knee gap / ankle gap; healthy squats here read 1.0–1.5)", lower_normal=0.8,
    ),
    "symmetry_index_pct/any": Reference(
        "symmetry_index_pct", "any", "< 10 % green, 10–25 % amber, > 25 % red", CONVENTION,
    ),
}  # fmt: skip

MEASUREMENT_ERRORS: Mapping[str, MeasurementError] = {
    "knee_fppa_deg": MeasurementError(
        "knee_fppa_deg", sem=3.0, threshold=7.5,
        text="2D FPPA SEM 2.7–3.0°, smallest detectable difference 7.5–8.9° for one trial; "
        "averaging ≥ 3 reps lowers it by √n",
        source=MUNRO_2012,
    ),
    "pelvic_drop_deg": MeasurementError(
        "pelvic_drop_deg", sem=1.0, threshold=2.7,
        text="2D contralateral pelvic drop SDD ≈ 2.7° averaged over ≥ 7 steps; Trendelenburg MDC ≈ 4°",
        source=DINGENEN_2018,
    ),
    "trunk_lean_deg": MeasurementError(
        "trunk_lean_deg", sem=1.5, threshold=4.0,
        text="2D trunk lean: a few degrees of error on single-camera video; differences < 4° are not called",
        source="hipcheck convention",
    ),
    "hip_height_asymmetry_deg": MeasurementError(
        "hip_height_asymmetry_deg", sem=1.5, threshold=3.0,
        text="MediaPipe hip line carries ≈ +1.5° bias on a symmetric body (rendered-body check)",
        source="hipcheck ground-truth lab",
    ),
    "lateral_pelvic_shift": MeasurementError(
        "lateral_pelvic_shift", sem=0.05, threshold=0.15,
        text="hip-midpoint shift; < 0.15 hip widths is within landmark jitter. Filmed off square, the yaw "
        "correction (the hips' depth behind the feet, read from limb foreshortening) is known to about half "
        "its size: on the lab's tune squats (yaw 6-14°) the corrected shift is left with 0.1-0.5 of the "
        "correction on symmetric bodies and with 1.25 x it on a tall, distant one",
        source="hipcheck convention; hipcheck ground-truth lab", correction_error=0.5,
    ),
    "knee_ankle_separation_ratio": MeasurementError(
        "knee_ankle_separation_ratio", sem=0.05, threshold=0.15,
        text="knee/ankle gap ratio: landmark jitter ≈ ± 0.05; judged against its typical range, not between sides",
        source="hipcheck convention",
    ),
    "balance_hold_s": MeasurementError(
        "balance_hold_s", sem=0.5, threshold=2.0,
        text="hold time resolution ≈ frame period; differences < 2 s not called",
        source="hipcheck convention",
    ),
    "balance_sway": MeasurementError(
        "balance_sway", sem=0.02, threshold=0.05,
        text="hip-midpoint sway SD normalised by hip width",
        source="hipcheck convention",
    ),
}  # fmt: skip


_UNREGISTERED = sorted(
    ({r.metric for r in REFERENCES.values()} | set(MEASUREMENT_ERRORS)) - set(METRICS) - {"symmetry_index_pct"}
)
if _UNREGISTERED:  # pragma: no cover - a programming error caught at import
    raise RuntimeError(f"norms name metrics missing from the registry: {_UNREGISTERED}")


def reference_for(metric: str, task: str, sex: Literal["f", "m"] | None = None) -> Reference | None:
    """The most specific reference for ``metric`` in ``task`` (sex-specific when known)."""
    for key in (f"{metric}/{task}/{sex}", f"{metric}/{task}", f"{metric}/any"):
        if key in REFERENCES:
            return REFERENCES[key]
    if metric == "knee_fppa_deg":
        return REFERENCES["knee_fppa_deg/any"]
    return None


def symmetry_band(si_pct: float) -> Band:
    """Colour band of a symmetry index (convention: < 10 % green, 10–25 % amber, > 25 % red)."""
    if math.isnan(si_pct):
        return "none"
    a = abs(si_pct)
    if a < 10.0:
        return "green"
    return "amber" if a <= 25.0 else "red"


def range_band(value: float, lower: float) -> Band:
    """Colour band of a value against the lower end of its typical range: green at or above ``lower``,
    amber down to 3/4 of it, red below; ``none`` for NaN.
    """
    if not (math.isfinite(value) and math.isfinite(lower)):
        return "none"
    if value >= lower:
        return "green"
    return "amber" if value >= 0.75 * lower else "red"


def difference_band(difference: float, threshold: float) -> Band:
    """Colour band of a side difference against the measurement threshold.

    Below the threshold: green (not a finding); up to twice it: amber; beyond: red.
    """
    if not (math.isfinite(difference) and math.isfinite(threshold)):
        return "none"
    a = abs(difference)
    if a < threshold:
        return "green"
    return "amber" if a < 2.0 * threshold else "red"
