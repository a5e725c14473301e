"""Lanes for overlapping time spans: the fewest rows in which no two spans of a row overlap.

The timeline stacks the indicators of phrases that overlap (or of one phrase shown in several
styles) in lanes instead of painting them over one another, so each stays visible and can be
clicked.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

__all__ = ["assign_lanes"]


def assign_lanes(spans: Sequence[tuple[float, float]]) -> tuple[int, ...]:
    """The lane (0, 1, ...) of each ``(start, end)`` span, in the order given.

    Spans are taken by start time (ties: shorter first, then input order) and each goes to
    the lowest lane free at its start, which uses as many lanes as the most spans that
    overlap at one instant, the least possible. Spans that only touch (one ends where the
    next starts) share a lane. Raises ValueError for a span that ends before it starts.
    """
    for start, end in spans:
        if not end >= start:
            raise ValueError(f"a span must not end before it starts: {start}..{end}")
    order = sorted(range(len(spans)), key=lambda i: (spans[i][0], spans[i][1], i))
    lanes = [0] * len(spans)
    busy: list[tuple[float, int]] = []  # (end, lane) of the last span in each busy lane
    free: list[int] = []
    count = 0
    for i in order:
        start, end = spans[i]
        while busy and busy[0][0] <= start:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            lane = heapq.heappop(free)
        else:
            lane, count = count, count + 1
        lanes[i] = lane
        heapq.heappush(busy, (end, lane))
    return tuple(lanes)
