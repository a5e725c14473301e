"""The contrastive losses CoMMA trains with (torch, imported by the functions).

Sentence level, the patent's equation (5): for the i-th pair of a batch the positive score
``s_ii`` (clip i with its own phrase) is contrasted in ONE softmax with both negative sets,
the other phrases with clip i (``s_ij``, row i) and the other clips with phrase i (``s_ji``,
column i)::

    L_i = -log( e^{s_ii} / (e^{s_ii} + sum_{j in N(i)} e^{s_ij} + sum_{j in N(i)} e^{s_ji}) )

``scores[c, p]`` must be the model's score of clip c with phrase p, attention recomputed for
each pair (``CommaModel.pair_scores``). ``ignore[i, j]`` True removes the pair (i, j) from
the negatives: pairs from the same video close in time describe what the other clip shows
too, so they are not negatives (the patent: non-corresponding when "not within a
pre-determined maximum time span").

Word level, the paper's equation (6): word n of phrase p, as the model outputs it when
phrase p is paired with its own clip, should match its value ``MLP(S_0)`` better than the
same word's outputs when phrase p is paired with the other clips of the batch.

Both are averaged (over pairs, over real words) rather than summed as written, so the
learning rate does not depend on the batch size or phrase lengths.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import Tensor

__all__ = ["negative_mask", "sentence_loss", "total_loss", "word_loss"]


def negative_mask(videos: Tensor, middles: Tensor, min_gap: float) -> Tensor:
    """(B, B) True where (i, j), i != j, may serve as a negative pair: other videos always,
    the same video only when the phrases' middles are at least ``min_gap`` seconds apart."""
    import torch

    same = videos[:, None] == videos[None, :]
    near = (middles[:, None] - middles[None, :]).abs() < min_gap
    eye = torch.eye(len(videos), dtype=torch.bool, device=videos.device)
    return ~(same & near) & ~eye


def sentence_loss(scores: Tensor, negatives: Tensor | None = None) -> Tensor:
    """Equation (5) over a (B, B) score matrix; ``negatives`` (B, B) from
    :func:`negative_mask` (None: every off-diagonal pair)."""
    import torch

    size = scores.shape[0]
    if scores.ndim != 2 or scores.shape[1] != size:
        raise ValueError(f"scores must be (B, B), got {tuple(scores.shape)}")
    eye = torch.eye(size, dtype=torch.bool, device=scores.device)
    allowed = ~eye if negatives is None else negatives & ~eye
    positive = scores.diagonal()
    rows = scores.masked_fill(~allowed, float("-inf"))
    columns = scores.t().masked_fill(~allowed.t(), float("-inf"))
    logits = torch.cat([positive[:, None], rows, columns], dim=1)
    return (torch.logsumexp(logits, dim=1) - positive).mean()


def word_loss(
    word_tokens: Tensor,
    word_values: Tensor,
    word_mask: Tensor,
    negatives: Tensor | None = None,
) -> Tensor:
    """Equation (6). ``word_tokens`` (B clips, B phrases, N, D): phrase p's word outputs
    when paired with clip c; ``word_values`` (B, N, D): S^val of each phrase's words;
    ``word_mask`` (B, N) True for real words; ``negatives`` as for :func:`sentence_loss`
    (clip c is a negative for phrase p where ``negatives[c, p]``)."""
    import torch

    size = word_tokens.shape[0]
    if word_tokens.ndim != 4 or word_tokens.shape[1] != size:
        raise ValueError(f"word_tokens must be (B, B, N, D), got {tuple(word_tokens.shape)}")
    # logits[p, c, n] = <output of word n of phrase p beside clip c, value of that word>
    logits = torch.einsum("cpnd,pnd->pcn", word_tokens, word_values)
    eye = torch.eye(size, dtype=torch.bool, device=logits.device)
    allowed = ~eye if negatives is None else negatives & ~eye
    keep = (allowed.t() | eye)[:, :, None]
    positive = logits.diagonal(dim1=0, dim2=1).t()  # (p, n): phrase p beside its own clip
    per_word = torch.logsumexp(logits.masked_fill(~keep, float("-inf")), dim=1) - positive
    real = word_mask.to(per_word.dtype)
    return (per_word * real).sum() / real.sum().clamp(min=1.0)


def total_loss(sentence: Tensor | None, word: Tensor | None, *, word_weight: float = 1.0) -> Tensor:
    """``sentence + word_weight * word``, either term optional (not both absent)."""
    if sentence is None and word is None:
        raise ValueError("at least one loss term is needed")
    if word is None:
        assert sentence is not None
        return sentence
    weighted = word * word_weight
    return weighted if sentence is None else sentence + weighted
