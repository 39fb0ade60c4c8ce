"""Asymmetry plots from an :class:`~hipcheck.results.Assessment` (no metric is computed here).

Every plot function takes ``ax=None`` and returns ``(fig, ax)``: pass an axes
to draw into your own figure, or get a new :class:`matplotlib.figure.Figure`.
Figures are made without pyplot (no global state, no window); save them with
``fig.savefig`` or :func:`figure_png`.

Colours: the person's **left** side is blue, the **right** side orange
(:mod:`hipcheck.render._style`). Labels, units and sign conventions come
from the metric registry. Angles in degrees, times in seconds.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hipcheck.assessment import indicator_of, reference_for
from hipcheck.metrics import METRICS, format_metric, metric_of_column
from hipcheck.render._style import NORM_BAND_HEX, SIDE_HEX
from hipcheck.results import Assessment, ExerciseResult, MetricTable, Rep
from hipcheck.types import SIDES, UNILATERAL, BoolArray, FloatArray, Side

SERIES_METRICS: tuple[str, ...] = ("pelvic_drop_deg", "knee_fppa_deg", "trunk_lean_deg")
"""Metrics drawn as left-vs-right time series for each exercise (unless listed in SERIES_BY_EXERCISE)."""
SERIES_BY_EXERCISE: dict[str, tuple[str, ...]] = {"standing": ("pelvic_obliquity_deg",)}
"""Exercise-specific time-series metrics (quiet standing: the hip line against the horizontal)."""

FIGSIZE = (7.0, 3.2)


def _axes(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> tuple[Figure, Axes]:
    if ax is not None:
        fig = ax.figure
        assert isinstance(fig, Figure)
        return fig, ax
    fig = Figure(figsize=figsize, dpi=100)
    fig.subplots_adjust(left=0.8 / figsize[0], right=0.98, bottom=0.5 / figsize[1], top=0.9)  # margins in inches
    return fig, fig.subplots()


def metric_label(metric: str) -> str:
    """Axis label of a metric from the registry, e.g. ``Knee FPPA (°)`` (its words when unregistered)."""
    info = METRICS.get(metric)
    return info.axis_label if info is not None else metric.replace("_", " ")


def caption(metric: str) -> str:
    """Label plus sign convention (from the registry), for figure captions."""
    info = METRICS.get(metric)
    return f"{metric_label(metric)}: {info.convention}" if info is not None else metric_label(metric)


def norm_band(metric: str, exercise: str) -> tuple[float, float, str] | None:
    """Typical range ``(low, high, source)`` of a metric in a task, from :mod:`hipcheck.assessment._norms`.

    The band runs from 0 to the reference's ``upper_normal`` (None when the
    reference gives no upper value).
    """
    ref = reference_for(metric, exercise)
    if ref is None or not math.isfinite(ref.upper_normal):
        return None
    return 0.0, ref.upper_normal, ref.source


def series_columns(metrics: MetricTable, metric: str) -> dict[str, str]:
    """Table columns to draw for a metric: ``{"left": col, "right": col}`` or ``{"both": col}``.

    Trunk lean prefers the per-stance-side ``trunk_lean_ipsi_deg_<side>`` columns.
    """
    for name in (f"{metric}", "trunk_lean_ipsi_deg") if metric == "trunk_lean_deg" else (metric,):
        sided: dict[str, str] = {s: f"{name}_{s}" for s in SIDES if f"{name}_{s}" in metrics}
        if sided:
            return sided
    return {"both": metric} if metric in metrics else {}


def plot_side_series(
    metrics: MetricTable,
    metric: str,
    *,
    t_range_s: tuple[float, float] | None = None,
    reps: Sequence[Rep] = (),
    band: tuple[float, float, str] | None = None,
    title: str = "",
    ax: Axes | None = None,
    side_windows_s: Mapping[str, Sequence[tuple[float, float]]] | None = None,
) -> tuple[Figure, Axes]:
    """Left vs right time series of one metric, reps shaded, typical range as a band.

    A side whose series has no value in the window is not drawn (and not in the legend).

    Args:
        metrics: the per-frame metric table.
        metric: metric name without side suffix (e.g. ``"pelvic_drop_deg"``).
        t_range_s: ``(start, end)`` seconds to show; whole clip when None.
        reps: reps to shade, tinted by their side (grey when bilateral).
        band: ``(low, high, source)`` drawn as a green band (see :func:`norm_band`).
        title: axes title.
        ax: axes to draw into; a new figure when None.
        side_windows_s: per side, the ``(start, end)`` seconds where that side's line is drawn (e.g. the
            standing leg's own stances in a single-leg test); a side not listed is drawn everywhere.
    """
    fig, ax = _axes(ax)
    t = np.asarray(metrics.t_s)
    sel = np.ones(t.shape, bool) if t_range_s is None else (t >= t_range_s[0]) & (t <= t_range_s[1])
    if band is not None:
        ax.axhspan(band[0], band[1], color=NORM_BAND_HEX, alpha=0.10, lw=0, label="typical range")
    for rep in reps:
        ax.axvspan(rep.t_start_s, rep.t_end_s, color=SIDE_HEX[rep.side or "both"], alpha=0.08, lw=0)
        ax.axvline(rep.t_bottom_s, color=SIDE_HEX[rep.side or "both"], alpha=0.25, lw=0.8)
    for side, y in drawn_series(metrics, metric, sel, side_windows_s).items():
        name = {"left": "left", "right": "right"}.get(side, "whole body")
        ax.plot(t[sel], y, color=SIDE_HEX[side], lw=1.6, label=name)
    ax.axhline(0.0, color="#9ca3af", lw=0.6)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(metric_label(metric))
    if title:
        ax.set_title(title, fontsize=10)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize=8, framealpha=0.8)
    return fig, ax


def drawn_series(
    metrics: MetricTable,
    metric: str,
    sel: BoolArray,
    side_windows_s: Mapping[str, Sequence[tuple[float, float]]] | None = None,
) -> dict[str, FloatArray]:
    """The series :func:`plot_side_series` draws: side → values on the ``sel`` rows, NaN outside that
    side's windows; sides with no finite value left out.
    """
    t = np.asarray(metrics.t_s)
    out: dict[str, FloatArray] = {}
    for side, col in series_columns(metrics, metric).items():
        y = np.asarray(metrics[col], dtype=np.float64).copy()
        windows = (side_windows_s or {}).get(side)
        if windows is not None:
            keep = np.zeros(t.shape, bool)
            for a, b in windows:
                keep |= (t >= a) & (t <= b)
            y[~keep] = np.nan
        if np.isfinite(y[sel]).any():
            out[side] = y[sel]
    return out


def plot_rep_bars(
    reps: Sequence[Rep], metric: str, *, band: tuple[float, float, str] | None = None, title: str = "",
    ax: Axes | None = None,
) -> tuple[Figure, Axes]:  # fmt: skip
    """Per-rep peak values, left and right bars side by side (rep k of each side).

    Reads ``rep.peaks["<metric>_left"]`` / ``["<metric>_right"]``; a dashed
    line marks each side's median.
    """
    fig, ax = _axes(ax)
    width = 0.38
    n_max = 1
    for offset, side in ((-width / 2, "left"), (width / 2, "right")):
        vals = rep_values(reps, metric, side)
        if not vals:
            continue
        n_max = max(n_max, len(vals))
        x = np.arange(1, len(vals) + 1) + offset
        median = float(np.median(vals))
        ax.bar(x, vals, width=width, color=SIDE_HEX[side], label=f"{side} (median {format_metric(metric, median)})")
        ax.axhline(median, color=SIDE_HEX[side], ls="--", lw=1.0)
    if band is not None:
        ax.axhspan(band[0], band[1], color=NORM_BAND_HEX, alpha=0.10, lw=0, label="typical range")
    ax.set_xlabel("rep (of each side)")
    ax.set_ylabel(metric_label(metric))
    ax.set_xlim(0.4, n_max + 0.6)
    ax.set_xticks(range(1, n_max + 1))
    if title:
        ax.set_title(title, fontsize=10)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper right", fontsize=8, frameon=False)
    return fig, ax


def rep_values(reps: Sequence[Rep], metric: str, side: str) -> list[float]:
    """The finite per-rep peaks ``rep.peaks[f"{metric}_{side}"]``, in rep order (the bars drawn)."""
    key = f"{metric}_{side}"
    return [float(r.peaks[key]) for r in reps if key in r.peaks and math.isfinite(r.peaks[key])]


def _side_values(exercises: Sequence[ExerciseResult], metric: str) -> dict[Side, float]:
    """Median of ``metric`` per side over the given exercise results (missing sides left out)."""
    out: dict[Side, float] = {}
    for ex in exercises:
        for side in SIDES:
            s = ex.summary.get(metric, {}).get(side)
            if s is not None and math.isfinite(s.median):
                out[side] = s.median
    return out


def plot_balance(
    exercises: Sequence[ExerciseResult], metric: str = "balance_hold_s", *, title: str = "", ax: Axes | None = None
) -> tuple[Figure, Axes]:
    """Single-leg balance per side: hold time (``balance_hold_s``) or sway (``balance_sway``) bars."""
    fig, ax = _axes(ax, (3.4, 3.0))
    vals = _side_values(exercises, metric)
    sides = [s for s in SIDES if s in vals]
    bars = ax.bar(sides, [vals[s] for s in sides], color=[SIDE_HEX[s] for s in sides], width=0.6)
    ax.bar_label(bars, labels=[format_metric(metric, vals[s], unit=False) for s in sides], fontsize=8)
    ax.margins(y=0.15)
    ax.set_ylabel(metric_label(metric))
    ax.set_xlabel("standing on")
    if title:
        ax.set_title(title, fontsize=10)
    return fig, ax


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """PNG bytes of a figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


