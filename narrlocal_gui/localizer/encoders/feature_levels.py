"""The levels of video feature grids the localizer reads (plain data: cheap to import)."""

from __future__ import annotations

__all__ = ["FEATURE_LEVELS", "feature_channels"]

#: The video feature grids the localizer can read, and their channels. ``head``: the
#: EfficientNet-Lite0 head (conv_head -> BN -> ReLU6), what the ImageNet classifier reads:
#: object categories, but little of a region's colour or outline (a supervised linear probe
#: on the synthetic set's cells found the described object in 0.28 of held-out frames).
#: ``mid``: the output of block 10 (stride 16, 112 channels) averaged 2 x 2 onto the same
#: stride-32 grid: colour, texture and shape parts (the same probe: 0.92). ``head+mid``:
#: both, concatenated.
FEATURE_LEVELS: dict[str, int] = {"head": 1280, "mid": 112, "head+mid": 1392}


def feature_channels(level: str) -> int:
    """Channels of a grid of ``level`` (one of :data:`FEATURE_LEVELS`)."""
    try:
        return FEATURE_LEVELS[level]
    except KeyError:
        raise ValueError(
            f"video features must be one of {', '.join(FEATURE_LEVELS)}, not {level!r}"
        ) from None
