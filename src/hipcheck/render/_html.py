"""The self-contained HTML report (``DIR/report.html``).

One file that opens offline: plots and key frames are embedded as base64
``data:`` URIs, the CSS is inline, there is no script and no external URL.
The markup is the ``report.html`` template (sections in ``templates/report/``);
this module only prepares what it shows, as plain strings in small frozen
dataclasses (:class:`ReportView`), and the template environment escapes every
one of them. The report reads an :class:`~hipcheck.results.Assessment`; it
computes no metric. Sides are the person's anatomical sides.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipcheck.assessment import SEE_PROFESSIONAL, band_rule, build_plan, evidence_kind
from hipcheck.io import write_text_atomic
from hipcheck.metrics import format_metric, plain_name
from hipcheck.render._plots import NamedFigure, exercise_groups, figure_png, iter_figures
from hipcheck.render._provenance import provenance_rows
from hipcheck.render._style import BAND_TINT_HEX
from hipcheck.render._templates import render_template
from hipcheck.render._text import (
    BAND_WORDS,
    confidence_line,
    fmt,
    is_whole_body,
    shown_difference,
    verdict_sentence,
)
from hipcheck.results import Assessment, EvidenceRow, Plan, PlanItem
from hipcheck.types import Image

SCREENING_NOTE = (
    "hipcheck is a screening aid that measures movement on a single 2D video. It is not a diagnosis. "
    "Camera angle, clothing and lighting affect the numbers; differences smaller than the stated "
    "measurement error are not called findings."
)


def data_uri(data: bytes, mime: str) -> str:
    """A ``data:`` URI of raw bytes."""
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def jpeg_bytes(image_bgr: Image, max_height: int = 720, quality: int = 85) -> bytes:
    """JPEG bytes of a BGR frame, downscaled to at most ``max_height`` pixels high."""
    import cv2  # image encoding only

    h = image_bgr.shape[0]
    img: NDArray[Any] = np.asarray(image_bgr)
    if h > max_height:
        f = max_height / h
        img = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"could not encode a key frame of shape {image_bgr.shape} as JPEG")
    return bytes(buf.tobytes())


# ------------------------------------------------------------------ what the templates show
@dataclass(frozen=True)
class Picture:
    """An embedded image: its ``data:`` URI, alt text and caption."""

    src: str
    alt: str
    caption: str


@dataclass(frozen=True)
class VerdictView:
    """The verdict box: the weaker side (its CSS class), the sentence, the confidence, the reasons."""

    side: str
    sentence: str
    confidence: str
    reasons: tuple[str, ...]
    not_measured: tuple[str, ...]


@dataclass(frozen=True)
class EvidenceLine:
    """One row of the evidence table, every number formatted by the metric registry.

    ``whole_body`` is the one value (± its error) of a whole-body row, None for a left/right row.
    """

    metric: str
    exercise: str
    whole_body: str | None
    left: str
    right: str
    difference: str
    symmetry: str
    reference: str
    source: str
    tint: str
    band: str
    band_rule: str
    points_to: str


@dataclass(frozen=True)
class ExerciseView:
    """One exercise's heading, its reps and sides, and its figures."""

    title: str
    note: str
    figures: tuple[Picture, ...]


@dataclass(frozen=True)
class PlanRow:
    """One exercise of the plan: name, whether it is emphasised, dose and cue."""

    name: str
    emphasis: bool
    dose: str
    cue: str


@dataclass(frozen=True)
class PlanView:
    """The corrective plan as text: lists and tables in the order the report shows them."""

    headline: str
    findings: tuple[str, ...]
    rerecord: tuple[str, ...]
    schedule: str
    volume_rules: tuple[str, ...]
    tables: tuple[tuple[str, tuple[PlanRow, ...]], ...]
    lists: tuple[tuple[str, tuple[str, ...]], ...]
    retest: str
    note: str


