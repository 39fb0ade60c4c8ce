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
   is shrunk by the integer factor that brings ``W`` nearest
   :attr:`WaistParams.work_hip_px` pixels (speed; sub-pixel accuracy is kept).
2. The vertical colour gradient (Sobel-y on each BGR channel, combined as the
   vector norm) where it dominates the horizontal one (near-horizontal edges
   only); per column the strongest local maxima, refined to sub-pixel rows by
   a parabola through the peak.
3. A Hough vote over gently bent lines ``v = a + b·du + c·du²`` (``du`` =
   column − hip midpoint; |tilt| ≤ ``max_tilt_deg``, bend ≤ ``max_sag·W`` at
   the ends: waistbands curve with the pelvis tipped forward or seen from
   above) picks the candidates with the most gradient support; a weighted
   least-squares fit on their inliers (the nearest edge point per column)
   refines them. The chord between the two hip abscissae, which are
   symmetric about the midpoint, has slope ``b`` whatever the bend.
4. A candidate is accepted only with enough support on both sides of the
   midpoint, small residuals, a plausible tilt (also against the hip-landmark
   line) and bend. The best one wins (with ``prev``, the one near the previous
   line when nearly as good); a second, parallel edge (the other side of a
   waistband) refines its slope when present. It is evaluated at the two
   hip landmarks' abscissae.

Over a clip (:func:`waistline_series`), lines that are isolated in time or
disagree with their neighbours are dropped (:func:`drop_waistline_outliers`).

What it reads is the visible edge: a loose, untucked shirt hem is read as
readily as a waistband (its swing is not the pelvis), and a patterned shirt
over dark trousers gives no line at all. Fitted clothing with a contrasting
waistband or belt is what the capture advice asks for.

Conventions: pixels of the given upright frame, origin at the top-left pixel
corner (pixel ``(i, j)`` has its centre at ``x = j + 0.5, y = i + 0.5``), x
right, y down. Row 0 of the result is on the person's **left** side (at
``x_L = xy_px[L_HIP, 0]``), row 1 on the right. The obliquity of the two
points, ``atan2(y_R − y_L, |x_L − x_R|)``, is positive when the left side is
higher (:func:`hipcheck.analysis.geometry.pelvic_obliquity_deg`). No line → all NaN.
Assumes a front or back view with a roughly upright trunk.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from hipcheck.io import Frame
from hipcheck.landmarks import L_HIP, L_SHOULDER, R_HIP, R_SHOULDER
from hipcheck.types import FloatArray


