"""Waistline detector: synthetic torsos with a known tilt, and a rendered sample clip with exact ground truth."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from hipcheck.analysis.geometry import pelvic_obliquity_deg
from hipcheck.extract import drop_waistline_outliers, find_waistline, waistline_series
from hipcheck.landmarks import L_HIP, L_SHOULDER, LEFT_RIGHT_PAIRS, R_HIP, R_SHOULDER
from support import FIXTURES, SAMPLES

W, H = 480, 640
HIP_Y = 400.0
X_RIGHT, X_LEFT = 210.0, 270.0  # front view: the person's left is on the image right
BAND_Y = 368.0  # band centre at the hip midpoint
SHIRT, BAND, SHORTS, SKIN, WALL = (180, 110, 50), (225, 225, 225), (45, 35, 30), (120, 150, 205), (200, 205, 210)


def landmarks(x_left: float = X_LEFT, x_right: float = X_RIGHT) -> NDArray[np.float64]:
    """(33, 2) landmarks: hips and shoulders only, the rest NaN."""
    xy = np.full((33, 2), np.nan)
    xy[L_HIP], xy[R_HIP] = (x_left, HIP_Y), (x_right, HIP_Y)
    xy[L_SHOULDER], xy[R_SHOULDER] = (x_left + 15.0, 250.0), (x_right - 15.0, 250.0)
    return xy


def torso(
    tilt_deg: float = 8.0,
    *,
    band: bool = True,
    arm: bool = False,
    noise: float = 0.0,
    seed: int = 0,
    ss: int = 4,
) -> NDArray[np.uint8]:
    """A front-view torso: shirt, waistband (half height 5 px) and shorts, drawn with ``ss``× supersampling.

    The band is a straight line through ``(240, BAND_Y)``, tilted ``tilt_deg``
    with the person's left (image right) higher for positive tilt.
    """
    x0, y0, x1, y1 = 150, 200, 330, 480  # drawn part; the rest is wall
    ys, xs = np.mgrid[0 : (y1 - y0) * ss, 0 : (x1 - x0) * ss].astype(np.float64)
    x, y = x0 + (xs + 0.5) / ss, y0 + (ys + 0.5) / ss
    img = np.empty((*x.shape, 3))
    img[:] = WALL
    inside = (x > 170) & (x < 310) & (y > 230)
    yb = BAND_Y - math.tan(math.radians(tilt_deg)) * (x - 240.0)
    img[inside & (y < yb - 5)] = SHIRT
    img[inside & (y >= yb - 5)] = BAND if band else SHORTS
    img[inside & (y >= yb + 5)] = SHORTS
    if arm:  # a forearm crossing the band diagonally
        img[np.abs((x - 250.0) - 0.5 * (y - 360.0)) < 7.0] = SKIN
    out = np.empty((H, W, 3))
    out[:] = WALL
    out[y0:y1, x0:x1] = img.reshape(y1 - y0, ss, x1 - x0, ss, 3).mean(axis=(1, 3))
    if noise:
        out += np.random.default_rng(seed).normal(0.0, noise, out.shape)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def obliquity(line: NDArray[np.float64]) -> float:
    return float(pelvic_obliquity_deg(left_hip_xy=line[None, 0], right_hip_xy=line[None, 1])[0])


@pytest.mark.parametrize("tilt", [8.0, -8.0, 0.0, 3.0])
def test_tilted_band_reads_its_tilt(tilt: float) -> None:
    line = find_waistline(torso(tilt), landmarks())
    assert line.shape == (2, 2)
    assert obliquity(line) == pytest.approx(tilt, abs=0.3)
    np.testing.assert_allclose(line[:, 0], [X_LEFT, X_RIGHT])  # evaluated at the hip abscissae
    expected_y = BAND_Y - math.tan(math.radians(tilt)) * (line[:, 0] - 240.0)
    assert np.all(np.abs(line[:, 1] - expected_y) < 6.5)  # on the band's upper or lower edge


@pytest.mark.parametrize("zoom", [2, 3])
def test_larger_frames_read_the_same(zoom: int) -> None:
    """A 2x / 3x larger frame (the crop is then decimated) reads the same tilt at the scaled points."""
    small = find_waistline(torso(8.0), landmarks())
    big = find_waistline(
        np.repeat(np.repeat(torso(8.0), zoom, 0), zoom, 1)[:, ::-1], landmarks() * [-zoom, zoom] + [zoom * W, 0]
    )
    assert obliquity(big) == pytest.approx(obliquity(small), abs=0.3)  # mirrored, labels kept: same sides higher
    np.testing.assert_allclose(big[:, 1], small[:, 1] * zoom, atol=0.5 * zoom)


def test_noise_and_a_crossing_arm() -> None:
    for seed in range(3):
        line = find_waistline(torso(8.0, arm=True, noise=10.0, seed=seed), landmarks())
        assert obliquity(line) == pytest.approx(8.0, abs=1.0)


def test_back_view_keeps_the_sign() -> None:
    """Seen from behind the person's left is on the image left; the same image tilt is then a right-side rise."""
    line = find_waistline(torso(8.0), landmarks(x_left=X_RIGHT, x_right=X_LEFT))
    assert obliquity(line) == pytest.approx(-8.0, abs=0.3)


