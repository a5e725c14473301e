"""From a heat map to a localization: the mode pixel, the region box, per-frame scores.

A heat map over a coarse grid is interpolated in space to the frame (its mode pixel is the
point) and in time to every requested time. The region (patent: "the group of pixels having
similarly high similarity scores") is the connected set of pixels above a fraction of the
peak that contains the mode; its bounding box is the box. numpy/OpenCV only: shared by every
method (baselines, bridge, CoMMA).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import cv2
import numpy as np

from narrlocal_gui.localizer.types import ClipInput, Localization

__all__ = [
    "BOX_THRESHOLD",
    "Interpolation",
    "interpolate_heatmaps",
    "localization_from_heatmaps",
    "point_and_box",
    "uniform_localization",
]

#: A pixel belongs to the region when its heat is at least this fraction of the mode's.
BOX_THRESHOLD = 0.5
#: Longest side of the picture the heat map is interpolated to for the mode and the region;
#: finer than any feature grid, and cheap for 4K frames.
WORK_SIDE = 320

#: How a coarse map is interpolated to the picture before its mode is taken.
Interpolation = Literal["linear", "cubic"]
_CV_INTERPOLATION = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC}


def point_and_box(
    heat: np.ndarray,
    size: tuple[int, int],
    *,
    threshold: float = BOX_THRESHOLD,
    interpolation: Interpolation = "linear",
) -> tuple[tuple[float, float], tuple[float, float, float, float]]:
    """The mode pixel and the region box of one heat map covering a ``size`` = (W, H) frame.

    The map is interpolated to at most WORK_SIDE pixels a side with the frame's aspect
    ratio: ``linear`` creates no false peaks, so the mode is the centre of the hottest cell;
    ``cubic`` puts it between two hot cells, towards the hotter, where an object lies that
    straddles them (what CoMMA's attention over coarse cells needs, see CommaLocalizer). A
    flat map has no mode: the centre and the whole frame are returned. Coordinates are the
    frame's pixels; a point is a pixel centre.
    """
    width, height = size
    heat = np.asarray(heat, dtype=np.float32)
    if heat.ndim != 2 or heat.size == 0:
        raise ValueError(f"heat must be a non-empty 2-D map, got {heat.shape}")
    if not np.all(np.isfinite(heat)) or float(heat.max() - heat.min()) <= 1e-12:
        return (width / 2.0, height / 2.0), (0.0, 0.0, float(width), float(height))
    scale = min(1.0, WORK_SIDE / max(width, height))
    work_w, work_h = max(1, round(width * scale)), max(1, round(height * scale))
    if heat.shape != (work_h, work_w):
        heat = cv2.resize(heat, (work_w, work_h), interpolation=_CV_INTERPOLATION[interpolation])
    row, col = np.unravel_index(int(np.argmax(heat)), heat.shape)
    peak = float(heat[row, col])
    floor = float(heat.min())
    region = (heat >= floor + threshold * (peak - floor)).astype(np.uint8)
    _, labels = cv2.connectedComponents(region, connectivity=8)
    ys, xs = np.nonzero(labels == labels[row, col])
    sx, sy = width / work_w, height / work_h
    point = (float((col + 0.5) * sx), float((row + 0.5) * sy))
    box = (
        float(xs.min() * sx),
        float(ys.min() * sy),
        float((xs.max() + 1) * sx),
        float((ys.max() + 1) * sy),
    )
    return point, box


def interpolate_heatmaps(
    times: np.ndarray, heatmaps: np.ndarray, at: np.ndarray | Sequence[float]
) -> np.ndarray:
    """Heat maps (T, h, w) known at ``times`` (ascending), linearly interpolated to ``at``;
    held constant before the first and after the last."""
    times = np.asarray(times, dtype=np.float64)
    maps = np.asarray(heatmaps, dtype=np.float32)
    query = np.atleast_1d(np.asarray(at, dtype=np.float64))
    if maps.ndim != 3 or times.shape != (maps.shape[0],) or maps.shape[0] == 0:
        raise ValueError("heatmaps must be (T, h, w) with one time each")
    if maps.shape[0] == 1:
        return np.repeat(maps, query.shape[0], axis=0)
    hi = np.clip(np.searchsorted(times, query, side="right"), 1, times.shape[0] - 1)
    lo = hi - 1
    span = times[hi] - times[lo]
    frac = np.where(span > 0, (query - times[lo]) / np.where(span > 0, span, 1.0), 0.0)
    frac = np.clip(frac, 0.0, 1.0).astype(np.float32)[:, None, None]
    return np.asarray((1.0 - frac) * maps[lo] + frac * maps[hi], dtype=np.float32)


def localization_from_heatmaps(
    heatmaps: np.ndarray,
    heat_times: np.ndarray,
    clip: ClipInput,
    *,
    threshold: float = BOX_THRESHOLD,
    interpolation: Interpolation = "linear",
) -> Localization:
    """A :class:`Localization` for every frame of ``clip`` from heat maps at ``heat_times``
    (``interpolation`` in space as for :func:`point_and_box`).

    Heat is normalised by its maximum over the whole clip, so frames keep their relative
    strength; a frame's score is its total heat relative to the strongest frame's.
    """
    maps = np.asarray(heatmaps, dtype=np.float32)
    maps = interpolate_heatmaps(heat_times, maps, clip.times)
    maps = np.clip(np.nan_to_num(maps, nan=0.0), 0.0, None)
    top = float(maps.max()) if maps.size else 0.0
    maps = maps / top if top > 0 else np.zeros_like(maps)
    points = np.empty((maps.shape[0], 2), dtype=np.float64)
    boxes = np.empty((maps.shape[0], 4), dtype=np.float64)
    for i, heat in enumerate(maps):
        points[i], boxes[i] = point_and_box(
            heat, clip.size, threshold=threshold, interpolation=interpolation
        )
    mass = maps.reshape(maps.shape[0], -1).mean(axis=1)
    scores = mass / mass.max() if mass.max() > 0 else np.zeros_like(mass)
    return Localization(
        times=clip.times.copy(),
        heatmaps=np.clip(maps, 0.0, 1.0).astype(np.float32),
        points=points,
        boxes=boxes,
        scores=scores.astype(np.float32),
    )


def uniform_localization(clip: ClipInput, grid: tuple[int, int] = (9, 16)) -> Localization:
    """Nothing to localize (e.g. a phrase of stop words only): flat heat, the centre, the
    whole frame, score 0."""
    n = clip.frames.shape[0]
    width, height = clip.size
    return Localization(
        times=clip.times.copy(),
        heatmaps=np.zeros((n, *grid), dtype=np.float32),
        points=np.tile([width / 2.0, height / 2.0], (n, 1)),
        boxes=np.tile([0.0, 0.0, float(width), float(height)], (n, 1)),
        scores=np.zeros(n, dtype=np.float32),
    )
