"""Stand-ins for the search engine's encoders: fast, deterministic and readable, so the
engine's logic is tested without loading torch models."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from narrlocal_gui.localizer.search.engine import SearchEngine
from narrlocal_gui.localizer.search.picture import QueryClasses

CLASSES = 8
RED = 0  # class 0: how red the frame is


class ColourScorer:
    """Class 0 is redness (strongest cell = most red pixel block), the rest noise-free 0."""

    version = "fake-colour-1"

    def frame_logits(self, frames: np.ndarray) -> np.ndarray:
        f = frames.astype(np.float32)
        red = f[..., 0] - 0.5 * (f[..., 1] + f[..., 2])
        out = np.zeros((len(frames), 2, CLASSES), dtype=np.float32)
        out[:, 0, RED] = red.reshape(len(frames), -1).max(axis=1)
        out[:, 1, RED] = red.reshape(len(frames), -1).mean(axis=1)
        return out


class HashedWords:
    """Sentence vectors as normalised bags of hashed words: texts sharing words are close."""

    def encode_sentences(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in zip(out, texts, strict=True):
            for word in text.lower().replace(".", " ").split():
                row[int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
            norm = float(np.linalg.norm(row))
            if norm > 0:
                row /= norm
        return out


def query_classes(query: str) -> QueryClasses:
    weights = np.zeros(CLASSES)
    if "red" in query.lower():
        weights[RED] = 1.0
    verbs = ("move", "moves", "slide", "slides", "pick", "lift", "jump", "bounce", "put")
    return QueryClasses(weights, any(v in query.lower().split() for v in verbs))


def fake_engine(**kwargs: object) -> SearchEngine:
    return SearchEngine(ColourScorer(), HashedWords(), query_classes, **kwargs)  # type: ignore[arg-type]
