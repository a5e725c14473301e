"""Forced alignment: give a known plain text the times at which it is spoken.

Method, chosen by measurement
-----------------------------
pocketsphinx 5 with its bundled US-English acoustic model and CMUdict. On manifesto.mp4
(88 s audiobook, 210 words, reference times from the clip's word-level JSON) it puts word
starts within a median 0.02 s and a 90th percentile 0.04 s of the reference (largest
0.26 s), at 0.016x real time on two cores, 100 MB resident. The alternative the issue
allows, Whisper base word timestamps matched to the text with difflib, reached a median
0.07 s and a 90th percentile 0.34 s on the 182 words it matched (it mishears the others),
at 0.07x real time and 460 MB; see ``benchmarks/bench_asr.py``.

Long files
----------
pocketsphinx's alignment search over a whole text grows faster than linearly (29 min took
250 s in one piece; 20 min take 20 s in windows), so the audio is streamed in windows of
:data:`WINDOW_SECONDS`. Each window is decoded against the next stretch of the text with a
grammar that may stop after any word (the words are a chain; every state has an empty arc
to the end). Words ending in the last :data:`MARGIN_SECONDS` of a window may be cut off, so
they are left to the next window, which starts where the last kept word ends. Memory is one
window of audio (100 MB resident for 88 s and for 20 min alike); time is linear.

A long stretch without the text's words (music before the narration) is skipped a window at
a time; speech that is not in the text, or text that is never said, misleads any forced
alignment: when more than a quarter of the text is never reached the text is refused.

Words the dictionary lacks
--------------------------
Each word of the text is normalised for the dictionary (lower case, accents and outer
punctuation removed, "&" -> "and", "%" -> "percent", hyphenated and slashed words split),
numbers are spelled out ("1848" -> "eighteen forty eight", "3.5" -> "three point five",
"21st" -> "twenty first"). A word still missing from CMUdict is given a pronunciation when
it can be built from dictionary words and common suffixes ("audiobook" = "audio" + "book",
"communistic" = "communist" + "-ic") or spelled out when it is an acronym or has no vowel
("www", "NASA"). What remains is not aligned; such a word gets a time interpolated between
its aligned neighbours, in proportion to its length.

The output keeps the user's words exactly (case and punctuation); segments are the
sentences of the text (ended by ". ! ? …" or a blank line), or its lines when it has no
sentence punctuation at all (captions pasted one per line).
"""

from __future__ import annotations

import itertools
import math
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from narrlocal_gui.core.model import Narration, Segment, Word
from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.media.audio import open_audio_stream
from narrlocal_gui.media.media_info import describe
from narrlocal_gui.narration.audio_windows import AudioTimeline, Samples
from narrlocal_gui.narration.transcript_json import Transcript
from narrlocal_gui.progress import CancelCallback, ProgressCallback, report_progress

__all__ = ["MARGIN_SECONDS", "WINDOW_SECONDS", "AlignmentError", "align_text", "spoken_words"]

SAMPLE_RATE = 16000
WINDOW_SECONDS = 30.0
MARGIN_SECONDS = 3.0
#: Words offered to one window: faster than any speaker, so a window never runs out of text.
_MAX_WORDS_PER_SECOND = 8
_FRAMES_PER_SECOND = 100  # pocketsphinx's default frame rate
_SILENT_PEAK = 1e-3
#: More of the text than this left unreached at the end of the audio means a wrong text.
_MAX_UNREACHED = 0.25
_SECONDS_PER_CHAR = 0.07  # for words placed at an end with only one aligned neighbour
_MODEL_NAME = "pocketsphinx-en-us"


class AlignmentError(UserFacingError):
    """The text cannot be aligned to this file's audio."""


# -- text --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    """One whitespace-separated word of the user's text and what is said for it."""

    text: str
    sentence: int
    spoken: tuple[str, ...]


