"""Heat maps: a coarse localizer grid (or a blob over a box) blended over the frame.

The heat itself is the blend weight (``alpha = heat * opacity``), so cold parts of the frame
keep the picture and only the hot parts take the colormap's colour.

Drawing works on *levels*, the heat quantised to 8 bits (0 = cold, 255 = hottest): the last
upscaling step, the merging of several maps and the blend then all run on bytes, and the
colour and blend weight of a level come from lookup tables. Quantising costs at most one
level of colour and keeps a playing video's heat map cheap enough for the player and the
exporter, which draw it on every frame.
"""

from __future__ import annotations

import functools
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from narrlocal_gui.core.model import HeatColors
from narrlocal_gui.render.geometry import Bounds

Frame = npt.NDArray[np.uint8]
Heat = npt.NDArray[np.float32]
Levels = npt.NDArray[np.uint8]

#: OpenCV's colour map for each choice. Turbo (an improved jet), the default, gives the colours
#: people read as a heat map, with a saturated red core. Inferno is perceptually uniform and
#: safe with colour-vision deficiencies, but its hot end is pale yellow, which all but
#: vanishes on the warm colours of most how-to footage (food, wood, skin, the demo's cat
#: eyes). The blend weight rises with the heat, so turbo's cold blue end shows little.
COLORMAPS = {HeatColors.TURBO: cv2.COLORMAP_TURBO, HeatColors.INFERNO: cv2.COLORMAP_INFERNO}


@functools.cache
def _rgb_lut(colors: HeatColors) -> Frame:
    """The colour map as a 256 x 1 x 3 RGB lookup table (no BGR->RGB pass per frame)."""
    levels = np.arange(256, dtype=np.uint8).reshape(256, 1)
    return np.ascontiguousarray(cv2.applyColorMap(levels, COLORMAPS[colors])[:, :, ::-1])


#: Blob standard deviation as a fraction of the box's half-size: heat at the box edge is
#: exp(-0.5 / 0.6**2) ~ 0.25, so the blob fills the box and fades just beyond it.
BLOB_SIGMA = 0.6

#: Grids are upscaled bicubically to 1/UPSCALE_STEP of the frame, then bilinearly.
UPSCALE_STEP = 4


def heat_from_grid(grid: npt.ArrayLike, width: int, height: int) -> Heat | None:
    """The grid (covering the whole frame) resized smoothly to ``width`` x ``height``.

    Bicubic, clipped back to [0, 1] because it overshoots near sharp peaks. None for a grid
    that is not a non-empty 2-D array; non-finite cells count as cold.
    """
    cells = _cells(grid, width, height)
    if cells is None:
        return None
    if cells.shape == (1, 1):
        return np.full((height, width), cells[0, 0], dtype=np.float32)
    coarse = _coarse(cells, width, height)
    if coarse is not None:
        return cast(Heat, cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR))
    heat = cast(Heat, cv2.resize(cells, (width, height), interpolation=cv2.INTER_CUBIC))
    return np.clip(heat, 0.0, 1.0, out=heat)


def levels_from_grid(grid: npt.ArrayLike, width: int, height: int) -> Levels | None:
    """:func:`heat_from_grid` as levels, its last (bilinear) upscaling step done in 8 bits."""
    cells = _cells(grid, width, height)
    if cells is None:
        return None
    if cells.shape == (1, 1):
        return np.full((height, width), round(float(cells[0, 0]) * 255.0), dtype=np.uint8)
    coarse = _coarse(cells, width, height)
    if coarse is not None:
        return cast(
            Levels, cv2.resize(to_levels(coarse), (width, height), interpolation=cv2.INTER_LINEAR)
        )
    heat = cast(Heat, cv2.resize(cells, (width, height), interpolation=cv2.INTER_CUBIC))
    return to_levels(heat)


def _cells(grid: npt.ArrayLike, width: int, height: int) -> Heat | None:
    """The grid as contiguous float32 in [0, 1] (1x1 grids clipped), or None if unusable."""
    cells = np.asarray(grid, dtype=np.float32)
    if cells.ndim != 2 or cells.size == 0 or width <= 0 or height <= 0:
        return None
    if not np.all(np.isfinite(cells)):
        cells = np.nan_to_num(cells, nan=0.0, posinf=1.0, neginf=0.0)
    if cells.shape == (1, 1):
        return np.clip(cells, 0.0, 1.0)
    return np.ascontiguousarray(cells)


