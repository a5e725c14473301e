"""Timeline lanes: overlapping spans never share a lane, and no more lanes than needed."""

from __future__ import annotations

import numpy as np
import pytest

from narrlocal_gui.core.lanes import assign_lanes


def test_overlapping_spans_get_their_own_lanes_and_touching_ones_share() -> None:
    assert assign_lanes([]) == ()
    assert assign_lanes([(0.0, 2.0), (2.0, 3.0), (1.0, 4.0)]) == (0, 0, 1)
    # One phrase shown three ways, then a later one: the later takes the lowest free lane.
    assert assign_lanes([(0, 5), (0, 5), (0, 5), (6, 7)]) == (0, 1, 2, 0)
    assert assign_lanes([(3.0, 4.0), (0.0, 10.0), (1.0, 2.0)]) == (1, 0, 1)


def test_random_spans_use_the_fewest_lanes_without_overlap() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        starts = rng.uniform(0, 60, size=rng.integers(1, 40))
        spans = [(float(s), float(s + rng.uniform(0, 10))) for s in starts]
        lanes = assign_lanes(spans)
        for i, (a0, a1) in enumerate(spans):
            for j, (b0, b1) in enumerate(spans[:i]):
                if lanes[i] == lanes[j]:
                    assert a1 <= b0 or b1 <= a0
        # The most spans covering one instant (just after some start) is the lower bound.
        depth = max(sum(s <= t < e for s, e in spans) for t, _ in spans)
        assert max(lanes) + 1 == depth


def test_a_span_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError):
        assign_lanes([(2.0, 1.0)])