@dataclass(frozen=True)
class ReportView:
    """Everything ``report.html`` shows, as plain text and ``data:`` URIs."""

    title: str
    summary: str
    verdict: VerdictView
    evidence: tuple[EvidenceLine, ...]
    pelvic_drop_error: str
    band_legend: tuple[str, ...]
    exercises: tuple[ExerciseView, ...]
    show_exercises: bool
    keyframes: tuple[Picture, ...]
    plan: PlanView
    provenance: tuple[tuple[str, str], ...]
    measurement_error: tuple[tuple[str, str], ...]
    screening_note: str = SCREENING_NOTE
    see_professional: str = SEE_PROFESSIONAL


# ------------------------------------------------------------------ data preparation
def _verdict_view(a: Assessment) -> VerdictView:
    not_measured = tuple(f"{plain_name(k)}: {r}" for k, r in a.not_measured.items())
    return VerdictView(
        a.verdict.weaker_side, verdict_sentence(a), confidence_line(a), tuple(a.verdict.reasons), not_measured
    )


def _evidence_line(r: EvidenceRow) -> EvidenceLine:
    whole_body, diff, si = None, "", ""
    if is_whole_body(r):
        unc = f" ± {format_metric(r.metric, r.uncertainty)}" if math.isfinite(r.uncertainty) else ""
        whole_body = format_metric(r.metric, r.left, sign=evidence_kind(r) != "ratio") + unc
    else:
        diff = format_metric(r.metric, shown_difference(r), sign=True)
        if diff != "–" and math.isfinite(r.uncertainty):
            diff += f" ± {format_metric(r.metric, r.uncertainty, unit=False)}"
        si = f"SI {fmt(r.symmetry_index_pct, 0)} %" if math.isfinite(r.symmetry_index_pct) else ""
    return EvidenceLine(
        metric=plain_name(r.metric),
        exercise=r.exercise.replace("_", " "),
        whole_body=whole_body,
        left=format_metric(r.metric, r.left),
        right=format_metric(r.metric, r.right),
        difference=diff,
        symmetry=si,
        reference=r.reference,
        source=r.source,
        tint=BAND_TINT_HEX.get(r.band, BAND_TINT_HEX["none"]),
        band=BAND_WORDS.get(r.band, r.band),
        band_rule=band_rule(r),
        points_to=r.weaker_side if r.finding and r.weaker_side else "",
    )


def _band_legend(rows: Sequence[EvidenceRow]) -> tuple[str, ...]:
    """One line per rule that bands a row of this table, with its numbers."""
    return tuple(dict.fromkeys(f"{plain_name(r.metric)}: {band_rule(r)}" for r in rows))


def _pelvic_drop_error(a: Assessment) -> str:
    """The pelvic drop's measurement error, when the table has a pelvic-drop row ('' otherwise)."""
    if any(r.metric == "pelvic_drop_deg" for r in a.evidence):
        return str(a.measurement_error.get("pelvic_drop_deg", ""))
    return ""


def _exercise_views(
    a: Assessment, plot_pngs: Mapping[str, bytes], figures: Sequence[NamedFigure] | None
) -> tuple[ExerciseView, ...]:
    by_ex: dict[str, list[Picture]] = {}
    for nf in iter_figures(a) if figures is None else figures:
        png = plot_pngs.get(nf.name) or figure_png(nf.figure)
        by_ex.setdefault(nf.exercise, []).append(
            Picture(data_uri(png, "image/png"), nf.name.replace("_", " "), nf.caption)
        )
    views = []
    for name, group in exercise_groups(a).items():
        reps = sum(len(g.reps) for g in group)
        sides = ", ".join(sorted({g.side for g in group if g.side})) or "both legs"
        count = f"{reps} rep{'s' if reps != 1 else ''}; " if reps else ""
        views.append(ExerciseView(name.replace("_", " ").capitalize(), f"{count}{sides}.", tuple(by_ex.get(name, []))))
    return tuple(views)


def _keyframe_pictures(keyframes: Mapping[str, NDArray[np.uint8]] | None) -> tuple[Picture, ...]:
    items = (keyframes or {}).items()
    return tuple(Picture(data_uri(jpeg_bytes(img), "image/jpeg"), cap, cap) for cap, img in items)


