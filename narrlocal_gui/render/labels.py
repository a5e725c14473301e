"""Phrase labels: a filled tag in the indicator colour with the phrase text on it.

Text is rasterized once per (text, size) with Pillow's built-in FreeType font (anti-aliased,
no font files to ship) into an alpha mask, and the finished tag is cached per colour, so a
label that stays on screen costs one small array paste per frame.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from narrlocal_gui.core.model import Rgb
from narrlocal_gui.render.geometry import PixelRect

Frame = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.uint8]

ELLIPSIS = "…"
BLACK: Rgb = (0, 0, 0)
WHITE: Rgb = (255, 255, 255)

#: Label text height is the frame's short side divided by this (18 px at 720p) ...
FONT_DIVISOR = 40
#: ... but never smaller than this, so a small preview stays readable.
MIN_FONT_SIZE = 12

# The player and the exporter may render on different threads, and one FreeType face must not
# be used by two at once. Only cache misses take it, so it costs nothing during playback.
_FREETYPE_LOCK = threading.Lock()


def label_font_size(frame_width: int, frame_height: int) -> int:
    """Font size in pixels for a frame: its short side / 40, at least 12."""
    return max(MIN_FONT_SIZE, math.floor(min(frame_width, frame_height) / FONT_DIVISOR + 0.5))


def label_padding(size: int) -> tuple[int, int]:
    """(horizontal, vertical) padding between the tag's edge and its text."""
    return max(2, size // 3), max(1, size // 6)


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):
        # Only Pillow built without FreeType falls back to the fixed-size bitmap font, which
        # cannot scale and would make labels inconsistent between preview and export.
        raise RuntimeError("Pillow was built without FreeType; labels need it")
    return font


def text_color_for(background: Rgb) -> Rgb:
    """Black or white, whichever contrasts more with ``background`` (WCAG luminance)."""

    def linear(channel: int) -> float:
        c = channel / 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in background)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # Contrast with black is (L + 0.05) / 0.05, with white 1.05 / (L + 0.05); they are equal
    # at L = sqrt(1.05 * 0.05) - 0.05 ~ 0.179.
    return BLACK if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else WHITE


@functools.lru_cache(maxsize=1024)
def _layout(text: str, size: int) -> tuple[int, int, int]:
    """(x origin, width, height) of the mask for ``text``, measured without rasterizing."""
    font = _font(size)
    with _FREETYPE_LOCK:
        ascent, descent = font.getmetrics()
        if not text:
            return 0, 0, ascent + descent
        left, _, right, _ = font.getbbox(text, anchor="la")
        advance = font.getlength(text)
    # Glyphs may overhang their advance (a leading "J", a trailing "f"); keep all of the ink.
    origin = -min(0, math.floor(left))
    width = max(math.ceil(right), math.ceil(advance)) + origin
    return origin, width, ascent + descent


def text_width(text: str, size: int) -> int:
    """Width in pixels of the mask :func:`text_mask` makes for ``text``."""
    return _layout(text, size)[1]


@functools.lru_cache(maxsize=512)
def text_mask(text: str, size: int) -> Mask:
    """``text`` rendered as an anti-aliased alpha mask (read-only, H x W uint8, 255 = ink).

    The height is the font's ascent + descent whatever the text, so every tag of one size is
    equally tall.
    """
    origin, width, height = _layout(text, size)
    if width == 0:
        mask = np.zeros((height, 0), dtype=np.uint8)
    else:
        image = Image.new("L", (width, height), 0)
        with _FREETYPE_LOCK:
            ImageDraw.Draw(image).text((origin, 0), text, fill=255, font=_font(size), anchor="la")
        mask = np.asarray(image, dtype=np.uint8).copy()
    mask.setflags(write=False)
    return mask


@functools.lru_cache(maxsize=512)
def elide(text: str, size: int, max_width: int) -> str:
    """``text`` cut and ended with "…" so its mask is at most ``max_width`` wide.

    Returns ``text`` when it fits, "" when not even "…" fits. Binary search over prefixes.
    """
    if text_width(text, size) <= max_width:
        return text
    if text_width(ELLIPSIS, size) > max_width:
        return ""
    lo, hi = 0, len(text)  # text[:lo] + "…" fits; text[:hi] + "…" does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if text_width(text[:mid].rstrip() + ELLIPSIS, size) <= max_width:
            lo = mid
        else:
            hi = mid
    return text[:lo].rstrip() + ELLIPSIS


