"""From source-video boxes to whole-pixel rectangles on the frame being drawn.

Every drawing function in render/ works on :class:`PixelRect`, so the mapping from the
source video's float coordinates (scaled to a preview, clipped to the frame, rounded) lives in
one place and the player and the exporter agree on it to the pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from narrlocal_gui.core.model import Box

#: (left, top, right, bottom) in frame pixels, floats, not clipped.
Bounds = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class PixelRect:
    """A half-open pixel rectangle ``[x1, x2) x [y1, y2)`` with ``x1 < x2`` and ``y1 < y2``."""

    x1: int
    y1: int
    x2: int
    y2: int

    @property
    def width(self) -> int:
        return self.x2 - self.x1

    @property
    def height(self) -> int:
        return self.y2 - self.y1

    @property
    def slices(self) -> tuple[slice, slice]:
        """``frame[rect.slices]`` is the rectangle's pixels (rows first, as numpy wants)."""
        return slice(self.y1, self.y2), slice(self.x1, self.x2)

    def intersects(self, other: PixelRect) -> bool:
        return (
            self.x1 < other.x2 and other.x1 < self.x2 and self.y1 < other.y2 and other.y1 < self.y2
        )


def source_scale(
    frame_size: tuple[int, int], source_size: tuple[int, int] | None
) -> tuple[float, float]:
    """Factors from source pixels to frame pixels; (1, 1) when there is no usable source size.

    A zero or negative source size cannot describe a video, so it is treated like None rather
    than raising: geometry problems must never stop playback.
    """
    if source_size is None:
        return 1.0, 1.0
    w0, h0 = source_size
    if w0 <= 0 or h0 <= 0:
        return 1.0, 1.0
    return frame_size[0] / w0, frame_size[1] / h0


def map_box(
    box: Box, frame_size: tuple[int, int], source_size: tuple[int, int] | None = None
) -> Bounds | None:
    """``box`` in frame pixels (floats, unclipped); None when the scaled box is not finite."""
    sx, sy = source_scale(frame_size, source_size)
    bounds = (box.x1 * sx, box.y1 * sy, box.x2 * sx, box.y2 * sy)
    if not all(math.isfinite(v) for v in bounds):
        return None
    return bounds


def _round(value: float) -> int:
    # Round half up rather than Python's half-to-even so that a box edge on x.5 always lands on
    # the same side, whatever the parity of x.
    return math.floor(value + 0.5)


def bounds_to_rect(bounds: Bounds, frame_size: tuple[int, int]) -> PixelRect | None:
    """The whole pixels ``bounds`` covers on a ``frame_size`` (W, H) frame, or None.

    Edges are rounded to the nearest pixel boundary; a box that is on the frame but thinner
    than a pixel still gets one pixel so that a tiny region does not silently vanish.
    """
    width, height = frame_size
    x1, y1 = max(0.0, bounds[0]), max(0.0, bounds[1])
    x2, y2 = min(float(width), bounds[2]), min(float(height), bounds[3])
    if not (x2 > x1 and y2 > y1):
        return None
    ix1, iy1, ix2, iy2 = _round(x1), _round(y1), _round(x2), _round(y2)
    if ix2 <= ix1:
        ix1 = min(ix1, width - 1)
        ix2 = ix1 + 1
    if iy2 <= iy1:
        iy1 = min(iy1, height - 1)
        iy2 = iy1 + 1
    return PixelRect(ix1, iy1, ix2, iy2)


def box_to_rect(
    box: Box, frame_size: tuple[int, int], source_size: tuple[int, int] | None = None
) -> PixelRect | None:
    """The on-frame pixels of a source-video ``box``; None when none of it is on the frame."""
    if frame_size[0] <= 0 or frame_size[1] <= 0:
        return None
    bounds = map_box(box, frame_size, source_size)
    if bounds is None:
        return None
    return bounds_to_rect(bounds, frame_size)
