"""8-bit 4:2:0 YUV to RGB and back with the same matrix, each direction the other's inverse.

Why not swscale for decoding: its unscaled yuv420p -> rgb24 path rounds with a bias, so
converting its pictures back to YUV (with swscale itself or with an exact matrix) moves the
luma of nearly every pixel by one level. An exported frame then differs from its source
everywhere, even where nothing was drawn, and x264 spends time and bits on that noise. With
the pair here a frame converted to RGB and back keeps 99.5 % of its samples exactly (the
rest are colours outside the RGB cube, clipped on the way).

BT.601 (what FFmpeg assumes for untagged video) goes through OpenCV's fixed-point I420
conversions; BT.709 through the same arithmetic as a 3 x 4 matrix (``cv2.transform``, which
rounds and saturates like them). Both are limited ("TV") range, as nearly all video is;
full-range and other formats are left to swscale by the caller (:func:`fast_path_colors`).
Chroma is shared by each 2 x 2 block: repeated on the way to RGB, averaged on the way back.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Protocol, cast

import cv2
import numpy as np
import numpy.typing as npt

__all__ = [
    "UNTAGGED_BT601",
    "Matrix",
    "YuvColors",
    "fast_path_colors",
    "rgb_to_yuv420",
    "source_colors",
    "tag_stream",
    "yuv420_to_rgb",
]

Image = npt.NDArray[np.uint8]

# FFmpeg's AVColorSpace and AVColorRange values (frame.colorspace, frame.color_range).
_SPACE_BT709 = 1
_SPACE_UNSPECIFIED = 2
_SPACES_BT601 = (_SPACE_UNSPECIFIED, 5, 6)  # unspecified, BT.470BG, SMPTE 170M
_RANGE_FULL = 2
_RANGE_LIMITED = 1


class Matrix(enum.Enum):
    """The YUV <-> RGB matrix: its luma weights (Kr, Kb)."""

    BT601 = (0.299, 0.114)
    BT709 = (0.2126, 0.0722)


# The primaries and transfer that go with each matrix (AVColorPrimaries, AVColorTransfer).
_PRIMARIES_AND_TRANSFER = {Matrix.BT709: (1, 1), Matrix.BT601: (6, 6)}


@dataclass(frozen=True, slots=True)
class YuvColors:
    """How a video's YUV samples map to RGB: the matrix, and whether the file says so
    (``tagged``; an export tags its stream the same way, so players read it alike)."""

    matrix: Matrix
    tagged: bool = False

    @property
    def colorspace(self) -> int:
        """FFmpeg's AVColorSpace for the matrix."""
        return _SPACE_BT709 if self.matrix is Matrix.BT709 else 6


def fast_path_colors(
    pix_fmt: str, width: int, height: int, space: int, rng: int
) -> YuvColors | None:
    """The colours of a decoded frame this module converts, None for one left to swscale
    (not 8-bit 4:2:0, an odd side, full range, or a matrix other than BT.601/BT.709)."""
    if pix_fmt != "yuv420p" or width % 2 or height % 2 or rng == _RANGE_FULL:
        return None
    if space == _SPACE_BT709 or space in _SPACES_BT601:
        return source_colors(space)
    return None


#: What FFmpeg assumes for a file that does not say.
UNTAGGED_BT601 = YuvColors(Matrix.BT601)


def source_colors(space: int) -> YuvColors:
    """The matrix of a video whose frames say ``space`` (BT.601 for any but BT.709, as
    FFmpeg reads an untagged file)."""
    if space == _SPACE_BT709:
        return YuvColors(Matrix.BT709, tagged=True)
    return YuvColors(Matrix.BT601, tagged=space in _SPACES_BT601 and space != _SPACE_UNSPECIFIED)


class _ColorTags(Protocol):
    """What :func:`tag_stream` sets: the colour fields of a PyAV video codec context."""

    colorspace: int
    color_range: int
    color_primaries: int
    color_trc: int


