"""One training step's forward pass: every clip of a batch with every phrase, and the loss.

The paper applies the cross-modal attention to the negative pairs too, so a batch of B
clips costs B x B forward passes. :func:`pair_scorer` wraps the model in a module doing
exactly that (in chunks of pairs), so that one call is one forward for
``DistributedDataParallel``, which then averages the gradients of the whole step.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from narrlocal_gui.localizer.model.losses import negative_mask, sentence_loss, total_loss, word_loss
from narrlocal_gui.localizer.training.config import TrainConfig

if TYPE_CHECKING:
    from torch import Tensor, nn

    from narrlocal_gui.localizer.model.network import CommaModel

__all__ = ["StepLosses", "pair_scorer", "step_losses"]


@functools.cache
def _scorer_class() -> type[nn.Module]:
    import torch
    from torch import nn

    class PairScorer(nn.Module):
        """(B, B) scores [clip, phrase], optionally each pair's word outputs
        (B, B, N, D) and each phrase's word values (B, N, D)."""

        def __init__(self, model: CommaModel, chunk: int, want_words: bool) -> None:
            super().__init__()
            self.comma = model.module  # registered: DDP and optimisers see its parameters
            self.model = model
            self.chunk = chunk
            self.want_words = want_words

        def forward(
            self, video: Tensor, words: Tensor, word_mask: Tensor
        ) -> tuple[Tensor, Tensor | None, Tensor | None]:
            batch = int(video.shape[0])
            clips = torch.arange(batch, device=video.device).repeat_interleave(batch)
            phrases = torch.arange(batch, device=video.device).repeat(batch)
            scores: list[Tensor] = []
            tokens: list[Tensor] = []
            values: list[Tensor] = []
            for start in range(0, batch * batch, self.chunk):
                ci = clips[start : start + self.chunk]
                pi = phrases[start : start + self.chunk]
                out = self.model.forward(video, words, word_mask, pairs=(ci, pi))
                scores.append(out.score)
                if self.want_words:
                    tokens.append(out.word_tokens)
                    values.append(out.word_values)
            score = torch.cat(scores).view(batch, batch)
            if not self.want_words:
                return score, None, None
            n, width = int(tokens[0].shape[1]), int(tokens[0].shape[2])
            token = torch.cat(tokens).view(batch, batch, n, width)
            # The values depend on the phrase only: take each phrase's from its own pair.
            value = torch.cat(values).view(batch, batch, n, width).diagonal(0, 0, 1)
            return score, token, value.permute(2, 0, 1)

    return PairScorer


def pair_scorer(model: CommaModel, config: TrainConfig) -> nn.Module:
    """The module a training step calls (wrap it in DDP for several processes)."""
    scorer: nn.Module = _scorer_class()(model, config.pair_chunk, config.uses_word_loss)
    return scorer


@dataclass(frozen=True, slots=True, eq=False)
class StepLosses:
    """The loss to minimise and its parts; ``retrieval`` is the fraction of clips whose
    own phrase scored highest among the batch's phrases."""

    total: Tensor
    sentence: Tensor | None
    word: Tensor | None
    retrieval: float


def step_losses(
    scorer: nn.Module,
    video: Tensor,
    words: Tensor,
    word_mask: Tensor,
    videos: Tensor,
    middles: Tensor,
    config: TrainConfig,
) -> StepLosses:
    """Run the pairs of one batch through ``scorer`` and compute the configured loss."""
    import torch

    scores, tokens, values = scorer(video, words, word_mask)
    negatives = negative_mask(videos, middles, config.min_gap)
    sentence = word = None
    if config.uses_sentence_loss:
        sentence = sentence_loss(scores.float(), negatives)
    if config.uses_word_loss:
        assert tokens is not None and values is not None
        word = word_loss(tokens.float(), values.float(), word_mask, negatives)
    total = total_loss(sentence, word, word_weight=config.word_loss_weight)
    with torch.no_grad():
        hits = scores.argmax(dim=1) == torch.arange(scores.shape[0], device=scores.device)
    return StepLosses(total, sentence, word, float(hits.float().mean().item()))