@dataclass(frozen=True)
class WaistParams:
    """Tuning constants of :func:`find_waistline` (lengths in hip widths ``W`` unless stated).

    Attributes:
        span: half-width of the searched columns about the hip midpoint.
        above: the window starts this far above the hip line ...
        above_torso: ... but at most this fraction of the hip–shoulder distance above it.
        below: the window ends this far below the hip line.
        work_hip_px: the crop is shrunk by the integer factor that brings ``W`` nearest this many pixels.
        min_hip_px: narrower hips (side view, far away) give no line.
        min_width_ratio: hip width / hip–shoulder distance below this (side view) gives no line.
        min_contrast: smallest accepted edge, as the norm of the BGR step (0–441).
        peaks_per_column: strongest edges kept per column.
        max_tilt_deg: steepest accepted line, degrees from horizontal.
        max_tilt_vs_hips_deg: largest accepted angle between the line and the hip-landmark line
            (the landmarks under-read a pelvic drop, but not by this much: a forearm across the belly).
        tilt_step_deg: slope resolution of the Hough vote.
        max_sag: largest bend of the curve, in ``W``, at the ends of the searched columns
            (waistbands curve seen from above or below, or with the pelvis tipped forward).
        n_sag: curvatures of the Hough vote, from ``-max_sag`` to ``max_sag``.
        inlier_px: inlier distance in working pixels.
        min_support: least fraction of the searched columns on the line.
        min_half_support: least fraction on each side of the midpoint.
        max_rms_px: largest RMS residual of the inliers, working pixels.
        second_edge_ratio: a parallel edge counts when its support is at least this fraction ...
        twin_tilt_deg: ... and its tilt within this many degrees; the two tilts are averaged.
        prev_band: with ``prev``, lines farther than this from it (mid-height) lose.
        outlier_rows, outlier_min_neighbours, outlier_tilt_deg, outlier_height: see
            :func:`drop_waistline_outliers`.
    """

    span: float = 0.75
    above: float = 1.3
    above_torso: float = 0.6
    below: float = 0.3
    work_hip_px: float = 80.0
    min_hip_px: float = 10.0
    min_width_ratio: float = 0.25
    min_contrast: float = 25.0
    peaks_per_column: int = 3
    max_tilt_deg: float = 25.0
    max_tilt_vs_hips_deg: float = 12.0
    tilt_step_deg: float = 1.0
    max_sag: float = 0.16
    n_sag: int = 5
    inlier_px: float = 1.5
    min_support: float = 0.5
    min_half_support: float = 0.4
    max_rms_px: float = 0.8
    second_edge_ratio: float = 0.5
    twin_tilt_deg: float = 2.0
    prev_band: float = 0.15
    outlier_rows: int = 7
    outlier_min_neighbours: int = 3
    outlier_tilt_deg: float = 4.0
    outlier_height: float = 0.2


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
class _Curve:
    """``v = a + b·du + c·du²`` in working pixels, ``du`` = column centre − hip midpoint.

    ``support``: fraction of the columns with an inlier edge point; ``support_halves``: the same
    on the left and right of the midpoint (image sides); ``rms``: RMS residual of the inliers.
    """

    coef: FloatArray
    support: float
    support_halves: tuple[float, float]
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
    k = max(1, round(hip_w / p.work_hip_px))  # integer decimation (fast, exact pixel geometry)
    x1, y1 = x0 + (x1 - x0) // k * k, y0 + (y1 - y0) // k * k
    if x1 - x0 < 8 * k or y1 - y0 < 8 * k:
        return None
    return _Window(x0, y0, x1, y1, 1.0 / k, 1.0 / k)


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
    r, q = np.nonzero((c > mag[:-2]) & (c >= mag[2:]) & (c >= p.min_contrast))
    r = r + 1
    strength = mag[r, q]
    order = np.lexsort((-strength, q))  # by column, strongest first
    r, q, strength = r[order], q[order], strength[order]
    rank = np.arange(q.size) - np.searchsorted(q, q)  # 0 for the strongest of its column
    keep = rank < p.peaks_per_column
    r, q, strength, rank = r[keep], q[keep], strength[keep], rank[keep]
    m0, m1, m2 = mag[r - 1, q], strength, mag[r + 1, q]
    den = m0 - 2.0 * m1 + m2
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(den < 0, 0.5 * (m0 - m2) / den, 0.0)
    v = np.full((p.peaks_per_column, mag.shape[1]), np.nan)
    s = np.zeros_like(v)
    v[rank, q] = r + 0.5 + np.clip(d, -0.5, 0.5)
    s[rank, q] = strength
    return v, s


def _models(p: WaistParams, half_span: float, hip_w: float) -> tuple[FloatArray, FloatArray]:
    """The Hough grid: slopes (tan of the tilts) and curvatures (working px⁻¹)."""
    slopes = np.tan(np.radians(np.arange(-p.max_tilt_deg, p.max_tilt_deg + 1e-9, p.tilt_step_deg)))
    curvs = np.linspace(-p.max_sag, p.max_sag, p.n_sag) * hip_w / half_span**2
    return slopes, curvs


def _hough(v: FloatArray, s: FloatArray, du: FloatArray, slopes: FloatArray, curvs: FloatArray) -> FloatArray:
    """Vote accumulator (n_curvs, n_slopes, n_rows): gradient support of each curve ``v = a + b·du + c·du²``.

    The edge points of every other column vote, each for the nearest integer intercept ``a``
    (row at the hip midpoint) of every (c, b); the votes are then spread over ±1 row.
    """
    n_rows = int(np.nanmax(v)) + 3
    sub = s[:, ::2]
    keep = sub > 0
    x = np.broadcast_to(du[::2], sub.shape)[keep].astype(np.float32)
    base = v[:, ::2][keep].astype(np.float32)[None, :] - curvs.astype(np.float32)[:, None] * (x * x)[None, :]
    a = np.rint(base[:, None, :] - slopes.astype(np.float32)[None, :, None] * x[None, None, :]).astype(np.int64)
    ok = (a >= 0) & (a < n_rows)
    models = np.arange(curvs.size * slopes.size).reshape(curvs.size, slopes.size, 1)
    idx = (models * n_rows + np.where(ok, a, 0)).ravel()
    size = curvs.size * slopes.size * n_rows
    votes = np.bincount(idx, (sub[keep] * ok).ravel(), minlength=size)
    acc: FloatArray = np.asarray(votes, dtype=np.float64).reshape(curvs.size, slopes.size, n_rows)
    out = acc.copy()
    out[..., 1:] += 0.5 * acc[..., :-1]
    out[..., :-1] += 0.5 * acc[..., 1:]
    return out


