"""The geometry of correcting a box with the mouse: handles, moving, resizing, drawing.

Pure functions in the source video's pixels (the box editor maps the pointer there), so the
rules are tested without Qt: an edited box stays on the frame, is never smaller than
:data:`~narrlocal_gui.core.track_edits.MIN_BOX_SIZE` and is never turned inside out (a
handle dragged past the opposite edge stops there).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from narrlocal_gui.core.model import Box
from narrlocal_gui.core.track_edits import MIN_BOX_SIZE

__all__ = [
    "Handle",
    "box_hit",
    "drawn_box",
    "fit_box",
    "handle_at",
    "handle_point",
    "moved_box",
    "resized_box",
]


class Handle(Enum):
    """The eight resize handles; the value is where on the box, as fractions of its size."""

    TOP_LEFT = (0.0, 0.0)
    TOP = (0.5, 0.0)
    TOP_RIGHT = (1.0, 0.0)
    RIGHT = (1.0, 0.5)
    BOTTOM_RIGHT = (1.0, 1.0)
    BOTTOM = (0.5, 1.0)
    BOTTOM_LEFT = (0.0, 1.0)
    LEFT = (0.0, 0.5)

    @property
    def is_corner(self) -> bool:
        return 0.5 not in self.value

    @property
    def moves_left(self) -> bool:
        return self.value[0] == 0.0

    @property
    def moves_right(self) -> bool:
        return self.value[0] == 1.0

    @property
    def moves_top(self) -> bool:
        return self.value[1] == 0.0

    @property
    def moves_bottom(self) -> bool:
        return self.value[1] == 1.0


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def handle_point(box: Box, handle: Handle) -> tuple[float, float]:
    fx, fy = handle.value
    return box.x1 + fx * box.width, box.y1 + fy * box.height


def handle_at(box: Box, x: float, y: float, reach: float) -> Handle | None:
    """The handle within ``reach`` of (x, y) (square distance), the nearest if several.

    On a box too small for eight separate handles the corners win ties, so every corner
    stays reachable.
    """
    best: tuple[float, int, Handle] | None = None
    for handle in Handle:
        hx, hy = handle_point(box, handle)
        distance = max(abs(x - hx), abs(y - hy))
        if distance <= reach:
            key = (distance, 0 if handle.is_corner else 1, handle)
            if best is None or key[:2] < best[:2]:
                best = key
    return None if best is None else best[2]


def _contains(box: Box, x: float, y: float) -> bool:
    return box.x1 <= x <= box.x2 and box.y1 <= y <= box.y2


def box_hit(
    boxes: Sequence[tuple[str, Box]], selected: str | None, x: float, y: float, reach: float
) -> tuple[str, Handle | None] | None:
    """What a press at (x, y) takes among ``boxes`` ((id, box), drawn in that order): a
    handle of the ``selected`` box, or the selected box itself, else the topmost box there
    (the last drawn). None when the press is on no box."""
    for box_id, box in boxes:
        if box_id == selected:
            handle = handle_at(box, x, y, reach)
            if handle is not None or _contains(box, x, y):
                return box_id, handle
    for box_id, box in reversed(boxes):
        if _contains(box, x, y):
            return box_id, None
    return None


def fit_box(box: Box, width: float, height: float, min_size: float = MIN_BOX_SIZE) -> Box | None:
    """``box`` cut to the frame and grown to ``min_size`` where smaller (staying on the
    frame); None when nothing of it is on the frame, or the frame is smaller than that."""
    if width < min_size or height < min_size:
        return None
    x1, y1 = max(box.x1, 0.0), max(box.y1, 0.0)
    x2, y2 = min(box.x2, width), min(box.y2, height)
    if x2 <= x1 or y2 <= y1:
        return None
    if x2 - x1 < min_size:
        x1 = _clamp((x1 + x2 - min_size) / 2.0, 0.0, width - min_size)
        x2 = x1 + min_size
    if y2 - y1 < min_size:
        y1 = _clamp((y1 + y2 - min_size) / 2.0, 0.0, height - min_size)
        y2 = y1 + min_size
    return Box(x1, y1, x2, y2)


def moved_box(box: Box, dx: float, dy: float, width: float, height: float) -> Box:
    """``box`` shifted by (dx, dy), stopping at the frame's edges (its size is kept)."""
    dx = _clamp(dx, -box.x1, width - box.x2) if box.width <= width else 0.0
    dy = _clamp(dy, -box.y1, height - box.y2) if box.height <= height else 0.0
    return Box(box.x1 + dx, box.y1 + dy, box.x2 + dx, box.y2 + dy)


def resized_box(
    box: Box,
    handle: Handle,
    x: float,
    y: float,
    width: float,
    height: float,
    min_size: float = MIN_BOX_SIZE,
) -> Box:
    """``box`` with ``handle`` dragged to (x, y): the handle's edges follow the pointer
    within the frame, the other edges stay, and it stays at least ``min_size`` across."""
    x = _clamp(x, 0.0, width)
    y = _clamp(y, 0.0, height)
    x1, y1, x2, y2 = box.as_tuple()
    if handle.moves_left:
        x1 = min(x, x2 - min_size)
    if handle.moves_right:
        x2 = max(x, x1 + min_size)
    if handle.moves_top:
        y1 = min(y, y2 - min_size)
    if handle.moves_bottom:
        y2 = max(y, y1 + min_size)
    return Box(x1, y1, x2, y2)


def drawn_box(
    x0: float,
    y0: float,
    x1: float,
    y1: float,
    width: float,
    height: float,
    min_size: float = MIN_BOX_SIZE,
) -> Box | None:
    """The box dragged out from (x0, y0) to (x1, y1) in any direction, cut to the frame;
    None when it is smaller than ``min_size`` (a click rather than a drag)."""
    left, right = sorted((_clamp(x0, 0.0, width), _clamp(x1, 0.0, width)))
    top, bottom = sorted((_clamp(y0, 0.0, height), _clamp(y1, 0.0, height)))
    if right - left < min_size or bottom - top < min_size:
        return None
    return Box(left, top, right, bottom)
