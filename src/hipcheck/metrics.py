"""The metric registry: everything about each metric hipcheck measures, in one place.

Every other table derives from :data:`METRICS`: the geometry stage computes
the ``frame`` metrics by name, the analysis adds the ``stance`` columns, the
assessment reads units and the frontal-view flag, and the report, plots,
annotated video, live window and terminal take names, units, sign conventions,
decimals and display bands from here.

Conventions (restated per metric in ``convention``)
---------------------------------------------------
- Sides are the person's anatomical sides; a ``sided`` metric has the columns
  ``<name>_left`` and ``<name>_right``.
- Angles in degrees; image measures in pixels of the upright, unmirrored,
  roll-corrected frame with y down; missing is NaN.
- ``kind``: ``frame`` = one value per frame from that frame's landmarks;
  ``stance`` = per frame, but only during single-leg stance phases, one column
  per stance side; ``rep`` = one value per rep (no per-frame column).
- ``bands``: display bands ``(amber_from, red_from)`` in the metric's unit, a
  display convention for the live window and the annotated video (each
  metric's source is in ``band_source``). With ``one_sided`` only positive
  values (valgus, a Trendelenburg-type drop) can be amber or red.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from hipcheck.types import SIDES, Band

Unit = Literal["deg", "cm", "ratio", "hip widths", "thigh lengths", "s"]
Kind = Literal["frame", "stance", "rep"]
Target = Literal["glute_med", "hip_abductors_external_rotators", "core"]


@dataclass(frozen=True)
class MetricInfo:
    """What one metric is, how it is shown, and what it points to.

    Attributes:
        name: the metric (column base) name, e.g. ``knee_fppa_deg``.
        unit: ``deg``, ``cm``, ``ratio``, ``hip widths``, ``thigh lengths`` or ``s``.
        title: the plain name people read ("Knee valgus (FPPA)").
        short: the short name of plot axes ("Knee FPPA").
        convention: the sign convention in plain words ("+ = knee moves inward (valgus) ...").
        description: how it is computed, in one line.
        kind: ``frame``, ``stance`` or ``rep`` (see the module doc).
        sided: one value per side (columns ``<name>_left`` / ``<name>_right``).
        needs_frontal_view: measured only in a front or back view (NaN in side and oblique views, never
            invented).
        digits: decimals shown in tables.
        bands: display bands ``(amber_from, red_from)``, None when the metric is not banded.
        one_sided: only positive values can leave green.
        band_source: where the band values come from.
        target: the training target a finding on this metric points to (the corrective plan).
    """

    name: str
    unit: Unit
    title: str
    short: str
    convention: str
    description: str
    kind: Kind = "frame"
    sided: bool = False
    needs_frontal_view: bool = True
    digits: int = 1
    bands: tuple[float, float] | None = None
    one_sided: bool = False
    band_source: str = ""
    target: Target | None = None

    @property
    def symbol(self) -> str:
        """The unit as shown after a number (:func:`unit_symbol`)."""
        return unit_symbol(self.unit)

    @property
    def axis_label(self) -> str:
        """Plot axis label, e.g. ``Knee FPPA (°)`` (no brackets for a unitless ratio)."""
        symbol = unit_symbol(self.unit).strip()
        return f"{self.short} ({symbol})" if symbol else self.short

    def format(self, value: float | None, *, unit: bool = True, sign: bool = False) -> str:
        """``value`` as every output shows it: :attr:`digits` decimals, then the unit (``6.5°``,
        ``0.25 hip widths``, ``1.15``); ``–`` when it is missing or not finite. The one rounding
        rule of the report, the plan, the terminal, captions and key frames.
        """
        return format_value(value, self.digits, self.unit if unit else "", sign=sign)

    def band(self, value: float) -> Band:
        """Display band of ``value`` (:func:`band` with this metric's bands); ``none`` when unbanded."""
        return "none" if self.bands is None else band(value, self.bands, one_sided=self.one_sided)


def unit_symbol(unit: str) -> str:
    """A unit as shown after a number: ``°`` for degrees (``7.1°``), nothing for a ratio (``1.15``),
    else with a space (``0.30 hip widths``).
    """
    if unit == "deg":
        return "°"
    return "" if unit in ("ratio", "") else f" {unit}"


def format_value(value: float | None, digits: int = 1, unit: str = "", *, sign: bool = False) -> str:
    """``value`` rounded to ``digits`` decimals with its unit symbol (:func:`unit_symbol`); ``–`` for
    None, NaN and ±inf. With ``sign`` a ``+`` is shown for positive values; a value that rounds to zero
    is shown without a sign (never ``-0.0``).
    """
    if value is None or not math.isfinite(float(value)):
        return "–"
    v = round(float(value), digits)
    if v == 0:
        v = 0.0  # no negative zero
    text = f"{v:+.{digits}f}" if sign and v != 0 else f"{v:.{digits}f}"
    return text + unit_symbol(unit)


def format_metric(metric: str, value: float | None, *, unit: bool = True, sign: bool = False) -> str:
    """``value`` of ``metric`` with the registry's decimals and unit (:meth:`MetricInfo.format`);
    one decimal and no unit for a name outside the registry.
    """
    info = METRICS.get(metric)
    if info is None:
        return format_value(value, 1, "", sign=sign)
    return info.format(value, unit=unit, sign=sign)


def band(value: float, bands: tuple[float, float], *, one_sided: bool = False) -> Band:
    """Colour band of ``|value|``: green below ``bands[0]``, amber below ``bands[1]``, else red.

    With ``one_sided`` only positive values (valgus, Trendelenburg-type drop)
    can be amber or red; negative ones (varus, hip hike) are green. ``none`` for NaN.
    """
    if not math.isfinite(value):
        return "none"
    a = max(value, 0.0) if one_sided else abs(value)
    return "green" if a < bands[0] else ("amber" if a < bands[1] else "red")


HERRINGTON = (
    "healthy single-leg squat ≈ 7–8° (Herrington 2014, Ghulam 2021): amber from 10°; "
    "patellofemoral pain 16.8 ± 5.4°: red from 15°"
)
MDC = "Trendelenburg MDC ≈ 4° (amber), twice it (red)"
NAKAGAWA = "trunk lean controls 6.7°, patellofemoral pain 9.3° (Nakagawa 2012)"

_ALL = (
    # the metrics the evidence table compares, in report order
    MetricInfo("pelvic_drop_deg", "deg", "Pelvic drop", "Pelvic drop",
               "+ = the hip of the lifted leg drops (Trendelenburg-type); side = standing leg",
               "contralateral pelvic drop on stance side S: CPD_L = θ − θ0, CPD_R = −(θ − θ0), θ0 = quiet-stance "
               "baseline; + = the swing-side hip drops, − = hip hike",
               kind="stance", sided=True, bands=(4.0, 8.0), one_sided=True, band_source=MDC, target="glute_med"),
    MetricInfo("knee_fppa_deg", "deg", "Knee valgus (FPPA)", "Knee FPPA",
               "+ = knee moves inward (valgus), − = outward (varus)",
               "knee frontal plane projection angle, + = valgus (NaN where the thigh is foreshortened)",
               sided=True, bands=(10.0, 15.0), one_sided=True, band_source=HERRINGTON,
               target="hip_abductors_external_rotators"),
    MetricInfo("hip_height_asymmetry_deg", "deg", "Hip height difference", "Hip height difference",
               "+ = left hip higher", "hip height difference as an angle (= obliquity), + = left higher",
               target="glute_med"),
    MetricInfo("trunk_lean_deg", "deg", "Trunk lean", "Trunk lean", "+ = trunk leans toward the left",
               "trunk lateral lean from vertical, + = toward the left", bands=(6.0, 9.0), band_source=NAKAGAWA,
               target="glute_med"),
    MetricInfo("lateral_pelvic_shift", "hip widths", "Sideways hip shift", "Sideways hip shift",
               "+ = toward the left", "hip midpoint offset from ankle midpoint, + = toward the left", digits=2,
               target="glute_med"),
    MetricInfo("knee_ankle_separation_ratio", "ratio", "Knee / ankle width ratio", "Knee / ankle width ratio",
               "< 1 = knees closer together than the ankles", "knee gap / ankle gap, < 1 = knees in", digits=2,
               target="hip_abductors_external_rotators"),
    MetricInfo("balance_hold_s", "s", "Single-leg hold time", "Hold time", "longer is better",
               "time from foot lift to touch-down", kind="rep", sided=True, needs_frontal_view=False,
               target="glute_med"),
    MetricInfo("balance_sway", "hip widths", "Single-leg sway", "Sway", "hip-midpoint sway, lower is steadier",
               "SD of the hip-midpoint shift over a stance", kind="rep", sided=True, digits=2, target="glute_med"),
    MetricInfo("knee_flexion_deg", "deg", "Knee flexion", "Knee flexion", "0 = straight leg, larger = deeper",
               "knee flexion from world landmarks, 0 = straight", sided=True, needs_frontal_view=False),
    # the per-frame lines they rest on
    MetricInfo("pelvic_obliquity_deg", "deg", "Pelvic obliquity", "Pelvic obliquity", "+ = left hip higher",
               "hip-landmark line tilt, + = left hip higher", bands=(4.0, 8.0), band_source=MDC),
    MetricInfo("waist_obliquity_deg", "deg", "Waistline obliquity", "Waistline obliquity", "+ = left side higher",
               "visible waistline tilt (belt, waistband), + = left side higher"),
    MetricInfo("pelvic_tilt_deg", "deg", "Pelvis silhouette tilt", "Pelvis silhouette tilt", "+ = left side higher",
               "pelvis silhouette tilt from the segmentation mask, + = left side higher"),
    MetricInfo("hip_height_asymmetry_cm", "cm", "Hip height difference (cm)", "Hip height difference",
               "+ = left hip higher", "hip height difference, + = left higher (world landmarks or body height)",
               target="glute_med"),
    MetricInfo("trunk_lean_ipsi_deg", "deg", "Trunk lean over the stance leg", "Trunk lean",
               "+ = trunk leans over the standing leg", "trunk lateral lean toward the stance side, + = over it",
               kind="stance", sided=True, bands=(6.0, 9.0), band_source=NAKAGAWA, target="glute_med"),
    MetricInfo("hip_sway", "hip widths", "Hip shift during the stance", "Hip shift",
               "+ = toward the left", "hip-midpoint offset from the ankle midpoint during a stance",
               kind="stance", sided=True, digits=2),
    MetricInfo("lateral_pelvic_shift_yaw_correction", "hip widths", "Yaw correction of the hip shift",
               "Hip shift yaw correction", "+ = the correction moved the reading toward the left",
               "sideways hip shift measured in the body's frontal plane minus the same shift as the yawed camera "
               "shows it (0 when no yaw correction was made)", digits=2),
    MetricInfo("pelvic_rotation_deg", "deg", "Pelvic rotation", "Pelvic rotation", "+ = left hip behind the right",
               "hip line yaw in world x-z, + = left hip behind the right", needs_frontal_view=False, target="core"),
    MetricInfo("squat_depth", "thigh lengths", "Squat depth", "Squat depth", "0 = standing, 1 ≈ thighs parallel",
               "hip-midpoint drop below standing height / thigh length", needs_frontal_view=False, digits=2),
)  # fmt: skip

METRICS: Mapping[str, MetricInfo] = MappingProxyType({m.name: m for m in _ALL})
"""Every metric by name, in report order."""


def metric_of_column(column: str) -> MetricInfo | None:
    """The metric a table column belongs to (``knee_fppa_deg_left`` → ``knee_fppa_deg``), or None."""
    if column in METRICS:
        return METRICS[column]
    base, _, side = column.rpartition("_")
    info = METRICS.get(base)
    return info if info is not None and info.sided and side in SIDES else None


def plain_name(name: str) -> str:
    """Plain name of a metric for people, e.g. ``knee_fppa_deg`` → ``Knee valgus (FPPA)``.

    A name outside the registry is shown as its words (``foo_bar`` → ``Foo bar``).
    """
    info = METRICS.get(name)
    return info.title if info is not None else name.replace("_", " ").capitalize()


__all__ = [
    "METRICS",
    "Kind",
    "MetricInfo",
    "Target",
    "Unit",
    "band",
    "format_metric",
    "format_value",
    "metric_of_column",
    "plain_name",
    "unit_symbol",
]