def _fit(v: FloatArray, s: FloatArray, du: FloatArray, start: FloatArray, p: WaistParams) -> _Curve | None:
    """Weighted least-squares refinement of the curve ``start = (a, b, c)`` on its inliers.

    The inliers are, per column, the edge point nearest the curve when within ``inlier_px``.
    """
    coef = start
    cols = np.arange(v.shape[1])
    design = np.stack([np.ones_like(du), du, du * du], axis=1)
    for _ in range(2):
        res = np.abs(v - design @ coef)
        best = np.argmin(np.where(np.isnan(res), np.inf, res), axis=0)
        sel = res[best, cols] <= p.inlier_px
        if sel.sum() < 6:
            return None
        w = s[best, cols][sel]
        dw = design[sel] * w[:, None]
        gram = dw.T @ design[sel]
        if abs(np.linalg.det(gram)) < 1e-9:
            return None
        coef = np.linalg.solve(gram, dw.T @ v[best, cols][sel])
    res_in = v[best, cols][sel] - design[sel] @ coef
    left, right = sel[du < 0], sel[du >= 0]
    return _Curve(
        coef=coef,
        support=float(sel.mean()),
        support_halves=(float(left.mean()) if left.size else 0.0, float(right.mean()) if right.size else 0.0),
        rms=float(np.sqrt(np.mean(res_in**2))),
    )


def _peaks(acc: FloatArray, n: int) -> list[tuple[int, int, int]]:
    """The ``n`` strongest accumulator cells, suppressing ±3 intercept rows around each chosen one."""
    a = acc.copy()
    out = []
    for _ in range(n):
        i, j, k = np.unravel_index(int(np.argmax(a)), a.shape)
        if a[i, j, k] <= 0:
            break
        out.append((int(i), int(j), int(k)))
        a[:, :, max(0, k - 3) : k + 4] = 0.0
    return out


def _choose(curves: list[_Curve], prev_v: float | None, band: float) -> _Curve | None:
    """The best-supported curve; with a previous position, the best one near it when it is nearly as good."""
    if not curves:
        return None
    best = max(curves, key=lambda cv: cv.support)
    if prev_v is None:
        return best
    near = [cv for cv in curves if abs(cv.coef[0] - prev_v) <= band and cv.support >= 0.9 * best.support]
    return max(near, key=lambda cv: cv.support) if near else best


def _acceptable(cv: _Curve | None, max_c: float, hip_tilt_deg: float, p: WaistParams) -> bool:
    """Enough balanced support, small residuals, a plausible tilt (also against the hip line) and bend."""
    if cv is None:
        return False
    tilt = math.degrees(math.atan(cv.coef[1]))
    return (
        cv.support >= p.min_support
        and min(cv.support_halves) >= p.min_half_support
        and cv.rms <= p.max_rms_px
        and abs(tilt) <= p.max_tilt_deg
        and abs(tilt - hip_tilt_deg) <= p.max_tilt_vs_hips_deg
        and abs(cv.coef[2]) <= max_c
    )