def test_mirrored_image_gives_mirrored_points() -> None:
    img, xy = torso(6.0, arm=True, noise=4.0), landmarks()
    xy[L_HIP, 0] += 3.0  # make the hips asymmetric about the band
    line = find_waistline(img, xy)
    flipped = xy.copy()
    for left, right in LEFT_RIGHT_PAIRS:
        flipped[[left, right]] = xy[[right, left]]
    flipped[:, 0] = W - flipped[:, 0]
    mirrored = find_waistline(img[:, ::-1].copy(), flipped)
    np.testing.assert_allclose(mirrored[:, 0], W - line[::-1, 0])
    np.testing.assert_allclose(mirrored[:, 1], line[::-1, 1], atol=0.3)
    assert obliquity(mirrored) == pytest.approx(-obliquity(line), abs=0.3)


def test_shirt_over_shorts_without_band_reads_the_edge() -> None:
    assert obliquity(find_waistline(torso(8.0, band=False), landmarks())) == pytest.approx(8.0, abs=0.3)


@pytest.mark.parametrize(
    "image, xy",
    [
        (np.full((H, W, 3), 128, np.uint8), landmarks()),  # no edge at all
        (np.clip(np.random.default_rng(1).normal(128.0, 12.0, (H, W, 3)), 0, 255).astype(np.uint8), landmarks()),
        (torso(8.0), landmarks(x_left=242.0, x_right=238.0)),  # side view: the hips overlap
        (torso(8.0), np.full((33, 2), np.nan)),  # no pose
        (torso(40.0), landmarks()),  # far too steep for a waistline
    ],
    ids=["blank", "noise-only", "side-view", "no-pose", "too-steep"],
)
def test_no_reliable_line_is_nan(image: NDArray[np.uint8], xy: NDArray[np.float64]) -> None:
    assert np.all(np.isnan(find_waistline(image, xy)))


