"""One decoded picture, as every frame source (video or still image) returns it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Frame"]


@dataclass(frozen=True, slots=True, eq=False)
class Frame:
    """One decoded picture: frame ``index`` shown from ``time`` (seconds of media time)."""

    index: int
    time: float
    image: np.ndarray

    def __post_init__(self) -> None:
        if self.index < 0:
            raise ValueError(f"frame index must be >= 0, not {self.index}")
        if not math.isfinite(self.time):
            raise ValueError(f"frame time must be finite, not {self.time}")
        img = self.image
        if not isinstance(img, np.ndarray) or img.dtype != np.uint8:
            raise ValueError("frame image must be a uint8 numpy array")
        if img.ndim != 3 or img.shape[2] != 3 or img.shape[0] == 0 or img.shape[1] == 0:
            raise ValueError(f"frame image must have shape (H, W, 3), not {img.shape}")
        # Frames are shared through the cache, so nobody may change one in place.
        img.setflags(write=False)

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])
