"""Cleaning: gating, swap repair, outliers, gap filling and filters on known signals."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from hipcheck import analysis as c
from hipcheck.lab import make_pose, squat_depth_profile
from hipcheck.landmarks import L_HIP, L_KNEE, MIRROR_PERMUTATION, R_ANKLE, R_KNEE, PoseSeries
from support import FIXTURES

FPS = 30.0


def _squats(n: int = 150, **kw: object) -> PoseSeries:
    depth = squat_depth_profile(n_frames=n, fps=FPS, n_reps=2)
    return make_pose(n_frames=n, fps=FPS, squat_depth=depth, **kw)  # type: ignore[arg-type]


def test_gating_sets_low_visibility_to_nan() -> None:
    pose = _squats(20)
    vis = pose.visibility.copy()
    vis[5, L_KNEE] = 0.3
    vis[6, L_KNEE] = np.nan
    out, n = c.gate_by_visibility(pose.replace(visibility=vis))
    assert n == 2
    assert np.isnan(out.xy_px[5, L_KNEE]).all() and np.isnan(out.xyz_world_m[6, L_KNEE]).all()
    assert np.isfinite(out.xy_px[7, L_KNEE]).all()
    back, _ = c.gate_by_visibility(make_pose(n_frames=3, view="back"))
    assert np.isnan(back.xy_px[:, 0]).all()  # face turned away is gated


def test_injected_swap_is_repaired() -> None:
    pose = _squats(60, knee_valgus_deg={"right": 10.0})
    xy = pose.xy_px.copy()
    for t in (20, 21, 22):  # the whole body mislabelled for three frames
        xy[t] = xy[t, MIRROR_PERMUTATION]
    legs = c.SWAP_GROUPS["legs"]
    left, right = [p[0] for p in legs], [p[1] for p in legs]
    xy[40, left + right] = xy[40, right + left]  # lower legs only (knees, ankles, feet)
    fixed, frames = c.repair_swaps(pose.replace(xy_px=xy))
    assert frames == (20, 21, 22, 40)
    np.testing.assert_allclose(fixed.xy_px, pose.xy_px)


def test_no_false_swaps_on_clean_motion() -> None:
    _, frames = c.repair_swaps(_squats(150, pelvic_obliquity_deg=5.0))
    assert frames == ()


def test_short_gap_filled_long_gap_stays_nan() -> None:
    pose = _squats(150)
    xy = pose.xy_px.copy()
    xy[30:36, L_KNEE] = np.nan  # 6 frames = 0.2 s
    xy[80:95, L_KNEE] = np.nan  # 15 frames = 0.5 s
    xy[:3, R_KNEE] = np.nan  # leading gap
    out, n = c.fill_short_gaps(pose.replace(xy_px=xy))
    assert n == 6
    np.testing.assert_allclose(out.xy_px[30:36, L_KNEE], pose.xy_px[30:36, L_KNEE], atol=2.0)
    assert np.isnan(out.xy_px[80:95, L_KNEE]).all()
    assert np.isnan(out.xy_px[:3, R_KNEE]).all()


def test_outlier_spike_removed_then_filled() -> None:
    pose = _squats(150)
    xy = pose.xy_px.copy()
    xy[50, L_KNEE, 0] += 60.0
    xy[90, R_ANKLE, 1] -= 45.0
    out, report = c.clean(pose.replace(xy_px=xy))
    assert report.outlier_points >= 2 and report.filled_points >= 2
    assert abs(out.xy_px[50, L_KNEE, 0] - pose.xy_px[50, L_KNEE, 0]) < 3.0
    assert abs(out.xy_px[90, R_ANKLE, 1] - pose.xy_px[90, R_ANKLE, 1]) < 3.0
    _, rep2 = c.clean(pose)
    assert rep2.outlier_points == 0  # smooth squats lose nothing


def _tone(freq: float, n: int = 300) -> np.ndarray:
    return np.sin(2 * np.pi * freq * np.arange(n) / FPS)


def test_butterworth_passes_1hz_attenuates_12hz_zero_lag() -> None:
    slow, fast = _tone(1.0), _tone(12.0)
    mid = slice(60, 240)  # away from the edges
    y = c.butterworth_1d(slow + 0.5 * fast, fps=FPS)
    np.testing.assert_allclose(y[mid], slow[mid], atol=0.06)  # 1 Hz kept, no phase lag
    assert np.std(c.butterworth_1d(fast, fps=FPS)[mid]) < 0.05 * np.std(fast)


def test_butterworth_keeps_nan_and_filters_runs() -> None:
    x = _tone(1.0) + 0.3 * _tone(12.0)
    x[100:140] = np.nan
    x[200:205] = np.nan
    y = c.butterworth_1d(x, fps=FPS)
    assert np.array_equal(np.isnan(y), np.isnan(x))
    assert np.std(y[20:90] - _tone(1.0)[20:90]) < 0.05
    assert np.std(y[150:195] - _tone(1.0)[150:195]) < 0.08  # the run between the gaps is filtered too


def test_lowpass_skipped_at_low_frame_rate() -> None:
    pose = make_pose(n_frames=40, fps=10.0)
    out, how = c.lowpass_butterworth(pose)
    assert how.startswith("none") and out is pose


def test_clean_preserves_nan_and_masks() -> None:
    pose = _squats(120, with_pelvis_mask=True)
    xy = pose.xy_px.copy()
    xy[40:70, L_HIP] = np.nan  # 1 s: stays missing
    out, report = c.clean(pose.replace(xy_px=xy))
    assert np.isnan(out.xy_px[40:70, L_HIP]).all() and np.isfinite(out.xy_px[:40, L_HIP]).all()
    assert out.pelvis_mask is pose.pelvis_mask
    assert report.smoothing.startswith("butterworth") and report.to_dict()["swaps_repaired"] == 0


def test_one_euro_is_causal_and_smooths() -> None:
    rng = np.random.default_rng(0)
    x = np.linspace(0, 10, 200) + rng.normal(0, 1.0, 200)
    f = c.OneEuroFilter(min_cutoff=1.0, beta=0.0)
    y = np.array([f(np.array([v]), i / FPS)[0] for i, v in enumerate(x)])
    assert np.std(np.diff(y)) < 0.3 * np.std(np.diff(x))
    # causal: changing the future does not change the past
    f2 = c.OneEuroFilter(min_cutoff=1.0, beta=0.0)
    x2 = x.copy()
    x2[150:] += 50
    y2 = np.array([f2(np.array([v]), i / FPS)[0] for i, v in enumerate(x2)])
    np.testing.assert_array_equal(y[:150], y2[:150])


def test_one_euro_nan_passthrough() -> None:
    f = c.OneEuroFilter()
    f(np.array([1.0, 2.0]), 0.0)
    out = f(np.array([np.nan, 2.0]), 0.1)
    assert np.isnan(out[0]) and out[1] == pytest.approx(2.0)
    assert np.isfinite(f(np.array([1.0, 2.0]), 0.2)).all()


def test_live_clean_uses_one_euro() -> None:
    out, report = c.clean(_squats(60), live=True)
    assert report.smoothing.startswith("one-euro") and report.filled_points == 0
    assert out.xy_px.shape == (60, 33, 2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: c.gate_by_visibility(make_pose(n_frames=2), threshold=1.5),
            "threshold: expected a visibility in [0, 1], got 1.5",
        ),
        (
            lambda: c.fill_short_gaps(make_pose(n_frames=2), max_gap_s=-1.0),
            "max_gap_s: expected >= 0 seconds, got -1.0",
        ),
        (lambda: c.butterworth_1d(np.zeros(50), fps=10.0), "cutoff_hz: expected 0 < cutoff < fps/2 = 5, got 6.0"),
        (lambda: c.OneEuroFilter(min_cutoff=0.0), "expected min_cutoff > 0"),
    ],
)
def test_bad_inputs(call, message: str) -> None:  # type: ignore[no-untyped-def]
    import re

    with pytest.raises(ValueError, match="^" + re.escape(message)):
        call()


@pytest.mark.parametrize("name", ["squat_front_bodyweight_armsup_01", "lunge_oblique_banded_reverse_02"])
def test_real_fixture_cleaning_commutes_with_mirroring(name: str) -> None:
    path = FIXTURES / f"{name}.npz"
    if not path.is_file():
        pytest.skip(f"fixture {path.name} not recorded")
    pose = PoseSeries.load_npz(path)
    a, rep_a = c.clean(pose)
    b, rep_b = c.clean(pose.mirrored())
    np.testing.assert_allclose(b.mirrored().xy_px, a.xy_px, atol=1e-6, equal_nan=True)
    assert rep_a.swap_frames == rep_b.swap_frames
    # smoothing moves a real track by about a pixel, never by a body part
    moved = np.nanmedian(np.linalg.norm(a.xy_px - pose.xy_px, axis=-1))
    assert moved < 3.0


def test_scipy_signal_loads_on_use_or_in_the_background() -> None:
    """``import hipcheck.analysis`` leaves scipy.signal out (0.7 s); ``preload()`` loads it off the main thread."""
    code = (
        "import sys, hipcheck.analysis as a\n"
        "assert 'scipy.signal' not in sys.modules, 'imported with hipcheck.analysis'\n"
        "t = a.preload(); t.join(60)\n"
        "assert not t.is_alive() and 'scipy.signal' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