def clean_label(text: str) -> str:
    """The label as one line: line breaks and runs of whitespace become single spaces."""
    return " ".join(text.split())


@functools.lru_cache(maxsize=256)
def label_tag(text: str, size: int, color: Rgb) -> Frame:
    """The finished tag for ``text``: padded, filled with ``color``, contrasting text on it.

    Read-only H x W x 3 uint8. ``text`` is drawn as given (elide it first).
    """
    mask = text_mask(text, size)
    pad_x, pad_y = label_padding(size)
    tag = np.empty((mask.shape[0] + 2 * pad_y, mask.shape[1] + 2 * pad_x, 3), dtype=np.uint8)
    tag[...] = color
    ink = np.asarray(text_color_for(color), dtype=np.float32)
    paper = np.asarray(color, dtype=np.float32)
    alpha = mask.astype(np.float32)[:, :, np.newaxis] / np.float32(255.0)
    inner = tag[pad_y : pad_y + mask.shape[0], pad_x : pad_x + mask.shape[1]]
    inner[...] = np.rint(paper + (ink - paper) * alpha).astype(np.uint8)
    tag.setflags(write=False)
    return tag


#: A placed tag: (x1, y1, x2, y2), end-exclusive frame pixels.
TagRect = tuple[int, int, int, int]


def _overlaps(a: TagRect, b: TagRect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_label(
    tag_width: int,
    tag_height: int,
    rect: PixelRect,
    frame_width: int,
    frame_height: int,
    taken: Sequence[TagRect] = (),
) -> tuple[int, int]:
    """Top-left corner for a tag labelling ``rect``.

    Preferred: just above the box, flush with its left edge. When there is no room above
    (a box at the top of the frame), inside the box's top-left corner; when that would run off
    the bottom too, the tag is pushed up to stay in the frame. Horizontally it is pushed left
    to stay in the frame. A tag larger than the frame is anchored at the top-left.

    Tags already on the frame (``taken``) are not covered: the tag steps up a tag's height
    at a time, then down, to the nearest free place in the frame, because boxes of phrases
    spoken together often share a top edge and one label would hide the other. Where no
    place is free it goes where it prefers and lies on top.
    """
    x = rect.x1
    y = rect.y1 - tag_height
    if y < 0:
        y = rect.y1
    y = max(0, min(y, frame_height - tag_height))
    x = max(0, min(x, frame_width - tag_width))
    if not taken or tag_height <= 0:
        return x, y
    steps = frame_height // tag_height + 1
    above = [y - k * tag_height for k in range(steps)]
    below = [y + k * tag_height for k in range(1, steps)]
    for candidate in above + below:
        if 0 <= candidate <= frame_height - tag_height:
            box = (x, candidate, x + tag_width, candidate + tag_height)
            if not any(_overlaps(box, other) for other in taken):
                return x, candidate
    return x, y


def draw_label(
    frame: Frame,
    rect: PixelRect,
    text: str,
    color: Rgb,
    size: int,
    taken: list[TagRect] | None = None,
) -> None:
    """Draw the label tag for ``rect`` onto ``frame`` (in place).

    The text is made single-line and elided so the tag is at most the frame's width; nothing
    is drawn for empty text. Whatever still does not fit (a frame shorter than the tag) is
    clipped at the frame edge. With ``taken`` (the tags drawn on this frame so far), the tag
    avoids them (:func:`place_label`) and its own place is added to the list.
    """
    frame_height, frame_width = frame.shape[:2]
    pad_x, _ = label_padding(size)
    shown = elide(clean_label(text), size, frame_width - 2 * pad_x)
    if not shown:
        return
    tag = label_tag(shown, size, color)
    tag_height, tag_width = tag.shape[:2]
    x, y = place_label(
        tag_width, tag_height, rect, frame_width, frame_height, () if taken is None else taken
    )
    h = min(tag_height, frame_height - y)
    w = min(tag_width, frame_width - x)
    frame[y : y + h, x : x + w] = tag[:h, :w]
    if taken is not None:
        taken.append((x, y, x + w, y + h))