def _coarse(cells: Heat, width: int, height: int) -> Heat | None:
    """The grid bicubically upscaled to 1/UPSCALE_STEP of the frame and clipped, or None when
    the frame is too small for two steps.

    Bicubic straight to full resolution costs ~1 ms at 720p; bicubic to a quarter of it and
    bilinear the rest of the way looks the same (the field is smooth by then) at a tenth.
    """
    size = (max(1, -(-width // UPSCALE_STEP)), max(1, -(-height // UPSCALE_STEP)))
    if not (size[0] > cells.shape[1] and size[1] > cells.shape[0]):
        return None
    coarse = cast(Heat, cv2.resize(cells, size, interpolation=cv2.INTER_CUBIC))
    return np.clip(coarse, 0.0, 1.0, out=coarse)


def to_levels(heat: Heat) -> Levels:
    """Heat in [0, 1] as levels 0..255 (rounded; values outside are saturated)."""
    return cast(Levels, cv2.convertScaleAbs(heat, alpha=255.0))


def gaussian_blob(bounds: Bounds, width: int, height: int) -> Heat:
    """A soft elliptical Gaussian (peak 1) centred on ``bounds``, for a heat map with no grid.

    Separable, so it costs one outer product rather than an exp per pixel.
    """
    x1, y1, x2, y2 = bounds
    # Halving before adding keeps centre and half-size finite for any finite bounds.
    cx, cy = x1 / 2.0 + x2 / 2.0, y1 / 2.0 + y2 / 2.0
    sx = max(BLOB_SIGMA * (x2 / 2.0 - x1 / 2.0), 0.5)
    sy = max(BLOB_SIGMA * (y2 / 2.0 - y1 / 2.0), 0.5)
    # Pixel centres sit at +0.5, matching the box coordinates' pixel-edge convention. The 1-D
    # profiles are float64 because a huge off-screen box would overflow float32; they are tiny.
    xs = (np.arange(width, dtype=np.float64) + (0.5 - cx)) / sx
    ys = (np.arange(height, dtype=np.float64) + (0.5 - cy)) / sy
    gx = np.exp(-0.5 * xs * xs).astype(np.float32)
    gy = np.exp(-0.5 * ys * ys).astype(np.float32)
    blob: Heat = np.outer(gy, gx)
    return blob


def colorize(heat: Heat, colors: HeatColors = HeatColors.TURBO) -> Frame:
    """``heat`` (H x W, 0..1) as an RGB image in the colour map."""
    return cast(Frame, cv2.applyColorMap(to_levels(heat), _rgb_lut(colors)))


def blend_heat(
    frame: Frame, heat: Heat, opacity: float, colors: HeatColors = HeatColors.TURBO
) -> None:
    """Blend the coloured ``heat`` over ``frame`` (in place) with weight ``heat * opacity``.

    ``heat`` must have the frame's height and width. See :func:`blend_levels`.
    """
    blend_levels(frame, to_levels(heat), opacity, colors)


def blend_levels(
    frame: Frame, levels: Levels, opacity: float, colors: HeatColors = HeatColors.TURBO
) -> None:
    """Blend the coloured ``levels`` over ``frame`` (in place), level L with weight
    ``w = round(L * opacity)`` / 255: ``frame * (255 - w) / 255 + colour * w / 255``, each term
    rounded (within one level of the exact blend).

    Weight 0 keeps the frame exactly and level 255 at full opacity gives the colormap exactly.
    ``levels`` must have the frame's height and width.
    """
    if opacity <= 0.0:
        return
    keep, colored = _blend_tables(min(float(opacity), 1.0), colors)
    # One-channel lookups where the channels are equal: a 3-channel LUT costs three times more.
    keep3 = cv2.cvtColor(cv2.LUT(levels, keep), cv2.COLOR_GRAY2RGB)
    # Writing straight into a contiguous ``frame`` saves a full-frame copy; cv2 rejects other
    # layouts as dst, so those are blended in a copy that is assigned back.
    target = frame if frame.flags.c_contiguous else np.ascontiguousarray(frame)
    cv2.multiply(target, keep3, dst=target, scale=1.0 / 255.0)
    cv2.add(target, cv2.applyColorMap(levels, colored), dst=target)
    if target is not frame:
        frame[...] = target


@functools.lru_cache(maxsize=8)
def _blend_tables(opacity: float, colors: HeatColors) -> tuple[Levels, Frame]:
    """Per level: the frame's weight 255 - w (a 256-entry table) and the colour premultiplied
    by w / 255 (a 256 x 1 x 3 colormap)."""
    weight = np.rint(np.arange(256, dtype=np.float64) * opacity)
    lut = _rgb_lut(colors).reshape(256, 3).astype(np.float64)
    colored = np.rint(lut * (weight / 255.0)[:, None])
    return (
        np.ascontiguousarray(255.0 - weight, dtype=np.uint8),
        np.ascontiguousarray(colored.reshape(256, 1, 3), dtype=np.uint8),
    )
