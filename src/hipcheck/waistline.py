"""The visible waistline (belt / waistband / shirt–shorts edge) of one person.

MediaPipe's hip landmarks are joint centres: they under-read an isolated
pelvic drop (≈ 30–35 % of it with an upright trunk, see DESIGN.md). The
waistline is painted on the pelvis and tilts with it, and it is the source
articles' own self-test cue ("belt higher on one side").

Method, per frame (:func:`find_waistline`):

1. A search window around and above the hip landmarks, scaled by the hip
   width ``W = |x_L − x_R|``: columns over the central part of the body
   (``±span·W`` about the hip midpoint, away from the silhouette edges and the
   hanging arms), rows from ``above·W`` above the hip line (capped at a
   fraction of the hip–shoulder distance) to ``below·W`` below it. The crop
   is resampled so that ``W`` spans about :attr:`WaistParams.work_hip_px`
   pixels (speed; sub-pixel accuracy is kept).
2. The vertical colour gradient (Sobel-y on each BGR channel, combined as the
   vector norm) where it dominates the horizontal one (near-horizontal edges
   only); per column the strongest local maxima, refined to sub-pixel rows by
   a parabola through the peak.
3. A Hough vote over slopes (|tilt| ≤ ``max_tilt_deg``) and intercepts picks
   the line with the most gradient support; a weighted least-squares fit on
   its inliers (one point per column) refines it. A second, parallel edge
   (the other side of a waistband) refines the slope when present.
4. The line is accepted only when enough columns support it, its residuals
   are small and its tilt is plausible. It is evaluated at the two hip
   landmarks' abscissae.

Conventions: pixels of the given upright frame, origin at the top-left pixel
corner (pixel ``(i, j)`` has its centre at ``x = j + 0.5, y = i + 0.5``), x
right, y down. Row 0 of the result is on the person's **left** side (at
``x_L = xy_px[L_HIP, 0]``), row 1 on the right. The obliquity of the two
points, ``atan2(y_R − y_L, |x_L − x_R|)``, is positive when the left side is
higher (:func:`hipcheck.geometry.pelvic_obliquity_deg`). No line → all NaN.
Assumes a front or back view with a roughly upright trunk.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from hipcheck.landmarks import L_HIP, L_SHOULDER, R_HIP, R_SHOULDER

FloatArray = NDArray[np.float64]


class _FrameLike(Protocol):
    @property
    def index(self) -> int: ...
    @property
    def image(self) -> NDArray[np.uint8]: ...


@dataclass(frozen=True)
class WaistParams:
    """Tuning constants of :func:`find_waistline` (lengths in hip widths ``W`` unless stated).

    Attributes:
        span: half-width of the searched columns about the hip midpoint.
        above: the window starts this far above the hip line ...
        above_torso: ... but at most this fraction of the hip–shoulder distance above it.
        below: the window ends this far below the hip line.
        work_hip_px: the crop is resampled so that ``W`` spans about this many pixels.
        min_hip_px: narrower hips (side view, far away) give no line.
        min_width_ratio: hip width / hip–shoulder distance below this (side view) gives no line.
        min_contrast: smallest accepted edge, as the norm of the BGR step (0–441).
        peaks_per_column: strongest edges kept per column.
        max_tilt_deg: steepest accepted line, degrees from horizontal.
        tilt_step_deg: slope resolution of the Hough vote.
        inlier_px: inlier distance in working pixels.
        min_support: least fraction of the searched columns on the line.
        max_rms_px: largest RMS residual of the inliers, working pixels.
        second_edge_ratio: a parallel edge counts when its support is at least this fraction.
        prev_band: with ``prev``, lines farther than this from it (mid-height) lose.
    """

    span: float = 0.75
    above: float = 1.3
    above_torso: float = 0.6
    below: float = 0.3
    work_hip_px: float = 100.0
    min_hip_px: float = 10.0
    min_width_ratio: float = 0.25
    min_contrast: float = 25.0
    peaks_per_column: int = 3
    max_tilt_deg: float = 25.0
    tilt_step_deg: float = 0.5
    inlier_px: float = 1.5
    min_support: float = 0.5
    max_rms_px: float = 0.8
    second_edge_ratio: float = 0.5
    prev_band: float = 0.15


@dataclass(frozen=True)
class _Window:
    """Crop ``image[y0:y1, x0:x1]`` resampled by ``sx, sy`` (working px per image px)."""

    x0: int
    y0: int
    x1: int
    y1: int
    sx: float
    sy: float


@dataclass(frozen=True)
class _Line:
    """``v = v_c + slope · (u − u_c)`` in working pixels; ``support`` = fraction of columns."""

    u_c: float
    v_c: float
    slope: float
    support: float
    rms: float


NAN_LINE: FloatArray = np.full((2, 2), np.nan)


def _window(xy_px: FloatArray, shape_hw: tuple[int, int], p: WaistParams) -> _Window | None:
    """The search window of the frame, or None when the pose does not allow one."""
    pts = xy_px[[L_HIP, R_HIP, L_SHOULDER, R_SHOULDER]]
    if not np.all(np.isfinite(pts[:2])):
        return None
    hip_w = abs(float(pts[0, 0] - pts[1, 0]))
    mid = pts[:2].mean(axis=0)
    torso = float(np.linalg.norm(pts[2:].mean(axis=0) - mid)) if np.all(np.isfinite(pts[2:])) else math.nan
    if hip_w < p.min_hip_px or (math.isfinite(torso) and hip_w < p.min_width_ratio * torso):
        return None
    up = p.above * hip_w if not math.isfinite(torso) else min(p.above * hip_w, p.above_torso * torso)
    h, w = shape_hw
    x0, x1 = max(0, math.floor(mid[0] - p.span * hip_w)), min(w, math.ceil(mid[0] + p.span * hip_w))
    y0, y1 = max(0, math.floor(mid[1] - up)), min(h, math.ceil(mid[1] + p.below * hip_w))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    scale = min(1.0, p.work_hip_px / hip_w)
    return _Window(x0, y0, x1, y1, scale, scale)


def _edge_points(crop: NDArray[np.float32], p: WaistParams) -> tuple[FloatArray, FloatArray]:
    """Near-horizontal edges per column: ``(v, strength)``, each (k, n_cols), NaN / 0 where none.

    ``v`` is the sub-pixel row in working pixels (pixel-centre coordinates); column ``j``
    has its centre at ``u = j + 0.5``. Strength ≈ norm of the BGR step across the edge.
    """
    gy = cv2.Sobel(crop, cv2.CV_32F, 0, 1, ksize=3)
    gx = cv2.Sobel(crop, cv2.CV_32F, 1, 0, ksize=3)
    my2 = np.einsum("ijc,ijc->ij", gy, gy)
    mx2 = np.einsum("ijc,ijc->ij", gx, gx)
    mag = np.sqrt(np.where(mx2 < 0.49 * my2, my2, 0.0)).astype(np.float64) * 0.25
    mag[:, [0, -1]] = 0.0
    c = mag[1:-1]
    score = np.where((c > mag[:-2]) & (c >= mag[2:]) & (c >= p.min_contrast), c, 0.0)
    k = min(p.peaks_per_column, score.shape[0])
    rows = np.argpartition(-score, k - 1, axis=0)[:k]  # (k, n_cols) rows of c
    cols = np.broadcast_to(np.arange(score.shape[1]), rows.shape)
    s = score[rows, cols]
    r = rows + 1
    m0, m1, m2 = mag[r - 1, cols], mag[r, cols], mag[r + 1, cols]
    den = m0 - 2.0 * m1 + m2
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(den < 0, 0.5 * (m0 - m2) / den, 0.0)
    v = np.where(s > 0, r + 0.5 + np.clip(d, -0.5, 0.5), np.nan)
    return v, s


def _hough(v: FloatArray, s: FloatArray, u_c: float, p: WaistParams) -> tuple[FloatArray, FloatArray]:
    """Vote accumulator (n_slopes, n_rows): gradient support of each slope and intercept at ``u_c``; and the slopes."""
    n_rows = int(np.nanmax(v)) + 2
    slopes = np.tan(np.radians(np.arange(-p.max_tilt_deg, p.max_tilt_deg + 1e-9, p.tilt_step_deg)))
    keep = s > 0
    u = np.broadcast_to(np.arange(v.shape[1]) + 0.5, v.shape)[keep]
    b = v[keep][None, :] - slopes[:, None] * (u[None, :] - u_c)
    b0 = np.floor(b)
    frac = b - b0
    ok = (b0 >= 0) & (b0 < n_rows - 1)
    idx = np.where(ok, np.arange(slopes.size)[:, None] * n_rows + b0.astype(np.int64), 0)
    w = s[keep][None, :] * ok
    size = slopes.size * n_rows
    acc = np.bincount(idx.ravel(), (w * (1 - frac)).ravel(), minlength=size)
    acc += np.bincount((idx + 1).ravel(), (w * frac).ravel(), minlength=size + 1)[:size]
    return np.asarray(acc, dtype=np.float64).reshape(slopes.size, n_rows), slopes


def _fit(v: FloatArray, s: FloatArray, line: tuple[float, float], u_c: float, p: WaistParams) -> _Line | None:
    """Weighted least-squares refinement of ``(v_c, slope)`` on its inliers (the nearest point per column)."""
    v_c, slope = line
    u = np.arange(v.shape[1]) + 0.5 - u_c
    cols = np.arange(v.shape[1])
    for _ in range(3):
        res = np.abs(v - (v_c + slope * u))
        best = np.nanargmin(np.where(np.isnan(res), np.inf, res), axis=0)
        r = res[best, cols]
        sel = r <= p.inlier_px
        n = int(sel.sum())
        if n < 3:
            return None
        w, x, y = np.sqrt(s[best, cols][sel]), u[sel], v[best, cols][sel]
        sw, sx, sy = w.sum(), (w * x).sum(), (w * y).sum()
        sxx, sxy = (w * x * x).sum(), (w * x * y).sum()
        det = sw * sxx - sx * sx
        if det <= 0:
            return None
        slope = (sw * sxy - sx * sy) / det
        v_c = (sy - slope * sx) / sw
    res_in = y - (v_c + slope * x)
    return _Line(u_c, float(v_c), float(slope), n / v.shape[1], float(np.sqrt(np.mean(res_in**2))))


def _peaks(acc: FloatArray, n: int) -> list[tuple[int, int]]:
    """The ``n`` strongest accumulator cells, suppressing ±3 intercept bins around each chosen one."""
    a = acc.copy()
    out = []
    for _ in range(n):
        i, j = np.unravel_index(int(np.argmax(a)), a.shape)
        if a[i, j] <= 0:
            break
        out.append((int(i), int(j)))
        a[:, max(0, j - 3) : j + 4] = 0.0
    return out


def _choose(lines: list[_Line], prev_v: float | None, band: float) -> _Line | None:
    """The best-supported line; with a previous position, the best one near it when it is nearly as good."""
    good = [ln for ln in lines if ln is not None]
    if not good:
        return None
    best = max(good, key=lambda ln: ln.support)
    if prev_v is None:
        return best
    near = [ln for ln in good if abs(ln.v_c - prev_v) <= band and ln.support >= 0.7 * best.support]
    return max(near, key=lambda ln: ln.support) if near else best


def _detect(crop: NDArray[np.float32], prev_v: float | None, band: float, p: WaistParams) -> _Line | None:
    """The waistline of a working crop, or None."""
    v, s = _edge_points(crop, p)
    if np.count_nonzero(s) < 3:
        return None
    u_c = 0.5 * crop.shape[1]
    acc, slopes = _hough(v, s, u_c, p)
    cand = [_fit(v, s, (float(j), float(slopes[i])), u_c, p) for i, j in _peaks(acc, 4)]
    ok = [ln for ln in cand if ln is not None and ln.support >= p.min_support and ln.rms <= p.max_rms_px]
    line = _choose(ok, prev_v, band)
    if line is None:
        return None
    twin = [ln for ln in ok if ln is not line and abs(ln.v_c - line.v_c) > 2.0 * p.inlier_px
            and ln.support >= p.second_edge_ratio * line.support
            and abs(math.atan(ln.slope) - math.atan(line.slope)) < math.radians(2.0)]  # fmt: skip
    if twin:
        other = max(twin, key=lambda ln: ln.support)
        slope = (line.slope * line.support + other.slope * other.support) / (line.support + other.support)
        line = _Line(line.u_c, line.v_c, slope, line.support, line.rms)
    return line


def find_waistline(
    image_bgr: NDArray[np.uint8],
    xy_px: FloatArray,
    *,
    prev: FloatArray | None = None,
    params: WaistParams | None = None,
) -> FloatArray:
    """The visible waistline of the person whose landmarks are ``xy_px``.

    Args:
        image_bgr: (H, W, 3) upright, unmirrored BGR uint8 frame.
        xy_px: (33, 2) the person's landmarks in pixels of this frame (y down);
            the hips (and shoulders, when present) place the search window.
        prev: optional (2, 2) waistline of a recent frame (this function's
            output); among nearly equally supported edges, the one nearest it wins.
        params: tuning constants (defaults: :class:`WaistParams`).

    Returns:
        (2, 2) float: row 0 = ``(x_L, y)`` on the line at the person's **left**
        hip abscissa ``x_L = xy_px[L_HIP, 0]``, row 1 = ``(x_R, y)`` at the right
        one; all NaN when no reliable line is found.

    Convention:
        Pixels, origin at the top-left pixel corner, x right, y down. The
        obliquity of the two points ``atan2(y_R − y_L, |x_L − x_R|)`` is
        positive when the left side is higher.
    """
    p = params or WaistParams()
    xy = np.asarray(xy_px, dtype=np.float64)
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or xy.shape[-2:] != (33, 2):
        raise ValueError(f"expected an (H, W, 3) image and (33, 2) landmarks, got {image_bgr.shape}, {xy.shape}")
    win = _window(xy, (image_bgr.shape[0], image_bgr.shape[1]), p)
    if win is None:
        return NAN_LINE.copy()
    crop = image_bgr[win.y0 : win.y1, win.x0 : win.x1].astype(np.float32)
    if win.sx < 1.0:
        size = (max(8, round(crop.shape[1] * win.sx)), max(8, round(crop.shape[0] * win.sy)))
        crop = np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), dtype=np.float32)
        win = _Window(win.x0, win.y0, win.x1, win.y1, size[0] / (win.x1 - win.x0), size[1] / (win.y1 - win.y0))
    prev_v = None
    if prev is not None and np.all(np.isfinite(prev)):
        prev_v = (float(np.mean(prev[:, 1])) - win.y0) * win.sy
    hip_w_work = abs(xy[L_HIP, 0] - xy[R_HIP, 0]) * win.sx
    line = _detect(crop, prev_v, p.prev_band * hip_w_work, p)
    if line is None:
        return NAN_LINE.copy()
    xs = xy[[L_HIP, R_HIP], 0]
    vs = line.v_c + line.slope * ((xs - win.x0) * win.sx - line.u_c)
    return np.stack([xs, win.y0 + vs / win.sy], axis=1)


def waistline_series(
    frames: Iterable[_FrameLike],
    xy_px: FloatArray,
    frame_index: NDArray[np.integer],
    *,
    params: WaistParams | None = None,
) -> FloatArray:
    """:func:`find_waistline` over a clip.

    Args:
        frames: frames with ``.index`` (decoded frame number) and ``.image``
            (upright BGR uint8), e.g. :func:`hipcheck.video.open_source`.
            Frames whose index is not in ``frame_index`` are skipped.
        xy_px: (T, 33, 2) landmarks in pixels, one row per ``frame_index``.
        frame_index: (T,) frame number of each landmark row.
        params: tuning constants.

    Returns:
        (T, 2, 2) waistline points per row (person's left first), NaN where
        no line (or no frame) — the layout of ``PoseSeries.waist_px``.
    """
    xy = np.asarray(xy_px, dtype=np.float64)
    idx = np.asarray(frame_index)
    if xy.ndim != 3 or xy.shape[1:] != (33, 2) or idx.shape != (xy.shape[0],):
        raise ValueError(f"expected xy_px (T, 33, 2) and frame_index (T,), got {xy.shape}, {idx.shape}")
    row_of = {int(f): i for i, f in enumerate(idx)}
    out = np.full((xy.shape[0], 2, 2), np.nan)
    prev: FloatArray | None = None
    for frame in frames:
        i = row_of.get(int(frame.index))
        if i is None:
            continue
        out[i] = find_waistline(frame.image, xy[i], prev=prev, params=params)
        if np.all(np.isfinite(out[i])):
            prev = out[i]
    return out
