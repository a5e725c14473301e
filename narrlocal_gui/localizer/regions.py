"""The extent of the thing under a point: a box from the picture, seeded by the evidence.

A heat map says roughly where a phrase is seen (a cell per 32 pixels); the picture says
where the thing under its peak ends. :func:`region_at` segments the picture around a point
(the heat map's mode, or a user's click) and returns the bounding box of the segment that
holds the point. The ways tried (docs/boxes.md measures each):

* ``threshold``: the heat alone, the connected pixels above half the peak (the box before
  this module; :func:`~narrlocal_gui.localizer.heatmaps.point_and_box`);
* ``grabcut``: OpenCV GrabCut (colour models of the thing and of its surround, a graph cut)
  initialised from the heat map: probable foreground where the heat is high, probable
  background elsewhere, sure background where it is low, a sure-foreground seed at the
  point; without a heat map, a disc around the point stands for it;
* ``superpixels``: scikit-image Felzenszwalb segments scored by their mean heat, the
  segments as hot as the half-peak region that touch the point's segment.

numpy, OpenCV and scikit-image only (no torch, no Qt): the GUI calls :func:`region_at` for a
Ctrl+click on the picture. Work is done on the picture shrunk to at most ``WORK_SIDE``
pixels a side; boxes are in the picture's own pixels.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from narrlocal_gui.localizer.box_geometry import Box, clip_box

__all__ = [
    "REGION_METHODS",
    "RegionMethod",
    "RegionSettings",
    "heat_region_mask",
    "region_at",
]

RegionMethod = Literal["threshold", "grabcut", "superpixels"]
REGION_METHODS: tuple[RegionMethod, ...] = ("threshold", "grabcut", "superpixels")

#: Longest side of the picture the segmentation works on: the heat maps' cells are 32 px
#: of a 448 px input, so 160 px still gives several pixels per cell, and GrabCut's cost
#: grows with the pixels.
WORK_SIDE = 160


@dataclass(frozen=True, slots=True)
class RegionSettings:
    """How a region is found. ``high``: heat (relative to the frame's range) from which a
    pixel is probably the thing, the half-peak rule of the heat-only box; ``low``: heat
    below which it is surely not; ``seed_radius``: the sure-foreground disc at the point, a
    fraction of the work picture's shorter side; ``click_radius``: the first disc around a
    click that may hold the thing (it grows while the thing reaches its edge), also a
    fraction of that side; ``iterations`` of GrabCut."""

    method: RegionMethod = "grabcut"
    high: float = 0.5
    low: float = 0.2
    seed_radius: float = 0.03
    click_radius: float = 0.35
    iterations: int = 1
    work_side: int = WORK_SIDE

    def __post_init__(self) -> None:
        if self.method not in REGION_METHODS:
            raise ValueError(f"method must be one of {REGION_METHODS}, not {self.method!r}")
        if not 0 <= self.low < self.high < 1:
            raise ValueError("thresholds must satisfy 0 <= low < high < 1")
        if not 0 < self.seed_radius < self.click_radius <= 1:
            raise ValueError("radii must satisfy 0 < seed_radius < click_radius <= 1")
        if self.iterations < 1:
            raise ValueError("iterations must be >= 1")
        if self.work_side < 16:
            raise ValueError("work_side must be >= 16")


def _work_picture(image: np.ndarray, side: int = WORK_SIDE) -> tuple[np.ndarray, float, float]:
    """The picture at most ``side`` a side, and the factors back to its pixels."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8 or image.size == 0:
        raise ValueError(f"image must be (H, W, 3) uint8, got {image.shape} {image.dtype}")
    height, width = image.shape[:2]
    scale = min(1.0, side / max(width, height))
    work_w, work_h = max(1, round(width * scale)), max(1, round(height * scale))
    small = image
    if (work_w, work_h) != (width, height):
        small = cv2.resize(image, (work_w, work_h), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(small), width / work_w, height / work_h


def _work_heat(heat: np.ndarray, shape: tuple[int, int]) -> np.ndarray | None:
    """The heat map at the work picture's ``shape``, scaled to [0, 1]; None when flat."""
    heat = np.asarray(heat, dtype=np.float32)
    if heat.ndim != 2 or heat.size == 0:
        raise ValueError(f"heat must be a non-empty 2-D map, got {heat.shape}")
    if not np.all(np.isfinite(heat)):
        return None
    lo, hi = float(heat.min()), float(heat.max())
    if hi - lo <= 1e-12:
        return None
    resized = cv2.resize(heat, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return np.asarray(np.clip((resized - lo) / (hi - lo), 0.0, 1.0), dtype=np.float32)


def heat_region_mask(heat: np.ndarray, seed: tuple[int, int], threshold: float) -> np.ndarray:
    """The 8-connected pixels of ``heat`` (scaled to [0, 1]) at or above ``threshold`` that
    hold ``seed`` = (row, col); just the seed when it is below the threshold."""
    region = (heat >= threshold).astype(np.uint8)
    region[seed] = 1
    _, labels = cv2.connectedComponents(region, connectivity=8)
    return np.asarray(labels == labels[seed])


def _disc(shape: tuple[int, int], centre: tuple[int, int], radius: float) -> np.ndarray:
    rows, cols = np.ogrid[: shape[0], : shape[1]]
    return np.asarray((rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius**2)


def _component_at(mask: np.ndarray, seed: tuple[int, int]) -> np.ndarray:
    """The 8-connected component of ``mask`` that holds ``seed`` (or, when the seed is not
    in it, the component nearest to the seed)."""
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return np.zeros_like(mask, dtype=bool)
    label = int(labels[seed])
    if label == 0:
        ys, xs = np.nonzero(labels)
        nearest = int(np.argmin((ys - seed[0]) ** 2 + (xs - seed[1]) ** 2))
        label = int(labels[ys[nearest], xs[nearest]])
    return np.asarray(labels == label)


def _grabcut_mask(bgr: np.ndarray, mask: np.ndarray, iterations: int) -> np.ndarray:
    """GrabCut from an initial mask; the foreground it ends with (the seeds when GrabCut
    refuses the picture: a flat one, a handful of pixels, whose colours cannot fill its
    mixture models)."""
    if np.any((mask == cv2.GC_BGD) | (mask == cv2.GC_PR_BGD)):
        background = np.zeros((1, 65), dtype=np.float64)
        foreground = np.zeros((1, 65), dtype=np.float64)
        with contextlib.suppress(cv2.error):
            cv2.grabCut(
                bgr, mask, (0, 0, 0, 0), background, foreground, iterations, cv2.GC_INIT_WITH_MASK
            )
    return np.asarray((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD))


def _grabcut(
    small: np.ndarray,
    seed: tuple[int, int],
    heat: np.ndarray | None,
    settings: RegionSettings,
) -> np.ndarray:
    shape = small.shape[:2]
    side = float(min(shape))
    bgr = cv2.cvtColor(small, cv2.COLOR_RGB2BGR)
    sure = _disc(shape, seed, max(1.0, settings.seed_radius * side))
    if heat is not None:
        mask = np.full(shape, cv2.GC_PR_BGD, dtype=np.uint8)
        mask[heat < settings.low] = cv2.GC_BGD
        mask[heat_region_mask(heat, seed, settings.high)] = cv2.GC_PR_FGD
        mask[sure] = cv2.GC_FGD
        return _component_at(_grabcut_mask(bgr, mask, settings.iterations), seed)
    # A click: as GrabCut's own rectangle, everything inside a disc around the point may be
    # the thing and everything outside is not; a thing that reaches the disc's edge may be
    # bigger, so the disc doubles until the thing ends inside it (or it holds the picture).
    radius = settings.click_radius * side
    while True:
        inside = _disc(shape, seed, radius)
        mask = np.where(inside, cv2.GC_PR_FGD, cv2.GC_BGD).astype(np.uint8)
        mask[sure] = cv2.GC_FGD
        found = _component_at(_grabcut_mask(bgr, mask, settings.iterations), seed)
        rim = inside & ~_disc(shape, seed, radius - 2.0)
        if inside.all() or not np.any(found & rim):
            return found
        radius *= 2.0


def _superpixels(
    small: np.ndarray, seed: tuple[int, int], heat: np.ndarray | None, settings: RegionSettings
) -> np.ndarray:
    from skimage.segmentation import felzenszwalb

    side = float(min(small.shape[:2]))
    # Segments about a heat cell in size: min_size a twentieth of the side squared.
    labels = felzenszwalb(small, scale=100, sigma=0.8, min_size=max(4, int((side / 20) ** 2)))
    labels = np.asarray(labels, dtype=np.int64)
    count = int(labels.max()) + 1
    if heat is None:
        heat = np.clip(
            1.0 - np.sqrt(_distance2(small.shape[:2], seed)) / (settings.click_radius * side),
            0.0,
            1.0,
        )
    sums = np.bincount(labels.ravel(), weights=heat.ravel().astype(np.float64), minlength=count)
    sizes = np.bincount(labels.ravel(), minlength=count)
    mean = sums / np.maximum(sizes, 1)
    hot = mean[labels] >= settings.high
    hot[labels == labels[seed]] = True
    return _component_at(hot, seed)


def _distance2(shape: tuple[int, int], centre: tuple[int, int]) -> np.ndarray:
    rows, cols = np.ogrid[: shape[0], : shape[1]]
    return np.asarray((rows - centre[0]) ** 2 + (cols - centre[1]) ** 2, dtype=np.float32)


def region_at(
    image: np.ndarray,
    point: tuple[float, float],
    heat: np.ndarray | None = None,
    *,
    settings: RegionSettings | None = None,
) -> Box:
    """The box of the thing at ``point`` = (x, y) in ``image`` (H, W, 3 uint8 RGB), in the
    image's pixels. ``heat`` (any coarse grid over the whole picture, higher = more likely
    the thing) seeds the segmentation; without it (a user's click) the seed is the point
    alone. The box always holds the point."""
    s = settings if settings is not None else RegionSettings()
    small, sx, sy = _work_picture(image, s.work_side)
    work_h, work_w = small.shape[:2]
    col = min(max(int(point[0] / sx), 0), work_w - 1)
    row = min(max(int(point[1] / sy), 0), work_h - 1)
    seed = (row, col)
    work_heat = _work_heat(heat, (work_h, work_w)) if heat is not None else None
    if s.method == "threshold":
        if work_heat is None:
            found = _disc((work_h, work_w), seed, s.click_radius * min(work_h, work_w))
        else:
            found = heat_region_mask(work_heat, seed, s.high)
    elif s.method == "grabcut":
        found = _grabcut(small, seed, work_heat, s)
    else:
        found = _superpixels(small, seed, work_heat, s)
    found[seed] = True
    ys, xs = np.nonzero(found)
    box = (
        float(xs.min() * sx),
        float(ys.min() * sy),
        float((xs.max() + 1) * sx),
        float((ys.max() + 1) * sy),
    )
    return clip_box(box, (image.shape[1], image.shape[0]))
