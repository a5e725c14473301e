"""Heat maps: a coarse localizer grid (or a blob over a box) blended over the frame.

The heat itself is the blend weight (``alpha = heat * opacity``), so cold parts of the frame
keep the picture and only the hot parts take the colormap's colour.
"""

from __future__ import annotations

from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from narrlocal_gui.render.geometry import Bounds

Frame = npt.NDArray[np.uint8]
Heat = npt.NDArray[np.float32]

#: Inferno is perceptually uniform and readable with colour-vision deficiencies, matching the
#: colour-blind-safe indicator palette; its dark cold end carries little weight anyway.
COLORMAP = cv2.COLORMAP_INFERNO

# The colormap as an RGB lookup table, so colouring needs no BGR->RGB pass per frame.
_RGB_LUT: Frame = np.ascontiguousarray(
    cv2.applyColorMap(np.arange(256, dtype=np.uint8).reshape(256, 1), COLORMAP)[:, :, ::-1]
)

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
    cells = np.asarray(grid, dtype=np.float32)
    if cells.ndim != 2 or cells.size == 0 or width <= 0 or height <= 0:
        return None
    if not np.all(np.isfinite(cells)):
        cells = np.nan_to_num(cells, nan=0.0, posinf=1.0, neginf=0.0)
    if cells.shape == (1, 1):
        return np.full((height, width), np.clip(cells[0, 0], 0.0, 1.0), dtype=np.float32)
    cells = np.ascontiguousarray(cells)
    # Bicubic straight to full resolution costs ~1 ms at 720p; bicubic to a quarter of it and
    # bilinear the rest of the way looks the same (the field is smooth by then) at a tenth.
    coarse = (max(1, -(-width // UPSCALE_STEP)), max(1, -(-height // UPSCALE_STEP)))
    if coarse[0] > cells.shape[1] and coarse[1] > cells.shape[0]:
        cells = cast(Heat, cv2.resize(cells, coarse, interpolation=cv2.INTER_CUBIC))
        np.clip(cells, 0.0, 1.0, out=cells)
        heat = cast(Heat, cv2.resize(cells, (width, height), interpolation=cv2.INTER_LINEAR))
    else:
        heat = cast(Heat, cv2.resize(cells, (width, height), interpolation=cv2.INTER_CUBIC))
        np.clip(heat, 0.0, 1.0, out=heat)
    return heat


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


def colorize(heat: Heat) -> Frame:
    """``heat`` (H x W, 0..1) as an RGB image in the colormap."""
    levels = cv2.convertScaleAbs(heat, alpha=255.0)
    return cast(Frame, cv2.applyColorMap(levels, _RGB_LUT))


def blend_heat(frame: Frame, heat: Heat, opacity: float) -> None:
    """Blend the coloured ``heat`` over ``frame`` (in place) with weight ``heat * opacity``.

    ``heat`` must have the frame's height and width.
    """
    if opacity <= 0.0:
        return
    alpha = heat * np.float32(min(opacity, 1.0))
    keep = np.float32(1.0) - alpha
    # Blending straight into a contiguous ``frame`` saves a full-frame copy; cv2 rejects other
    # layouts as dst, so those get the result assigned.
    dst = frame if frame.flags.c_contiguous else None
    result = cv2.blendLinear(frame, colorize(heat), keep, alpha, dst=dst)
    if result is not frame:
        frame[...] = result
