"""Renderers: they read an :class:`~hipcheck.results.Assessment` and compute no metric.

- ``report.json`` and ``metrics.csv``: :func:`write_report_json`, :func:`write_metrics_csv`
- the self-contained ``report.html``: :func:`render_html`, :func:`write_html_report`; images in a page:
  :func:`data_uri`, :func:`jpeg_bytes`
- every HTML page's Jinja2 templates (``base.html``, autoescaped): :func:`template_environment`,
  :func:`render_template`, :func:`stylesheet`
- asymmetry plots (``ax=None`` → ``(fig, ax)``): :func:`plot_side_series`, :func:`plot_rep_bars`,
  :func:`plot_balance`; every report figure: :func:`iter_figures`, :func:`save_plots`
- the overlay on video frames: :class:`PoseAnnotator` (``annotate(frame, pose, metrics) -> frame``),
  ``annotated.mp4``: :func:`write_annotated_video`
- the worst rep of each side as annotated frames: :func:`worst_rep_keyframes`
- the compact terminal summary: :func:`print_summary`

Names, units, sign conventions, decimals and display bands come from the
metric registry (:data:`hipcheck.metrics.METRICS`); colours from one palette
(left blue, right orange). Sides are the person's anatomical sides.
"""

from hipcheck.render._data import write_metrics_csv, write_report_json
from hipcheck.render._html import data_uri, jpeg_bytes, render_html, write_html_report
from hipcheck.render._keyframes import (
    KEY_METRICS,
    KeyFrameSpec,
    keyframe_specs,
    leading_metrics,
    peak_time,
    person_box,
    worst_rep,
    worst_rep_keyframes,
)
from hipcheck.render._overlay import (
    OverlayStyle,
    PoseAnnotator,
    annotate_rows,
    band_color,
    exercise_and_rep_at,
    metrics_row,
    nearest_row,
    signed,
    write_annotated_video,
)
from hipcheck.render._plots import (
    NamedFigure,
    bars_caption,
    caption,
    drawn_series,
    exercise_groups,
    figure_png,
    iter_figures,
    metric_label,
    norm_band,
    plot_balance,
    plot_rep_bars,
    plot_side_series,
    rep_values,
    save_plots,
    series_caption,
    series_columns,
)
from hipcheck.render._provenance import plain_value, provenance_rows
from hipcheck.render._style import (
    AMBER,
    BAND_BGR,
    BAND_TINT_HEX,
    BGR,
    GREEN,
    GREY,
    LEFT_BGR,
    RED,
    RIGHT_BGR,
    SIDE_BGR,
    SIDE_HEX,
    hex_to_bgr,
)
from hipcheck.render._templates import TEMPLATES, render_template, stylesheet, template_environment
from hipcheck.render._terminal import evidence_table, print_summary
from hipcheck.render._text import (
    BAND_WORDS,
    confidence_line,
    confidence_words,
    evidence_lines,
    finding_phrase,
    fmt,
    shown_difference,
    verdict_line,
    verdict_sentence,
)

__all__ = [
    "AMBER",
    "BAND_BGR",
    "BAND_TINT_HEX",
    "BAND_WORDS",
    "BGR",
    "GREEN",
    "GREY",
    "KEY_METRICS",
    "LEFT_BGR",
    "RED",
    "RIGHT_BGR",
    "SIDE_BGR",
    "SIDE_HEX",
    "TEMPLATES",
    "KeyFrameSpec",
    "NamedFigure",
    "OverlayStyle",
    "PoseAnnotator",
    "annotate_rows",
    "band_color",
    "bars_caption",
    "caption",
    "confidence_line",
    "confidence_words",
    "data_uri",
    "drawn_series",
    "evidence_lines",
    "evidence_table",
    "exercise_and_rep_at",
    "exercise_groups",
    "figure_png",
    "finding_phrase",
    "fmt",
    "hex_to_bgr",
    "iter_figures",
    "jpeg_bytes",
    "keyframe_specs",
    "leading_metrics",
    "metric_label",
    "metrics_row",
    "nearest_row",
    "norm_band",
    "peak_time",
    "person_box",
    "plain_value",
    "plot_balance",
    "plot_rep_bars",
    "plot_side_series",
    "print_summary",
    "provenance_rows",
    "render_html",
    "render_template",
    "rep_values",
    "save_plots",
    "series_caption",
    "series_columns",
    "shown_difference",
    "signed",
    "stylesheet",
    "template_environment",
    "verdict_line",
    "verdict_sentence",
    "worst_rep",
    "worst_rep_keyframes",
    "write_annotated_video",
    "write_html_report",
    "write_metrics_csv",
    "write_report_json",
]
