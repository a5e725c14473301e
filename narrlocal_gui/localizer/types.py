"""Plain data in and out of every localization method (no torch here).

A method gets a :class:`ClipInput` (the frames sampled in the window around a phrase, as
RGB uint8 arrays at the media's native size, with their times) and the phrase text, and
returns a :class:`Localization`: one heat map per input frame on a coarse grid, the most
likely pixel per frame (native pixel coordinates), a box per frame and a score per frame.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

import numpy as np


def frame_digest(frame: np.ndarray) -> str:
    """A key for a picture's content: the same frame decoded again (for another phrase's
    window) gets the same key."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr(frame.shape).encode())
    h.update(np.ascontiguousarray(frame).data)
    return h.hexdigest()


@dataclass(frozen=True, slots=True, eq=False)
class ClipInput:
    """``frames``: (T, H, W, 3) uint8 RGB; ``times``: (T,) float64 seconds, ascending;
    ``phrase_start``/``phrase_end``: when the phrase is spoken (seconds, same clock)."""

    frames: np.ndarray
    times: np.ndarray
    phrase_start: float
    phrase_end: float
    _digests: tuple[str, ...] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        f = self.frames
        if f.ndim != 4 or f.shape[3] != 3 or f.dtype != np.uint8 or f.shape[0] == 0:
            raise ValueError(f"frames must be (T>0, H, W, 3) uint8, got {f.shape} {f.dtype}")
        t = np.asarray(self.times, dtype=np.float64)
        if t.shape != (f.shape[0],) or not np.all(np.isfinite(t)) or np.any(np.diff(t) < 0):
            raise ValueError("times must be finite, ascending and one per frame")
        if not (math.isfinite(self.phrase_start) and math.isfinite(self.phrase_end)):
            raise ValueError("phrase times must be finite")
        if self.phrase_end < self.phrase_start:
            raise ValueError("phrase_end is before phrase_start")
        object.__setattr__(self, "times", t)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the frames in pixels."""
        return int(self.frames.shape[2]), int(self.frames.shape[1])

    def digests(self) -> tuple[str, ...]:
        """:func:`frame_digest` of every frame, computed on the first call only: the grid
        memory, the motion memory and the flow pairs all key on them (hashing a 640 px
        frame three times over was 5 % of a localization run)."""
        if self._digests is None:
            object.__setattr__(self, "_digests", tuple(frame_digest(f) for f in self.frames))
        assert self._digests is not None
        return self._digests


@dataclass(frozen=True, slots=True, eq=False)
class Localization:
    """One result per input frame.

    ``heatmaps``: (T, h, w) float32 in [0, 1] on a coarse grid covering the whole frame;
    ``points``: (T, 2) float64 (x, y) native pixels, the mode of each heat map;
    ``boxes``: (T, 4) float64 (x1, y1, x2, y2) native pixels; ``scores``: (T,) float32 in
    [0, 1], how strongly each frame shows the phrase (temporal localization).
    """

    times: np.ndarray
    heatmaps: np.ndarray
    points: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray

    def __post_init__(self) -> None:
        n = int(np.asarray(self.times).shape[0])
        if self.heatmaps.ndim != 3 or self.heatmaps.shape[0] != n:
            raise ValueError(f"heatmaps must be (T, h, w) with T={n}, got {self.heatmaps.shape}")
        if self.points.shape != (n, 2):
            raise ValueError(f"points must be ({n}, 2), got {self.points.shape}")
        if self.boxes.shape != (n, 4):
            raise ValueError(f"boxes must be ({n}, 4), got {self.boxes.shape}")
        if self.scores.shape != (n,):
            raise ValueError(f"scores must be ({n},), got {self.scores.shape}")

    def index_at(self, t: float) -> int:
        """The frame nearest to time ``t``."""
        times = np.asarray(self.times)
        return int(np.argmin(np.abs(times - t)))
