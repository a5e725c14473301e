"""The repairs shared by every timed kind: sort, remove duplicates, join cues starting
together, end overlapping cues where the next begins, cut at the video's end, and fit word
times into their cue. Each repair is reported as one sentence."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace

from narrlocal_gui.core.model import Segment, Word
from narrlocal_gui.narration.transcripts.cue_text import Cue, RawWord, text_key
from narrlocal_gui.narration.transcripts.messages import counted, error

_SAME_TIME = 0.0005  # seconds; times are written to the millisecond
_DUPLICATE_LOOKBACK = 8


def repair_cues(
    cues: list[Cue], name: str, notes: list[str], media_duration: float | None
) -> tuple[Segment, ...]:
    out_of_order = sum(b.start < a.start for a, b in itertools.pairwise(cues))
    cues = sorted(cues, key=lambda c: (c.start, c.end))
    if out_of_order:
        notes.append(f"Sorted {counted(out_of_order, 'cue')} that came out of time order.")

    # The same text again while it is still showing is one cue shown twice. Only a few
    # recent cues are compared, which keeps this linear on hostile input.
    kept: list[tuple[Cue, str]] = []
    duplicates = 0
    for cue in cues:
        key = text_key(cue.text)
        for k in range(len(kept) - 1, max(-1, len(kept) - 1 - _DUPLICATE_LOOKBACK), -1):
            old, old_key = kept[k]
            same_time = cue.start < old.end or cue.start - old.start < _SAME_TIME
            if old_key == key and same_time:
                longer = replace(old, end=max(old.end, cue.end), words=old.words or cue.words)
                kept[k] = (longer, key)
                duplicates += 1
                break
        else:
            kept.append((cue, key))
    if duplicates:
        notes.append(f"Removed {counted(duplicates, 'duplicated cue')}.")

    # Different texts starting together (e.g. two speakers) become one segment: ending the
    # first where the second starts would leave it no time at all.
    merged: list[Cue] = []
    joined = 0
    for group in _same_start_groups([cue for cue, _ in kept]):
        joined += len(group) - 1
        first = group[0]
        words = tuple(w for c in group for w in c.words) if all(c.words for c in group) else ()
        text = " ".join(c.text for c in group)
        merged.append(Cue(first.start, max(c.end for c in group), text, words))
    if joined:
        notes.append(f"Joined {counted(joined, 'cue')} that started at the same time as another.")

    clipped = 0
    for i in range(len(merged) - 1):
        if merged[i].end > merged[i + 1].start:
            merged[i] = replace(merged[i], end=merged[i + 1].start)
            clipped += 1
    if clipped:
        notes.append(
            f"Ended {counted(clipped, 'overlapping cue')} where the next one starts, "
            "so cues follow one another."
        )

    if media_duration is not None:
        inside = [c for c in merged if c.start < media_duration]
        late = len(merged) - len(inside)
        if not inside:
            raise error(
                f"All cues of {name} start after the video ends ({media_duration:.2f} s); "
                "choose the transcript of this video."
            )
        cut = sum(c.end > media_duration for c in inside)
        merged = [replace(c, end=min(c.end, media_duration)) for c in inside]
        if late:
            notes.append(
                f"Dropped {counted(late, 'cue')} starting after the end of the video "
                f"({media_duration:.2f} s)."
            )
        if cut:
            notes.append(
                f"Cut {counted(cut, 'cue')} at the end of the video ({media_duration:.2f} s)."
            )

    moved = 0
    segments: list[Segment] = []
    for cue in merged:
        fitted, n_moved = _fit_words(cue.words, cue.start, cue.end)
        moved += n_moved
        segments.append(Segment(cue.text, cue.start, cue.end, fitted))
    if moved:
        notes.append(
            f"Moved the times of {counted(moved, 'word')} into their cue and spoken order."
        )
    return tuple(segments)


def _same_start_groups(cues: Sequence[Cue]) -> list[list[Cue]]:
    groups: list[list[Cue]] = []
    for cue in cues:
        if groups and cue.start - groups[-1][0].start < _SAME_TIME:
            groups[-1].append(cue)
        else:
            groups.append([cue])
    return groups


def _fit_words(words: Sequence[RawWord], start: float, end: float) -> tuple[tuple[Word, ...], int]:
    """Words inside [start, end], starts in order, each ending by the next one's start;
    and how many had to move (by more than a microsecond)."""
    fitted: list[Word] = []
    moved = 0
    floor = start
    for w in words:
        s = min(max(w.start, floor), end)
        e = min(max(w.end, s), end)
        if fitted and fitted[-1].end > s:
            fitted[-1] = replace(fitted[-1], end=s)
        if abs(s - w.start) > 1e-6 or abs(e - w.end) > 1e-6:
            moved += 1
        fitted.append(Word(w.text, s, e, w.confidence))
        floor = s
    return tuple(fitted), moved
