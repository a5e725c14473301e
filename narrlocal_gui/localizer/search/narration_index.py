"""The narration as timed text windows with MiniLM sentence vectors, so that a query's
similarity to what is said around every moment is one matrix-vector product.

Windows are runs of :data:`WINDOW_WORDS` consecutive words, :data:`WINDOW_STRIDE` words
apart, across segment boundaries (a sentence cut by the recogniser is still one thought),
and every segment whole. The curve at a time is the best similarity of the windows spoken
then; times with no speech get the narration's lowest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from narrlocal_gui.core.model import Narration, Word

__all__ = ["WINDOW_STRIDE", "WINDOW_WORDS", "NarrationIndex", "SentenceEncoder"]

WINDOW_WORDS = 10
WINDOW_STRIDE = 3


class SentenceEncoder(Protocol):
    def encode_sentences(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        """(n, d) float32 unit vectors, one per text."""
        ...


@dataclass(frozen=True, slots=True, eq=False)
class NarrationIndex:
    """``starts``/``ends`` (W,) seconds of each window, ``texts`` its words, ``vectors``
    (W, d) unit vectors. Empty (no windows) for a narration without words."""

    starts: np.ndarray
    ends: np.ndarray
    texts: tuple[str, ...]
    vectors: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        n = len(self.texts)
        if self.starts.shape != (n,) or self.ends.shape != (n,) or self.vectors.shape[0] != n:
            raise ValueError("one start, end and vector per window")
        if np.any(self.ends < self.starts):
            raise ValueError("a window ends before it starts")

    @classmethod
    def build(cls, narration: Narration, encoder: SentenceEncoder) -> NarrationIndex:
        words = _words(narration)
        spans: list[tuple[float, float, str]] = []
        for first in range(0, max(1, len(words) - WINDOW_WORDS + WINDOW_STRIDE), WINDOW_STRIDE):
            run = words[first : first + WINDOW_WORDS]
            if run:
                spans.append((run[0].start, run[-1].end, " ".join(w.text for w in run)))
        for segment in narration.segments:
            if segment.text.strip():
                spans.append((segment.start, segment.end, segment.text.strip()))
        texts = tuple(s[2] for s in spans)
        vectors = encoder.encode_sentences(list(texts)) if texts else np.zeros((0, 1), np.float32)
        return cls(
            starts=np.array([s[0] for s in spans], dtype=np.float64),
            ends=np.array([s[1] for s in spans], dtype=np.float64),
            texts=texts,
            vectors=np.asarray(vectors, dtype=np.float32),
        )

    @property
    def empty(self) -> bool:
        return not self.texts

    def curve(self, query_vector: np.ndarray, times: np.ndarray, step: float) -> np.ndarray:
        """(T,) the best similarity to the query of the windows spoken within half a
        ``step`` of each time; the lowest similarity where nothing is said."""
        sims = self.vectors @ np.asarray(query_vector, dtype=np.float32)
        floor = float(sims.min()) if sims.size else 0.0
        out = np.full(times.shape, floor, dtype=np.float64)
        half = step / 2
        lo = np.searchsorted(times, self.starts - half, side="left")
        hi = np.searchsorted(times, self.ends + half, side="right")
        for a, b, s in zip(lo, hi, sims, strict=True):
            if b > a:
                np.maximum(out[a:b], float(s), out=out[a:b])
        return out


def _words(narration: Narration) -> list[Word]:
    """The narration's timed words in order; a segment without word times counts as one
    word spanning it (imported subtitles)."""
    words: list[Word] = []
    for segment in narration.segments:
        if segment.words:
            words.extend(segment.words)
        elif segment.text.strip():
            words.append(Word(segment.text.strip(), segment.start, segment.end))
    return words