def _plan_rows(items: Sequence[PlanItem]) -> tuple[PlanRow, ...]:
    return tuple(PlanRow(i.name, i.emphasis, i.dose(), i.cue) for i in items)


def _plan_view(plan: Plan) -> PlanView:
    lists = (("How to progress", plan.progression), ("Daily habits", plan.habits))
    return PlanView(
        headline=plan.headline,
        findings=plan.findings,
        rerecord=plan.rerecord,
        schedule=plan.schedule,
        volume_rules=plan.volume_rules,
        tables=tuple((t, _plan_rows(items)) for t, items in plan.sections()),
        lists=tuple((t, tuple(lines)) for t, lines in lists if lines),
        retest=plan.retest,
        note=plan.note,
    )


def _summary_line(a: Assessment) -> str:
    names = [e.exercise.replace("_", " ") + (f" ({e.side})" if e.side else "") for e in a.exercises]
    return f"Tests found: {', '.join(names)}." if names else "No test was recognised in the clip."


def report_view(
    assessment: Assessment,
    *,
    keyframes: Mapping[str, NDArray[np.uint8]] | None = None,
    plot_pngs: Mapping[str, bytes] | None = None,
    figures: Sequence[NamedFigure] | None = None,
) -> ReportView:
    """What the report shows (arguments as :func:`render_html`)."""
    a = assessment
    plan = a.plan if a.plan is not None else build_plan(a.verdict, a.evidence)
    src = Path(str(a.provenance.get("source_path", ""))).name
    exercises = _exercise_views(a, plot_pngs or {}, figures)
    return ReportView(
        title=f"hipcheck report – {src}" if src else "hipcheck report",
        summary=_summary_line(a),
        verdict=_verdict_view(a),
        evidence=tuple(_evidence_line(r) for r in a.evidence),
        pelvic_drop_error=_pelvic_drop_error(a),
        band_legend=_band_legend(a.evidence),
        exercises=exercises,
        show_exercises=any(e.figures for e in exercises),
        keyframes=_keyframe_pictures(keyframes),
        plan=_plan_view(plan),
        provenance=tuple(provenance_rows(a)),
        measurement_error=tuple((plain_name(k), str(v)) for k, v in a.measurement_error.items()),
    )


def render_html(
    assessment: Assessment,
    *,
    keyframes: Mapping[str, NDArray[np.uint8]] | None = None,
    plot_pngs: Mapping[str, bytes] | None = None,
    figures: Sequence[NamedFigure] | None = None,
) -> str:
    """The whole report as one HTML string (see module docstring).

    ``plot_pngs`` maps figure names (the file stems written by
    :func:`~hipcheck.render.save_plots`) to PNG bytes already drawn, so
    they are embedded instead of drawn again; ``figures`` are the report's
    figures already made (:func:`~hipcheck.render.iter_figures`), so they are
    not made again.
    """
    view = report_view(assessment, keyframes=keyframes, plot_pngs=plot_pngs, figures=figures)
    return render_template("report.html", report=view)


def write_html_report(
    assessment: Assessment,
    out_dir: str | Path,
    *,
    keyframes: Mapping[str, NDArray[np.uint8]] | None = None,
    plot_pngs: Mapping[str, bytes] | None = None,
) -> Path:
    """Write ``out_dir/report.html`` (one self-contained file) and return its path.

    Args:
        assessment: what the analysis found.
        out_dir: output folder (created if missing).
        keyframes: optional caption → annotated BGR frame (see
            :func:`hipcheck.render.worst_rep_keyframes`).
        plot_pngs: optional figure name → PNG bytes already drawn, e.g.
            ``{p.stem: p.read_bytes() for p in save_plots(assessment, out_dir)}``;
            figures not in it are drawn here.
    """
    html_text = render_html(assessment, keyframes=keyframes, plot_pngs=plot_pngs)
    return write_text_atomic(Path(out_dir) / "report.html", html_text)