@dataclass(frozen=True)
class NamedFigure:
    """A report figure: file stem, the exercise it belongs to, a caption, the figure."""

    name: str
    exercise: str
    caption: str
    figure: Figure


def exercise_groups(assessment: Assessment) -> dict[str, list[ExerciseResult]]:
    """Exercise results grouped by exercise name, in order of first appearance."""
    groups: dict[str, list[ExerciseResult]] = {}
    for ex in assessment.exercises:
        groups.setdefault(ex.exercise, []).append(ex)
    return groups


def _sentence(text: str) -> str:
    """``text`` as a sentence: capital first letter, full stop."""
    return text[:1].upper() + text[1:].rstrip(".") + "." if text else ""


COLOR_WORDS: Mapping[str, str] = {"left": "left (blue)", "right": "right (orange)", "both": "whole body (grey)"}


def _sides_text(sides: Sequence[str]) -> str:
    return " and ".join(COLOR_WORDS[s] for s in sides)


def _side_windows(group: Sequence[ExerciseResult]) -> dict[str, list[tuple[float, float]]] | None:
    """Per side, the bouts where that leg is the working one (front leg, standing leg); None for two-legged tests."""
    if not group or group[0].exercise not in UNILATERAL:
        return None
    windows: dict[str, list[tuple[float, float]]] = {s: [] for s in SIDES}
    for ex in group:
        if ex.side is not None:
            windows[ex.side].append((ex.t_start_s, ex.t_end_s))
    return windows


