"""The indicators: which side comparisons the verdict uses, in which tests, reduced how.

Every indicator is oriented so that a **larger** per-side value points to that
side being **weaker** (for hold time: the shorter side). Units and the
frontal-view flag come from the metric registry (:data:`hipcheck.metrics.METRICS`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from hipcheck.metrics import METRICS
from hipcheck.types import STANCE_TESTS, Side


class RepLike(Protocol):
    """A rep as row indices (see :class:`hipcheck.analysis.movement.RepSegment`)."""

    @property
    def start(self) -> int: ...
    @property
    def bottom(self) -> int: ...
    @property
    def end(self) -> int: ...


class SegmentLike(Protocol):
    """One recognised exercise bout (see :class:`hipcheck.analysis.movement.Segment`)."""

    @property
    def exercise(self) -> str: ...
    @property
    def side(self) -> Side | None: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def reps(self) -> Sequence[RepLike]: ...


@dataclass(frozen=True)
class Indicator:
    """One side-comparison the verdict may use.

    ``metric`` is a name of the registry (:data:`hipcheck.metrics.METRICS`),
    which gives its unit and whether it needs a frontal view; ``column`` is the
    table column it reads when that is another metric (sided unless whole-body);
    ``reduce`` says how a rep window becomes one value: ``"max"``, ``"p90"``
    (robust peak of a one-sided measure), ``"extreme"`` (robust extreme of a
    signed measure: the 10th or the 90th percentile, whichever is farther from
    0, so a series reaching −3.4° has a peak near −3.4°, not its signed
    maximum), ``"median"`` (a held posture), ``"bottom"`` (value at the rep's
    bottom row), ``"duration"`` (rep length in s) or ``"std"`` (spread within
    the rep). A test without reps (quiet standing) is reduced over the whole bout.
    ``weaker`` is ``"higher"`` when the larger value marks the weaker side.
    ``floor``: values below it carry no sign of weakness and are compared as
    the floor itself (knee FPPA: a knee pushed out, FPPA < 0, is not valgus).
    ``correction_column``: a column holding how much a camera correction moved
    this reading (same unit), reduced like it; its error
    (:attr:`~hipcheck.assessment.MeasurementError.correction_error` × its size)
    adds to the reading's uncertainty.
    """

    metric: str
    exercises: tuple[str, ...]
    reduce: Literal["max", "p90", "extreme", "median", "bottom", "duration", "std"]
    weight: float
    weaker: Literal["higher", "lower"] = "higher"
    column: str = ""
    floor: float = -math.inf
    correction_column: str = ""

    @property
    def source_column(self) -> str:
        """Table column (without side suffix) this indicator reads."""
        return self.column or self.metric

    @property
    def unit(self) -> str:
        """The metric's unit (from the registry)."""
        return METRICS[self.metric].unit

    @property
    def needs_frontal_view(self) -> bool:
        """Measured only in a front or back view (from the registry)."""
        return METRICS[self.metric].needs_frontal_view


INDICATORS: tuple[Indicator, ...] = (
    Indicator("pelvic_drop_deg", STANCE_TESTS, "p90", 1.0),
    Indicator("knee_fppa_deg", ("squat", "lunge", "single_leg_squat"), "max", 1.0, floor=0.0),
    # lean away from the stance leg (< 0) is no compensation: compared as 0, shown as measured
    Indicator("trunk_lean_deg", STANCE_TESTS, "extreme", 0.5, column="trunk_lean_ipsi_deg", floor=0.0),
    Indicator("balance_hold_s", ("single_leg_stance",), "duration", 0.5, weaker="lower"),
    Indicator("balance_sway", ("single_leg_stance",), "std", 0.5, column="hip_sway"),
    # depth symmetry: peak knee flexion per side, shown for the record (no 2D error model: never a finding)
    Indicator("knee_flexion_deg", ("squat", "lunge", "single_leg_squat"), "max", 0.0),
)  # fmt: skip

WHOLE_BODY: tuple[Indicator, ...] = (
    Indicator("lateral_pelvic_shift", ("squat",), "bottom", 0.5,
              correction_column="lateral_pelvic_shift_yaw_correction"),
    Indicator("hip_height_asymmetry_deg", ("standing",), "median", 0.0, column="pelvic_obliquity_deg"),
    Indicator("knee_ankle_separation_ratio", ("squat",), "bottom", 0.0),
)  # fmt: skip


def indicator_of(metric: str) -> Indicator:
    """The indicator of ``metric`` (KeyError when no indicator compares it)."""
    for ind in INDICATORS + WHOLE_BODY:
        if ind.metric == metric:
            return ind
    raise KeyError(metric)


ONE_SIDED_LIMITS = {"pelvic_drop_deg": 4.0}
"""Values beyond which one tested leg alone is a sign of weakness (degrees):
a contralateral drop ≥ the Trendelenburg MDC ≈ 4° is a positive Trendelenburg."""
ONE_SIDED_CONFIDENCE = 0.75
"""A call resting on one tested leg only is less certain than a left/right comparison."""
