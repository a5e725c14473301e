"""Draw every visible indicator onto a frame: the one entry point for player and exporter.

Both the live preview and the exported video call :func:`render_indicators`, so what is seen
while editing is what gets exported.

Composition order (fixed, so several indicators never interact in surprising ways):

1. Surround effects (DARKEN, GRAYSCALE, SPOTLIGHT) are applied ONCE, with the union of all
   their regions as "inside": two spotlit regions both stay intact. Grayscale applies if any
   active indicator asks for it; the darkening is the largest any of them asks for (all use
   ``settings.darken_amount``; GRAYSCALE alone does not darken).
2. Heat maps (HEATMAP style): each grid is resized smoothly to the frame (a HEATMAP indicator
   without a grid but with a box gets a soft Gaussian blob over the box); several are merged by
   their per-pixel maximum and blended once with weight ``heat * settings.heatmap_opacity``.
3. Region effects, in ``visible`` order: BRIGHTEN (towards white by ``brighten_amount``) and
   TINT (towards the indicator colour by ``tint_amount``). Each pixel is shifted at most once;
   where regions overlap the later indicator wins.
4. Outlines for BOX indicators, ``settings.line_width`` scaled with the frame (see
   :func:`narrlocal_gui.render.boxes.scaled_line_width`).
5. Labels (when ``settings.show_labels``) for every indicator with a box on the frame, in
   ``visible`` order; a label steps up (or down) out of the way of the labels drawn before
   it, and lies on top of them only where the frame has no free place.

Effects that need a region (surround, region, box, label) draw nothing for an indicator
without a box, or whose box is entirely off the frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from narrlocal_gui.core.model import DisplaySettings, IndicatorStyle
from narrlocal_gui.core.visibility import VisibleIndicator
from narrlocal_gui.render.boxes import draw_outline, scaled_line_width
from narrlocal_gui.render.geometry import PixelRect, bounds_to_rect, map_box
from narrlocal_gui.render.heatmap import (
    Levels,
    blend_levels,
    gaussian_blob,
    levels_from_grid,
    to_levels,
)
from narrlocal_gui.render.labels import TagRect, draw_label, label_font_size
from narrlocal_gui.render.regions import WHITE, RegionShift, shift_regions, surrounded

Frame = npt.NDArray[np.uint8]

_DARKENING = (IndicatorStyle.DARKEN, IndicatorStyle.SPOTLIGHT)
_GRAYING = (IndicatorStyle.GRAYSCALE, IndicatorStyle.SPOTLIGHT)


def render_indicators(
    frame: Frame,
    visible: Sequence[VisibleIndicator],
    settings: DisplaySettings,
    *,
    source_size: tuple[int, int] | None = None,
) -> Frame:
    """``frame`` (H x W x 3 uint8 RGB) with ``visible`` drawn on it, as a new array.

    ``frame`` is never modified and may be read-only. ``source_size`` is the source video's
    (width, height) when ``frame`` is a scaled copy of it (a lower-resolution preview); boxes,
    which are in source pixels, are then scaled by W / width and H / height. None means the
    frame is at source resolution.

    When nothing would be drawn (no indicators, or none with anything on the frame), ``frame``
    ITSELF is returned to save a copy: callers must treat the result as read-only.

    Raises ValueError only for a frame that is not H x W x 3 uint8; box geometry (off-frame,
    partly outside, sub-pixel) never raises.
    """
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"frame must be H x W x 3 uint8, got {frame.shape} {frame.dtype}")
    height, width = int(frame.shape[0]), int(frame.shape[1])
    if height == 0 or width == 0:
        return frame
    size = (width, height)

    inside: list[PixelRect] = []
    darken = 0.0
    grayscale = False
    heat: Levels | None = None
    shifts: list[RegionShift] = []
    outlines: list[tuple[PixelRect, VisibleIndicator]] = []
    labels: list[tuple[PixelRect, VisibleIndicator]] = []

    for ind in visible:
        bounds = map_box(ind.box, size, source_size) if ind.box is not None else None
        rect = bounds_to_rect(bounds, size) if bounds is not None else None
        style = ind.style
        if rect is not None:
            if style.affects_surround:
                inside.append(rect)
                if style in _DARKENING:
                    darken = max(darken, settings.darken_amount)
                grayscale = grayscale or style in _GRAYING
            elif style is IndicatorStyle.BRIGHTEN and settings.brighten_amount > 0.0:
                shifts.append(RegionShift(rect, WHITE, settings.brighten_amount))
            elif style is IndicatorStyle.TINT and settings.tint_amount > 0.0:
                shifts.append(RegionShift(rect, ind.color, settings.tint_amount))
            elif style is IndicatorStyle.BOX:
                outlines.append((rect, ind))
            if settings.show_labels and ind.label.strip():
                labels.append((rect, ind))
        if style is IndicatorStyle.HEATMAP and settings.heatmap_opacity > 0.0:
            layer = _heat_layer(ind, bounds, rect, width, height)
            if layer is not None:
                heat = layer if heat is None else np.maximum(heat, layer, out=heat)

    surround = bool(inside) and (darken > 0.0 or grayscale)
    if not (surround or heat is not None or shifts or outlines or labels):
        return frame

    # The one copy of the frame: the surround effect, when there is one, computes it.
    if surround:
        out = surrounded(frame, inside, darken, grayscale)
    else:
        out = np.array(frame, dtype=np.uint8, order="C", copy=True)
    if heat is not None:
        blend_levels(out, heat, settings.heatmap_opacity, settings.heatmap_colors)
    if shifts:
        shift_regions(out, shifts)
    if outlines:
        thickness = scaled_line_width(settings.line_width, width, height)
        for rect, ind in outlines:
            draw_outline(out, rect, ind.color, thickness)
    if labels:
        font_size = label_font_size(width, height)
        taken: list[TagRect] = []
        for rect, ind in labels:
            draw_label(out, rect, ind.label, ind.color, font_size, taken)
    return out


def _heat_layer(
    ind: VisibleIndicator,
    bounds: tuple[float, float, float, float] | None,
    rect: PixelRect | None,
    width: int,
    height: int,
) -> Levels | None:
    """The indicator's heat at frame resolution: its grid, else a blob over its box."""
    if ind.heatmap is not None:
        layer = levels_from_grid(ind.heatmap, width, height)
        if layer is not None:
            return layer
    if bounds is not None and rect is not None:
        return to_levels(gaussian_blob(bounds, width, height))
    return None
