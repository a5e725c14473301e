"""Boxes as plain tuples: areas, IoU, and IoU against the union of several boxes.

A box is ``(x1, y1, x2, y2)`` in pixels with ``x2 > x1`` and ``y2 > y1``; it stands for the
continuous region it covers, so areas and overlaps are exact (no rasterising). Used by the
evaluation (box quality), the region finder and the tracker. numpy only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "Box",
    "box_area",
    "box_iou",
    "centre_box",
    "clip_box",
    "iou_with_union",
    "union_area",
]

Box = tuple[float, float, float, float]

#: The fixed centre box (a baseline) covers this fraction of each side: the centre prior's
#: Gaussian has sigma a quarter of each side, and +-1 sigma is half of each side.
CENTRE_BOX_FRACTION = 0.5


def box_area(box: Sequence[float]) -> float:
    """The area of ``box`` (0 for an empty or inverted one)."""
    return max(0.0, float(box[2]) - float(box[0])) * max(0.0, float(box[3]) - float(box[1]))


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two boxes; 0 when both are empty."""
    ix = max(0.0, min(float(a[2]), float(b[2])) - max(float(a[0]), float(b[0])))
    iy = max(0.0, min(float(a[3]), float(b[3])) - max(float(a[1]), float(b[1])))
    inter = ix * iy
    union = box_area(a) + box_area(b) - inter
    return inter / union if union > 0 else 0.0


def union_area(boxes: Sequence[Sequence[float]]) -> float:
    """The exact area covered by the union of ``boxes`` (overlaps counted once).

    The plane is cut at every box edge into a grid of cells; a cell is covered or not as a
    whole, so summing the covered cells' areas is exact. Boxes per item are few (< 10)."""
    kept = [b for b in boxes if box_area(b) > 0]
    if not kept:
        return 0.0
    arr = np.asarray(kept, dtype=np.float64)
    xs = np.unique(np.concatenate([arr[:, 0], arr[:, 2]]))
    ys = np.unique(np.concatenate([arr[:, 1], arr[:, 3]]))
    cx = (xs[:-1] + xs[1:]) / 2
    cy = (ys[:-1] + ys[1:]) / 2
    covered = np.zeros((cy.size, cx.size), dtype=bool)
    for x1, y1, x2, y2 in arr:
        covered |= ((cy > y1) & (cy < y2))[:, None] & ((cx > x1) & (cx < x2))[None, :]
    cell = np.outer(np.diff(ys), np.diff(xs))
    return float(cell[covered].sum())


def _intersection(a: Sequence[float], b: Sequence[float]) -> Box:
    return (
        max(float(a[0]), float(b[0])),
        max(float(a[1]), float(b[1])),
        min(float(a[2]), float(b[2])),
        min(float(a[3]), float(b[3])),
    )


def iou_with_union(box: Sequence[float], boxes: Sequence[Sequence[float]]) -> float:
    """IoU between ``box`` and the union of ``boxes`` as pixel sets (not their bounding
    box): an item annotated as a hand and a far-away mug is not rewarded for a box that
    spans the empty table between them."""
    inter = union_area([_intersection(box, b) for b in boxes])
    union = box_area(box) + union_area(boxes) - inter
    return inter / union if union > 0 else 0.0


def centre_box(size: tuple[int, int], fraction: float = CENTRE_BOX_FRACTION) -> Box:
    """The box of ``fraction`` of each side of a ``size`` = (W, H) frame, centred."""
    width, height = float(size[0]), float(size[1])
    margin_x, margin_y = width * (1 - fraction) / 2, height * (1 - fraction) / 2
    return (margin_x, margin_y, width - margin_x, height - margin_y)


def clip_box(box: Sequence[float], size: tuple[int, int]) -> Box:
    """``box`` cut to a ``size`` = (W, H) frame (at least one pixel wide and high)."""
    width, height = float(size[0]), float(size[1])
    x1 = min(max(float(box[0]), 0.0), width - 1.0)
    y1 = min(max(float(box[1]), 0.0), height - 1.0)
    x2 = min(max(float(box[2]), x1 + 1.0), width)
    y2 = min(max(float(box[3]), y1 + 1.0), height)
    return (x1, y1, x2, y2)
