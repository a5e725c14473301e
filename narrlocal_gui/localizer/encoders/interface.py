"""What the CoMMA method and the training feature extraction need of the encoders; small
fakes stand in for them in tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

__all__ = ["TextFeatureEncoder", "VideoFeatureEncoder"]


class VideoFeatureEncoder(Protocol):
    """What CoMMA needs from the video encoder (localizer/encoders/video_encoder.py)."""

    def encode(self, frames: np.ndarray, *, short_side: int = 224, level: str = "head") -> Any:
        """(T, H, W, 3) uint8 -> (T, C, h, w) float32 (numpy or torch); ``level`` one of
        :data:`~narrlocal_gui.localizer.encoders.feature_levels.FEATURE_LEVELS`."""
        ...


class TextFeatureEncoder(Protocol):
    """What CoMMA needs from the text encoder (localizer/encoders/text_encoder.py)."""

    def encode_words(self, phrase: str) -> tuple[Sequence[str], Any]:
        """Phrase -> (words kept, (n, 384) float32), stop words removed."""
        ...