def tag_stream(context: _ColorTags, colors: YuvColors) -> None:
    """Tag an encoder's ``context`` (``stream.codec_context``) with ``colors``: the matrix,
    limited range, and the primaries and transfer of that standard, so players read the file
    as it was written. An untagged ``colors`` leaves the stream untagged (players assume
    BT.601, as the reader does)."""
    if not colors.tagged:
        return
    context.colorspace = colors.colorspace
    context.color_range = _RANGE_LIMITED
    context.color_primaries, context.color_trc = _PRIMARIES_AND_TRANSFER[colors.matrix]


@functools.cache
def _to_rgb(matrix: Matrix) -> npt.NDArray[np.float32]:
    """3 x 4: RGB = M @ (Y, U, V, 1), limited range."""
    kr, kb = matrix.value
    kg = 1.0 - kr - kb
    luma, chroma = 255.0 / 219.0, 255.0 / 224.0
    m = np.array(
        [
            [luma, 0.0, chroma * 2 * (1 - kr)],
            [luma, -chroma * 2 * (1 - kb) * kb / kg, -chroma * 2 * (1 - kr) * kr / kg],
            [luma, chroma * 2 * (1 - kb), 0.0],
        ]
    )
    offset = -m @ np.array([16.0, 128.0, 128.0])
    return np.hstack([m, offset[:, None]]).astype(np.float32)


@functools.cache
def _to_yuv(matrix: Matrix) -> npt.NDArray[np.float32]:
    """3 x 4: (Y, U, V) = M @ (R, G, B, 1), the inverse of :func:`_to_rgb`."""
    forward = np.vstack([_to_rgb(matrix).astype(np.float64), [0.0, 0.0, 0.0, 1.0]])
    return np.linalg.inv(forward)[:3].astype(np.float32)


def yuv420_to_rgb(planes: Image, colors: YuvColors) -> Image:
    """RGB (H x W x 3) of I420 ``planes`` ((H * 3 / 2) x W: Y, then U, then V)."""
    if colors.matrix is Matrix.BT601:
        return cast(Image, cv2.cvtColor(planes, cv2.COLOR_YUV2RGB_I420))
    height, width = planes.shape[0] * 2 // 3, planes.shape[1]
    u, v = _chroma_to_full(planes[height:].reshape(2, height // 2, width // 2))
    yuv = cv2.merge([planes[:height], u, v])
    return cast(Image, cv2.transform(yuv, _to_rgb(colors.matrix)))


def _chroma_to_full(chroma: Image) -> Image:
    """(2, H, W) planes of (2, H / 2, W / 2) ``chroma``: each sample repeated over its 2 x 2 block.

    The same result as a nearest-neighbour resize, a third of its CPU time: OpenCV's resize
    spreads this small job over every core, which costs twice the time in CPU seconds while an
    export keeps the cores busy with x264. Multiplying a byte by 257 writes it into both
    bytes of a 16-bit word, which doubles every row at once; np.repeat doubles the rows.
    """
    wide = (chroma.astype(np.uint16) * 257).view(np.uint8)
    return cast(Image, np.repeat(wide, 2, axis=1))


def rgb_to_yuv420(rgb: Image, colors: YuvColors) -> Image:
    """I420 planes ((H * 3 / 2) x W) of an RGB picture with even sides."""
    if colors.matrix is Matrix.BT601:
        return cast(Image, cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420))
    height, width = int(rgb.shape[0]), int(rgb.shape[1])
    yuv = cv2.transform(rgb, _to_yuv(colors.matrix))
    out = np.empty((height * 3 // 2, width), dtype=np.uint8)
    out[:height] = yuv[..., 0]
    # INTER_AREA at exactly half size is the rounded mean of each 2 x 2 block.
    chroma = cv2.resize(yuv, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    planes = out[height:].reshape(2, height // 2, width // 2)
    planes[0] = chroma[..., 1]
    planes[1] = chroma[..., 2]
    return out
