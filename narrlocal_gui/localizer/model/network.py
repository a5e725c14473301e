"""CoMMA: Contrastive Multilayer Multimodal Attention (the paper's section 3, patent claims 1-5).

Video grid features (T x C x h x w) and word features (N x 384) are projected to a common
width D (a linear layer for video, an MLP for words), given learned type embeddings and
position encodings (factorised time/row/column for video, word position for words), and
stacked as one sequence ``[video tokens (t, y, x order), word tokens, (sentinel)]``. A stack
of masked attention layers follows, by default cross-modal -> self -> cross-modal:

* ``CA`` (mask M_CA): a video token attends only to word tokens, a word token only to video
  tokens. Attention is bidirectional within one layer (claim 5).
* ``SA`` (mask M_SA): each modality only to itself; the video part can be restricted to the
  same frame (``spatial``), the same cell (``temporal``) or be ``spatiotemporal`` (default).
* ``FULL``: everything to everything plus a sentinel token whose output scores the pair;
  only for the paper's "full attention + sentinel" ablation (claims 3/14/18 exclude it from
  the real model).

Equation (1) writes the mask as a Hadamard product before the softmax; taken literally a
zeroed score still gets weight exp(0), so masked pairs would leak. The masks are applied as
the paper's figure 2(a) describes them instead: a masked (query, key) pair takes no part at
all (its score is -inf).

The model outputs the mean-pooled clip and sentence representations C^ and S^ (per layer as
well, for auxiliary losses), their similarity (the pair's score for the InfoNCE loss of
equation (5)), the word value features of equation (6), and on request every layer's
attention weights for rollout (see :mod:`narrlocal_gui.localizer.model.rollout`).

This module imports torch: import it only where a model is needed (the GUI never does at
start-up; tests/test_layering.py lists the modules that import torch).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import cast

import torch
import torch.nn.functional as F  # noqa: N812 (the usual name)
from torch import Tensor, nn

from narrlocal_gui.localizer.model.config import CommaConfig
from narrlocal_gui.localizer.model.masks import attention_mask

__all__ = ["CommaModel", "CommaNetwork", "CommaOutput"]


# Type embedding rows.
_VIDEO, _WORD, _SENTINEL = 0, 1, 2


@dataclass(frozen=True, slots=True, eq=False)
class CommaOutput:
    """One forward pass over B (clip, phrase) pairs. D is the model width.

    ``video_tokens`` (B, T, h, w, D) and ``word_tokens`` (B, N, D): final representations
    (C_CA2 and S_CA2). ``video_embedding``/``text_embedding`` (B, D): their means C^ and S^
    (padding words excluded). ``layer_video_embeddings``/``layer_text_embeddings``
    (B, n_layers, D): the same pooling after every layer. ``score`` (B,): the pair's
    similarity for the contrastive loss. ``word_values`` (B, N, D): MLP(S_0), the targets of
    the word-level loss (6). ``attentions``: per layer (B, heads, L, L) softmax weights (only
    when asked). ``hidden``: (B, L, D) tokens entering the first layer and leaving each layer
    (only when asked).
    """

    video_tokens: Tensor
    word_tokens: Tensor
    video_embedding: Tensor
    text_embedding: Tensor
    layer_video_embeddings: Tensor
    layer_text_embeddings: Tensor
    score: Tensor
    word_values: Tensor
    word_mask: Tensor
    grid: tuple[int, int, int]
    attentions: tuple[Tensor, ...] = ()
    hidden: tuple[Tensor, ...] = ()

    def __post_init__(self) -> None:
        batch = int(self.score.shape[0])
        if self.video_embedding.shape[0] != batch or self.text_embedding.shape[0] != batch:
            raise ValueError("embeddings and scores disagree on the batch size")
        if tuple(self.video_tokens.shape[1:4]) != self.grid:
            raise ValueError("video tokens do not match the grid")

    @property
    def n_video(self) -> int:
        frames, rows, cols = self.grid
        return frames * rows * cols

    @property
    def n_words(self) -> int:
        return int(self.word_tokens.shape[1])


def _check_inputs(config: CommaConfig, video: Tensor, words: Tensor, word_mask: Tensor) -> None:
    if video.ndim != 5 or video.shape[2] != config.video_dim:
        raise ValueError(
            f"video features must be (B, T, {config.video_dim}, h, w), got {tuple(video.shape)}"
        )
    if words.ndim != 3 or words.shape[2] != config.word_dim or words.shape[0] != video.shape[0]:
        raise ValueError(
            f"word features must be (B, N, {config.word_dim}) with the video's B, "
            f"got {tuple(words.shape)}"
        )
    frames, rows, cols = int(video.shape[1]), int(video.shape[3]), int(video.shape[4])
    if frames > config.max_frames or max(rows, cols) > config.max_grid:
        raise ValueError(
            f"{frames} frames of {rows}x{cols} cells exceed the model's position tables "
            f"({config.max_frames} frames, {config.max_grid} cells a side)"
        )
    if words.shape[1] > config.max_words:
        raise ValueError(f"{words.shape[1]} words exceed the model's {config.max_words}")
    if tuple(word_mask.shape) != tuple(words.shape[:2]):
        raise ValueError("word_mask must be (B, N)")
    if not bool(word_mask.any(dim=1).all()):
        raise ValueError("every phrase needs at least one word")


@dataclass(frozen=True, slots=True, eq=False)
class _Blocks:
    """A CA or SA layer's mask by its structure: the layer ``kind``, the video ``grid``
    (T, h, w), the SA layer's video groups, and which word keys are real (B, N)."""

    kind: str
    grid: tuple[int, int, int]
    self_attention: str
    word_keys: Tensor


