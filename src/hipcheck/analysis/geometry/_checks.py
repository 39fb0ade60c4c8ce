"""Input checks shared by the geometry functions (no metrics here).

Every check raises ``ValueError`` with an "expected …, got …" message.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from hipcheck.types import FloatArray, Side


def points(name: str, a: ArrayLike, dim: int = 2) -> FloatArray:
    """``a`` as a float array of ``(..., dim)`` points."""
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim < 1 or arr.shape[-1] != dim:
        raise ValueError(f"{name}: expected shape (..., {dim}), got {arr.shape}")
    return arr


def same_shape(**arrays: FloatArray) -> None:
    """Check that every array has the shape of the first."""
    shapes = {k: v.shape for k, v in arrays.items()}
    first = next(iter(shapes.values()))
    for k, s in shapes.items():
        if s != first:
            raise ValueError(f"{k}: expected shape {first} like the other points, got {s}")


def side_arg(side: str, name: str = "side") -> Side:
    """``side`` checked to be ``"left"`` or ``"right"``."""
    if side not in ("left", "right"):
        raise ValueError(f"{name}: expected 'left' or 'right', got {side!r}")
    return side  # type: ignore[return-value]


def left_direction(left_hip_xy: FloatArray, right_hip_xy: FloatArray) -> FloatArray:
    """+1 where the subject's left is toward the image right (front view), -1 in a back view, NaN if unknown."""
    with np.errstate(invalid="ignore"):
        s = np.sign(left_hip_xy[..., 0] - right_hip_xy[..., 0])
    return np.where(s == 0, np.nan, s)
