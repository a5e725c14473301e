"""Span proposals, scoring, non-maximum suppression and boundary refinement on evidence
curves whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from narrlocal_gui.localizer.search.moment import Evidence, FusionWeights, Moment
from narrlocal_gui.localizer.search.spans import (
    SpanScorer,
    non_maximum_suppression,
    propose,
    rank_moments,
    refine,
)


def bump(times: np.ndarray, start: float, end: float, height: float = 1.0) -> np.ndarray:
    return np.where((times >= start) & (times < end), height, 0.0)


def test_proposals_cover_every_length_and_the_whole_curve() -> None:
    starts, ends = propose(40, 0.5, (2.0, 8.0))
    sizes = set((ends - starts).tolist())
    assert sizes == {4, 16, 40}
    assert starts.min() == 0 and ends.max() == 40
    for size in (4, 16):  # the last window of each length reaches the end
        assert 40 in ends[(ends - starts) == size]


def test_a_span_scores_its_contrast_with_its_surroundings() -> None:
    curve = np.zeros(20)
    curve[8:12] = 1.0
    scorer = SpanScorer(curve, context=1.0)
    exact, wide, off = scorer.score(np.array([8, 4, 0]), np.array([12, 16, 4]))
    assert exact == pytest.approx(1.0)  # inside 1, around (2 each side) 0
    assert wide < exact and off <= 0.0


def test_nms_keeps_the_best_of_overlapping_spans() -> None:
    starts = np.array([0, 1, 10, 11])
    ends = np.array([10, 11, 20, 21])
    kept = non_maximum_suppression(starts, ends, np.array([0.9, 1.0, 0.5, 0.2]), threshold=0.5)
    assert kept.tolist() == [1, 2]


def test_refinement_moves_edges_to_where_the_evidence_falls() -> None:
    curve = np.zeros(30)
    curve[10:18] = 1.0
    assert refine(curve, 12, 14, 0.5) == (10, 18)  # too short: grows
    assert refine(curve, 6, 22, 0.5) == (10, 18)  # too long: shrinks


@pytest.mark.parametrize(("start", "end"), [(3.0, 5.0), (12.0, 20.0), (50.0, 53.5)])
def test_the_best_moment_is_the_bump(start: float, end: float) -> None:
    times = np.arange(0, 60, 0.5)
    rng = np.random.default_rng(0)
    curve = bump(times, start, end) + 0.1 * rng.standard_normal(times.size)
    best = rank_moments(curve, times, 60.0, context=1.0, refine_fraction=0.5, top=3)[0]
    assert best.iou(start, end) >= 0.7, best


def test_ranked_moments_do_not_overlap_much() -> None:
    times = np.arange(0, 30, 0.5)
    curve = bump(times, 2, 6) + 0.8 * bump(times, 15, 19) + 0.5 * bump(times, 25, 28)
    ranked = rank_moments(curve, times, 30.0, context=1.0, refine_fraction=0.5, top=5)
    assert ranked[0].iou(2, 6) >= 0.7 and ranked[1].iou(15, 19) >= 0.7
    for i, a in enumerate(ranked):
        for b in ranked[i + 1 :]:
            assert a.iou(b.start, b.end) < 0.5
    assert all(0.0 <= m.start < m.end <= 30.0 for m in ranked)


def test_motion_counts_only_for_actions_and_narration_is_spread() -> None:
    times = np.arange(0, 20, 0.5)
    motion = bump(times, 10, 12)
    narration = bump(times, 4, 5)
    still = Evidence(times, np.zeros(40), motion, narration, action=False, duration=20.0)
    moving = Evidence(times, np.zeros(40), motion, narration, action=True, duration=20.0)
    w = FusionWeights(picture=1.0, narration=1.0, motion=1.0, narration_spread=1.0)
    assert still.fused(w)[21] == pytest.approx(0.0)
    assert moving.fused(w)[21] == pytest.approx(1.0)
    spread = still.fused(w)
    assert spread[7] > 0 and spread[9] > spread[7] and spread.sum() == pytest.approx(2.0)


def test_moments_and_weights_are_validated() -> None:
    with pytest.raises(ValueError):
        Moment(3.0, 2.0, 1.0)
    with pytest.raises(ValueError):
        Moment(-1.0, 2.0, 1.0)
    with pytest.raises(ValueError):
        FusionWeights(refine=1.0)
    with pytest.raises(ValueError):
        FusionWeights(motion=-1.0)
    assert Moment(2.0, 4.0, 0.0).iou(3.0, 5.0) == pytest.approx(1 / 3)
