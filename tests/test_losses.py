"""The contrastive losses against values worked out by hand and a literal transcription of
the equations."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from narrlocal_gui.localizer.model.losses import (  # noqa: E402 (after the skip)
    negative_mask,
    sentence_loss,
    total_loss,
    word_loss,
)


def _lse(*values: float) -> float:
    return math.log(sum(math.exp(v) for v in values))


def test_sentence_loss_two_pairs_by_hand() -> None:
    scores = torch.tensor([[2.0, 0.0], [1.0, 3.0]])
    # Pair 0: positive s00 = 2 against s01 = 0 (its clip, the other phrase) and s10 = 1
    # (the other clip, its phrase); pair 1: s11 = 3 against s10 = 1 and s01 = 0.
    expected = ((_lse(2, 0, 1) - 2) + (_lse(3, 1, 0) - 3)) / 2
    assert sentence_loss(scores).item() == pytest.approx(expected, rel=1e-6)


def test_sentence_loss_leaves_out_pairs_that_are_not_negatives() -> None:
    scores = torch.tensor([[1.0, 5.0, 0.5], [4.0, 2.0, -1.0], [0.0, 1.5, 3.0]])
    negatives = torch.ones(3, 3, dtype=torch.bool)
    negatives[0, 1] = negatives[1, 0] = False  # clips 0 and 1: same video, close in time
    expected = (
        (_lse(1.0, 0.5, 0.0) - 1.0)  # pair 0: s02 and s20 only
        + (_lse(2.0, -1.0, 1.5) - 2.0)  # pair 1: s12 and s21 only
        + (_lse(3.0, 0.0, 1.5, 0.5, -1.0) - 3.0)  # pair 2: s20, s21, s02, s12
    ) / 3
    assert sentence_loss(scores, negatives).item() == pytest.approx(expected, rel=1e-6)


def test_sentence_loss_is_equation_5_written_out() -> None:
    gen = torch.Generator().manual_seed(3)
    scores = torch.randn(5, 5, generator=gen) * 3
    negatives = torch.rand(5, 5, generator=gen) > 0.3
    total = 0.0
    for i in range(5):
        denominator = math.exp(scores[i, i])
        for j in range(5):
            if j != i and negatives[i, j]:
                denominator += math.exp(scores[i, j])  # S_neg with C_i
            if j != i and negatives[j, i]:
                denominator += math.exp(scores[j, i])  # C_neg with S_i
        total += -math.log(math.exp(scores[i, i]) / denominator)
    assert sentence_loss(scores, negatives).item() == pytest.approx(total / 5, rel=1e-5)


def test_sentence_loss_falls_as_the_true_pairs_stand_out() -> None:
    base = torch.zeros(4, 4, dtype=torch.float64)
    assert sentence_loss(base).item() == pytest.approx(math.log(7), rel=1e-6)
    better = base + 10 * torch.eye(4)
    assert sentence_loss(better).item() == pytest.approx(math.log(1 + 6 * math.exp(-10)))
    with pytest.raises(ValueError):
        sentence_loss(torch.zeros(2, 3))


def test_negative_mask() -> None:
    videos = torch.tensor([0, 0, 0, 1])
    middles = torch.tensor([1.0, 6.0, 30.0, 1.0])
    mask = negative_mask(videos, middles, 10.0)
    expected = torch.tensor(
        [
            [False, False, True, True],  # 0-1: one video, 5 s apart: not a negative
            [False, False, True, True],
            [True, True, False, True],  # 29 and 24 s from the others: negatives
            [True, True, True, False],  # another video: always a negative
        ]
    )
    assert torch.equal(mask, expected)


def test_word_loss_by_hand() -> None:
    # B = 2 phrases, N = 2 word slots (phrase 1 has one real word), D = 1.
    # tokens[c, p, n]: word n of phrase p as output beside clip c.
    tokens = torch.tensor(
        [
            [[[1.0], [2.0]], [[0.5], [9.0]]],
            [[[3.0], [-1.0]], [[2.0], [9.0]]],
        ]
    )
    values = torch.tensor([[[1.0], [0.5]], [[2.0], [0.0]]])
    mask = torch.tensor([[True, True], [True, False]])
    # phrase 0 word 0: own clip 1*1 = 1, other clip 3*1 = 3
    # phrase 0 word 1: own 2*0.5 = 1, other -1*0.5 = -0.5
    # phrase 1 word 0: own 2*2 = 4, other 0.5*2 = 1 (word 1 is padding: left out)
    expected = ((_lse(1, 3) - 1) + (_lse(1, -0.5) - 1) + (_lse(4, 1) - 4)) / 3
    assert word_loss(tokens, values, mask).item() == pytest.approx(expected, rel=1e-6)
    no_negatives = torch.zeros(2, 2, dtype=torch.bool)
    assert word_loss(tokens, values, mask, no_negatives).item() == pytest.approx(0.0, abs=1e-7)
    with pytest.raises(ValueError):
        word_loss(tokens[0], values, mask)


def test_total_loss_weights_the_word_term() -> None:
    s, w = torch.tensor(2.0), torch.tensor(3.0)
    assert total_loss(s, w, word_weight=0.5).item() == pytest.approx(3.5)
    assert total_loss(s, None).item() == pytest.approx(2.0)
    assert total_loss(None, w, word_weight=2.0).item() == pytest.approx(6.0)
    with pytest.raises(ValueError):
        total_loss(None, None)
