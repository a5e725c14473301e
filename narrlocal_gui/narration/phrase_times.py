"""The times of phrases: narration segments joined into streams of text, and the time of
any character span of a stream, from word times or interpolated over its segment.

Segments are joined into streams (consecutive segments with gaps of at most
:data:`PAUSE_BOUNDARY_S`), so a sentence that auto-captions split across cues is parsed as
one. In narration that uses capitals (Whisper, typed captions), a segment starting with a
capital (other than "I") also starts a new stream: Whisper ends segments at the end of a
thought even where it leaves out the full stop. It does not where the sentence visibly goes
on across the break (:func:`continues_across`): the segment before ends with a word that
cannot end a clause ("cut out four | Strips of tape", "and", "the", "is", "gonna") or the
next starts with one that cannot start a sentence ("Of", "Than"). Each segment's words are
located in its text; a phrase starts at the start of its first timed word and ends at the
end of its last. Where a segment has no word times (SRT, VTT) the time of a character offset
is interpolated linearly over the segment's span by character position, so times are
monotone and inside the segment.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from narrlocal_gui.core.model import Segment

__all__ = ["PAUSE_BOUNDARY_S", "Stream", "continues_across", "narration_streams"]

#: A silence longer than this between segments ends a sentence, whatever the punctuation.
PAUSE_BOUNDARY_S = 2.0


# Words after which a clause cannot stop: determiners, possessives, conjunctions, "of", finite
# auxiliaries and subordinators. Prepositions other than "of" are left out: spoken English
# strands them at the end of a clause ("the length you cut your strips to").
_OPEN_ENDINGS = frozenset(
    {"a", "an", "the", "your", "my", "our", "their", "his", "its", "every", "each"}
    | {"and", "or", "but", "nor", "of", "than", "whether", "if", "because", "although"}
    | {"is", "are", "was", "were", "am", "will", "would", "can", "could", "should", "must"}
    | {"gonna", "wanna", "gotta", "very", "really"}
)

# Words that cannot open a sentence, whatever their case: "... four strips | Of tape".
_CONTINUING_STARTS = frozenset({"of", "than"})

_EDGE_PUNCTUATION = ".,;:!?\u2026\"'()"


@dataclass(frozen=True, slots=True)
class _Piece:
    """One segment's place in a stream: characters [char_start, char_end) span its times."""

    char_start: int
    char_end: int
    start: float
    end: float

    def __post_init__(self) -> None:
        if self.char_end < self.char_start or self.end < self.start:
            raise ValueError(f"piece spans must not be reversed: {self}")

    def time_at(self, char: int) -> float:
        width = self.char_end - self.char_start
        if width <= 0:
            return self.start
        fraction = min(max((char - self.char_start) / width, 0.0), 1.0)
        return self.start + fraction * (self.end - self.start)


