"""Span proposals on an evidence curve: several lengths, sliding; scored by contrast with
their surroundings; non-maximum suppression; boundary refinement. numpy only.

A sample ``i`` of a curve stands for ``[t_i - step/2, t_i + step/2]``; a span of samples
``[i, j)`` for ``[t_i - step/2, t_{j-1} + step/2]`` cut to the video. Scores use prefix
sums, so a query over an hour of samples costs milliseconds; only the few best proposals
are refined.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from narrlocal_gui.localizer.search.moment import Moment, spread

__all__ = [
    "DEFAULT_LENGTHS",
    "SpanScorer",
    "non_maximum_suppression",
    "propose",
    "rank_moments",
    "refine",
]

#: Proposal lengths in seconds (ASST's multi-scale anchors), plus the whole video.
DEFAULT_LENGTHS: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)


class SpanScorer:
    """Mean evidence inside a span minus ``context`` times the mean of its surroundings
    (half the span's length on each side, cut to the video; none counts as 0, the curve's
    typical level)."""

    def __init__(self, curve: np.ndarray, context: float) -> None:
        self.curve = np.asarray(curve, dtype=np.float64)
        self.context = context
        self._sums = np.concatenate(([0.0], np.cumsum(self.curve)))

    def score(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        n = self.curve.size
        s = np.asarray(starts, dtype=np.int64)
        e = np.asarray(ends, dtype=np.int64)
        inside = (self._sums[e] - self._sums[s]) / np.maximum(e - s, 1)
        half = np.maximum((e - s) // 2, 1)
        lo = np.maximum(s - half, 0)
        hi = np.minimum(e + half, n)
        around_sum = (self._sums[s] - self._sums[lo]) + (self._sums[hi] - self._sums[e])
        around_n = (s - lo) + (hi - e)
        around = np.where(around_n > 0, around_sum / np.maximum(around_n, 1), 0.0)
        return np.asarray(inside - self.context * around, dtype=np.float64)


def propose(
    count: int, step: float, lengths: Sequence[float] = DEFAULT_LENGTHS
) -> tuple[np.ndarray, np.ndarray]:
    """Sliding spans ``[start, end)`` of sample indices over ``count`` samples ``step``
    seconds apart: every length in ``lengths`` that fits, a quarter of its length apart,
    and the whole curve."""
    if count < 1 or not step > 0:
        raise ValueError("need at least one sample and a positive step")
    sizes = sorted({min(count, max(1, round(length / step))) for length in lengths} | {count})
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    for size in sizes:
        stride = max(1, size // 4)
        first = np.arange(0, count - size + 1, stride, dtype=np.int64)
        if first[-1] != count - size:
            first = np.append(first, count - size)
        starts.append(first)
        ends.append(first + size)
    return np.concatenate(starts), np.concatenate(ends)


def _iou(a0: float, a1: float, b0: np.ndarray, b1: np.ndarray) -> np.ndarray:
    inter = np.clip(np.minimum(a1, b1) - np.maximum(a0, b0), 0.0, None)
    union = np.maximum(a1, b1) - np.minimum(a0, b0)
    return np.asarray(np.where(union > 0, inter / np.maximum(union, 1e-12), 1.0))


def non_maximum_suppression(
    starts: np.ndarray,
    ends: np.ndarray,
    scores: np.ndarray,
    *,
    threshold: float = 0.5,
    limit: int | None = None,
) -> np.ndarray:
    """Indices of the spans kept, best first: each overlaps every better kept one by an IoU
    below ``threshold``; at most ``limit``."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    kept: list[int] = []
    k0 = np.empty(0)
    k1 = np.empty(0)
    for i in order:
        if limit is not None and len(kept) >= limit:
            break
        if kept and np.any(_iou(float(starts[i]), float(ends[i]), k0, k1) >= threshold):
            continue
        kept.append(int(i))
        k0 = np.append(k0, starts[i])
        k1 = np.append(k1, ends[i])
    return np.asarray(kept, dtype=np.int64)


def refine(curve: np.ndarray, start: int, end: int, fraction: float) -> tuple[int, int]:
    """Move the span's edges to where the evidence falls below ``fraction`` of its peak
    above the neighbourhood's low level (its 20th percentile), searching the span and twice
    its length (at least 4 samples) on each side."""
    n = curve.size
    reach = max(2 * (end - start), 4)
    lo = max(0, start - reach)
    hi = min(n, end + reach)
    peak_at = start + int(np.argmax(curve[start:end]))
    peak = float(curve[peak_at])
    base = float(np.percentile(curve[lo:hi], 20))
    if not peak > base:
        return start, end
    level = base + fraction * (peak - base)
    left = peak_at
    while left > lo and curve[left - 1] >= level:
        left -= 1
    right = peak_at + 1
    while right < hi and curve[right] >= level:
        right += 1
    return left, right


def rank_moments(
    curve: np.ndarray,
    times: np.ndarray,
    duration: float,
    *,
    context: float,
    refine_fraction: float,
    top: int,
    lengths: Sequence[float] = DEFAULT_LENGTHS,
    nms_threshold: float = 0.5,
) -> list[Moment]:
    """The ``top`` best moments of a fused evidence curve sampled at ``times``."""
    if top < 1:
        raise ValueError("top must be >= 1")
    n = curve.size
    step = float(np.median(np.diff(times))) if n > 1 else max(duration, 1e-3)
    scorer = SpanScorer(curve, context)
    starts, ends = propose(n, step, lengths)
    scores = scorer.score(starts, ends)
    # Refine only the few best distinct proposals: the rest cannot reach the top.
    first = non_maximum_suppression(starts, ends, scores, threshold=nms_threshold, limit=4 * top)
    smooth = spread(np.asarray(curve, dtype=np.float64), 1.0)
    refined = [refine(smooth, int(starts[i]), int(ends[i]), refine_fraction) for i in first]
    r0 = np.array([a for a, _ in refined], dtype=np.int64)
    r1 = np.array([b for _, b in refined], dtype=np.int64)
    rs = scorer.score(r0, r1)
    # Refinement may make two proposals one, or a worse one better: suppress again.
    keep = non_maximum_suppression(r0, r1, rs, threshold=nms_threshold, limit=top)
    half = step / 2
    out: list[Moment] = []
    for i in keep:
        a = max(0.0, float(times[r0[i]]) - half)
        b = min(duration, float(times[r1[i] - 1]) + half)
        out.append(Moment(a, max(a, b), float(rs[i]) if math.isfinite(rs[i]) else 0.0))
    return out
