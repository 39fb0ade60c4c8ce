"""Undoing camera roll, so that angles against the horizontal and the vertical are true.

Roll convention (used everywhere in hipcheck)
---------------------------------------------
``roll_deg`` is the angle, in degrees, at which a **true horizontal** line of
the scene (the floor line) is drawn in the image, measured in image
coordinates (x right, y **down**): **positive = the horizontal descends
toward the image right** (its right end is lower on screen). Equivalently the
picture is the level picture rotated by ``roll_deg`` about the image centre
with the matrix ``[[cos r, -sin r], [sin r, cos r]]`` acting on (x, y-down)
offsets. :func:`derotate_xy` applies the inverse rotation, after which the
floor is horizontal and angles against the vertical/horizontal are true.
"""

from __future__ import annotations

import math

import numpy as np

from hipcheck.analysis.geometry._checks import points
from hipcheck.types import FloatArray


def _rotation(roll_deg: float) -> FloatArray:
    """The 2-D matrix that turns level offsets (x right, y down) into offsets under ``-roll_deg``."""
    r = -math.radians(roll_deg)
    return np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]])


def derotate_xy(*, xy_px: FloatArray, roll_deg: float, resolution_wh: tuple[int, int]) -> FloatArray:
    """Undo camera roll: rotate image points by ``-roll_deg`` about the image centre.

    Convention:
        Pixels, x right, y down. ``roll_deg`` as in the module doc (+ = a true
        horizontal descends toward the image right). NaN stays NaN.

    Args:
        xy_px: (..., 2) points in pixels.
        roll_deg: camera roll in degrees (finite).
        resolution_wh: (width, height) of the frame in pixels.

    Returns:
        New (..., 2) array of level-frame pixel coordinates.
    """
    arr = points("xy_px", xy_px)
    if not math.isfinite(roll_deg):
        raise ValueError(f"roll_deg: expected a finite angle in degrees, got {roll_deg}")
    if len(resolution_wh) != 2 or min(resolution_wh) <= 0:
        raise ValueError(f"resolution_wh: expected (width, height) > 0, got {resolution_wh}")
    centre = np.array([resolution_wh[0] / 2.0, resolution_wh[1] / 2.0])
    out: FloatArray = (arr - centre) @ _rotation(roll_deg).T + centre
    return out


def derotate_world_m(*, xyz_world_m: FloatArray, roll_deg: float) -> FloatArray:
    """Undo camera roll on world landmarks: their x–y (x image right, y down) turned by ``-roll_deg``.

    Convention:
        Metres, hip-centred (the rotation is about the origin); z is unchanged. NaN stays NaN.
    """
    world = points("xyz_world_m", xyz_world_m, 3)
    out = world.copy()
    out[..., :2] = world[..., :2] @ _rotation(roll_deg).T
    return out
