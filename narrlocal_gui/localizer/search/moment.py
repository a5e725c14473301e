"""The typed results of a search and the settings that fuse its evidence."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Evidence", "FusionWeights", "Moment"]


@dataclass(frozen=True, slots=True)
class Moment:
    """A span of the video, ``start`` to ``end`` seconds on the video's clock, and how well
    it matches the query (higher is better; comparable within one search only)."""

    start: float
    end: float
    score: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            raise ValueError("a moment's times must be finite")
        if not 0.0 <= self.start <= self.end:
            raise ValueError(f"a moment needs 0 <= start <= end, not {self.start}..{self.end}")
        if not math.isfinite(self.score):
            raise ValueError("a moment's score must be finite")

    @property
    def duration(self) -> float:
        return self.end - self.start

    def iou(self, start: float, end: float) -> float:
        """Temporal intersection over union with ``[start, end]``."""
        inter = max(0.0, min(self.end, end) - max(self.start, start))
        union = max(self.end, end) - min(self.start, start)
        return inter / union if union > 0 else float(self.start == start and self.end == end)


@dataclass(frozen=True, slots=True)
class FusionWeights:
    """How the evidence channels add up, and how spans are scored.

    ``picture``, ``narration``, ``motion``: the weight of each normalised channel (motion
    counts only for queries with a verb); ``narration_spread``: seconds of Gaussian spread
    given to the narration's curve, since people speak before or after what they do;
    ``context``: how much of the surroundings' mean evidence a span's mean loses (ASST
    contrasts a clip with its context); ``refine``: the fraction of a span's peak (above
    its surroundings) where refined edges stop. The defaults are round values set by hand
    (equal channels, motion half as strong, a span losing its surroundings' mean), not fitted
    to any set; ``narrlocal eval moments`` also reports weights chosen by leave-one-video-out
    cross-validation beside them (README, Localizer section)."""

    picture: float = 1.0
    narration: float = 1.0
    motion: float = 0.5
    narration_spread: float = 2.0
    context: float = 1.0
    refine: float = 0.5

    def __post_init__(self) -> None:
        for name in ("picture", "narration", "motion", "narration_spread", "context"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, not {value}")
        if not 0.0 < self.refine < 1.0:
            raise ValueError(f"refine must be between 0 and 1, not {self.refine}")


@dataclass(frozen=True, slots=True, eq=False)
class Evidence:
    """Per-sample evidence for one query over one video: ``times`` (T,) seconds, ascending,
    evenly spaced; each channel (T,) normalised so 0 is the video's typical level and 1 a
    strong sign; ``narration`` None where there is no narration; ``action``: the query has
    a verb, so motion counts; ``duration``: the video's length."""

    times: np.ndarray
    picture: np.ndarray
    motion: np.ndarray
    narration: np.ndarray | None
    action: bool
    duration: float
    step: float = field(init=False)

    def __post_init__(self) -> None:
        t = np.asarray(self.times, dtype=np.float64)
        if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
            raise ValueError("times must be a non-empty ascending (T,) array")
        for name in ("picture", "motion", "narration"):
            value = getattr(self, name)
            if value is None:
                continue
            arr = np.asarray(value, dtype=np.float64)
            if arr.shape != t.shape or not np.all(np.isfinite(arr)):
                raise ValueError(f"{name} must be a finite (T,) array like times")
            object.__setattr__(self, name, arr)
        if not (math.isfinite(self.duration) and self.duration >= float(t[-1]) - 1e-6):
            raise ValueError("duration must be finite and not before the last sample")
        object.__setattr__(self, "times", t)
        step = float(np.median(np.diff(t))) if t.size > 1 else max(self.duration, 1.0)
        object.__setattr__(self, "step", step)

    def fused(self, weights: FusionWeights) -> np.ndarray:
        """The channels added up with ``weights``: (T,) float64."""
        total = weights.picture * self.picture
        if self.action:
            total = total + weights.motion * self.motion
        if self.narration is not None:
            total = total + weights.narration * spread(
                self.narration, weights.narration_spread / self.step
            )
        return np.asarray(total, dtype=np.float64)


def spread(curve: np.ndarray, sigma_samples: float) -> np.ndarray:
    """``curve`` smoothed by a Gaussian of ``sigma_samples`` samples, edges held."""
    if sigma_samples <= 0.25 or curve.size < 2:
        return curve
    radius = max(1, math.ceil(3 * sigma_samples))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (x / sigma_samples) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(curve, radius, mode="edge")
    return np.convolve(padded, kernel, mode="valid")