def _detect(
    crop: NDArray[np.float32], *, u_c: float, hip_w: float, hip_tilt_deg: float, prev_v: float | None, p: WaistParams
) -> _Curve | None:
    """The waistline of a working crop, or None.

    Lengths in working pixels; ``hip_tilt_deg`` is the image tilt of the hip-landmark line.
    """
    v, s = _edge_points(crop, p)
    if np.count_nonzero(s) < 6:
        return None
    du = np.arange(v.shape[1], dtype=np.float64) + (0.5 - u_c)
    half_span = max(float(np.abs(du).max()), 1.0)
    slopes, curvs = _models(p, half_span, hip_w)
    acc = _hough(v, s, du, slopes, curvs)
    max_c = 1.5 * float(np.abs(curvs).max())
    fits = [_fit(v, s, du, np.array([k, slopes[j], curvs[i]], dtype=float), p) for i, j, k in _peaks(acc, 3)]
    ok = [cv for cv in fits if cv is not None and _acceptable(cv, max_c, hip_tilt_deg, p)]
    curve = _choose(ok, prev_v, p.prev_band * hip_w)
    if curve is None:
        return None
    twins = [
        cv for cv in ok
        if cv is not curve and abs(cv.coef[0] - curve.coef[0]) > 2.0 * p.inlier_px
        and cv.support >= p.second_edge_ratio * curve.support
        and abs(math.atan(cv.coef[1]) - math.atan(curve.coef[1])) < math.radians(p.twin_tilt_deg)
    ]  # fmt: skip
    if twins:
        other = max(twins, key=lambda cv: cv.support)
        b = (curve.coef[1] * curve.support + other.coef[1] * other.support) / (curve.support + other.support)
        curve = _Curve(np.array([curve.coef[0], b, curve.coef[2]]), curve.support, curve.support_halves, curve.rms)
    return curve


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
    crop_u8 = image_bgr[win.y0 : win.y1, win.x0 : win.x1]
    if win.sx < 1.0:
        size = (round((win.x1 - win.x0) * win.sx), round((win.y1 - win.y0) * win.sy))
        crop_u8 = np.asarray(cv2.resize(np.ascontiguousarray(crop_u8), size, interpolation=cv2.INTER_AREA), np.uint8)
    crop = np.asarray(crop_u8, dtype=np.float32)
    prev_v = None
    if prev is not None and np.all(np.isfinite(prev)):
        prev_v = (float(np.mean(prev[:, 1])) - win.y0) * win.sy
    xs = xy[[L_HIP, R_HIP], 0]
    u_c = (0.5 * float(xs.sum()) - win.x0) * win.sx
    hips = xy[[L_HIP, R_HIP]]
    hip_tilt_deg = math.degrees(math.atan((hips[0, 1] - hips[1, 1]) / (hips[0, 0] - hips[1, 0])))
    hip_w = abs(float(xs[0] - xs[1])) * win.sx
    curve = _detect(crop, u_c=u_c, hip_w=hip_w, hip_tilt_deg=hip_tilt_deg, prev_v=prev_v, p=p)
    if curve is None:
        return NAN_LINE.copy()
    du = (xs - win.x0) * win.sx - u_c
    vs = curve.coef[0] + curve.coef[1] * du + curve.coef[2] * du * du
    return np.stack([xs, win.y0 + vs / win.sy], axis=1)


class WaistlineTracker:
    """:func:`find_waistline` frame by frame over a clip, each frame's ``prev`` the last line found.

    For streaming: feed the frames in order with :meth:`add`, then :meth:`result`.
    :func:`waistline_series` is this over a whole frame stream.

    Args:
        n_rows: expected rows of the result (the array grows if more come).
        params: tuning constants.
    """

    def __init__(self, n_rows: int = 0, *, params: WaistParams | None = None) -> None:
        self.params = params
        self._out = np.full((max(16, n_rows), 2, 2), np.nan)
        self._prev: FloatArray | None = None

    def add(self, row: int, image_bgr: NDArray[np.uint8], xy_px: FloatArray) -> FloatArray:
        """The waistline of landmark row ``row`` in this frame ((33, 2) px landmarks); stored and returned."""
        line = find_waistline(image_bgr, xy_px, prev=self._prev, params=self.params)
        if row >= self._out.shape[0]:
            grown = np.full((max(2 * self._out.shape[0], row + 1), 2, 2), np.nan)
            grown[: self._out.shape[0]] = self._out
            self._out = grown
        self._out[row] = line
        if np.all(np.isfinite(line)):
            self._prev = line
        return line

    def result(self, xy_px: FloatArray, *, drop_outliers: bool = True) -> FloatArray:
        """(T, 2, 2) lines of the T rows of ``xy_px`` ((T, 33, 2) px), NaN where none; with
        ``drop_outliers`` the rows that disagree with their neighbours blanked (:func:`drop_waistline_outliers`).
        """
        t = xy_px.shape[0]
        out = np.full((t, 2, 2), np.nan)
        n = min(t, self._out.shape[0])
        out[:n] = self._out[:n]
        return drop_waistline_outliers(out, xy_px, params=self.params) if drop_outliers else out


