"""The paper's baselines, reported beside every result: the centre prior and optical flow.

* Centre prior: "we return the center pixel for each frame" - instructional videos keep
  the subject in the middle of the picture, which makes this a strong baseline.
* Optical flow: "an optical flow map is generated for each frame using the OpenCV library
  and the magnitudes are averaged across both spatial directions; the pixel with highest
  average magnitude is the prediction". Flow is Farneback's between a frame and its
  neighbouring sampled frames, on a picture at most :data:`FLOW_SIDE` pixels a side,
  smoothed so that one noisy pixel cannot win.

Neither looks at the phrase. Both return a :class:`Localization` like every method.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

import cv2
import numpy as np

from narrlocal_gui.localizer.heatmaps import BOX_THRESHOLD, point_and_box
from narrlocal_gui.localizer.types import ClipInput, Localization, frame_digest

if TYPE_CHECKING:
    from narrlocal_gui.localizer.encoders.feature_cache import MediaFingerprint
    from narrlocal_gui.progress import CancelCallback

__all__ = [
    "FLOW_SIDE",
    "CentrePriorLocalizer",
    "FlowLocalizer",
    "frame_digest",
    "grid_shape",
    "phrase_prior",
]

#: Longest side of the picture optical flow is computed on.
FLOW_SIDE = 320
#: Longest side of the heat-map grid the baselines return.
GRID_SIDE = 32
#: Seconds over which the temporal prior falls from 1 (phrase spoken) to 0.
PRIOR_DECAY = 5.0
#: Flow magnitudes of frame pairs kept in memory (about 230 kB each at 320x180).
FLOW_PAIRS_KEPT = 256


def grid_shape(size: tuple[int, int], side: int = GRID_SIDE) -> tuple[int, int]:
    """(rows, cols) of a grid with the frame's aspect ratio and ``side`` cells on its long
    side."""
    width, height = size
    scale = side / max(width, height)
    return max(1, round(height * scale)), max(1, round(width * scale))


def phrase_prior(times: np.ndarray, start: float, end: float) -> np.ndarray:
    """Per-frame score without looking at the pictures: 1 while the phrase is spoken,
    falling linearly to 0 :data:`PRIOR_DECAY` seconds before and after."""
    t = np.asarray(times, dtype=np.float64)
    distance = np.maximum(np.maximum(start - t, t - end), 0.0)
    return np.clip(1.0 - distance / PRIOR_DECAY, 0.0, 1.0).astype(np.float32)


class CentrePriorLocalizer:
    """A centred Gaussian; the point is the frame centre in every frame."""

    name = "centre"

    def __init__(self, *, sigma: float = 0.25, threshold: float = BOX_THRESHOLD) -> None:
        if not sigma > 0.0:
            raise ValueError("sigma must be > 0")
        self.sigma = sigma
        self.threshold = threshold

    def heatmap(self, size: tuple[int, int]) -> np.ndarray:
        """The (rows, cols) prior, 1 at the centre; ``sigma`` is a fraction of each side."""
        rows, cols = grid_shape(size)
        y = (np.arange(rows) + 0.5) / rows - 0.5
        x = (np.arange(cols) + 0.5) / cols - 0.5
        heat = np.exp(-0.5 * ((y[:, None] / self.sigma) ** 2 + (x[None, :] / self.sigma) ** 2))
        return np.asarray(heat / heat.max(), dtype=np.float32)

    def localize(
        self,
        clip: ClipInput,
        phrase: str,
        *,
        media: MediaFingerprint | None = None,
        cancel: CancelCallback | None = None,
    ) -> Localization:
        """Localize ``phrase`` in ``clip``; ``media`` and ``cancel`` are not needed here
        (nothing is cached, and a phrase takes a moment)."""
        n = clip.frames.shape[0]
        width, height = clip.size
        heat = self.heatmap(clip.size)
        _, box = point_and_box(heat, clip.size, threshold=self.threshold)
        return Localization(
            times=clip.times.copy(),
            heatmaps=np.repeat(heat[None], n, axis=0),
            points=np.tile([width / 2.0, height / 2.0], (n, 1)),
            boxes=np.tile(np.asarray(box, dtype=np.float64), (n, 1)),
            scores=phrase_prior(clip.times, clip.phrase_start, clip.phrase_end),
        )


class FlowLocalizer:
    """Where the picture moves most.

    A frame's motion is the mean of the flow magnitude to its previous and to its next
    sampled frame (both computed in its own pixel grid), in pixels per second so that
    unevenly spaced samples compare. A single frame (a photo) has no motion: the result is
    the frame centre, as for a flat heat map.
    """

    name = "flow"

    def __init__(
        self,
        *,
        work_side: int = FLOW_SIDE,
        smooth: float = 0.025,
        threshold: float = BOX_THRESHOLD,
    ) -> None:
        if work_side < 16:
            raise ValueError("work_side must be at least 16 pixels")
        if smooth < 0:
            raise ValueError("smooth must be >= 0")
        self.work_side = work_side
        self.smooth = smooth
        self.threshold = threshold
        # Phrase windows overlap and share sampled frames, so the same pair's flow is asked
        # for again and again: Farneback dominated localization time before this cache.
        self._pairs: OrderedDict[tuple[str, str, tuple[int, int]], np.ndarray] = OrderedDict()
        self._pairs_lock = threading.Lock()

    def motion(self, clip: ClipInput) -> np.ndarray:
        """(T, h, w) float32 smoothed flow magnitude (px/s of the work picture)."""
        width, height = clip.size
        scale = min(1.0, self.work_side / max(width, height))
        work = (max(1, round(width * scale)), max(1, round(height * scale)))
        gray = [
            cv2.cvtColor(
                cv2.resize(frame, work, interpolation=cv2.INTER_AREA) if scale < 1.0 else frame,
                cv2.COLOR_RGB2GRAY,
            )
            for frame in clip.frames
        ]
        n = len(gray)
        digests = clip.digests()
        sigma = self.smooth * max(work)
        maps = np.zeros((n, work[1], work[0]), dtype=np.float32)
        for i in range(n):
            speeds = []
            for j in (i - 1, i + 1):
                if not 0 <= j < n:
                    continue
                dt = abs(float(clip.times[j] - clip.times[i]))
                magnitude = self._magnitude(gray[i], gray[j], (digests[i], digests[j], work))
                speeds.append(magnitude / (dt if dt > 0 else 1.0))
            if speeds:
                motion = np.mean(speeds, axis=0).astype(np.float32)
                if sigma > 0:
                    motion = cv2.GaussianBlur(motion, (0, 0), sigma)
                maps[i] = motion
        return maps

    def _magnitude(
        self, a: np.ndarray, b: np.ndarray, key: tuple[str, str, tuple[int, int]]
    ) -> np.ndarray:
        """Mean absolute flow from ``a`` to ``b`` (pixels), remembered for the pair."""
        with self._pairs_lock:
            known = self._pairs.get(key)
            if known is not None:
                self._pairs.move_to_end(key)
                return known
        # pyr_scale 0.5, 4 levels, 15 px windows: displacements of tens of pixels between
        # samples half a second apart still register. Without OPTFLOW_USE_INITIAL_FLOW the
        # buffer is output only, so a pair's result does not depend on the pairs before it.
        out = np.zeros((*a.shape[:2], 2), dtype=np.float32)
        flow = cv2.calcOpticalFlowFarneback(a, b, out, 0.5, 4, 15, 3, 5, 1.2, 0)
        magnitude = (0.5 * (np.abs(flow[..., 0]) + np.abs(flow[..., 1]))).astype(np.float32)
        with self._pairs_lock:
            self._pairs[key] = magnitude
            while len(self._pairs) > FLOW_PAIRS_KEPT:
                self._pairs.popitem(last=False)
        return magnitude

    def localize(
        self,
        clip: ClipInput,
        phrase: str,
        *,
        media: MediaFingerprint | None = None,
        cancel: CancelCallback | None = None,
    ) -> Localization:
        """Localize ``phrase`` in ``clip``; ``media`` and ``cancel`` are not needed here
        (nothing is cached, and a phrase takes a moment)."""
        motion = self.motion(clip)
        n = motion.shape[0]
        points = np.empty((n, 2), dtype=np.float64)
        boxes = np.empty((n, 4), dtype=np.float64)
        for i in range(n):
            points[i], boxes[i] = point_and_box(motion[i], clip.size, threshold=self.threshold)
        rows, cols = grid_shape(clip.size)
        heat = np.stack([cv2.resize(m, (cols, rows), interpolation=cv2.INTER_AREA) for m in motion])
        top = float(heat.max())
        heat = heat / top if top > 0 else heat
        mass = motion.reshape(n, -1).mean(axis=1)
        scores = mass / mass.max() if mass.max() > 0 else np.zeros(n)
        return Localization(
            times=clip.times.copy(),
            heatmaps=np.clip(heat, 0.0, 1.0).astype(np.float32),
            points=points,
            boxes=boxes,
            scores=scores.astype(np.float32),
        )