def block_attention(q: Tensor, k: Tensor, v: Tensor, blocks: _Blocks, p: float) -> Tensor:
    """A CA or SA layer's masked attention, block by block: what the (L, L) mask gives,
    without scoring the (query, key) pairs it excludes. In a CA layer those are nearly
    all of them (only 2 x T*h*w*N of (T*h*w + N)^2 pairs take part), and in training
    scoring, softmaxing and dropping out the rest was most of a step's time."""
    frames, rows, cols = blocks.grid
    n_video = frames * rows * cols
    qv, kv, vv = q[:, :, :n_video], k[:, :, :n_video], v[:, :, :n_video]
    qw, kw, vw = q[:, :, n_video:], k[:, :, n_video:], v[:, :, n_video:]
    to_words = blocks.word_keys[:, None, None, :]
    attend = F.scaled_dot_product_attention
    if blocks.kind == "CA":
        video_out = attend(qv, kw, vw, attn_mask=to_words, dropout_p=p)
        word_out = attend(qw, kv, vv, dropout_p=p)
        return torch.cat([video_out, word_out], dim=2)
    word_out = attend(qw, kw, vw, attn_mask=to_words, dropout_p=p)
    if blocks.self_attention == "spatiotemporal":
        video_out = attend(qv, kv, vv, dropout_p=p)
    else:
        batch, heads, _, dim = qv.shape
        # Groups of tokens that see each other: a frame's cells, or a cell's frames.
        temporal = blocks.self_attention == "temporal"

        def grouped(t: Tensor) -> Tensor:
            t = t.reshape(batch, heads, frames, rows * cols, dim)
            return t.transpose(2, 3) if temporal else t

        video_out = attend(grouped(qv), grouped(kv), grouped(vv), dropout_p=p)
        if temporal:
            video_out = video_out.transpose(2, 3)
        video_out = video_out.reshape(batch, heads, n_video, dim)
    return torch.cat([video_out, word_out], dim=2)


