"""How phrases are localized (:class:`LocalizeSettings`): the one settings type of the GUI's
worker, the command line and the pipeline. torch-free and cheap to import, so the GUI builds
it directly."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

from narrlocal_gui.localizer.methods.registry import METHODS, default_method

__all__ = ["DEVICES", "LocalizeSettings", "pipeline_device"]

#: Device preferences a user can give.
DEVICES = ("auto", "cpu", "cuda", "mps")


def pipeline_device(device: str, platform: str = sys.platform) -> str:
    """The pipeline's name for a device preference: "gpu" is CUDA, or MPS on macOS."""
    if device == "gpu":
        return "mps" if platform == "darwin" else "cuda"
    return device


@dataclass(frozen=True, slots=True)
class LocalizeSettings:
    """How phrases are localized. ``method`` "" means :func:`default_method`; ``window``:
    seconds of video before and after each phrase; ``fps``: frames sampled per second;
    ``device``: one of :data:`DEVICES`; ``max_side``: frames larger than this (longer side,
    pixels) are shrunk before the method sees them; ``checkpoint``: trained weights (for
    ``comma``); ``heatmaps_per_second``: at most this many heat maps kept per second."""

    method: str = ""
    window: float = 5.0
    fps: float = 2.0
    device: str = "auto"
    max_side: int = 640
    checkpoint: str | None = None
    heatmaps_per_second: float = 2.0

    def __post_init__(self) -> None:
        if self.method and self.method not in METHODS:
            raise ValueError(
                f"unknown localization method {self.method!r}; use one of {', '.join(METHODS)}"
            )
        if not (math.isfinite(self.window) and self.window >= 0):
            raise ValueError(f"window must be a finite number of seconds >= 0, not {self.window}")
        if not (math.isfinite(self.fps) and 0 < self.fps <= 30):
            raise ValueError(f"fps must be in (0, 30] frames/s, not {self.fps}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, not {self.device!r}")
        if isinstance(self.max_side, bool) or not isinstance(self.max_side, int):
            raise ValueError(f"max_side must be an int, not {self.max_side!r}")
        if self.max_side < 16:
            raise ValueError(f"max_side must be at least 16 pixels, not {self.max_side}")
        if self.checkpoint is not None and not self.checkpoint:
            raise ValueError("checkpoint must be None or a path")
        if not (math.isfinite(self.heatmaps_per_second) and self.heatmaps_per_second > 0):
            raise ValueError(
                f"heatmaps_per_second must be a number > 0, not {self.heatmaps_per_second}"
            )

    @property
    def method_name(self) -> str:
        """The method actually used (``method``, or the default one)."""
        return self.method or default_method()