def test_vertical_stripes_are_not_a_waistline() -> None:
    img = torso(0.0, band=False)
    img[230:, 170:310][:, (np.arange(140) // 6) % 2 == 0] = (40, 200, 40)
    assert np.all(np.isnan(find_waistline(img, landmarks())))


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError, match="expected"):
        find_waistline(np.zeros((10, 10), np.uint8), landmarks())
    with pytest.raises(ValueError, match="expected"):
        find_waistline(torso(), np.zeros((17, 2)))
    with pytest.raises(ValueError, match="expected"):
        waistline_series([], np.zeros((3, 33, 2)), np.arange(2))


@dataclass(frozen=True)
class _Frame:
    index: int
    image: NDArray[np.uint8]


def test_series_rows_follow_frame_index() -> None:
    frames = [_Frame(i, torso(2.0 * i)) for i in range(4)]
    xy = np.stack([landmarks()] * 3)
    out = waistline_series(frames, xy, np.array([3, 1, 7]), drop_outliers=False)  # frame 7 never comes
    assert out.shape == (3, 2, 2)
    assert obliquity(out[0]) == pytest.approx(6.0, abs=0.3)
    assert obliquity(out[1]) == pytest.approx(2.0, abs=0.3)
    assert np.all(np.isnan(out[2]))


def _lines(tilt_deg: NDArray[np.float64], height_px: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T, 2, 2) lines through (240, HIP_Y - height) with the given obliquity, at the hip abscissae."""
    half = 0.5 * (X_LEFT - X_RIGHT) * np.tan(np.radians(tilt_deg))
    mid = HIP_Y - height_px
    return np.stack(
        [np.stack([np.full_like(mid, X_LEFT), mid - half], 1), np.stack([np.full_like(mid, X_RIGHT), mid + half], 1)], 1
    )


def test_outliers_and_isolated_lines_are_dropped_but_a_ramp_passes() -> None:
    t = 40
    tilt = np.clip(np.linspace(-2.0, 10.0, t), 0.0, 8.0)  # a pelvic drop building up over 1 s
    height = np.full(t, 30.0)
    tilt[10], height[25] = 15.0, 55.0  # a forearm; a hem 0.4 hip widths higher
    lines = _lines(tilt, height)
    lines[30:33] = np.nan
    lines[36:38] = np.nan  # rows 33-35 and 38-39 keep lines; the end is sparse but not isolated
    lines[:3] = np.nan
    xy = np.stack([landmarks()] * t)
    out = drop_waistline_outliers(lines, xy)
    gone = np.flatnonzero(np.isnan(out[:, 0, 1]))
    assert set(gone) == {0, 1, 2, 10, 25, 30, 31, 32, 36, 37}
    ok = np.isfinite(out[:, 0, 1])
    np.testing.assert_allclose(obliquity_rows(out[ok]), tilt[ok], atol=1e-9)
    lonely = np.full((t, 2, 2), np.nan)
    lonely[[5, 6, 20]] = _lines(np.zeros(3), np.full(3, 30.0))
    assert np.all(np.isnan(drop_waistline_outliers(lonely, xy)))


def obliquity_rows(lines: NDArray[np.float64]) -> NDArray[np.float64]:
    return pelvic_obliquity_deg(left_hip_xy=lines[:, 0], right_hip_xy=lines[:, 1])


def test_rendered_pelvic_drop_is_read_from_the_waistline() -> None:
    """``samples/sls_left_drop8_upright``: true contralateral pelvic drop 8° with an upright trunk.

    The hip landmarks read ≈ 3° of it; the waistline reads it within 1.6° (measured: MAE 1.45°, max 1.62°,
    all under-reads: with the knee raised in front to hip height, the swing side's waistband is pulled up a
    little by the thigh). The exact joint projections of the ground truth stand in for the landmarks (no
    MediaPipe in unit tests).
    """
    from hipcheck.io import open_source
    from hipcheck.lab import load_ground_truth

    clip = SAMPLES / "sls_left_drop8_upright.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip} is not available")
    gt = load_ground_truth(SAMPLES / "sls_left_drop8_upright.gt.json")
    xy = np.full((gt.n_frames, 33, 2), np.nan)
    for index, name in ((L_HIP, "left_hip"), (R_HIP, "right_hip"), (L_SHOULDER, "left_shoulder")):
        xy[:, index] = gt.joint_px(name)
    xy[:, R_SHOULDER] = gt.joint_px("right_shoulder")
    with open_source(clip) as frames:
        line = waistline_series(frames, xy, np.arange(gt.n_frames))
    theta = pelvic_obliquity_deg(left_hip_xy=line[:, 0], right_hip_xy=line[:, 1])
    assert np.isfinite(theta).mean() > 0.95
    cpd = theta - np.nanmedian(theta[gt.phase_mask("bipedal")])  # stance on the left: CPD = θ − θ0
    single = gt.phase_mask("single_leg_left")
    err = np.abs(cpd - gt.metrics["contralateral_pelvic_drop_deg"])[single]
    assert np.nanmean(err) < 1.6
    assert np.nanmax(err) < 1.8


@pytest.mark.parametrize(
    "clip, min_found, max_found, max_p90_deg",
    [
        ("squat_front_bodyweight_armsup_01", 0.5, 1.0, 3.0),  # shirt hem over black trousers: a line, steady
        ("squat_front_bodyweight_armsup_03", 0.0, 0.1, math.inf),  # patterned shirt over black trousers: no line
    ],
)
def test_real_symmetric_squat_gets_no_invented_tilt(
    shared_videos: Path, clip: str, min_found: float, max_found: float, max_p90_deg: float
) -> None:
    """Symmetric front-view squats (measured: armsup_01 line in 67 % of frames, p90 |θ − median| 2.0°;
    armsup_03 none)."""
    from hipcheck.io import open_source
    from hipcheck.landmarks import PoseSeries

    fixture = FIXTURES / f"{clip}.npz"
    video = shared_videos / f"{clip}.mov"
    if not fixture.is_file() or not video.is_file():
        pytest.skip(f"{fixture.name} or {video.name} is not available")
    pose = PoseSeries.load_npz(fixture)
    assert pose.frame_index is not None
    with open_source(video) as frames:
        line = waistline_series(frames, pose.xy_px, pose.frame_index)
    theta = obliquity_rows(line)
    found = np.isfinite(theta)
    assert min_found <= found.mean() <= max_found
    if found.sum() >= 10:
        assert np.percentile(np.abs(theta[found] - np.median(theta[found])), 90) <= max_p90_deg
