"""Hand numpy frames to Qt without sharing memory that numpy may free or reuse.

:func:`numpy_to_qimage` wraps the array's pixels in a temporary ``Format_RGB888`` QImage and
converts that to ``Format_RGB32`` in the same call. The conversion is a single pass that both

* gives the result its own buffer, so the QImage stays valid after the array is freed or
  overwritten (decoders reuse their frame buffers), even when Qt shares it implicitly with
  copies Python never sees; and
* produces the format Qt's raster painter draws fastest: scaling a 1280x720 frame onto a
  1600x900 widget with smooth filtering costs ~0.8 ms from RGB32 against ~2.1 ms from RGB888.

Measured on a 2-core x86-64 VM (offscreen platform), per 1280x720 frame:

* C-contiguous array, or a crop of one (padded rows): ~0.1 ms (a plain ``.copy()`` of an
  RGB888 wrapper costs about the same, but then every paint pays the slower format);
* array with a non-unit pixel stride (e.g. ``a[:, ::2]``): ~3 ms, numpy gathering it first.

Either is far inside a 60 fps frame budget (16.7 ms).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PySide6.QtGui import QImage


def numpy_to_qimage(rgb: npt.NDArray[np.uint8]) -> QImage:
    """A QImage (``Format_RGB32``, owning its pixels) of an H x W x 3 uint8 RGB array."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an H x W x 3 RGB array, got shape {rgb.shape}")
    if rgb.dtype != np.uint8:
        raise ValueError(f"expected uint8 pixels, got {rgb.dtype}")
    height, width = int(rgb.shape[0]), int(rgb.shape[1])
    if height == 0 or width == 0:
        return QImage()
    # QImage can step over padded rows itself, so a crop of a larger frame needs no gather;
    # anything else (pixel strides, negative strides, channel views) is made contiguous.
    rows_packed = rgb.strides[1] == 3 and rgb.strides[2] == 1 and rgb.strides[0] >= 3 * width
    if not rows_packed:
        rgb = np.ascontiguousarray(rgb)
    row_bytes = int(rgb.strides[0])
    # Python's buffer protocol only exports contiguous memory, so hand Qt a flat byte view
    # from the first pixel to the last one; Qt then steps ``row_bytes`` per scanline itself.
    span = row_bytes * (height - 1) + 3 * width
    flat = np.lib.stride_tricks.as_strided(rgb, shape=(span,), strides=(1,))
    wrapper = QImage(flat.data, width, height, row_bytes, QImage.Format.Format_RGB888)
    # The wrapper borrows ``rgb``'s memory; converting gives the result a buffer of its own
    # before ``rgb`` can go away. (RGB888 -> RGB32 always allocates, never shares.)
    return wrapper.convertToFormat(QImage.Format.Format_RGB32)