# fmt: off
_ABBREVIATIONS = frozenset((
    "mr.", "mrs.", "ms.", "dr.", "st.", "vs.", "etc.", "e.g.", "i.e.", "no.", "jr.", "sr.",
    "prof.", "fig.", "approx.", "ca.", "cf.",
))
# fmt: on
_CLOSERS = "\"'”’)]}»"
_SEPARATORS = re.compile(r"[-‐‑‒–—―/]+")
_NUMBER = re.compile(r"(\$?)(\d[\d,]*(?:\.\d+)?)(%|st|nd|rd|th|s|'s)?")


def _ends_sentence(token: str) -> bool:
    bare = token.rstrip(_CLOSERS)
    if not bare or bare[-1] not in ".!?…":
        return False
    if bare.lower() in _ABBREVIATIONS:
        return False
    # "J." in "J. K. Rowling" is an initial, not the end of a sentence.
    return not (len(bare) == 2 and bare[0].isalpha() and bare[0].isupper())


def _tokens(text: str) -> list[_Token]:
    """The words of ``text`` numbered by sentence: sentences end at ". ! ? …" or a blank
    line; a text without any such punctuation (captions, one per line) has a sentence per
    line instead."""
    tokens: list[_Token] = []
    sentence = 0
    punctuated = any(_ends_sentence(word) for word in text.split())
    blocks = re.split(r"\n\s*\n", text) if punctuated else text.splitlines()
    for block in blocks:
        words = block.split()
        if not words:
            continue
        for i, word in enumerate(words):
            tokens.append(_Token(word, sentence, tuple(spoken_words(word))))
            if _ends_sentence(word) and i < len(words) - 1:
                sentence += 1
        sentence += 1
    return tokens


