"""The attention mask of one CoMMA layer, as the (L, L) boolean matrix of which token may
attend to which (see :mod:`narrlocal_gui.localizer.model.network`); torch-free."""

from __future__ import annotations

import numpy as np

from narrlocal_gui.localizer.model.config import LAYER_KINDS, SELF_ATTENTION_KINDS

__all__ = ["attention_mask"]


def attention_mask(
    kind: str,
    grid: tuple[int, int, int],
    n_words: int,
    *,
    self_attention: str = "spatiotemporal",
    sentinel: bool = False,
) -> np.ndarray:
    """The (L, L) boolean mask of one layer, True where query (row) may attend to key.

    Tokens are ``[T*h*w video tokens in (t, y, x) order, n_words words, sentinel?]``.
    Outside FULL layers the sentinel only sees itself, so it never carries information
    between tokens.
    """
    frames, rows, cols = grid
    n_video = frames * rows * cols
    if n_video <= 0 or n_words <= 0:
        raise ValueError("attention needs at least one video token and one word")
    size = n_video + n_words + int(sentinel)
    mask = np.zeros((size, size), dtype=bool)
    video = slice(0, n_video)
    words = slice(n_video, n_video + n_words)
    if kind == "FULL":
        mask[:] = True
    elif kind == "CA":
        mask[video, words] = True
        mask[words, video] = True
    elif kind == "SA":
        mask[words, words] = True
        if self_attention == "spatiotemporal":
            mask[video, video] = True
        elif self_attention == "spatial":
            frame_of = np.repeat(np.arange(frames), rows * cols)
            mask[video, video] = frame_of[:, None] == frame_of[None, :]
        elif self_attention == "temporal":
            cell_of = np.tile(np.arange(rows * cols), frames)
            mask[video, video] = cell_of[:, None] == cell_of[None, :]
        else:
            raise ValueError(f"self_attention must be one of {SELF_ATTENTION_KINDS}")
    else:
        raise ValueError(f"layer kind must be one of {LAYER_KINDS}, not {kind!r}")
    if sentinel and kind != "FULL":
        mask[-1, -1] = True
    return mask
