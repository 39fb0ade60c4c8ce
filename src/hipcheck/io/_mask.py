"""Pelvis mask of the pose adapter: the box around the pelvis and the person mask resampled into it.

Pure numpy/OpenCV, no MediaPipe. The chosen person's soft mask (0..255) is resampled into an ``M × M`` grid
(``M = MASK_SIZE``) over a square box centred on the hip midpoint (see
:func:`pelvis_box`). Pixels of the upright frame, x right, y down.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from hipcheck.landmarks import L_HIP, L_SHOULDER, R_HIP, R_SHOULDER

MASK_SIZE = 64
"""Side M of the resampled pelvis mask grid."""
PELVIS_BOX_SCALE = 3.0
PELVIS_MIN_TORSO_FRACTION = 0.4


def pelvis_box(xy_px: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """Square box ``x0, y0, x1, y1`` (pixels) around the pelvis, or None if hips/shoulders are missing.

    Centre: hip midpoint. Side: ``3 × max(hip width, 0.4 × torso)`` where hip
    width is the distance between the hip landmarks and torso the distance
    from the hip midpoint to the shoulder midpoint (the torso floor keeps the
    box sensible in side views, where the hips overlap). The hip landmarks are
    joint centres, and the soft-tissue hip outline is about twice their
    distance wide, so a factor 3 leaves background on both sides of the
    lateral hip contours and includes the waistline above them.
    """
    hips = xy_px[[L_HIP, R_HIP]]
    shoulders = xy_px[[L_SHOULDER, R_SHOULDER]]
    if not (np.all(np.isfinite(hips)) and np.all(np.isfinite(shoulders))):
        return None
    centre = hips.mean(axis=0)
    hip_width = float(np.linalg.norm(hips[0] - hips[1]))
    torso = float(np.linalg.norm(shoulders.mean(axis=0) - centre))
    half = 0.5 * PELVIS_BOX_SCALE * max(hip_width, PELVIS_MIN_TORSO_FRACTION * torso)
    if half < 2.0:
        return None
    return np.array([centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half])


def resample_mask(mask01: NDArray[np.float32], box_px: NDArray[np.float64], size: int = MASK_SIZE) -> NDArray[np.uint8]:
    """Resample a full-frame soft mask (values 0..1) into a ``size × size`` uint8 grid over ``box_px``.

    Grid cell (row r, column c) samples the pixel-space point
    ``(x0 + (c + 0.5)·s, y0 + (r + 0.5)·s)`` with ``s = (x1 − x0) / size``
    (bilinear); points outside the frame read 0.
    """
    x0, y0, x1, _ = (float(v) for v in box_px)
    step = (x1 - x0) / size
    # inverse map: mask index = pixel coordinate - 0.5 (pixel centres at i + 0.5)
    inv = np.array([[step, 0.0, x0 + 0.5 * step - 0.5], [0.0, step, y0 + 0.5 * step - 0.5]])
    out = cv2.warpAffine(
        np.ascontiguousarray(mask01, dtype=np.float32),
        inv,
        (size, size),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0.0,
    )
    grid: NDArray[np.uint8] = np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)
    return grid