def spoken_words(token: str) -> list[str]:
    """What a reader says for one word of text, in dictionary spelling.

    >>> spoken_words("Marx's")
    ["marx's"]
    >>> spoken_words("1848,")
    ['eighteen', 'forty', 'eight']
    """
    text = unicodedata.normalize("NFKD", token.replace("’", "'").replace("‘", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    out: list[str] = []
    for part in _SEPARATORS.split(text):
        part = part.strip(".,;:!?\"'()[]{}«»…*_")
        if not part:
            continue
        number = _NUMBER.fullmatch(part)
        if number is not None:
            out += _say_number(number.group(2), number.group(3) or "")
            if number.group(1):
                out.append("dollars")
            continue
        if part == "&":
            out.append("and")
            continue
        for piece in re.split(r"[^a-z0-9']+", part.replace("&", " and ")):
            piece = piece.strip("'")
            if not piece:
                continue
            out += _say_number(piece, "") if piece.isdigit() else [piece]
        if part.endswith("%"):
            out.append("percent")
    return out


# fmt: off
_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# fmt: on
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINALS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def _cardinal(n: int) -> list[str]:
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        return [_TENS[n // 10]] + ([_ONES[n % 10]] if n % 10 else [])
    if n < 1000:
        return [_ONES[n // 100], "hundred"] + (_cardinal(n % 100) if n % 100 else [])
    for scale, name in _SCALES:
        if n >= scale:
            rest = n % scale
            return _cardinal(n // scale) + [name] + (_cardinal(rest) if rest else [])
    raise AssertionError("unreachable")


def _say_number(digits: str, suffix: str) -> list[str]:
    grouped = "," in digits  # "1,250" is an amount, never a year
    digits = digits.replace(",", "")
    if "." in digits:
        whole, fraction = digits.split(".", 1)
        return _cardinal(int(whole or "0")) + ["point"] + [_ONES[int(d)] for d in fraction]
    n = int(digits)
    if n >= 10**12:
        return [_ONES[int(d)] for d in digits]
    if not grouped and (1100 <= n <= 1999 or 2010 <= n <= 2099):
        # A four-digit number in running text is almost always a year: "eighteen forty eight".
        words = _cardinal(n // 100) + (
            ["hundred"] if n % 100 == 0 else (["oh"] if n % 100 < 10 else []) + _cardinal(n % 100)
        )
    else:
        words = _cardinal(n)
    if suffix in ("st", "nd", "rd", "th"):
        last = words[-1]
        if last in _ORDINALS:
            words[-1] = _ORDINALS[last]
        elif last.endswith("y"):
            words[-1] = last[:-1] + "ieth"
        else:
            words[-1] = last + "th"
    elif suffix == "%":
        words.append("percent")
    elif suffix in ("s", "'s"):
        words[-1] = words[-1][:-1] + "ies" if words[-1].endswith("y") else words[-1] + "s"
    return words


# -- the dictionary ----------------------------------------------------------------------

# Pronunciations (CMU phones) of endings, for words built from a dictionary stem.
_SUFFIXES = {
    "s": "Z",
    "'s": "Z",
    "es": "IH Z",
    "ed": "D",
    "ing": "IH NG",
    "ings": "IH NG Z",
    "ly": "L IY",
    "er": "ER",
    "ers": "ER Z",
    "est": "AH S T",
    "ness": "N AH S",
    "ic": "IH K",
    "ism": "IH Z AH M",
    "ist": "IH S T",
    "ists": "IH S T S",
    "able": "AH B AH L",
    "ful": "F AH L",
    "less": "L AH S",
    "ment": "M AH N T",
    "tion": "SH AH N",
}
_MAX_COMPOUND_CHARS = 32


class _Lexicon:
    """Dictionary names for spoken words; pronunciations built on demand are added to the
    decoder (see the module docstring)."""

    def __init__(self, decoder: Any) -> None:
        self._decoder = decoder
        self._known: dict[str, str | None] = {}

    def entry(self, word: str, acronym: bool) -> str | None:
        if word not in self._known:
            phones = self._phones(word)
            if phones is None and (acronym or not re.search(r"[aeiouy]", word)):
                phones = self._spelled(word)
            if phones is None:
                phones = self._compound(word)
            name: str | None = None
            if phones is not None:
                name = word
                if self._decoder.lookup_word(word) is None:
                    self._decoder.add_word(word, phones, True)
            self._known[word] = name
        return self._known[word]

    def _phones(self, word: str) -> str | None:
        phones = self._decoder.lookup_word(word)
        return str(phones) if phones else None

    def _spelled(self, word: str) -> str | None:
        if not word.isalpha() or len(word) > 8:
            return None
        letters = ["EY" if c == "a" else self._phones(c) for c in word]
        return " ".join(p for p in letters if p) if all(letters) else None

    def _compound(self, word: str) -> str | None:
        """Fewest dictionary words (>= 2 letters each), optionally ending in a suffix."""
        n = len(word)
        if n > _MAX_COMPOUND_CHARS or n < 4:
            return None
        best: list[tuple[int, str] | None] = [None] * (n + 1)
        best[0] = (0, "")
        for end in range(2, n + 1):
            for start in range(0, end - 1):
                prior = best[start]
                if prior is None:
                    continue
                piece = word[start:end]
                phones = self._phones(piece) if len(piece) >= 2 else None
                if phones is None and end == n and start > 0:
                    phones = _SUFFIXES.get(piece)
                if phones is None:
                    continue
                candidate = (prior[0] + 1, f"{prior[1]} {phones}".strip())
                current = best[end]
                if current is None or candidate[0] < current[0]:
                    best[end] = candidate
        found = best[n]
        return found[1] if found is not None and found[0] >= 2 else None


# -- alignment ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Spoken:
    """A dictionary word to align, and the token of the text it belongs to."""

    name: str
    token: int


def _new_decoder() -> Any:
    try:
        from pocketsphinx import Decoder
    except ImportError:
        raise AlignmentError(
            "Aligning a text needs pocketsphinx, which is not installed; install it with: "
            "pip install pocketsphinx==5.1.1"
        ) from None
    return Decoder(lm=None, samprate=SAMPLE_RATE, loglevel="FATAL")


def align_text(
    path: str | os.PathLike[str],
    text: str,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
) -> Transcript:
    """Time every word of ``text`` against the speech of ``path``'s audio track.

    Returns a transcript with one segment per sentence, ``narration.source == "aligned"``.
    Raises :class:`AlignmentError` (no audio, silent audio, no alignable word, a text that
    does not match), :class:`~narrlocal_gui.errors.MediaError`, or
    :class:`~narrlocal_gui.media.media_info.Cancelled`.
    """
    name = describe(Path(path))
    tokens = _tokens(text)
    if not any(t.spoken for t in tokens):
        raise AlignmentError(
            f"The text to align to {name} has no English words to align; check the text file."
        )
    stream = open_audio_stream(path, SAMPLE_RATE, 1)
    if stream is None:
        raise AlignmentError(
            f"{name} has no audio track, so the text cannot be aligned to its speech; import "
            "a transcript with times instead."
        )
    report_progress(progress, cancel, 0.0)
    decoder = _new_decoder()
    lexicon = _Lexicon(decoder)
    spoken: list[_Spoken] = []
    for index, token in enumerate(tokens):
        letters = [c for c in token.text if c.isalpha()]
        acronym = 1 < len(letters) <= 6 and all(c.isupper() for c in letters)
        for word in token.spoken:
            entry = lexicon.entry(word, acronym)
            if entry is not None:
                spoken.append(_Spoken(entry, index))
    if not spoken:
        raise AlignmentError(
            f"None of the words of the text for {name} is in the English pronunciation "
            "dictionary, so it cannot be aligned; check that the text is English."
        )
    timeline = AudioTimeline(stream, cancel)
    times = _align_windows(decoder, timeline, spoken, progress, cancel)
    timeline.drain()
    duration = timeline.end / SAMPLE_RATE
    if timeline.peak < _SILENT_PEAK:
        raise AlignmentError(
            f"The audio of {name} is silent, so the text cannot be aligned to it; check that "
            "this is the narrated video."
        )
    reached = sum(1 for t in times if t is not None)
    if reached < (1.0 - _MAX_UNREACHED) * len(spoken):
        raise AlignmentError(
            f"Only {reached} of the {len(spoken)} words of the text were found in the speech "
            f"of {name}; check that the text is the narration of this video."
        )
    token_times = _token_times(tokens, spoken, times, duration)
    report_progress(progress, cancel, 1.0)
    return Transcript(
        narration=Narration(
            segments=_segments(tokens, token_times), language="en", source="aligned"
        ),
        media=Path(path).name,
        duration=duration,
        model=_MODEL_NAME,
        device="cpu",
    )


def _align_windows(
    decoder: Any,
    timeline: AudioTimeline,
    spoken: Sequence[_Spoken],
    progress: ProgressCallback | None,
    cancel: CancelCallback | None,
) -> list[tuple[float, float] | None]:
    """(start, end) seconds for each spoken word, None where the audio ended first."""
    times: list[tuple[float, float] | None] = [None] * len(spoken)
    size = round(WINDOW_SECONDS * SAMPLE_RATE)
    margin = round(MARGIN_SECONDS * SAMPLE_RATE)
    offer_size = math.ceil(WINDOW_SECONDS * _MAX_WORDS_PER_SECOND)
    expected = max(timeline.expected_samples, 1)
    start = 0
    done = 0
    count = 0
    while done < len(spoken):
        report_progress(progress, cancel, min(start / expected, 0.99))
        available = timeline.fill_to(start + size + 1)
        last = available <= start + size
        audio = timeline.read(start, start + size)
        if audio.shape[0] < SAMPLE_RATE // 10:
            break
        offer = spoken[done:] if last else spoken[done : done + offer_size]
        found = _decode(decoder, f"window{count}", [s.name for s in offer], audio)
        count += 1
        limit = audio.shape[0] / SAMPLE_RATE - (0.0 if last else MARGIN_SECONDS)
        kept = [(a, b) for a, b in found if b <= limit] if not last else found
        offset = start / SAMPLE_RATE
        for i, (a, b) in enumerate(kept):
            times[done + i] = (offset + a, offset + b)
        done += len(kept)
        if last:
            break
        # The next window starts where the last kept word ends (a word boundary), or skips
        # ahead over a window in which nothing of the text was said.
        start = start + round(kept[-1][1] * SAMPLE_RATE) if kept else start + size - margin
        timeline.release(start)
    return times


def _decode(
    decoder: Any, search: str, words: Sequence[str], audio: Samples
) -> list[tuple[float, float]]:
    """Times (seconds in ``audio``) of the longest prefix of ``words`` spoken in it."""
    n = len(words)
    arcs: list[tuple[int, int, float] | tuple[int, int, float, str]] = [
        (i, i + 1, 1.0, w) for i, w in enumerate(words)
    ]
    arcs += [(i, n, 1.0) for i in range(n)]
    fsg = decoder.create_fsg(search, 0, n, arcs)
    decoder.add_fsg(search, fsg)
    decoder.activate_search(search)
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)
    try:
        decoder.start_utt()
        decoder.process_raw(pcm.tobytes(), no_search=False, full_utt=True)
        decoder.end_utt()
        found: list[tuple[float, float]] = []
        for seg in decoder.seg() or ():
            word = re.sub(r"\(\d+\)$", "", str(seg.word))
            if word.startswith(("<", "[", "+")):
                continue  # silence and noise fillers
            if len(found) >= n or word != words[len(found)]:
                break
            found.append(
                (seg.start_frame / _FRAMES_PER_SECOND, (seg.end_frame + 1) / _FRAMES_PER_SECOND)
            )
        return found
    finally:
        decoder.remove_search(search)


def _token_times(
    tokens: Sequence[_Token],
    spoken: Sequence[_Spoken],
    times: Sequence[tuple[float, float] | None],
    duration: float,
) -> list[tuple[float, float] | None]:
    """Each token's span: its aligned words', or interpolated; None for punctuation."""
    spans: list[tuple[float, float] | None] = [None] * len(tokens)
    for s, t in zip(spoken, times, strict=True):
        if t is None:
            continue
        old = spans[s.token]
        spans[s.token] = t if old is None else (old[0], max(old[1], t[1]))
    wordy = [i for i, t in enumerate(tokens) if t.spoken]
    i = 0
    while i < len(wordy):
        if spans[wordy[i]] is not None:
            i += 1
            continue
        j = i
        while j < len(wordy) and spans[wordy[j]] is None:
            j += 1
        run = wordy[i:j]
        chars = [len(tokens[k].text) for k in run]
        before = spans[wordy[i - 1]] if i > 0 else None
        after = spans[wordy[j]] if j < len(wordy) else None
        need = sum(chars) * _SECONDS_PER_CHAR
        if before is not None and after is not None:
            lo, hi = before[1], max(after[0], before[1])
        elif after is not None:
            lo, hi = max(after[0] - need, 0.0), after[0]
        elif before is not None:
            lo, hi = before[1], min(before[1] + need, max(duration, before[1]))
        else:
            lo, hi = 0.0, 0.0
        edge = lo
        total = max(sum(chars), 1)
        for k, c in zip(run, chars, strict=True):
            nxt = edge + (hi - lo) * c / total
            spans[k] = (edge, nxt)
            edge = nxt
        i = j
    return spans


def _segments(
    tokens: Sequence[_Token], spans: Sequence[tuple[float, float] | None]
) -> tuple[Segment, ...]:
    segments: list[Segment] = []
    previous = 0.0
    indexed = enumerate(tokens)
    for _, group in itertools.groupby(indexed, key=lambda item: item[1].sentence):
        members = list(group)
        words: list[Word] = []
        for i, token in members:
            span = spans[i]
            if span is None:
                continue
            start = max(span[0], previous)
            end = max(span[1], start)
            words.append(Word(token.text, start, end))
            previous = end
        if words:
            text = " ".join(token.text for _, token in members)
            segments.append(Segment(text, words[0].start, words[-1].end, tuple(words)))
    return tuple(segments)
