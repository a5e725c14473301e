"""Cue text: words without markup, inline word timestamps, and what is a sound description
rather than speech. Shared by the subtitle and JSON readers and by plain text."""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import unescape

from narrlocal_gui.narration.transcripts.decoding import CONTROL_CHARS


@dataclass(frozen=True, slots=True)
class Token:
    """A word of cue text and the inline timestamp written just before it, if any."""

    text: str
    time: float | None = None


@dataclass(frozen=True, slots=True)
class RawCue:
    """A cue as the subtitle library read it: times and its lines of tokens."""

    start: float
    end: float
    lines: tuple[tuple[Token, ...], ...]

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            raise ValueError("cue times must be finite")


@dataclass(frozen=True, slots=True)
class RawWord:
    """A word before repair: times may still be outside its cue or out of order."""

    text: str
    start: float
    end: float
    confidence: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            raise ValueError("word times must be finite")


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue with clean text, before the repairs that need its neighbours."""

    start: float
    end: float
    text: str
    words: tuple[RawWord, ...] = ()

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            raise ValueError("cue times must be finite")


# Inline word timestamps (YouTube auto-captions, karaoke WebVTT): <00:00:01.920>.
_INLINE_TIME = re.compile(r"<\s*((?:\d{1,9}:)?\d{1,2}:\d{1,2}[.,]\d{1,3})\s*>")
# The character classes exclude the opening bracket, which keeps these linear in the worst case.
_TAG = re.compile(r"<[^<>]*>")
_ASS_OVERRIDE = re.compile(r"\{\\[^{}]*\}")
_ASS_ESCAPE = re.compile(r"\\[Nnh]")
_LEADER = re.compile(r"^(?:>>+|-+|–|—)$")  # speaker-change marks at the start of a line
_CLOSING_PUNCT = ".,;:!?\"'’”"


def _clock_seconds(stamp: str) -> float:
    clock, _, frac = stamp.replace(",", ".").partition(".")
    seconds = 0
    for field in clock.split(":"):
        seconds = seconds * 60 + int(field)
    return seconds + int(frac.ljust(3, "0")[:3]) / 1000.0


def line_tokens(line: str) -> tuple[Token, ...]:
    """Split one line of cue text into words, removing markup and keeping inline timestamps."""
    parts = _INLINE_TIME.split(line)
    tokens: list[Token] = []
    pending: float | None = None
    for i, part in enumerate(parts):
        if i % 2:
            pending = _clock_seconds(part)
            continue
        part = _ASS_ESCAPE.sub(" ", _ASS_OVERRIDE.sub("", part))
        part = CONTROL_CHARS.sub(" ", unescape(_TAG.sub("", part)))
        for word in part.replace("\ufeff", "").replace("\u200b", "").split():
            tokens.append(Token(word, pending))
            pending = None
    while tokens and _LEADER.match(tokens[0].text):
        # A leader can carry the line's first timestamp; the next word inherits it.
        first = tokens.pop(0)
        if tokens and tokens[0].time is None and first.time is not None:
            tokens[0] = Token(tokens[0].text, first.time)
    return tuple(tokens)


_MAX_ANNOTATION_WORDS = 30


def speech_mask(words: Sequence[str], *, parentheses: bool) -> list[bool]:
    """True for each word that is speech; False inside [..], (..) and ♪..♪ annotations.

    Subtitles for the hard of hearing put sounds in brackets or parentheses and lyrics
    between notes; a narration does not speak them. Plain text keeps its parentheses
    (``parentheses=False``): a written script uses them for speech. An annotation spans at
    most 30 words, so an unclosed bracket cannot swallow the text after it.
    """
    closing_of = {"[": "]", "♪": "♪", "♫": "♫"}
    if parentheses:
        closing_of["("] = ")"
    keep = [True] * len(words)
    openers = tuple(closing_of)
    # Where each kind of annotation can end, found once per kind: the scan stays linear.
    ends_of: dict[str, list[int]] = {}
    done = 0  # words before this index already belong to an annotation
    for i in [i for i, w in enumerate(words) if w.startswith(openers)]:
        if i < done:
            continue
        word = words[i]
        closing = closing_of[word[0]]
        if closing not in ends_of:
            ends_of[closing] = [
                j for j, w in enumerate(words) if w.rstrip(_CLOSING_PUNCT).endswith(closing)
            ]
        ends = ends_of[closing]
        opener_only = word.strip("♪♫") == ""
        at = bisect.bisect_left(ends, i + 1 if opener_only else i)
        if at == len(ends) or ends[at] >= i + _MAX_ANNOTATION_WORDS:
            # An unclosed bracket is kept as text; a lone note is never speech.
            keep[i] = not opener_only
            continue
        end = ends[at]
        keep[i : end + 1] = [False] * (end + 1 - i)
        done = end + 1
    return keep


def text_key(text: str) -> str:
    return " ".join(text.casefold().split())


def count_runs(keep: Sequence[bool]) -> int:
    """How many separate stretches were removed."""
    return sum(1 for i, k in enumerate(keep) if not k and (i == 0 or keep[i - 1]))