def series_caption(metric: str, sides: Sequence[str], *, reps: bool, band: tuple[float, float, str] | None,
                   working_leg_only: bool) -> str:  # fmt: skip
    """Caption of a time-series figure naming exactly what it draws."""
    drawn = metric_of_column(metric) or METRICS.get(metric)
    label = metric_label(drawn.name if drawn else metric)
    parts = [f"Over time: {label}, {_sides_text(sides)}"]
    if working_leg_only:
        parts[0] += ", each leg only while it is the working leg"
    if reps:
        parts.append("reps shaded, a thin line at each rep's bottom")
    if band is not None:
        parts.append(f"green band = typical range ({band[2]})")
    convention = f" {_sentence(drawn.convention)}" if drawn else ""
    return "; ".join(parts) + "." + convention


def bars_caption(metric: str, sides: Sequence[str], band: tuple[float, float, str] | None = None) -> str:
    """Caption of a per-rep bar figure naming exactly what it draws."""
    info = METRICS.get(indicator_of(metric).source_column) or METRICS.get(metric)
    convention = f" {_sentence(info.convention)}" if info else ""
    band_text = f"; green band = typical range ({band[2]})" if band is not None else ""
    return (
        f"Per rep: the peak {metric_label(metric)} of each rep, bars for {_sides_text(sides)}; "
        f"dashed line = each side's median{band_text}.{convention}"
    )


