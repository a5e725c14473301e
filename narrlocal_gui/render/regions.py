"""Region effects (brighten, tint) and surround effects (darken, grayscale, spotlight).

All of them work IN PLACE on a frame the caller owns (compose.py makes the one copy), and a
region effect touches only its rectangle's slice, which keeps them cheap enough for playback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, cast

import cv2
import numpy as np
import numpy.typing as npt

from narrlocal_gui.core.model import Rgb
from narrlocal_gui.render.geometry import PixelRect

Frame = npt.NDArray[np.uint8]

WHITE: Rgb = (255, 255, 255)


class RegionShift(NamedTuple):
    """Move the pixels of ``rect`` a fraction ``amount`` (0..1) of the way to ``target``."""

    rect: PixelRect
    target: Rgb
    amount: float


def shifted_towards(pixels: Frame, target: Rgb, amount: float) -> Frame:
    """A new array: ``pixels * (1 - amount) + target * amount``, rounded and saturated.

    One cv2.transform call does the per-channel affine map in uint8 without a float copy of
    the image.
    """
    keep = 1.0 - amount
    matrix = np.array(
        [
            [keep, 0.0, 0.0, target[0] * amount],
            [0.0, keep, 0.0, target[1] * amount],
            [0.0, 0.0, keep, target[2] * amount],
        ],
        dtype=np.float32,
    )
    return cast(Frame, cv2.transform(pixels, matrix))


def brighten_region(frame: Frame, rect: PixelRect, amount: float) -> None:
    """Move the pixels inside ``rect`` towards white by ``amount`` (in place)."""
    if amount > 0.0:
        frame[rect.slices] = shifted_towards(frame[rect.slices], WHITE, amount)


def tint_region(frame: Frame, rect: PixelRect, color: Rgb, amount: float) -> None:
    """Move the pixels inside ``rect`` towards ``color`` by ``amount`` (in place)."""
    if amount > 0.0:
        frame[rect.slices] = shifted_towards(frame[rect.slices], color, amount)


def shift_regions(frame: Frame, shifts: Sequence[RegionShift]) -> None:
    """Apply several region shifts so that each pixel is shifted at most once (in place).

    Every shift reads the pixels as they were before any of them ran; where rectangles
    overlap, the later entry wins. Two overlapping brightened regions therefore look like one
    brightened union instead of a doubly bright intersection.
    """
    active = [s for s in shifts if s.amount > 0.0]
    overlapping = any(
        a.rect.intersects(b.rect) for i, a in enumerate(active) for b in active[i + 1 :]
    )
    if not overlapping:
        for shift in active:
            frame[shift.rect.slices] = shifted_towards(
                frame[shift.rect.slices], shift.target, shift.amount
            )
        return
    sources = [frame[s.rect.slices].copy() for s in active]
    for shift, source in zip(active, sources, strict=True):
        frame[shift.rect.slices] = shifted_towards(source, shift.target, shift.amount)


def surrounded(
    frame: Frame, inside_rects: Sequence[PixelRect], darken: float, grayscale: bool
) -> Frame:
    """A new C-contiguous copy of ``frame`` darkened and/or desaturated outside the union of
    ``inside_rects``: what :func:`apply_surround` does to a copy, pixel for pixel.

    ``frame`` is not modified and may be read-only. The darkened (or gray) picture is
    computed straight from ``frame`` into the new array and the inside rectangles are copied
    back from ``frame``, so the whole frame is read and written once instead of copied first
    and processed in place (a full-frame pass less per rendered frame).
    """
    source = np.ascontiguousarray(frame)
    if darken <= 0.0 and not grayscale:
        return source.copy()
    keep = 1.0 - min(darken, 1.0)
    if grayscale:
        gray = cv2.cvtColor(source, cv2.COLOR_RGB2GRAY)
        if darken > 0.0:
            gray = cv2.convertScaleAbs(gray, alpha=keep)
        out = cast(Frame, cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB))
    else:
        out = cast(Frame, cv2.convertScaleAbs(source, alpha=keep))
    for rect in inside_rects:
        out[rect.slices] = source[rect.slices]
    return out


def apply_surround(
    frame: Frame, inside_rects: Sequence[PixelRect], darken: float, grayscale: bool
) -> None:
    """Darken and/or desaturate everything outside the union of ``inside_rects`` (in place).

    ``darken`` is the fraction of brightness removed (0..1). The whole frame is processed with
    fast full-frame cv2 calls and the inside rectangles are then put back from a copy taken
    first, which is both simpler and faster than masking; the union falls out naturally, so
    two spotlit regions both stay exactly as they were.
    """
    if darken <= 0.0 and not grayscale:
        return
    saved = [frame[r.slices].copy() for r in inside_rects]
    keep = 1.0 - min(darken, 1.0)
    # Writing straight into a contiguous ``frame`` through cv2's dst saves a full-frame copy
    # (and is ten times faster than numpy broadcasting the gray plane); cv2 rejects other
    # layouts as dst, so those get the result assigned.
    dst = frame if frame.flags.c_contiguous else None
    if grayscale:
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        if darken > 0.0:
            gray = cv2.convertScaleAbs(gray, alpha=keep)
        result = cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB, dst=dst)
    else:
        result = cv2.convertScaleAbs(frame, alpha=keep, dst=dst)
    if result is not frame:
        frame[...] = result
    for rect, pixels in zip(inside_rects, saved, strict=True):
        frame[rect.slices] = pixels
