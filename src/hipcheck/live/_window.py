"""The ``hipcheck live`` window: a thin OpenCV app (the only place with imshow/waitKey).

:func:`draw_live_frame` composes what the window shows (pure: image in, image
out): the **mirrored** preview (a selfie view, display only), the skeleton,
the prompt, the countdown / rep counter / hold timer, the live readouts
coloured by band, and during framing the checks and a camera-level gauge.
Labels say the subject's anatomical sides.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from hipcheck.landmarks import LEFT_RIGHT_PAIRS, SKELETON_EDGES, mirror_x_px
from hipcheck.live._features import Readouts
from hipcheck.live._protocol import LiveStatus, Phase
from hipcheck.live._workers import PoseLike
from hipcheck.render import BAND_BGR, BGR, GREEN, LEFT_BGR, RIGHT_BGR

CENTRE_BGR: BGR = (230, 230, 230)
PROMPT_BGR: BGR = (255, 255, 255)
WARN_BGR: BGR = (0, 220, 255)
FONT = cv2.FONT_HERSHEY_SIMPLEX
_LEFT_IDS = frozenset(left for left, _ in LEFT_RIGHT_PAIRS)
_RIGHT_IDS = frozenset(right for _, right in LEFT_RIGHT_PAIRS)
_KEYMAP = {32: "space", ord("n"): "n", ord("r"): "r", ord("q"): "q", 27: "q"}


def mirror_points(xy_px: NDArray[np.float64], width: int) -> NDArray[np.float64]:
    """Mirror (N, 2) pixel points horizontally (:func:`~hipcheck.landmarks.mirror_x_px`) for the mirrored display."""
    out = np.array(xy_px, dtype=np.float64, copy=True)
    out[:, 0] = mirror_x_px(out[:, 0], width)
    return out


def _text(img: NDArray[np.uint8], text: str, org: tuple[int, int], scale: float, color: BGR, *, thick: int = 2) -> None:
    cv2.putText(img, text, org, FONT, scale, (0, 0, 0), thick + 3, cv2.LINE_AA)
    cv2.putText(img, text, org, FONT, scale, color, thick, cv2.LINE_AA)


def _bone_color(a: int, b: int) -> BGR:
    if a in _LEFT_IDS and b in _LEFT_IDS:
        return LEFT_BGR
    if a in _RIGHT_IDS and b in _RIGHT_IDS:
        return RIGHT_BGR
    return CENTRE_BGR


def draw_skeleton(img: NDArray[np.uint8], xy_px: NDArray[np.float64], visibility: NDArray[np.float64], *,
                  min_visibility: float = 0.3, thickness: int = 3) -> None:  # fmt: skip
    """Draw bones and joints in place (points already in display coordinates)."""
    pts = np.round(np.nan_to_num(xy_px, nan=-1e4)).astype(int)
    vis = np.nan_to_num(visibility, nan=0.0)
    for a, b in SKELETON_EDGES:
        if vis[a] >= min_visibility and vis[b] >= min_visibility:
            cv2.line(img, tuple(pts[a]), tuple(pts[b]), _bone_color(a, b), thickness, cv2.LINE_AA)
    for i in range(11, len(pts)):
        if vis[i] >= min_visibility:
            cv2.circle(img, tuple(pts[i]), thickness + 2, (255, 255, 255), -1, cv2.LINE_AA)


def _banner(img: NDArray[np.uint8], status: LiveStatus, s: float) -> None:
    bar = int(90 * s)
    img[:bar] = cv2.convertScaleAbs(img[:bar], alpha=0.4)
    step = f"Step {min(status.step_index + 1, status.n_steps)}/{status.n_steps}" if status.step else ""
    if status.phase is Phase.FRAMING:
        step = "Framing"
    _text(img, step, (int(12 * s), int(32 * s)), 0.8 * s, (200, 200, 200))
    _text(img, status.prompt, (int(12 * s), int(74 * s)), 1.0 * s, PROMPT_BGR)


def _progress(img: NDArray[np.uint8], status: LiveStatus, s: float) -> None:
    h, w = img.shape[:2]
    step = status.step
    if status.phase is Phase.COUNTDOWN and step is not None:
        n = str(max(1, math.ceil(status.countdown_left_s)))
        _text(img, n, (w // 2 - int(40 * s), h // 2 + int(40 * s)), 4.0 * s, WARN_BGR, thick=max(int(8 * s), 1))
        return
    if status.phase not in (Phase.ACTIVE, Phase.PAUSED) or step is None:
        return
    if step.kind == "reps":
        txt = f"Reps {status.reps}/{step.target_reps}"
    else:
        txt = f"Hold {status.hold_s:4.1f}/{step.hold_s:.0f} s"
    _text(img, txt, (w - int(330 * s), int(140 * s)), 1.2 * s, (255, 255, 255), thick=3)


def _readouts(img: NDArray[np.uint8], r: Readouts, s: float) -> None:
    h = img.shape[0]
    bands = r.bands()
    pelvis = f"Pelvic drop ({r.stance[0].upper()} leg)" if r.stance else "Pelvic tilt"
    rows = [(pelvis, r.pelvic_drop_deg, bands["pelvic_drop_deg"]),
            ("Knee FPPA L", r.fppa_left_deg, bands["fppa_left_deg"]),
            ("Knee FPPA R", r.fppa_right_deg, bands["fppa_right_deg"])]  # fmt: skip
    for i, (name, value, b) in enumerate(rows):
        val = "  --" if math.isnan(value) else f"{value:+5.1f} deg"
        _text(img, f"{name} {val}", (int(12 * s), h - int((20 + 34 * (2 - i)) * s)), 0.8 * s, BAND_BGR[b])


def _framing(img: NDArray[np.uint8], status: LiveStatus, s: float) -> None:
    h, w = img.shape[:2]
    f = status.framing
    msgs = status.messages if f is None or not f.ok else ("Good - hold still",)
    color = GREEN if f is not None and f.ok else WARN_BGR
    for i, m in enumerate(msgs):
        _text(img, m, (int(12 * s), int((130 + 36 * i) * s)), 0.9 * s, color)
    if f is not None and not math.isnan(f.roll_deg):
        # The feet line as seen in the mirrored display: roll (+ = descends to
        # the right in the camera image) descends to the left once mirrored.
        cx, cy, half = w // 2, h - int(40 * s), int(80 * s)
        dy = round(half * math.tan(math.radians(f.roll_deg)))
        ok = abs(f.roll_deg) <= 5.0
        cv2.line(img, (cx - half, cy + dy), (cx + half, cy - dy), GREEN if ok else WARN_BGR, 3, cv2.LINE_AA)
        cv2.line(img, (cx - half, cy), (cx + half, cy), (200, 200, 200), 1, cv2.LINE_AA)
        _text(
            img,
            f"level {f.roll_deg:+.1f}",
            (cx + half + int(8 * s), cy + int(8 * s)),
            0.6 * s,
            (220, 220, 220),
            thick=1,
        )


def draw_live_frame(
    image_bgr: NDArray[np.uint8], pose: PoseLike | None, status: LiveStatus, readouts: Readouts, *, max_width: int = 960
) -> NDArray[np.uint8]:
    """The window's picture: mirrored ``image_bgr`` with skeleton, prompt, counters and readouts.

    Args:
        image_bgr: the unmirrored camera frame (not modified).
        pose: object with ``xy_px`` (33, 2) and ``visibility`` (33,) in the
            unmirrored frame's pixels, or None.
        status: the protocol's status now.
        readouts: the smoothed live angles.
        max_width: wider frames are shown scaled down to this width (drawing
            cost grows with the pixel count; the window is resizable).

    Returns:
        A new BGR image: the frame mirrored, at most ``max_width`` wide, same aspect.
    """
    h0, w0 = image_bgr.shape[:2]
    k = min(1.0, max_width / w0)
    small = image_bgr
    if k < 1.0:
        small = np.asarray(cv2.resize(image_bgr, (round(w0 * k), round(h0 * k))), dtype=np.uint8)
    img: NDArray[np.uint8] = np.asarray(cv2.flip(small, 1), dtype=np.uint8)
    h, w = img.shape[:2]
    s = max(h / 720.0, 0.5)
    if pose is not None:
        xy = mirror_points(np.asarray(pose.xy_px, dtype=np.float64) * k, w)
        draw_skeleton(img, xy, np.asarray(pose.visibility), thickness=max(2, int(3 * s)))
    _banner(img, status, s)
    if status.phase is Phase.FRAMING:
        _framing(img, status, s)
    else:
        _progress(img, status, s)
        _readouts(img, readouts, s)
    return img


class LiveWindow:
    """An OpenCV window showing :func:`draw_live_frame`; keys map to ``live.KEYS``.

    Closing the window counts as ``q``. :attr:`last_frame` keeps the last
    picture shown (for tests and screenshots).
    """

    def __init__(self, title: str = "hipcheck live") -> None:
        """Args: title: the window title."""
        self.title = title
        self.last_frame: NDArray[np.uint8] | None = None
        self._opened = False

    def show(
        self, image_bgr: NDArray[np.uint8], pose: PoseLike | None, status: LiveStatus, readouts: Readouts
    ) -> str | None:
        """Draw and show one frame; returns the key pressed (``space``/``n``/``r``/``q``) or None."""
        frame = draw_live_frame(image_bgr, pose, status, readouts)
        if not self._opened:
            cv2.namedWindow(self.title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO)
            cv2.resizeWindow(self.title, frame.shape[1], frame.shape[0])
            self._opened = True
        cv2.imshow(self.title, frame)
        self.last_frame = frame
        code = cv2.waitKey(1)
        if code >= 0:
            return _KEYMAP.get(code & 0xFF)
        if cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1:
            return "q"
        return None

    def close(self) -> None:
        """Close the window (safe to call twice)."""
        if self._opened:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
            self._opened = False