class MaskedAttention(nn.Module):
    """Multi-head attention of equation (1) with a boolean mask per (query, key), given
    as the (B, 1, L, L) mask itself or, for CA and SA layers, as their :class:`_Blocks`."""

    def __init__(self, width: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.dropout = dropout
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)

    def forward(
        self, x: Tensor, mask: Tensor | _Blocks, need_weights: bool
    ) -> tuple[Tensor, Tensor | None]:
        batch, length, width = x.shape
        head_dim = width // self.heads
        qkv = self.qkv(x).view(batch, length, 3, self.heads, head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        p = self.dropout if self.training else 0.0
        weights: Tensor | None = None
        if isinstance(mask, _Blocks):
            if need_weights:
                raise ValueError("attention weights need the full mask, not its blocks")
            y = block_attention(q, k, v, mask, p)
        elif need_weights:
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(head_dim)
            scores = scores.masked_fill(~mask, float("-inf"))
            weights = scores.softmax(dim=-1)
            y = F.dropout(weights, p, self.training) @ v
        else:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
        y = y.transpose(1, 2).reshape(batch, length, width)
        return self.out(y), weights


class Layer(nn.Module):
    """Pre-norm transformer layer; every mixing between tokens happens in ``attn``."""

    def __init__(
        self, width: int, heads: int, dropout: float, ff_mult: int, residual: bool = True
    ) -> None:
        super().__init__()
        self.residual = residual
        self.norm1 = nn.LayerNorm(width)
        self.attn = MaskedAttention(width, heads, dropout)
        self.norm2 = nn.LayerNorm(width)
        self.ff = nn.Sequential(
            nn.Linear(width, ff_mult * width),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(ff_mult * width, width),
        )
        self.drop = nn.Dropout(dropout)

    def forward(
        self, x: Tensor, mask: Tensor | _Blocks, need_weights: bool
    ) -> tuple[Tensor, Tensor | None]:
        attended, weights = self.attn(self.norm1(x), mask, need_weights)
        x = x + self.drop(attended) if self.residual else self.drop(attended)
        x = x + self.drop(self.ff(self.norm2(x)))
        return x, weights


class CommaNetwork(nn.Module):
    """The CoMMA network as a torch module; :class:`CommaModel` is its typed front."""

    def __init__(self, config: CommaConfig) -> None:
        super().__init__()
        self.config = config
        width = config.width
        self.video_proj = nn.Linear(config.video_dim, width)
        self.word_proj = nn.Sequential(
            nn.Linear(config.word_dim, width), nn.GELU(), nn.Linear(width, width)
        )
        self.type_embed = nn.Embedding(3, width)
        self.time_embed = nn.Embedding(config.max_frames, width)
        self.row_embed = nn.Embedding(config.max_grid, width)
        self.col_embed = nn.Embedding(config.max_grid, width)
        self.word_pos = nn.Embedding(config.max_words, width)
        for table in (self.type_embed, self.time_embed, self.row_embed, self.col_embed):
            nn.init.normal_(table.weight, std=0.02)
        nn.init.normal_(self.word_pos.weight, std=0.02)
        self.input_drop = nn.Dropout(config.dropout)
        self.layers = nn.ModuleList(
            Layer(
                width,
                config.heads,
                config.dropout,
                config.ff_mult,
                residual=kind != "CA" or config.cross_residual,
            )
            for kind in config.layers
        )
        self.final_norm = nn.LayerNorm(width)
        # S^val of equation (6): the word-level loss contrasts outputs with these.
        self.word_value = nn.Sequential(
            nn.Linear(config.word_dim, width), nn.GELU(), nn.Linear(width, width)
        )
        self.sentinel: nn.Parameter | None = None
        self.sentinel_head: nn.Linear | None = None
        if config.has_sentinel:
            self.sentinel = nn.Parameter(torch.zeros(width))
            self.sentinel_head = nn.Linear(width, 1)
        self.logit_scale: nn.Parameter | None = None
        if config.similarity == "cosine":
            self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / 0.07)))
        self._masks: dict[tuple[str, tuple[int, int, int], int, str], Tensor] = {}

    def _mask(self, kind: str, grid: tuple[int, int, int], n_words: int) -> Tensor:
        device = self.type_embed.weight.device
        key = (kind, grid, n_words, str(device))
        cached = self._masks.get(key)
        if cached is None:
            array = attention_mask(
                kind,
                grid,
                n_words,
                self_attention=self.config.self_attention,
                sentinel=self.config.has_sentinel,
            )
            cached = torch.from_numpy(array).to(device)
            if len(self._masks) > 32:  # clips of many lengths: keep memory bounded
                self._masks.clear()
            self._masks[key] = cached
        return cached

    def forward(
        self,
        video: Tensor,
        words: Tensor,
        word_mask: Tensor,
        need_weights: bool,
        need_hidden: bool,
        pairs: tuple[Tensor, Tensor] | None = None,
    ) -> CommaOutput:
        cfg = self.config
        clips, frames, _, rows, cols = video.shape
        n_words = int(words.shape[1])
        grid = (int(frames), int(rows), int(cols))
        n_video = frames * rows * cols
        device = video.device

        v = self.video_proj(video.permute(0, 1, 3, 4, 2))
        v = (
            v
            + self.time_embed.weight[:frames][None, :, None, None]
            + self.row_embed.weight[:rows][None, None, :, None]
            + self.col_embed.weight[:cols][None, None, None, :]
            + self.type_embed.weight[_VIDEO]
        ).reshape(clips, n_video, -1)
        s = self.word_proj(words) + self.word_pos.weight[:n_words] + self.type_embed.weight[_WORD]
        word_values = self.word_value(words)
        if pairs is not None:
            # Pair (clip_index[k], phrase_index[k]): the projections depend on one side
            # only, so each clip and phrase is projected once, not once per pair.
            clip_index, phrase_index = pairs
            v, s = v[clip_index], s[phrase_index]
            word_values, word_mask = word_values[phrase_index], word_mask[phrase_index]
        batch = int(v.shape[0])
        parts = [v, s]
        key_ok = [
            torch.ones(batch, n_video, dtype=torch.bool, device=device),
            word_mask,
        ]
        if self.sentinel is not None:
            sentinel = self.sentinel + self.type_embed.weight[_SENTINEL]
            parts.append(sentinel.expand(batch, 1, -1))
            key_ok.append(torch.ones(batch, 1, dtype=torch.bool, device=device))
        x = self.input_drop(torch.cat(parts, dim=1))
        keys = torch.cat(key_ok, dim=1)[:, None, None, :]

        word_weight = word_mask.to(x.dtype)[..., None]
        n_valid = word_weight.sum(dim=1)

        def pooled(tokens: Tensor) -> tuple[Tensor, Tensor]:
            normed = self.final_norm(tokens)
            video_mean = normed[:, :n_video].mean(dim=1)
            word_mean = (normed[:, n_video : n_video + n_words] * word_weight).sum(1) / n_valid
            return video_mean, word_mean

        attentions: list[Tensor] = []
        hidden: list[Tensor] = [x] if need_hidden else []
        layer_video: list[Tensor] = []
        layer_text: list[Tensor] = []
        # Without weights to return (training, scoring), CA and SA layers skip the pairs
        # their masks exclude; the sentinel's own block is left to the full mask.
        by_blocks = not need_weights and self.sentinel is None
        for kind, layer in zip(cfg.layers, self.layers, strict=True):
            mask: Tensor | _Blocks
            if by_blocks and kind != "FULL":
                mask = _Blocks(kind, grid, cfg.self_attention, word_mask)
            else:
                mask = self._mask(kind, grid, n_words)[None, None] & keys
            x, weights = layer(x, mask, need_weights)
            if weights is not None:
                attentions.append(weights)
            if need_hidden:
                hidden.append(x)
            pooled_video, pooled_text = pooled(x)
            layer_video.append(pooled_video)
            layer_text.append(pooled_text)

        tokens = self.final_norm(x)
        video_embedding, text_embedding = layer_video[-1], layer_text[-1]
        if self.sentinel_head is not None:
            score = self.sentinel_head(tokens[:, -1]).squeeze(-1)
        elif self.logit_scale is not None:
            score = self.logit_scale.exp() * F.cosine_similarity(
                video_embedding, text_embedding, dim=-1
            )
        else:
            score = (video_embedding * text_embedding).sum(dim=-1)
        return CommaOutput(
            video_tokens=tokens[:, :n_video].reshape(batch, frames, rows, cols, -1),
            word_tokens=tokens[:, n_video : n_video + n_words],
            video_embedding=video_embedding,
            text_embedding=text_embedding,
            layer_video_embeddings=torch.stack(layer_video, dim=1),
            layer_text_embeddings=torch.stack(layer_text, dim=1),
            score=score,
            word_values=word_values,
            word_mask=word_mask,
            grid=grid,
            attentions=tuple(attentions),
            hidden=tuple(hidden),
        )