def waistline_series(
    frames: Iterable[Frame],
    xy_px: FloatArray,
    frame_index: NDArray[np.integer],
    *,
    params: WaistParams | None = None,
    drop_outliers: bool = True,
) -> FloatArray:
    """:func:`find_waistline` over a clip (each frame's ``prev`` is the last line found).

    Args:
        frames: frames with ``.index`` (decoded frame number) and ``.image``
            (upright BGR uint8), e.g. :func:`hipcheck.io.open_source`.
            Frames whose index is not in ``frame_index`` are skipped.
        xy_px: (T, 33, 2) landmarks in pixels, one row per ``frame_index``.
        frame_index: (T,) frame number of each landmark row.
        params: tuning constants.
        drop_outliers: blank the rows that disagree with their neighbours
            (:func:`drop_waistline_outliers`).

    Returns:
        (T, 2, 2) waistline points per row (person's left first), NaN where
        no line (or no frame) — the layout of ``PoseSeries.waist_px``.
    """
    xy = np.asarray(xy_px, dtype=np.float64)
    idx = np.asarray(frame_index)
    if xy.ndim != 3 or xy.shape[1:] != (33, 2) or idx.shape != (xy.shape[0],):
        raise ValueError(f"expected xy_px (T, 33, 2) and frame_index (T,), got {xy.shape}, {idx.shape}")
    row_of = {int(f): i for i, f in enumerate(idx)}
    tracker = WaistlineTracker(xy.shape[0], params=params)
    for frame in frames:
        i = row_of.get(int(frame.index))
        if i is not None:
            tracker.add(i, frame.image, xy[i])
    return tracker.result(xy, drop_outliers=drop_outliers)


def _tilt_and_height(waist_px: FloatArray, xy_px: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per row: the line's image tilt (degrees, atan of dy/dx) and its height above the hip line in hip widths."""
    d = waist_px[:, 0] - waist_px[:, 1]
    hips = xy_px[:, [L_HIP, R_HIP]]
    with np.errstate(invalid="ignore", divide="ignore"):
        tilt = np.degrees(np.arctan(d[:, 1] / d[:, 0]))
        height = (hips[:, :, 1].mean(axis=1) - waist_px[:, :, 1].mean(axis=1)) / np.abs(hips[:, 0, 0] - hips[:, 1, 0])
    return tilt, height


def drop_waistline_outliers(
    waist_px: FloatArray, xy_px: FloatArray, *, params: WaistParams | None = None
) -> FloatArray:
    """Blank (NaN) the rows whose waistline is isolated or disagrees with its neighbours in time.

    A row is dropped when fewer than ``outlier_min_neighbours`` other rows
    within ``outlier_rows`` rows have a line, or when, against the median of
    those lines, its image tilt differs by more than ``outlier_tilt_deg`` or its height above
    the hip line by more than ``outlier_height`` hip widths: a forearm, a hem
    or a shadow or print taken for the waistline in a frame or two. A real pelvic drop
    builds up over several frames and passes.

    Args:
        waist_px: (T, 2, 2) waistlines (:func:`waistline_series` layout).
        xy_px: (T, 33, 2) landmarks of the same rows, pixels.
        params: tuning constants.

    Returns:
        (T, 2, 2) copy of ``waist_px`` with the outlying rows NaN.
    """
    p = params or WaistParams()
    waist, xy = np.asarray(waist_px, dtype=np.float64), np.asarray(xy_px, dtype=np.float64)
    if waist.ndim != 3 or waist.shape[1:] != (2, 2) or xy.shape != (waist.shape[0], 33, 2):
        raise ValueError(f"expected waist_px (T, 2, 2) and xy_px (T, 33, 2), got {waist.shape}, {xy.shape}")
    tilt, height = _tilt_and_height(waist, xy)
    ok = np.isfinite(tilt) & np.isfinite(height)
    out = waist.copy()
    k = p.outlier_rows
    for i in (int(r) for r in np.flatnonzero(ok)):
        nb = np.arange(max(0, i - k), min(len(ok), i + k + 1))
        nb = nb[ok[nb] & (nb != i)]
        if nb.size < p.outlier_min_neighbours:  # isolated: nothing to confirm it
            out[i] = np.nan
            continue
        if (
            abs(tilt[i] - np.median(tilt[nb])) > p.outlier_tilt_deg
            or abs(height[i] - np.median(height[nb])) > p.outlier_height
        ):
            out[i] = np.nan
    return out
