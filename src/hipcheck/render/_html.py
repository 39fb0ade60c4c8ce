"""The self-contained HTML report (``DIR/report.html``).

One file that opens offline: plots and key frames are embedded as base64
``data:`` URIs, the CSS is inline, there is no script and no external URL.
Every piece of text from the analysis is escaped with :func:`html.escape`.
The report reads an :class:`~hipcheck.results.Assessment`; it computes no
metric. Sides are the person's anatomical sides.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from markupsafe import Markup
from numpy.typing import NDArray

from hipcheck.assessment import SEE_PROFESSIONAL, band_rule, build_plan, evidence_kind
from hipcheck.io import write_text_atomic
from hipcheck.metrics import format_metric, plain_name
from hipcheck.render._plots import NamedFigure, exercise_groups, figure_png, iter_figures
from hipcheck.render._provenance import provenance_rows
from hipcheck.render._style import BAND_TINT_HEX, SIDE_HEX
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

LEFT_COLOR, RIGHT_COLOR = SIDE_HEX["left"], SIDE_HEX["right"]
SCREENING_NOTE = (
    "hipcheck is a screening aid that measures movement on a single 2D video. It is not a diagnosis. "
    "Camera angle, clothing and lighting affect the numbers; differences smaller than the stated "
    "measurement error are not called findings."
)


def esc(value: object) -> str:
    """HTML-escaped ``str(value)``."""
    return html.escape(str(value), quote=True)


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


# ------------------------------------------------------------------ sections
def _list(items: Iterable[str], cls: str = "") -> str:
    lis = "".join(f"<li>{esc(i)}</li>" for i in items)
    return f"<ul class='{cls}'>{lis}</ul>" if lis else ""


def _verdict_section(a: Assessment) -> str:
    v = a.verdict
    conf = f"<p>{esc(confidence_line(a))}</p>" if confidence_line(a) else ""
    reasons = f"<p class='muted'>Evidence behind the call:</p>{_list(v.reasons, 'muted')}" if v.reasons else ""
    nm = ""
    if a.not_measured:
        nm = "<h3>What could not be measured</h3>" + _list(f"{plain_name(k)}: {r}" for k, r in a.not_measured.items())
    return (
        f"<section id='verdict' class='verdict {esc(v.weaker_side)}'>"
        f"<p class='headline' id='verdict-text'>{esc(verdict_sentence(a))}</p>{conf}{reasons}</section>{nm}"
    )


def _evidence_row(r: EvidenceRow) -> str:
    color = BAND_TINT_HEX.get(r.band, BAND_TINT_HEX["none"])
    points = f"<span class='{r.weaker_side}-c'>{esc(r.weaker_side)}</span>" if r.finding and r.weaker_side else "–"
    ref = f"{esc(r.reference)}<br><span class='muted'>{esc(r.source)}</span>" if r.reference else "–"
    what = f"{esc(plain_name(r.metric))}<br><span class='muted'>{esc(r.exercise.replace('_', ' '))}</span>"
    if is_whole_body(r):
        value = format_metric(r.metric, r.left, sign=evidence_kind(r) != "ratio")
        unc = f" ± {format_metric(r.metric, r.uncertainty)}" if math.isfinite(r.uncertainty) else ""
        values = f"<td class='num' colspan='3'>{esc(value + unc)} <span class='muted'>(whole body)</span></td>"
    else:
        diff = format_metric(r.metric, shown_difference(r), sign=True)
        unc = f" ± {format_metric(r.metric, r.uncertainty, unit=False)}" if math.isfinite(r.uncertainty) else ""
        si = (
            f"<br><span class='muted'>SI {fmt(r.symmetry_index_pct, 0)} %</span>"
            if math.isfinite(r.symmetry_index_pct)
            else ""
        )
        values = (
            f"<td class='num'>{esc(format_metric(r.metric, r.left))}</td>"
            f"<td class='num'>{esc(format_metric(r.metric, r.right))}</td>"
            f"<td class='num'>{esc(diff if diff == '–' else diff + unc)}{si}</td>"
        )
    return (
        f"<tr><td>{what}</td>{values}<td>{ref}</td>"
        f"<td style='background:{color}' title='{esc(band_rule(r))}'><span class='band'>"
        f"{esc(BAND_WORDS.get(r.band, r.band))}</span></td><td>{points}</td></tr>"
    )


def _band_legend(rows: Sequence[EvidenceRow]) -> str:
    """One line per rule that bands a row of this table, with its numbers."""
    rules = dict.fromkeys(f"{plain_name(r.metric)}: {band_rule(r)}" for r in rows)
    return f"<p class='muted'>Bands (one rule per kind of row):</p>{_list(rules, 'muted')}"


def _evidence_section(a: Assessment) -> str:
    if not a.evidence:
        return "<h2 id='evidence'>Evidence</h2><p>No test measured both sides, so there is no side comparison.</p>"
    head = (
        "<tr><th>Metric / test</th><th>Left</th><th>Right</th><th>Difference (L − R)</th>"
        "<th>Reference (source)</th><th>Band</th><th>Points to</th></tr>"
    )
    rows = "".join(_evidence_row(r) for r in a.evidence)
    note = (
        "<p class='muted'>Values are medians over reps (quiet standing: over the whole stance); the difference "
        "is of the values as shown. A whole-body row has one value for both legs. "
        "A knee pushed out (FPPA below 0°) or a lean away from the standing leg is shown as measured but "
        "compared as 0 (no sign of weakness).</p>"
    )
    if any(r.metric == "pelvic_drop_deg" for r in a.evidence) and "pelvic_drop_deg" in a.measurement_error:
        note += f"<p class='muted'>Pelvic drop: {esc(a.measurement_error['pelvic_drop_deg'])}.</p>"
    return f"<h2 id='evidence'>Evidence</h2><table>{head}{rows}</table>{note}{_band_legend(a.evidence)}"


def _figure(png: bytes, alt: str, cap: str) -> str:
    return (
        f"<figure><img src='{data_uri(png, 'image/png')}' alt='{esc(alt)}'><figcaption>{esc(cap)}</figcaption></figure>"
    )


def _exercise_sections(
    a: Assessment, plot_pngs: Mapping[str, bytes], figures: Sequence[NamedFigure] | None = None
) -> str:
    by_ex: dict[str, list[str]] = {}
    for nf in iter_figures(a) if figures is None else figures:
        png = plot_pngs.get(nf.name) or figure_png(nf.figure)
        by_ex.setdefault(nf.exercise, []).append(_figure(png, nf.name.replace("_", " "), nf.caption))
    parts = ["<h2 id='exercises'>Per exercise</h2>"] if by_ex else []
    for name, group in exercise_groups(a).items():
        figs = by_ex.get(name, [])
        reps = sum(len(g.reps) for g in group)
        sides = ", ".join(sorted({g.side for g in group if g.side})) or "both legs"
        count = f"{reps} rep{'s' if reps != 1 else ''}; " if reps else ""
        parts.append(
            f"<h3>{esc(name.replace('_', ' ').capitalize())}</h3><p class='muted'>{count}{esc(sides)}.</p>"
            f"<div class='grid'>{''.join(figs)}</div>"
        )
    return "".join(parts)


def _keyframe_section(keyframes: Mapping[str, NDArray[np.uint8]] | None) -> str:
    if not keyframes:
        return ""
    figs = "".join(
        f"<figure><img src='{data_uri(jpeg_bytes(img), 'image/jpeg')}' alt='{esc(cap)}'>"
        f"<figcaption>{esc(cap)}</figcaption></figure>"
        for cap, img in keyframes.items()
    )
    return (
        "<h2 id='keyframes'>Key frames</h2><p class='muted'>The worst rep of each side, at the frame nearest its "
        "peak value (the value written on it is the rep's peak, as in the caption): skeleton, hip line and knee "
        "lines, coloured green / amber / red by each metric's display bands.</p>"
        f"<div class='grid'>{figs}</div>"
    )


def _plan_items(items: Sequence[PlanItem]) -> str:
    rows = "".join(
        f"<tr><td>{esc(i.name)}{'<span class=tag>emphasis</span>' if i.emphasis else ''}</td>"
        f"<td>{esc(i.dose())}</td><td>{esc(i.cue)}</td></tr>"
        for i in items
    )
    cols = "<colgroup><col style='width:30%'><col style='width:24%'><col></colgroup>"
    return f"<table class='plan'>{cols}<tr><th>Exercise</th><th>Sets × reps</th><th>How</th></tr>{rows}</table>"


def _plan_section(plan: Plan) -> str:
    parts = [f"<h2 id='plan'>Your corrective plan</h2><p><strong>{esc(plan.headline)}</strong></p>"]
    if plan.findings:
        parts.append("<p class='muted'>Based on:</p>" + _list(plan.findings, "muted"))
    if plan.rerecord:
        parts.append("<h3>Re-record to get a verdict</h3>" + _list(plan.rerecord))
    parts.append(f"<p>{esc(plan.schedule)}</p>")
    if plan.volume_rules:
        parts.append("<h3>Left/right volume</h3>" + _list(plan.volume_rules))
    for title, items in plan.sections():
        parts.append(f"<h3>{esc(title)}</h3>{_plan_items(items)}")
    for title, lines in (("How to progress", plan.progression), ("Daily habits", plan.habits)):
        if lines:
            parts.append(f"<h3>{title}</h3>{_list(lines)}")
    parts.append(f"<h3>Re-test</h3><p>{esc(plan.retest)}</p>")
    parts.append(f"<p class='muted'>{esc(plan.note)}</p>")
    return "".join(parts)


def _provenance_section(a: Assessment) -> str:
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in provenance_rows(a))
    err = "".join(f"<tr><th>{esc(plain_name(k))}</th><td>{esc(v)}</td></tr>" for k, v in a.measurement_error.items())
    err_html = f"<h3>Measurement error of each metric</h3><table>{err}</table>" if err else ""
    return f"<h2 id='provenance'>How this report was made</h2><table>{body}</table>{err_html}"


def _footer() -> str:
    return (
        "<h2 id='note'>Please note</h2><div class='note'>"
        f"<p>{esc(SCREENING_NOTE)}</p><p><strong>{esc(SEE_PROFESSIONAL)}</strong></p></div>"
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
    plan = assessment.plan if assessment.plan is not None else build_plan(assessment.verdict, assessment.evidence)
    src = Path(str(assessment.provenance.get("source_path", ""))).name
    title = f"hipcheck report – {src}" if src else "hipcheck report"
    body = "".join((
        f"<h1>{esc(title)}</h1><p class='muted'>Left / right are <em>your</em> left and right. "
        f"{esc(_summary_line(assessment))}</p>",
        _verdict_section(assessment), _evidence_section(assessment),
        _exercise_sections(assessment, plot_pngs or {}, figures),
        _keyframe_section(keyframes), _plan_section(plan), _provenance_section(assessment), _footer(),
    ))  # fmt: skip
    return render_template("report.html", title=title, body=Markup(body))


def _summary_line(a: Assessment) -> str:
    names = [e.exercise.replace("_", " ") + (f" ({e.side})" if e.side else "") for e in a.exercises]
    return f"Tests found: {', '.join(names)}." if names else "No test was recognised in the clip."


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
