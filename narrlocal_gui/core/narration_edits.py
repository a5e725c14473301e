"""Edits of the narration and its phrases: pure functions from a project to a new project.

Like :mod:`narrlocal_gui.core.edits`, each one is the body of an undoable GUI edit. Unknown
ids raise KeyError (a bug: the GUI only offers what exists); values a user can get wrong
raise ValueError with a message meant for that user.

Phrases are always kept sorted by (start, end). Indicators belong to phrases, so an edit that
replaces phrases decides which indicators survive: one whose phrase is gone is removed, unless
a new phrase says the same thing at an overlapping time. That phrase inherits it, so running
phrase extraction again keeps the localization results and the hand corrections.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from narrlocal_gui.core.model import Indicator, Narration, Phrase, Project, Segment, Word

_TOKEN = re.compile(r"\S+")


# -- replacing the transcript or the phrases ------------------------------------------------
def set_transcript(project: Project, narration: Narration, phrases: tuple[Phrase, ...]) -> Project:
    """A new narration and its phrases (a fresh transcription or import)."""
    return _with_phrases(replace(project, narration=narration), phrases)


def set_phrases(project: Project, phrases: tuple[Phrase, ...]) -> Project:
    """New phrases for the same narration (phrase extraction run again)."""
    return _with_phrases(project, phrases)


# -- editing phrases -----------------------------------------------------------------------
def split_phrase(project: Project, phrase_id: str, char_index: int, new_id: str) -> Project:
    """Split a phrase before ``char_index``: the first part keeps the id (and the indicator),
    the second gets ``new_id``.

    The split time is the start of the word the second part begins with, taken from the
    narration's word times when the phrase's words can be found there (in the middle of a
    word: that far into the word); otherwise it is proportional to the characters.
    """
    phrase = project.phrase(phrase_id)
    text = phrase.text
    if not 0 <= char_index <= len(text):
        raise ValueError(f"Cannot split at character {char_index} of a {len(text)}-character text.")
    first, second = text[:char_index].strip(), text[char_index:].strip()
    if not first or not second:
        raise ValueError("Split inside the phrase: both parts need some text.")
    # Where the second part's text really begins (the cut may sit on the spaces before it).
    cut = char_index + len(text[char_index:]) - len(text[char_index:].lstrip())
    at = min(max(_split_time(project.narration, phrase, cut), phrase.start), phrase.end)
    phrases = [p for p in project.phrases if p.id != phrase_id]
    phrases.append(replace(phrase, text=first, end=at))
    phrases.append(Phrase(new_id, second, at, phrase.end))
    return _set_sorted(project, phrases)


def middle_split_index(text: str) -> int | None:
    """Where to split ``text`` when the user did not say: before the word that starts nearest
    the middle of the text (by characters; the earlier one on a tie). None for one word."""
    starts = [m.start() for m in _TOKEN.finditer(text)][1:]
    if not starts:
        return None
    middle = len(text.strip()) / 2.0 + (len(text) - len(text.lstrip()))
    return min(starts, key=lambda s: (abs(s - middle), s))


def merge_phrases(project: Project, first_id: str, second_id: str) -> Project:
    """One phrase from two: texts joined with a space, the span covering both.

    The result keeps the first id and its indicator; the second's indicator is removed, unless
    the first has none, in which case the merged phrase inherits it rather than lose its work.
    """
    first, second = project.phrase(first_id), project.phrase(second_id)
    if first_id == second_id:
        raise ValueError("A phrase cannot be merged with itself.")
    merged = replace(
        first,
        text=f"{first.text.strip()} {second.text.strip()}",
        start=min(first.start, second.start),
        end=max(first.end, second.end),
    )
    phrases = [merged if p.id == first_id else p for p in project.phrases if p.id != second_id]
    keep_second = project.indicator_for_phrase(first_id) is None
    indicators: list[Indicator] = []
    for ind in project.indicators:
        if ind.phrase_id != second_id:
            indicators.append(ind)
        elif keep_second:
            indicators.append(replace(ind, phrase_id=first_id))
            keep_second = False
    return replace(project, phrases=_sort(phrases), indicators=tuple(indicators))


def retime_phrase(project: Project, phrase_id: str, start: float, end: float) -> Project:
    """Move a phrase's start and end (from dragging its edges)."""
    phrase = project.phrase(phrase_id)
    if not (math.isfinite(start) and math.isfinite(end)):
        raise ValueError("A phrase's start and end must be times in seconds.")
    if start < 0.0:
        raise ValueError(f"A phrase cannot start before the video ({start:.3f} s).")
    if end <= start:
        raise ValueError(f"A phrase must end after it starts ({start:.3f} s – {end:.3f} s).")
    duration = None if project.video is None else project.video.duration
    if duration is not None and end > duration + 1e-9:
        raise ValueError(f"A phrase cannot end after the video ({end:.3f} s > {duration:.3f} s).")
    phrases = [
        replace(phrase, start=start, end=end) if p.id == phrase_id else p for p in project.phrases
    ]
    return _set_sorted(project, phrases)


