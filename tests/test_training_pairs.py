"""Scoring every clip of a batch with every phrase, as a training step does."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from narrlocal_gui.localizer.model.config import CommaConfig  # noqa: E402
from narrlocal_gui.localizer.model.network import CommaModel  # noqa: E402
from narrlocal_gui.localizer.training.config import TrainConfig  # noqa: E402
from narrlocal_gui.localizer.training.pairs import pair_scorer, step_losses  # noqa: E402

CONFIG = CommaConfig(width=16, heads=2, ff_mult=1, max_frames=3, dropout=0.0)


def _inputs(batch: int = 3) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    video = torch.randn(batch, 2, 1280, 2, 3, generator=gen)
    words = torch.randn(batch, 4, 384, generator=gen)
    mask = torch.tensor([[True] * 4, [True, True, False, False], [True, False, False, False]])
    return video, words, mask[:batch]


def test_pairs_mode_equals_running_each_pair() -> None:
    model = CommaModel(CONFIG).eval()
    video, words, mask = _inputs()
    clips = torch.tensor([0, 2, 1, 1])
    phrases = torch.tensor([1, 0, 2, 1])
    fast = model(video, words, mask, pairs=(clips, phrases))
    slow = model(video[clips], words[phrases], mask[phrases])
    torch.testing.assert_close(fast.score, slow.score, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(fast.word_tokens, slow.word_tokens, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(fast.word_values, slow.word_values)
    assert torch.equal(fast.word_mask, slow.word_mask)
    with pytest.raises(ValueError):
        model(video, words, mask, pairs=(clips, phrases[:2]))


def test_scorer_gives_the_model_pair_scores_and_word_outputs() -> None:
    model = CommaModel(CONFIG).eval()
    video, words, mask = _inputs()
    config = TrainConfig(model=CONFIG, loss="both", pair_chunk=4)  # chunks of 4 of 9 pairs
    scores, tokens, values = pair_scorer(model, config)(video, words, mask)
    torch.testing.assert_close(scores, model.pair_scores(video, words, mask), rtol=1e-5, atol=1e-5)
    assert tokens is not None and values is not None
    assert tokens.shape == (3, 3, 4, 16) and values.shape == (3, 4, 16)
    alone = model(video[2:3], words[1:2], mask[1:2])
    torch.testing.assert_close(tokens[2, 1], alone.word_tokens[0], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(values[1], alone.word_values[0])


def test_step_losses_train_every_parameter_they_use() -> None:
    model = CommaModel(CONFIG).train()
    video, words, mask = _inputs()
    videos = torch.tensor([0, 0, 1])
    middles = torch.tensor([1.0, 50.0, 1.0])
    for loss in ("sentence", "word", "both"):
        config = TrainConfig(model=CONFIG, loss=loss)
        model.module.zero_grad()
        out = step_losses(pair_scorer(model, config), video, words, mask, videos, middles, config)
        out.total.backward()
        assert (out.sentence is not None) == (loss != "word")
        assert (out.word is not None) == (loss != "sentence")
        assert 0.0 <= out.retrieval <= 1.0
        value_grad = model.module.word_value[0].weight.grad
        assert (value_grad is not None and bool(value_grad.abs().sum() > 0)) == (loss != "sentence")
        assert model.module.video_proj.weight.grad.abs().sum() > 0
