"""Plot functions: (fig, ax) contract, drawn values equal the Assessment's values, PNG files."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from hipcheck.render import (
    SIDE_HEX,
    norm_band,
    plot_balance,
    plot_rep_bars,
    plot_side_series,
    save_plots,
    series_columns,
)

LEFT_COLOR, RIGHT_COLOR = SIDE_HEX["left"], SIDE_HEX["right"]


@pytest.fixture(scope="module")
def left(fake_assessment):
    return fake_assessment("left")


def _bars_by_color(ax, color):
    from matplotlib.colors import to_rgba

    return [p.get_height() for p in ax.patches if hasattr(p, "get_height") and p.get_facecolor() == to_rgba(color)]


def test_side_series_draws_both_sides_in_window(left):
    fig, ax = plot_side_series(left.metrics, "pelvic_drop_deg", t_range_s=(13.0, 27.0))
    assert isinstance(fig, Figure)
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert set(lines) >= {"left", "right"}
    t, y = lines["left"].get_data()
    sel = (left.metrics.t_s >= 13.0) & (left.metrics.t_s <= 27.0)
    np.testing.assert_array_equal(t, left.metrics.t_s[sel])
    np.testing.assert_array_equal(y, left.metrics["pelvic_drop_deg_left"][sel])
    assert lines["left"].get_color() == LEFT_COLOR and lines["right"].get_color() == RIGHT_COLOR


def test_plot_into_given_axes(left):
    fig = Figure()
    ax0, ax1 = fig.subplots(1, 2)
    reps = [r for e in left.exercises if e.exercise == "single_leg_squat" for r in e.reps]
    f, a = plot_rep_bars(reps, "pelvic_drop_deg", ax=ax1)
    assert f is fig and a is ax1 and not ax0.patches


def test_rep_bars_heights_are_rep_peaks(left):
    reps = [r for e in left.exercises if e.exercise == "single_leg_squat" for r in e.reps]
    _, ax = plot_rep_bars(reps, "pelvic_drop_deg")
    want_left = [r.peaks["pelvic_drop_deg_left"] for r in reps if r.side == "left"]
    want_right = [r.peaks["pelvic_drop_deg_right"] for r in reps if r.side == "right"]
    assert _bars_by_color(ax, LEFT_COLOR) == pytest.approx(want_left)
    assert _bars_by_color(ax, RIGHT_COLOR) == pytest.approx(want_right)
    assert len(want_left) == len(want_right) == 5


def test_balance_bars(left):
    stance = [e for e in left.exercises if e.exercise == "single_leg_stance"]
    _, ax = plot_balance(stance, "balance_hold_s")
    assert _bars_by_color(ax, LEFT_COLOR) == [pytest.approx(3.1)]
    assert _bars_by_color(ax, RIGHT_COLOR) == [pytest.approx(5.0)]
    _, ax = plot_balance(stance, "balance_sway")
    assert _bars_by_color(ax, LEFT_COLOR) == [pytest.approx(0.09)]


def test_norm_band_and_columns(left):
    lo, hi, src = norm_band("pelvic_drop_deg", "single_leg_squat")
    assert (lo, hi) == (0.0, pytest.approx(11.2)) and "Nakagawa" in src
    assert norm_band("lateral_pelvic_shift", "squat") is None
    assert series_columns(left.metrics, "trunk_lean_deg") == {
        "left": "trunk_lean_ipsi_deg_left", "right": "trunk_lean_ipsi_deg_right",
    }  # fmt: skip
    assert series_columns(left.metrics, "pelvic_obliquity_deg") == {"both": "pelvic_obliquity_deg"}
    assert series_columns(left.metrics, "no_such_metric") == {}


def test_save_plots_writes_pngs(tmp_path, left, fake_assessment):
    paths = save_plots(left, tmp_path)
    names = {p.name for p in paths}
    assert {"single_leg_squat_pelvic_drop_deg_series.png", "single_leg_squat_pelvic_drop_deg_reps.png",
            "single_leg_stance_balance_hold_s.png", "squat_knee_fppa_deg_reps.png",
            "standing_pelvic_obliquity_deg_series.png"} <= names  # fmt: skip
    assert all(p.parent == tmp_path / "plots" for p in paths)
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)
    assert save_plots(fake_assessment("insufficient"), tmp_path / "empty") == []
