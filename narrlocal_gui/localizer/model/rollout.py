"""The paper's inference (section 3.2): from CoMMA's attention to a heat map.

Start from the attention weights of the last cross-modal layer, apply attention rollout
(Abnar & Zuidema 2020) down through the earlier layers, take the rows of the word tokens and
the columns of the video tokens, and average over the words. The result is a heat map over
the T x h x w grid (:mod:`narrlocal_gui.localizer.heatmaps` turns it into points and boxes).
torch-free at import: it reads the tensors of a :class:`CommaOutput` it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from narrlocal_gui.localizer.model.config import last_cross_layer

if TYPE_CHECKING:
    from narrlocal_gui.localizer.model.network import CommaOutput

__all__ = ["attention_rollout", "comma_heatmap"]


def attention_rollout(
    attentions: Sequence[np.ndarray], rows: np.ndarray | slice, *, residual: float = 0.5
) -> np.ndarray:
    """Rows ``rows`` of the rollout ``Ã_n ... Ã_1`` of the given layers (first to last).

    Each attention is (L, L) or (heads, L, L) (heads are averaged); ``Ã = (1 - residual) A +
    residual I``, accounting for the residual connection, rows renormalised. Only the
    requested rows are carried through, so the cost is rows x L^2 per layer, not L^3.
    """
    if not attentions:
        raise ValueError("rollout needs at least one layer")
    mats = [np.asarray(a, dtype=np.float64) for a in attentions]
    mats = [m.mean(axis=0) if m.ndim == 3 else m for m in mats]
    size = mats[0].shape[0]
    if any(m.shape != (size, size) for m in mats):
        raise ValueError("all attention matrices must be (L, L) of the same L")
    if not 0.0 <= residual <= 1.0:
        raise ValueError("residual must be in [0, 1]")
    eye = np.eye(size)

    def augmented(m: np.ndarray) -> np.ndarray:
        a = (1.0 - residual) * m + residual * eye
        return np.asarray(a / a.sum(axis=1, keepdims=True))

    result = augmented(mats[-1])[rows]
    for m in reversed(mats[:-1]):
        result = result @ augmented(m)
    return np.asarray(result)


def comma_heatmap(output: CommaOutput, layers: Sequence[str], *, index: int = 0) -> np.ndarray:
    """(T, h, w) word-to-video rollout of pair ``index`` of a forward run with attentions,
    from the last cross-modal layer down, averaged over the (real) words."""
    if not output.attentions:
        raise ValueError("run the model with return_attention=True")
    last = last_cross_layer(layers)
    mats = [a[index].detach().float().mean(dim=0).cpu().numpy() for a in output.attentions]
    n_video = output.n_video
    real = output.word_mask[index].cpu().numpy().astype(bool)
    word_rows = n_video + np.flatnonzero(real)
    rolled = attention_rollout(mats[: last + 1], word_rows)
    heat = rolled[:, :n_video].mean(axis=0).reshape(output.grid)
    return np.asarray(heat, dtype=np.float32)
