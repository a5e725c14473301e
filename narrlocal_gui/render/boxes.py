"""Box outlines (the BOX style)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from narrlocal_gui.core.model import Rgb
from narrlocal_gui.render.geometry import PixelRect

Frame = npt.NDArray[np.uint8]

#: ``DisplaySettings.line_width`` is in pixels on a frame whose SHORT side is this long. Other
#: sizes scale proportionally, so a half-size preview shows the line exactly as the full-size
#: export will (what you see is what you export), and portrait videos are not over-scaled.
REFERENCE_SHORT_SIDE = 720


def scaled_line_width(line_width: int, frame_width: int, frame_height: int) -> int:
    """``line_width`` scaled to the frame (see REFERENCE_SHORT_SIDE); never below 1 px."""
    short_side = min(frame_width, frame_height)
    return max(1, math.floor(line_width * short_side / REFERENCE_SHORT_SIDE + 0.5))


def draw_outline(frame: Frame, rect: PixelRect, color: Rgb, thickness: int) -> None:
    """Draw ``rect``'s outline in ``color`` (in place), ``thickness`` pixels wide.

    The line lies INSIDE the rectangle, its outer edge on the box edge: a box clipped at the
    frame border keeps a visible line there, and the line never spills onto pixels outside the
    region. Four slice fills are exact and faster than a rasterizer for axis-aligned lines.
    """
    t = max(1, thickness)
    tx = min(t, rect.width)
    ty = min(t, rect.height)
    rows, cols = rect.slices
    frame[rect.y1 : rect.y1 + ty, cols] = color
    frame[rect.y2 - ty : rect.y2, cols] = color
    frame[rows, rect.x1 : rect.x1 + tx] = color
    frame[rows, rect.x2 - tx : rect.x2] = color
