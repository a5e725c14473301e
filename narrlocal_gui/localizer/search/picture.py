"""The picture side of a search: the bridge's classes for a query, its encoder's class logits
per frame, and the per-frame evidence they give together."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from narrlocal_gui.localizer.encoders.video_encoder import GRID_STRIDE, VideoEncoder

__all__ = ["ClassLogitScorer", "QueryClasses", "picture_evidence"]

#: The encoder's short side for searching: a frame-level signal needs less detail than a
#: box (the bridge localizes at 448); 320 px encodes about twice as fast.
SEARCH_SHORT_SIDE = 320


@dataclass(frozen=True, slots=True, eq=False)
class QueryClasses:
    """The ImageNet classes standing for a query's things (``weights`` (classes,), summing
    to 1, or all 0 when it names none) and whether it has a verb (``action``)."""

    weights: np.ndarray = field(repr=False)
    action: bool

    def __post_init__(self) -> None:
        if self.weights.ndim != 1 or not np.all(np.isfinite(self.weights)):
            raise ValueError("weights must be a finite (classes,) array")


class ClassLogitScorer:
    """EfficientNet-Lite0's ImageNet classifier on every grid cell, pooled per frame (the
    :class:`~narrlocal_gui.localizer.search.video_index.FrameScorer` of the real engine)."""

    def __init__(
        self,
        encoder: VideoEncoder,
        *,
        short_side: int = SEARCH_SHORT_SIDE,
        reduced_precision: bool = True,
    ) -> None:
        if short_side <= 0 or short_side % GRID_STRIDE:
            raise ValueError(f"short_side must be a positive multiple of {GRID_STRIDE}")
        self._encoder = encoder
        self._short_side = short_side
        self._reduced = reduced_precision
        weight, bias = encoder.fc
        self._weight = weight
        self._bias = bias[:, None]

    @property
    def version(self) -> str:
        return f"{self._encoder.version_for(self._reduced)}-{self._short_side}"

    def frame_logits(self, frames: np.ndarray) -> np.ndarray:
        grids = self._encoder.encode(
            frames, short_side=self._short_side, reduced_precision=self._reduced
        )
        n, c, h, w = grids.shape
        out = np.empty((n, 2, self._weight.shape[0]), dtype=np.float32)
        for i, grid in enumerate(grids):
            cells = self._weight @ grid.reshape(c, h * w) + self._bias  # (classes, cells)
            out[i, 0] = cells.max(axis=1)
            out[i, 1] = cells.mean(axis=1)
        return out


def picture_evidence(logits: np.ndarray, query: QueryClasses) -> np.ndarray:
    """(T,) how strongly each frame shows the query's classes: each selected class's pooled
    logits standardised over the video's frames (classes that score high everywhere say
    nothing about when), weighted by the query's class weights, both poolings averaged."""
    selected = np.flatnonzero(query.weights > 0)
    if selected.size == 0 or logits.shape[0] < 2:
        return np.zeros(logits.shape[0], dtype=np.float64)
    chosen = logits[:, :, selected].astype(np.float64)  # (T, 2, K)
    mean = chosen.mean(axis=0, keepdims=True)
    std = chosen.std(axis=0, keepdims=True)
    z = (chosen - mean) / np.maximum(std, 1e-6)
    return np.asarray(z.mean(axis=1) @ query.weights[selected], dtype=np.float64)
