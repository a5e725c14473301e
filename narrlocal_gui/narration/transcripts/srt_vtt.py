"""SRT and WebVTT: read by pysubs2 and webvtt-py, then the subtitle-only repairs (reversed
and unsorted cues, YouTube-style rolling captions, empty and annotation-only cues) and word
times from inline timestamps."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from narrlocal_gui.narration.transcripts.cue_text import (
    Cue,
    RawCue,
    RawWord,
    Token,
    count_runs,
    line_tokens,
    speech_mask,
    text_key,
)
from narrlocal_gui.narration.transcripts.imported import TranscriptKind
from narrlocal_gui.narration.transcripts.messages import counted, error

_VTT_STAMP = re.compile(r"(?:\d+:)?(\d{1,2}):(\d{1,2})\.\d{1,3}")
_STAMPISH = re.compile(r"[\d:.,\s]+")


def _check_timing_lines(text: str, name: str, kind: TranscriptKind) -> int:
    """Refuse timing lines the library would silently skip or misread; count the good ones."""
    from pysubs2.time import TIMESTAMP

    good = 0
    for number, line in enumerate(text.split("\n"), 1):
        if "-->" not in line:
            continue
        left, _, right = line.partition("-->")
        if not (_STAMPISH.fullmatch(left) and right.split()):
            continue  # "-->" in ordinary text, not a timing line
        if kind is TranscriptKind.SRT:
            ok = len(TIMESTAMP.findall(line)) == 2
            example = "00:00:01,500 --> 00:00:03,000"
        else:
            stamps = (_VTT_STAMP.fullmatch(left.strip()), _VTT_STAMP.fullmatch(right.split()[0]))
            ok = all(m is not None and int(m[1]) < 60 and int(m[2]) < 60 for m in stamps)
            example = "00:00:01.500 --> 00:00:03.000"
        if not ok:
            shown = line.strip()[:60]
            raise error(
                f"Line {number} of {name} has cue times that cannot be read ({shown!r}); "
                f"write them like {example}."
            )
        good += 1
    return good


def srt_cues(text: str, name: str) -> list[RawCue]:
    import pysubs2

    _check_timing_lines(text, name, TranscriptKind.SRT)
    # keep_html_tags: one markup cleaner (line_tokens) serves SRT and WebVTT alike.
    subs = pysubs2.SSAFile.from_string(text, format_="srt", keep_html_tags=True)
    return [
        RawCue(
            e.start / 1000.0,
            e.end / 1000.0,
            tuple(line_tokens(line) for line in str(e.text).split("\\N")),
        )
        for e in subs
    ]


def vtt_cues(text: str, name: str, notes: list[str]) -> tuple[list[RawCue], str | None]:
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    expected = _check_timing_lines(text, name, TranscriptKind.VTT)
    body = text.lstrip()
    if not body.startswith("WEBVTT"):
        body = "WEBVTT\n\n" + body
        notes.append(f"Read {name} as WebVTT although it has no WEBVTT header.")
    try:
        vtt: Any = webvtt.from_string(body)
    except (MalformedFileError, MalformedCaptionError, ValueError) as exc:
        raise error(f"{name} is not a readable WebVTT file ({exc}); check the file.") from None
    cues = [
        RawCue(
            c.start_time.in_milliseconds() / 1000.0,
            c.end_time.in_milliseconds() / 1000.0,
            tuple(line_tokens(line) for line in c.lines),
        )
        for c in vtt.captions
    ]
    if len(cues) < expected:
        skipped = counted(expected - len(cues), "cue")
        notes.append(f"Skipped {skipped} the WebVTT reader could not read.")
    language = None
    for line in vtt.metadata:
        key, _, value = str(line).partition(":")
        if key.strip().casefold() == "language" and value.strip():
            language = value.strip()
    return cues, language


def subtitle_cues(raw: list[RawCue], name: str, notes: list[str]) -> list[Cue]:
    if not raw:
        raise error(f"{name} holds no subtitle cues; choose an SRT or WebVTT file with timed text.")
    swapped = 0
    ordered: list[RawCue] = []
    for cue in raw:
        if cue.end < cue.start:
            swapped += 1
            cue = replace(cue, start=cue.end, end=cue.start)
        ordered.append(cue)
    if swapped:
        what = counted(swapped, "cue")
        notes.append(f"Swapped start and end of {what} with the end before the start.")
    out_of_order = sum(b.start < a.start for a, b in itertools.pairwise(ordered))
    if out_of_order:
        ordered.sort(key=lambda c: (c.start, c.end))
        notes.append(f"Sorted {counted(out_of_order, 'cue')} that came out of time order.")

    lines_per_cue = [tuple(line for line in c.lines if line) for c in ordered]
    rolling = _is_rolling(lines_per_cue)
    kept_lines = _drop_carried_lines(lines_per_cue) if rolling else lines_per_cue
    if rolling:
        # Blank cues between rolled lines are part of the same pattern: counted here, not
        # reported again as empty cues.
        after = sum(bool(k) for k in kept_lines)
        notes.append(
            f"Merged {len(ordered)} rolling caption cues into {after}, so each spoken line "
            "appears once."
        )

    cues: list[Cue] = []
    empty = annotation_only = annotations = 0
    for raw_cue, lines in zip(ordered, kept_lines, strict=True):
        if not lines:
            empty += not rolling
            continue
        tokens = [t for line in lines for t in line]
        keep = speech_mask([t.text for t in tokens], parentheses=True)
        if not any(keep):
            annotation_only += 1
            continue
        annotations += count_runs(keep)
        kept = [t.text for t, k in zip(tokens, keep, strict=True) if k]
        words = _timed_words(tokens, raw_cue.start, raw_cue.end)
        cue_words = tuple(w for w, k in zip(words, keep, strict=True) if k) if words else ()
        cues.append(Cue(raw_cue.start, raw_cue.end, " ".join(kept), cue_words))
    if empty:
        notes.append(f"Dropped {counted(empty, 'empty cue')}.")
    if annotation_only:
        notes.append(
            f"Dropped {counted(annotation_only, 'cue')} holding only sound descriptions "
            "such as [Music]."
        )
    if annotations:
        notes.append(
            f"Removed {counted(annotations, 'sound description')} such as [Applause], (laughs) "
            "or ♪ lyrics ♪ from the text."
        )
    if not cues:
        raise error(f"{name} holds no spoken text: its cues are empty or only sound descriptions.")
    return cues


def _line_key(line: Sequence[Token]) -> str:
    return text_key(" ".join(t.text for t in line))


def _is_rolling(lines_per_cue: Sequence[Sequence[Sequence[Token]]]) -> bool:
    """Roll-up captions (YouTube auto-captions) show the previous cue's last line above the
    new one. Ordinary subtitles almost never start a two-line cue with the line before it,
    and a single line said again ("Stir." "Stir.") is not this pattern, so only cues of
    several lines count."""
    multi_line = repeats = 0
    for prev, cur in itertools.pairwise(lines_per_cue):
        if len(cur) >= 2:
            multi_line += 1
            repeats += bool(prev) and _line_key(cur[0]) == _line_key(prev[-1])
    return repeats >= 3 and repeats >= 0.5 * multi_line


def _drop_carried_lines(
    lines_per_cue: Sequence[tuple[tuple[Token, ...], ...]],
) -> list[tuple[tuple[Token, ...], ...]]:
    """Each cue without the leading lines that the previous cue ended with."""
    kept: list[tuple[tuple[Token, ...], ...]] = []
    prev: list[str] = []
    for lines in lines_per_cue:
        keys = [_line_key(line) for line in lines]
        carried = 0
        for m in range(min(len(keys), len(prev)), 0, -1):
            if keys[:m] == prev[-m:]:
                carried = m
                break
        kept.append(tuple(lines[carried:]))
        prev = keys
    return kept


def _timed_words(tokens: Sequence[Token], start: float, end: float) -> list[RawWord]:
    """Word times from inline timestamps: a word starts at the timestamp before it (the cue
    start for the first word) and ends where the next one starts (the cue end for the last).
    Words sharing one timestamp share its span in proportion to their length. Without any
    inline timestamp there are no word times (empty list): phrase extraction interpolates
    later, and inventing them here would pass a guess off as a measurement."""
    if not any(t.time is not None for t in tokens):
        return []
    anchors = [i for i, t in enumerate(tokens) if i == 0 or t.time is not None]
    words: list[RawWord] = []
    for n, first in enumerate(anchors):
        last = anchors[n + 1] if n + 1 < len(anchors) else len(tokens)
        t0 = tokens[first].time
        span_start = start if t0 is None else t0
        t1 = tokens[last].time if last < len(tokens) else None
        span_end = end if t1 is None else t1
        span_end = max(span_start, span_end)
        chunk = tokens[first:last]
        total = sum(len(t.text) + 1 for t in chunk)
        at = span_start
        for t in chunk:
            step = (span_end - span_start) * (len(t.text) + 1) / total
            words.append(RawWord(t.text, at, at + step))
            at += step
    return words