@dataclass(slots=True)
class Stream:
    """Consecutive segments joined into one text, with where each word and segment lies.

    Mutable because it is built segment by segment; it never leaves phrase extraction.
    """

    text_parts: list[str] = field(default_factory=list)
    length: int = 0
    pieces: list[_Piece] = field(default_factory=list)
    piece_char_starts: list[int] = field(default_factory=list)
    word_char_starts: list[int] = field(default_factory=list)
    word_char_ends: list[int] = field(default_factory=list)
    word_starts: list[float] = field(default_factory=list)
    word_ends: list[float] = field(default_factory=list)
    #: Offsets of words said after a pause longer than PAUSE_BOUNDARY_S within the stream.
    breaks: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def add(self, segment: Segment, text: str) -> None:
        if self.text_parts:
            self.text_parts.append(" ")
            self.length += 1
        offset = self.length
        self.text_parts.append(text)
        self.length += len(text)
        self.pieces.append(_Piece(offset, self.length, segment.start, segment.end))
        self.piece_char_starts.append(offset)
        self._add_words(segment, text, offset)

    def _add_words(self, segment: Segment, text: str, offset: int) -> None:
        # Words are found in order in the segment's text; one that is not there (the text
        # was edited after recognition) gets no times and its characters are interpolated.
        folded = text.lower() if len(text.lower()) == len(text) else text
        cursor = 0
        for word in segment.words:
            needle = word.text.strip()
            if not needle:
                continue
            found = text.find(needle, cursor)
            if found < 0 and folded is not text:
                found = folded.find(needle.lower(), cursor)
            if found < 0:
                continue
            cursor = found + len(needle)
            if self.word_ends and word.start - self.word_ends[-1] > PAUSE_BOUNDARY_S:
                self.breaks.append(offset + found)
            self.word_char_starts.append(offset + found)
            self.word_char_ends.append(offset + cursor)
            self.word_starts.append(word.start)
            self.word_ends.append(max(word.end, word.start))

    def blocks(self) -> list[tuple[int, int]]:
        """Character ranges parsed separately: a long pause ends a sentence."""
        bounds = [0, *self.breaks, self.length]
        return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]

    def pause_before(self, char: int) -> float:
        index = bisect.bisect_left(self.word_char_starts, char)
        if 0 < index < len(self.word_char_starts) and self.word_char_starts[index] == char:
            return max(self.word_starts[index] - self.word_ends[index - 1], 0.0)
        return 0.0

    def _piece_at(self, char: int) -> _Piece:
        index = bisect.bisect_right(self.piece_char_starts, char) - 1
        return self.pieces[max(index, 0)]

    def times(self, char_start: int, char_end: int) -> tuple[float, float]:
        """Start and end time of the characters [char_start, char_end)."""
        first = bisect.bisect_right(self.word_char_ends, char_start)
        if first < len(self.word_char_starts) and self.word_char_starts[first] < char_end:
            start = self.word_starts[first]
        else:
            start = self._piece_at(char_start).time_at(char_start)
        last = bisect.bisect_left(self.word_char_starts, char_end) - 1
        if last >= 0 and self.word_char_ends[last] > char_start:
            end = self.word_ends[last]
        else:
            end = self._piece_at(max(char_end - 1, char_start)).time_at(char_end)
        return start, max(end, start)


def _segment_text(segment: Segment) -> str:
    text = " ".join(segment.text.split())
    if not text and segment.words:
        text = " ".join(w.text.strip() for w in segment.words if w.text.strip())
    return text


def _is_cased(texts: Sequence[str]) -> bool:
    """Whether the narration uses capitals (ASR, typed captions), unlike auto-captions."""
    return any(any(c.isupper() for c in t) for t in texts)


def _starts_sentence(text: str) -> bool:
    """A capital that is not the pronoun "I" ("I'm", "I think") opens a sentence."""
    first = text[:1]
    if not first.isupper():
        return False
    return not (first == "I" and (len(text) == 1 or text[1] in " '’"))


def _edge_word(text: str, *, last: bool) -> str:
    words = text.split()
    if not words:
        return ""
    return (words[-1] if last else words[0]).strip(_EDGE_PUNCTUATION).lower()


def continues_across(before: str, after: str) -> bool:
    """Whether the sentence of segment text ``before`` visibly goes on in ``after``: no
    full stop ends ``before`` and a word at the break cannot end or start a clause."""
    if before.rstrip().endswith((".", "!", "?", "\u2026")):
        return False
    return (
        _edge_word(before, last=True) in _OPEN_ENDINGS
        or _edge_word(after, last=False) in _CONTINUING_STARTS
    )


def narration_streams(segments: Sequence[Segment]) -> list[Stream]:
    ordered = sorted(segments, key=lambda s: s.start)
    texts = [_segment_text(s) for s in ordered]
    # Whisper ends a segment where the speaker stops a thought and capitalises the next one,
    # even when it leaves out the full stop; joining across such a boundary glues the tail
    # of one sentence to the next ("cut your strips to | You're going to take ..."). In
    # lower-case auto-captions, cue boundaries say nothing, so there streams are only cut at
    # pauses.
    cased = _is_cased(texts)
    streams: list[Stream] = []
    current: Stream | None = None
    last_end = 0.0
    last_text = ""
    for segment, text in zip(ordered, texts, strict=True):
        if not text:
            continue
        if (
            current is None
            or segment.start - last_end > PAUSE_BOUNDARY_S
            or (cased and _starts_sentence(text) and not continues_across(last_text, text))
        ):
            current = Stream()
            streams.append(current)
        current.add(segment, text)
        last_end = max(last_end, segment.end)
        last_text = text
    return streams