def set_phrase_text(project: Project, phrase_id: str, text: str) -> Project:
    phrase = project.phrase(phrase_id)
    text = text.strip()
    if not text:
        raise ValueError("A phrase needs some text; delete it to remove it.")
    return replace(
        project,
        phrases=tuple(replace(p, text=text) if p is phrase else p for p in project.phrases),
    )


def delete_phrase(project: Project, phrase_id: str) -> Project:
    """Remove a phrase and its indicator."""
    project.phrase(phrase_id)
    return replace(
        project,
        phrases=tuple(p for p in project.phrases if p.id != phrase_id),
        indicators=tuple(i for i in project.indicators if i.phrase_id != phrase_id),
    )


def add_phrase(project: Project, phrase: Phrase) -> Project:
    if not phrase.text.strip():
        raise ValueError("A phrase needs some text.")
    return _set_sorted(project, [*project.phrases, phrase])


# -- editing the transcript ----------------------------------------------------------------
def set_segment_text(project: Project, index: int, text: str) -> Project:
    """Correct a segment's text ("fix a word"); an empty text deletes the segment.

    With as many words as before, each word keeps its time and gets the new spelling (and a
    word whose spelling changed loses the recogniser's confidence: a person wrote it now).
    Otherwise the words are spread over the segment in proportion to their characters, with no
    confidence. A segment without word times stays without them.
    """
    segments = list(project.narration.segments)
    if not 0 <= index < len(segments):
        raise IndexError(f"no narration segment {index} (there are {len(segments)})")
    segment = segments[index]
    text = " ".join(text.split())
    if not text:
        del segments[index]
    else:
        segments[index] = replace(segment, text=text, words=_respelled(segment, text))
    narration = replace(project.narration, segments=tuple(segments))
    return replace(project, narration=narration)


def _respelled(segment: Segment, text: str) -> tuple[Word, ...]:
    if not segment.words:
        return ()
    tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(text)]
    if len(tokens) == len(segment.words):
        return tuple(
            word if word.text.strip() == token else Word(token, word.start, word.end, None)
            for word, (_offset, token) in zip(segment.words, tokens, strict=True)
        )
    span = segment.end - segment.start
    per_char = span / len(text)
    return tuple(
        Word(
            token,
            segment.start + offset * per_char,
            min(segment.start + (offset + len(token)) * per_char, segment.end),
        )
        for offset, token in tokens
    )


# -- internals -----------------------------------------------------------------------------
def _sort(phrases: Iterable[Phrase]) -> tuple[Phrase, ...]:
    return tuple(sorted(phrases, key=lambda p: (p.start, p.end)))


def _set_sorted(project: Project, phrases: Iterable[Phrase]) -> Project:
    return replace(project, phrases=_sort(phrases))


def _with_phrases(project: Project, phrases: Sequence[Phrase]) -> Project:
    new = _sort(phrases)
    indicators = _kept_indicators(project.indicators, project.phrases, new)
    return replace(project, phrases=new, indicators=indicators)


def _same_text_key(text: str) -> str:
    """The words of ``text`` without case or punctuation: what "the same phrase" compares."""
    return " ".join(filter(None, (_word_key(t) for t in text.split())))


def _word_key(word: str) -> str:
    return "".join(ch for ch in word.casefold() if ch.isalnum())


def _overlap(a: Phrase, b: Phrase) -> float | None:
    """How long ``a`` and ``b`` share, or None when they do not overlap."""
    shared = min(a.end, b.end) - max(a.start, b.start)
    if shared > 0.0:
        return shared
    # Two instants (zero-length phrases) overlap only when they are the same instant.
    return 0.0 if (a.start, a.end) == (b.start, b.end) else None