def _series_figure(assessment: Assessment, name: str, group: list[ExerciseResult], metric: str) -> NamedFigure | None:
    reps = [r for ex in group for r in ex.reps]
    t_range = (min(ex.t_start_s for ex in group), max(ex.t_end_s for ex in group))
    t = assessment.metrics.t_s
    sel = (t >= t_range[0]) & (t <= t_range[1])
    windows = _side_windows(group) if METRICS[metric].kind == "frame" else None
    drawn = drawn_series(assessment.metrics, metric, sel, windows)
    if not drawn:
        return None
    band = norm_band(metric, name)
    fig, _ = plot_side_series(
        assessment.metrics, metric, t_range_s=t_range, reps=reps, band=band,
        title=f"{name.replace('_', ' ')}: {metric_label(metric)}", side_windows_s=windows,
    )  # fmt: skip
    column = series_columns(assessment.metrics, metric)[next(iter(drawn))]
    cap = series_caption(column, list(drawn), reps=bool(reps), band=band, working_leg_only=windows is not None)
    return NamedFigure(f"{name}_{metric}_series", name, cap, fig)


def _exercise_figures(assessment: Assessment, name: str, group: list[ExerciseResult]) -> Iterator[NamedFigure]:
    reps = [r for ex in group for r in ex.reps]
    pretty = name.replace("_", " ")
    for metric in SERIES_BY_EXERCISE.get(name, SERIES_METRICS):
        series = _series_figure(assessment, name, group, metric)
        if series is not None:
            yield series
        sides = [s for s in SIDES if rep_values(reps, metric, s)]
        if sides:
            band = norm_band(metric, name)
            fig, _ = plot_rep_bars(reps, metric, band=band, title=f"{pretty}: {metric_label(metric)}, per rep")
            yield NamedFigure(f"{name}_{metric}_reps", name, bars_caption(metric, sides, band), fig)
    for metric in ("balance_hold_s", "balance_sway"):
        vals = _side_values(group, metric)
        if vals:
            fig, _ = plot_balance(group, metric, title=f"{pretty}: {metric_label(metric)}")
            cap = (
                f"Balance per standing leg: {metric_label(metric)}, bars for {_sides_text(list(vals))}. "
                f"{_sentence(METRICS[metric].convention)}"
            )
            yield NamedFigure(f"{name}_{metric}", name, cap, fig)


def iter_figures(assessment: Assessment) -> Iterator[NamedFigure]:
    """Every report figure of an assessment, exercise by exercise."""
    for name, group in exercise_groups(assessment).items():
        yield from _exercise_figures(assessment, name, group)


def save_plots(assessment: Assessment, out_dir: str | Path, *, dpi: int = 100) -> list[Path]:
    """Write every report figure to ``out_dir/plots/<name>.png``; returns the paths written."""
    plots = Path(out_dir) / "plots"
    plots.mkdir(parents=True, exist_ok=True)
    paths = []
    for nf in iter_figures(assessment):
        path = plots / f"{nf.name}.png"
        nf.figure.savefig(path, format="png", dpi=dpi)
        paths.append(path)
    return paths
