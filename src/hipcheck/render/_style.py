"""The one palette of every picture hipcheck draws: report, plots, annotated video, live window.

The person's **left** side is blue, the **right** side orange, everywhere.
Hex colours for matplotlib and CSS, BGR tuples for OpenCV drawing.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from hipcheck.types import Band

BGR = tuple[int, int, int]

SIDE_HEX: Mapping[str, str] = MappingProxyType({"left": "#2563eb", "right": "#ea580c", "both": "#4b5563"})
"""Line and bar colours per side (``both`` = a whole-body value)."""
NORM_BAND_HEX = "#16a34a"
"""The typical-range band drawn behind plots."""
BAND_TINT_HEX: Mapping[Band, str] = MappingProxyType(
    {"green": "#dcfce7", "amber": "#fef3c7", "red": "#fee2e2", "none": "#f3f4f6"}
)
"""Table-cell backgrounds of the bands (pale tints of :data:`BAND_BGR`)."""
BAND_BGR: Mapping[Band, BGR] = MappingProxyType(
    {"green": (60, 180, 60), "amber": (0, 176, 255), "red": (40, 40, 230), "none": (170, 170, 170)}
)
"""Colours of values drawn on video by band (``none`` = no value)."""


def hex_to_bgr(color: str) -> BGR:
    """``"#rrggbb"`` as an OpenCV ``(b, g, r)`` tuple."""
    value = color.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"color: expected '#rrggbb', got {color!r}")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return (b, g, r)


SIDE_BGR: Mapping[str, BGR] = MappingProxyType({k: hex_to_bgr(v) for k, v in SIDE_HEX.items()})
""":data:`SIDE_HEX` for OpenCV."""
LEFT_BGR: BGR = SIDE_BGR["left"]
RIGHT_BGR: BGR = SIDE_BGR["right"]
GREEN: BGR = BAND_BGR["green"]
AMBER: BGR = BAND_BGR["amber"]
RED: BGR = BAND_BGR["red"]
GREY: BGR = BAND_BGR["none"]
