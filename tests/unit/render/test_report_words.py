"""What people read: provenance rows, figure captions and ticks, evidence lines, the fast --version."""

from __future__ import annotations

import dataclasses
import math
import re
import subprocess
import sys

import numpy as np

from hipcheck.render import (
    evidence_lines,
    iter_figures,
    plain_value,
    plot_rep_bars,
    provenance_rows,
    series_caption,
    shown_difference,
)
from hipcheck.results import Rep

RAW = re.compile(r"\b(nan|None|inf)\b")


def test_provenance_reads_as_plain_rows(fake_assessment):
    a = fake_assessment("left")
    prov = {**a.provenance, "extra": {"max_people_seen": 1, "flip_average": True, "fps_hint": math.nan},
            "analysis": {"roll_deg_given": None, "pelvic_drop_source": "hip_landmarks"},
            "subject": "Up to 1 people seen"}  # fmt: skip
    rows = dict(provenance_rows(dataclasses.replace(a, provenance=prov)))
    text = " ".join(f"{k} {v}" for k, v in rows.items())
    assert "{" not in text and "[" not in text and not RAW.search(text)
    assert rows["Pose: most people seen in one frame"] == "1"
    assert rows["Pose: mirrored pass averaged in"] == "yes"
    assert rows["Analysis: camera roll given (°)"] == "not given"
    assert rows["Analysis: pelvic drop measured from"] == "hip landmarks"
    assert rows["Subject (who was followed)"] == "Up to 1 person seen"
    assert plain_value([269, 270]) == "269, 270" and plain_value(30.013) == "30.01"


def test_one_rep_chart_has_one_integer_tick():
    rep = Rep(1, "single_leg_stance", 0.0, 1.0, 2.0, "left", {"pelvic_drop_deg_left": 6.46})
    _, ax = plot_rep_bars([rep], "pelvic_drop_deg")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1"]
    assert ax.get_legend().get_texts()[0].get_text() == "left (median 6.5°)"


def test_missing_sides_draw_no_bar_and_no_nan_label():
    rep = Rep(1, "squat", 0.0, 1.0, 2.0, None, {"knee_fppa_deg_left": math.nan, "knee_fppa_deg_right": 4.0})
    _, ax = plot_rep_bars([rep], "knee_fppa_deg")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["right (median 4.0°)"]


def test_captions_name_what_is_drawn(fake_assessment):
    a = fake_assessment("left")
    caps = {nf.name: nf.caption for nf in iter_figures(a)}
    assert (
        "green band" not in caps["squat_knee_fppa_deg_series"] or "typical range" in caps["squat_knee_fppa_deg_series"]
    )
    standing = next(c for n, c in caps.items() if n.startswith("standing_"))
    assert "whole body (grey)" in standing and "left (blue)" not in standing
    assert "shaded" not in series_caption(
        "pelvic_drop_deg_left", ["left"], reps=False, band=None, working_leg_only=True
    )


def test_the_stance_chart_draws_only_the_standing_leg(fake_assessment):
    a = fake_assessment("left")
    fig = next(nf for nf in iter_figures(a) if nf.name == "single_leg_stance_knee_fppa_deg_series").figure
    stance = {ex.side: (ex.t_start_s, ex.t_end_s) for ex in a.exercises if ex.exercise == "single_leg_stance"}
    for line in fig.axes[0].get_lines():
        if line.get_label() in ("left", "right"):
            t, y = (np.asarray(v, dtype=float) for v in line.get_data())
            lo, hi = stance[line.get_label()]
            assert np.all(np.isnan(y[(t < lo) | (t > hi)]))  # the lifted leg is not drawn


def test_evidence_lines_never_print_raw_values(fake_assessment):
    a = fake_assessment("left")
    rows = [dataclasses.replace(a.evidence[0], right=math.nan, difference=math.nan), *a.evidence[1:]]
    lines = evidence_lines(dataclasses.replace(a, evidence=rows))
    assert lines and not any(RAW.search(line) for line in lines)
    r = a.evidence[0]
    assert shown_difference(r) == round(round(r.left, 1) - round(r.right, 1), 1)


def test_version_imports_no_numpy_scipy_or_mediapipe():
    heavy = "('numpy', 'scipy', 'cv2', 'mediapipe', 'matplotlib')"
    code = "import sys; from hipcheck.cli import main; main(['--version']); "
    code += f"print([m for m in {heavy} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [out.splitlines()[0], "[]"] and out.startswith("hipcheck ")


def test_a_full_progress_bar_says_what_is_still_being_made():
    import io

    from rich.console import Console

    from hipcheck.cli._progress import FINISHING, FrameProgress

    with FrameProgress("pose", Console(file=io.StringIO())) as progress:
        progress(5, 10)
        assert progress._progress.tasks[0].description == "pose"
        progress(10, 10)
        assert progress._progress.tasks[0].description.startswith(FINISHING)
