"""The shared vocabulary of hipcheck: sides, views, exercise names and groups, bands, array aliases.

Every stage speaks these names; none defines its own copy.

Conventions
-----------
- ``Side`` is the **person's anatomical** side: ``"left"`` is the subject's
  left (in a front view it appears on the image right).
- ``View`` is where the camera looks at the person from: ``front`` (the
  person faces the camera), ``back``, ``side``, ``oblique`` or ``unknown``.
  Frontal-plane metrics are measured only in :data:`FRONTAL_VIEWS`.
- Arrays: ``FloatArray`` holds NaN for missing values, never 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray

Side = Literal["left", "right"]
"""A person's anatomical side."""
SIDES: tuple[Side, Side] = ("left", "right")

WeakerSide = Literal["left", "right", "none", "insufficient"]
"""A verdict: the likely weaker side, no clear asymmetry, or not enough evidence."""
VERDICT_WORDS: Mapping[str, str] = MappingProxyType(
    {"left": "likely weaker: left", "right": "likely weaker: right", "none": "no clear asymmetry",
     "insufficient": "not enough evidence"}
)  # fmt: skip
"""A verdict (:data:`WeakerSide`) as a table cell reads it."""

View = Literal["front", "back", "side", "oblique", "unknown"]
"""The camera's view of the person."""
FRONTAL_VIEWS: tuple[View, ...] = ("front", "back")
"""Views in which frontal-plane metrics (pelvic drop, knee valgus, ...) are measured."""

Band = Literal["green", "amber", "red", "none"]
"""A display band (``none`` = no value)."""

ExerciseName = Literal[
    "standing", "squat", "lunge", "single_leg_stance", "single_leg_squat", "single_leg_deadlift", "walking", "unknown"
]  # fmt: skip
"""Everything the movement stage can recognise in a clip."""
EXERCISES: tuple[ExerciseName, ...] = get_args(ExerciseName)
TEST_EXERCISES: tuple[ExerciseName, ...] = (
    "standing", "squat", "lunge", "single_leg_stance", "single_leg_squat", "single_leg_deadlift",
)  # fmt: skip
"""The exercises a person can be asked to do (and name with ``--exercise``)."""
UNILATERAL: frozenset[ExerciseName] = frozenset(
    {"lunge", "single_leg_stance", "single_leg_squat", "single_leg_deadlift"}
)
"""Tests with one working side: the front leg of a lunge, the stance leg of the single-leg tests."""
SINGLE_LEG: frozenset[ExerciseName] = frozenset({"single_leg_stance", "single_leg_squat", "single_leg_deadlift"})
"""Tests on one leg, the other foot off the floor."""
STANCE_TESTS: tuple[ExerciseName, ...] = ("single_leg_stance", "single_leg_squat")
"""Single-leg tests with the trunk upright, where the pelvis is expected to stay level: pelvic drop,
trunk lean and sway are measured in these (a single-leg deadlift tips the trunk and turns the pelvis)."""

LIVE_PROTOCOLS: tuple[str, ...] = ("full", "squat", "lunge", "single-leg")
"""The guided protocols of ``hipcheck live``: all tests, or quiet standing with one of them."""

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Image = NDArray[np.uint8]
"""An upright, unmirrored BGR ``uint8`` image ``(H, W, 3)``."""

ProgressFn = Callable[[int, int | None], None]
"""``progress(done, total)``: called as frames are processed; ``total`` is None when unknown."""


def other_side(side: Side) -> Side:
    """The opposite anatomical side."""
    return "right" if side == "left" else "left"


__all__ = [
    "EXERCISES",
    "FRONTAL_VIEWS",
    "LIVE_PROTOCOLS",
    "SIDES",
    "SINGLE_LEG",
    "STANCE_TESTS",
    "TEST_EXERCISES",
    "UNILATERAL",
    "VERDICT_WORDS",
    "Band",
    "BoolArray",
    "ExerciseName",
    "FloatArray",
    "Image",
    "ProgressFn",
    "Side",
    "View",
    "WeakerSide",
    "other_side",
]