class CommaModel:
    """A CoMMA network: a typed front for the torch module in :attr:`module`.

    Pass :attr:`module` (an ``nn.Module``) to optimisers; ``seed`` makes initialisation
    reproducible without touching torch's global random state.
    """

    def __init__(
        self, config: CommaConfig | None = None, *, seed: int | None = 0, device: str = "cpu"
    ) -> None:
        self.config = config if config is not None else CommaConfig()
        if seed is None:
            module = CommaNetwork(self.config)
        else:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                module = CommaNetwork(self.config)
        self.module: CommaNetwork = module.to(device)

    # -- torch housekeeping -----------------------------------------------------------

    @property
    def device(self) -> torch.device:
        return next(self.module.parameters()).device

    def to(self, device: str | torch.device) -> CommaModel:
        self.module.to(device)
        return self

    def train(self, mode: bool = True) -> CommaModel:
        self.module.train(mode)
        return self

    def eval(self) -> CommaModel:
        self.module.eval()
        return self

    def parameters(self) -> Iterator[nn.Parameter]:
        return self.module.parameters()

    def state_dict(self) -> dict[str, Tensor]:
        return dict(self.module.state_dict())

    def load_state_dict(self, state: Mapping[str, Tensor]) -> None:
        self.module.load_state_dict(state, strict=True)

    # -- the model --------------------------------------------------------------------

    def forward(
        self,
        video: Tensor,
        words: Tensor,
        word_mask: Tensor | None = None,
        *,
        return_attention: bool = False,
        return_hidden: bool = False,
        pairs: tuple[Tensor, Tensor] | None = None,
    ) -> CommaOutput:
        """Run B pairs: ``video`` (B, T, C, h, w) grid features, ``words`` (B, N, 384) word
        features, ``word_mask`` (B, N) True for real words (None: all real).

        ``pairs`` = (clip indices, phrase indices), two (P,) tensors: run the P pairs
        ``(video[c], words[p])`` instead, each clip and phrase projected once (training
        scores every clip of a batch with every phrase)."""
        if word_mask is None:
            word_mask = torch.ones(words.shape[:2], dtype=torch.bool, device=words.device)
        else:
            word_mask = word_mask.to(device=words.device, dtype=torch.bool)
        _check_inputs(self.config, video, words, word_mask)
        if pairs is not None and pairs[0].shape != pairs[1].shape:
            raise ValueError("pairs must be two index tensors of one shape")
        return cast(
            CommaOutput,
            self.module(video, words, word_mask, return_attention, return_hidden, pairs),
        )

    __call__ = forward

    def pair_scores(
        self,
        video: Tensor,
        words: Tensor,
        word_mask: Tensor | None = None,
        *,
        chunk: int = 64,
    ) -> Tensor:
        """(B, B) scores of every clip i with every phrase j (diagonal: the true pairs).

        Attention is recomputed for each pair, as the paper does for negatives; ``chunk``
        pairs run at a time.
        """
        batch = int(video.shape[0])
        if word_mask is None:
            word_mask = torch.ones(words.shape[:2], dtype=torch.bool, device=words.device)
        clip_index = torch.arange(batch, device=video.device).repeat_interleave(batch)
        phrase_index = torch.arange(batch, device=video.device).repeat(batch)
        scores: list[Tensor] = []
        for start in range(0, batch * batch, max(1, chunk)):
            ci = clip_index[start : start + chunk]
            pi = phrase_index[start : start + chunk]
            scores.append(self.forward(video[ci], words[pi], word_mask[pi]).score)
        return torch.cat(scores).view(batch, batch)