def _kept_indicators(
    indicators: Sequence[Indicator], old: Sequence[Phrase], new: Sequence[Phrase]
) -> tuple[Indicator, ...]:
    new_ids = {p.id for p in new}
    old_by_id = {p.id: p for p in old}
    # A phrase that kept its id keeps its indicator; only the others can be inherited, once.
    taken = {ind.phrase_id for ind in indicators if ind.phrase_id in new_ids}
    by_text: dict[str, list[Phrase]] = {}
    for p in new:
        if p.id not in taken:
            by_text.setdefault(_same_text_key(p.text), []).append(p)
    kept: list[Indicator] = []
    for ind in indicators:
        if ind.phrase_id in new_ids:
            kept.append(ind)
            continue
        gone = old_by_id.get(ind.phrase_id)
        if gone is None:
            continue
        best: Phrase | None = None
        best_overlap = -1.0
        for candidate in by_text.get(_same_text_key(gone.text), ()):
            shared = _overlap(gone, candidate)
            if candidate.id not in taken and shared is not None and shared > best_overlap:
                best, best_overlap = candidate, shared
        if best is not None:
            taken.add(best.id)
            kept.append(replace(ind, phrase_id=best.id))
    return tuple(kept)


_WORD_SEARCH_MARGIN_S = 0.5  # phrase times from segment times can be this far off the words


def _words_near(narration: Narration, start: float, end: float, margin: float) -> list[Word]:
    """The narration's words whose middle lies in [start - margin, end + margin], in order."""
    lo, hi = start - margin - 1e-9, end + margin + 1e-9
    words = [
        w
        for s in narration.segments
        if s.end >= lo and s.start <= hi
        for w in s.words
        if lo <= (w.start + w.end) / 2.0 <= hi
    ]
    words.sort(key=lambda w: w.start)
    return words


def _token_times(narration: Narration, phrase: Phrase) -> list[tuple[float, float] | None] | None:
    """Each whitespace token of the phrase's text mapped to its word's (start, end).

    Tokens that are only punctuation map to None. None when the words cannot be found: not as
    one run of the same words near the phrase, nor as exactly as many words within its span
    (a phrase whose words were re-spelled).
    """
    tokens = [_word_key(t) for t in phrase.text.split()]
    wanted = [t for t in tokens if t]
    if not wanted:
        return None
    found: list[Word] | None = None
    near = _words_near(narration, phrase.start, phrase.end, _WORD_SEARCH_MARGIN_S)
    keys = [_word_key(w.text) for w in near]
    near = [w for w, k in zip(near, keys, strict=True) if k]
    keys = [k for k in keys if k]
    for first in range(len(keys) - len(wanted) + 1):
        if keys[first : first + len(wanted)] == wanted:
            found = near[first : first + len(wanted)]
            break
    if found is None:
        inside = [
            w for w in _words_near(narration, phrase.start, phrase.end, 0.0) if _word_key(w.text)
        ]
        if len(inside) != len(wanted):
            return None
        found = inside
    return _align(tokens, found)


def _align(tokens: Sequence[str], words: Sequence[Word]) -> list[tuple[float, float] | None]:
    spans = iter(words)
    out: list[tuple[float, float] | None] = []
    for token in tokens:
        if token:
            word = next(spans)
            out.append((word.start, word.end))
        else:
            out.append(None)
    return out


def _split_time(narration: Narration, phrase: Phrase, cut: int) -> float:
    """The time at which ``phrase.text[cut:]`` begins."""
    times = _token_times(narration, phrase)
    if times is not None:
        matches = list(_TOKEN.finditer(phrase.text))
        for k, match in enumerate(matches):
            if match.start() <= cut < match.end():
                span = times[k]
                if span is not None:
                    fraction = (cut - match.start()) / (match.end() - match.start())
                    return span[0] + (span[1] - span[0]) * fraction
                # A punctuation-only token: the next real word starts the second part.
                later = next((t for t in times[k + 1 :] if t is not None), None)
                if later is not None:
                    return later[0]
                break
    return phrase.start + (phrase.end - phrase.start) * cut / len(phrase.text)
