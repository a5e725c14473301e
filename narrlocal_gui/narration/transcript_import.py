"""Transcript import: SRT, WebVTT, JSON and plain text become one :class:`Transcript`.

Subtitle files are read by libraries (pysubs2 for SRT, webvtt-py for WebVTT, which keeps each
cue's lines and inline word timestamps intact); this module only cleans the cue text and
repairs what real files get wrong. Every repair is reported as one sentence in
:attr:`ImportedTranscript.repairs` and listed for users in docs/transcripts.md, so nothing
changes silently. Every failure is a :class:`TranscriptError` naming the file.

Subtitle cues go through one pipeline (:func:`_repair_cues`), and so do the JSON shapes:
swap reversed times, sort, merge YouTube-style rolling captions, drop empty and
annotation-only cues, remove duplicates, end overlapping cues where the next begins, cut at
the video's end, and fit word times into their cue. Plain text keeps no times: it is cleaned
and handed to the aligner (``needs_alignment``).
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import os
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from html import unescape
from pathlib import Path
from typing import Any

from narrlocal_gui.core.byte_sizes import MIB
from narrlocal_gui.core.model import Narration, Segment, Word
from narrlocal_gui.narration.transcript_json import (
    Transcript,
    TranscriptError,
    is_transcript_dict,
    transcript_from_dict,
)


class TranscriptKind(StrEnum):
    SRT = "srt"
    VTT = "vtt"
    JSON = "json"
    TEXT = "text"

    @property
    def label(self) -> str:
        """The format's name for messages."""
        return _KIND_LABELS[self]


_KIND_LABELS = {
    TranscriptKind.SRT: "SRT",
    TranscriptKind.VTT: "WebVTT",
    TranscriptKind.JSON: "JSON",
    TranscriptKind.TEXT: "plain text",
}

TRANSCRIPT_SUFFIXES: tuple[str, ...] = (".srt", ".vtt", ".json", ".txt")

_SUFFIX_KINDS = {
    ".srt": TranscriptKind.SRT,
    ".vtt": TranscriptKind.VTT,
    ".json": TranscriptKind.JSON,
    ".txt": TranscriptKind.TEXT,
}

#: A transcript of several hours is well under 1 MB; anything past this is not a transcript,
#: and reading it whole (a video renamed .srt) would only waste memory.
MAX_TRANSCRIPT_BYTES = 20 * MIB


@dataclass(frozen=True, slots=True)
class ImportedTranscript:
    """A transcript read from a file, and what was repaired on the way in.

    ``text``: for TEXT the cleaned plain text to align to the audio (one paragraph a line);
    for the other kinds all segment texts joined by spaces.
    """

    kind: TranscriptKind
    transcript: Transcript
    text: str
    repairs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.kind, TranscriptKind):
            raise TypeError(f"kind must be a TranscriptKind, got {self.kind!r}")
        if not isinstance(self.transcript, Transcript):
            raise TypeError("transcript must be a Transcript")
        segments = self.transcript.narration.segments
        if self.kind is TranscriptKind.TEXT:
            if segments:
                raise ValueError("a plain-text transcript has no timed segments")
            if not self.text.strip():
                raise ValueError("a plain-text transcript needs text to align")
        elif not segments:
            raise ValueError("a timed transcript needs at least one segment")
        object.__setattr__(self, "repairs", tuple(self.repairs))
        if not all(isinstance(r, str) and r for r in self.repairs):
            raise ValueError("repairs must be non-empty sentences")

    @property
    def needs_alignment(self) -> bool:
        """True when the text has no times yet and must be aligned to the audio."""
        return self.kind is TranscriptKind.TEXT


# --- entry points -----------------------------------------------------------------------


def read_transcript(
    path: str | os.PathLike[str], *, media_duration: float | None = None
) -> ImportedTranscript:
    """Read a transcript file; its kind comes from the suffix unless the content says otherwise.

    ``media_duration`` (seconds) drops cues that start after the video ends and cuts those
    that run past it.
    """
    p = Path(path)
    name = f"'{p.name}'"
    try:
        info = p.stat()
    except FileNotFoundError:
        raise TranscriptError(f"Cannot open '{p}': no such file; check the path.") from None
    except OSError as exc:
        raise TranscriptError(f"Cannot open '{p}': {exc.strerror or exc}.") from None
    if stat.S_ISDIR(info.st_mode):
        raise TranscriptError(
            f"'{p}' is a folder; choose a transcript file (.srt, .vtt, .json or .txt) in it."
        )
    if not stat.S_ISREG(info.st_mode):
        raise TranscriptError(f"'{p}' is not a regular file; choose a transcript file.")
    if info.st_size > MAX_TRANSCRIPT_BYTES:
        raise _too_big(name, info.st_size)
    try:
        with p.open("rb") as f:
            # One byte past the cap catches a file that grew after stat().
            data = f.read(MAX_TRANSCRIPT_BYTES + 1)
    except OSError as exc:
        raise TranscriptError(f"Cannot read '{p}': {exc.strerror or exc}.") from None
    text, decode_note = _decode(data, name)
    text = _normalise_newlines(text)
    notes = [decode_note] if decode_note else []
    kind = _kind_for_file(text, _SUFFIX_KINDS.get(p.suffix.lower()), name, notes)
    imported = parse_transcript(text, kind=kind, name=name, media_duration=media_duration)
    return replace(imported, repairs=(*notes, *imported.repairs))


def parse_transcript(
    text: str,
    *,
    kind: TranscriptKind | None = None,
    name: str = "the transcript",
    media_duration: float | None = None,
) -> ImportedTranscript:
    """Parse transcript text; ``kind`` forces the format, else the content decides.

    ``name`` is how messages refer to the input (e.g. ``"'talk.srt'"``).
    """
    if media_duration is not None and not (math.isfinite(media_duration) and media_duration > 0):
        raise ValueError(f"media_duration must be a finite time > 0 s, got {media_duration!r}")
    if len(text) > MAX_TRANSCRIPT_BYTES:
        raise _too_big(name, len(text))
    # A BOM inside the text (files joined together) is invisible noise, never narration.
    text = _normalise_newlines(text).replace("\ufeff", "")
    if not text.strip():
        raise _error(f"{name} is empty; choose a file that holds the transcript.")
    if kind is None:
        kind = _sniff(text)[0]
    kind = TranscriptKind(kind)
    notes: list[str] = []
    if kind is TranscriptKind.TEXT:
        return _parse_text(text, name, notes)
    if kind is TranscriptKind.JSON:
        transcript = _parse_json(text, name, notes, media_duration)
    else:
        if kind is TranscriptKind.SRT:
            raw, language = _srt_cues(text, name), None
        else:
            raw, language = _vtt_cues(text, name, notes)
        cues = _subtitle_cues(raw, name, notes)
        segments = _repair_cues(cues, name, notes, media_duration)
        transcript = Transcript(Narration(segments, language=language, source=kind.value))
    joined = " ".join(s.text for s in transcript.narration.segments if s.text)
    return ImportedTranscript(kind, transcript, joined, tuple(notes))


def decode_transcript_bytes(data: bytes, name: str) -> str:
    """Decode a transcript's bytes: a BOM decides (UTF-8, UTF-16/32 LE/BE), else UTF-8,
    else Windows-1252, else Latin-1. Binary data (a video renamed .srt) is refused."""
    return _decode(data, name)[0]


# --- decoding and kind detection --------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    # UTF-32 LE before UTF-16 LE: its BOM starts with the UTF-16 LE one.
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# C0 and C1 control characters other than whitespace: rare in text, common in binary data.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _decode(data: bytes, name: str) -> tuple[str, str | None]:
    """The text and, when it was not UTF-8, a note saying how it was read."""
    if len(data) > MAX_TRANSCRIPT_BYTES:
        raise _too_big(name, len(data))
    note = None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                raise _error(
                    f"{name} starts like {codec.upper()} text but is not valid {codec.upper()}; "
                    "save it again as UTF-8."
                ) from None
            break
    else:
        codec16 = _bomless_utf16(data)
        if codec16 is not None:
            try:
                text = data.decode(codec16)
            except UnicodeDecodeError:
                raise _binary(name) from None
            note = f"Read {name} as {codec16.upper()} text (it has no byte-order mark)."
        elif b"\x00" in data:
            raise _binary(name)
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    text = data.decode("cp1252")
                    note = f"Read {name} as Windows-1252 text because it is not valid UTF-8."
                except UnicodeDecodeError:
                    text = data.decode("latin-1")
                    note = f"Read {name} as Latin-1 text because it is not valid UTF-8."
    bad = len(_CONTROL.findall(text))
    # A stray control character (a DOS end-of-file mark) is tolerated; many are binary data.
    if bad > max(3, len(text) // 1000):
        raise _binary(name)
    return text, note


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: mostly-ASCII text has a zero in every other byte."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    half = len(sample) // 2
    even_zeros = sample[0::2].count(0) / half
    odd_zeros = sample[1::2].count(0) / half
    if odd_zeros > 0.9 and even_zeros < 0.1:
        return "utf-16-le"
    if even_zeros > 0.9 and odd_zeros < 0.1:
        return "utf-16-be"
    return None


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


_SRT_TIMING = re.compile(r"^[ \t]*\d+:\d+:\d+,\d+[ \t]*-->", re.MULTILINE)
_DOT_TIMING = re.compile(r"^[ \t]*(?:\d+:)?\d+:\d+\.\d+[ \t]*-->", re.MULTILINE)
_JSON_START = re.compile(r"\s*(?:\{|\[\s*[\[\{\]\"])")


def _sniff(text: str) -> tuple[TranscriptKind, bool]:
    """The kind the content looks like, and whether that is certain enough to overrule a
    file's suffix. Timings with dots and no header may be SRT or WebVTT, so not certain."""
    head = text.lstrip()
    if head.startswith("WEBVTT"):
        return TranscriptKind.VTT, True
    if _JSON_START.match(head):
        return TranscriptKind.JSON, True
    if _SRT_TIMING.search(text):
        return TranscriptKind.SRT, True
    if _DOT_TIMING.search(text):
        # webvtt-py reads both SRT-with-dots and header-less WebVTT (a header is added).
        return TranscriptKind.VTT, False
    return TranscriptKind.TEXT, False


def _kind_for_file(
    text: str, suffix_kind: TranscriptKind | None, name: str, notes: list[str]
) -> TranscriptKind:
    text = text.lstrip("\ufeff")
    sniffed, certain = _sniff(text)
    if suffix_kind is None:
        if sniffed is TranscriptKind.TEXT and "[Script Info]" in text[:4096]:
            raise _error(
                f"{name} is an SSA/ASS subtitle file, which NarrLocal does not import; "
                "convert it to SRT or WebVTT first."
            )
        return sniffed
    if sniffed is suffix_kind or not certain:
        return suffix_kind
    notes.append(f"Read {name} as {sniffed.label}, which its content is, despite its name.")
    return sniffed


# --- cue text ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    """A word of cue text and the inline timestamp written just before it, if any."""

    text: str
    time: float | None = None


@dataclass(frozen=True, slots=True)
class _RawCue:
    """A cue as the subtitle library read it: times and its lines of tokens."""

    start: float
    end: float
    lines: tuple[tuple[_Token, ...], ...]

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            raise ValueError("cue times must be finite")


@dataclass(frozen=True, slots=True)
class _RawWord:
    """A word before repair: times may still be outside its cue or out of order."""

    text: str
    start: float
    end: float
    confidence: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            raise ValueError("word times must be finite")


@dataclass(frozen=True, slots=True)
class _Cue:
    """A cue with clean text, before the repairs that need its neighbours."""

    start: float
    end: float
    text: str
    words: tuple[_RawWord, ...] = ()

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


def _line_tokens(line: str) -> tuple[_Token, ...]:
    """Split one line of cue text into words, removing markup and keeping inline timestamps."""
    parts = _INLINE_TIME.split(line)
    tokens: list[_Token] = []
    pending: float | None = None
    for i, part in enumerate(parts):
        if i % 2:
            pending = _clock_seconds(part)
            continue
        part = _ASS_ESCAPE.sub(" ", _ASS_OVERRIDE.sub("", part))
        part = _CONTROL.sub(" ", unescape(_TAG.sub("", part)))
        for word in part.replace("\ufeff", "").replace("\u200b", "").split():
            tokens.append(_Token(word, pending))
            pending = None
    while tokens and _LEADER.match(tokens[0].text):
        # A leader can carry the line's first timestamp; the next word inherits it.
        first = tokens.pop(0)
        if tokens and tokens[0].time is None and first.time is not None:
            tokens[0] = _Token(tokens[0].text, first.time)
    return tuple(tokens)


_MAX_ANNOTATION_WORDS = 30


def _speech_mask(words: Sequence[str], *, parentheses: bool) -> list[bool]:
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


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


# --- SRT and WebVTT ---------------------------------------------------------------------

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
            raise _error(
                f"Line {number} of {name} has cue times that cannot be read ({shown!r}); "
                f"write them like {example}."
            )
        good += 1
    return good


def _srt_cues(text: str, name: str) -> list[_RawCue]:
    import pysubs2

    _check_timing_lines(text, name, TranscriptKind.SRT)
    # keep_html_tags: one markup cleaner (_line_tokens) serves SRT and WebVTT alike.
    subs = pysubs2.SSAFile.from_string(text, format_="srt", keep_html_tags=True)
    return [
        _RawCue(
            e.start / 1000.0,
            e.end / 1000.0,
            tuple(_line_tokens(line) for line in str(e.text).split("\\N")),
        )
        for e in subs
    ]


def _vtt_cues(text: str, name: str, notes: list[str]) -> tuple[list[_RawCue], str | None]:
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
        raise _error(f"{name} is not a readable WebVTT file ({exc}); check the file.") from None
    cues = [
        _RawCue(
            c.start_time.in_milliseconds() / 1000.0,
            c.end_time.in_milliseconds() / 1000.0,
            tuple(_line_tokens(line) for line in c.lines),
        )
        for c in vtt.captions
    ]
    if len(cues) < expected:
        notes.append(f"Skipped {_n(expected - len(cues), 'cue')} the WebVTT reader could not read.")
    language = None
    for line in vtt.metadata:
        key, _, value = str(line).partition(":")
        if key.strip().casefold() == "language" and value.strip():
            language = value.strip()
    return cues, language


def _subtitle_cues(raw: list[_RawCue], name: str, notes: list[str]) -> list[_Cue]:
    if not raw:
        raise _error(
            f"{name} holds no subtitle cues; choose an SRT or WebVTT file with timed text."
        )
    swapped = 0
    ordered: list[_RawCue] = []
    for cue in raw:
        if cue.end < cue.start:
            swapped += 1
            cue = replace(cue, start=cue.end, end=cue.start)
        ordered.append(cue)
    if swapped:
        what = _n(swapped, "cue")
        notes.append(f"Swapped start and end of {what} with the end before the start.")
    out_of_order = sum(b.start < a.start for a, b in itertools.pairwise(ordered))
    if out_of_order:
        ordered.sort(key=lambda c: (c.start, c.end))
        notes.append(f"Sorted {_n(out_of_order, 'cue')} that came out of time order.")

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

    cues: list[_Cue] = []
    empty = annotation_only = annotations = 0
    for raw_cue, lines in zip(ordered, kept_lines, strict=True):
        if not lines:
            empty += not rolling
            continue
        tokens = [t for line in lines for t in line]
        keep = _speech_mask([t.text for t in tokens], parentheses=True)
        if not any(keep):
            annotation_only += 1
            continue
        annotations += _count_runs(keep)
        kept = [t.text for t, k in zip(tokens, keep, strict=True) if k]
        words = _timed_words(tokens, raw_cue.start, raw_cue.end)
        cue_words = tuple(w for w, k in zip(words, keep, strict=True) if k) if words else ()
        cues.append(_Cue(raw_cue.start, raw_cue.end, " ".join(kept), cue_words))
    if empty:
        notes.append(f"Dropped {_n(empty, 'empty cue')}.")
    if annotation_only:
        notes.append(
            f"Dropped {_n(annotation_only, 'cue')} holding only sound descriptions such as [Music]."
        )
    if annotations:
        notes.append(
            f"Removed {_n(annotations, 'sound description')} such as [Applause], (laughs) "
            "or ♪ lyrics ♪ from the text."
        )
    if not cues:
        raise _error(f"{name} holds no spoken text: its cues are empty or only sound descriptions.")
    return cues


def _count_runs(keep: Sequence[bool]) -> int:
    """How many separate stretches were removed."""
    return sum(1 for i, k in enumerate(keep) if not k and (i == 0 or keep[i - 1]))


def _line_key(line: Sequence[_Token]) -> str:
    return _key(" ".join(t.text for t in line))


def _is_rolling(lines_per_cue: Sequence[Sequence[Sequence[_Token]]]) -> bool:
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
    lines_per_cue: Sequence[tuple[tuple[_Token, ...], ...]],
) -> list[tuple[tuple[_Token, ...], ...]]:
    """Each cue without the leading lines that the previous cue ended with."""
    kept: list[tuple[tuple[_Token, ...], ...]] = []
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


def _timed_words(tokens: Sequence[_Token], start: float, end: float) -> list[_RawWord]:
    """Word times from inline timestamps: a word starts at the timestamp before it (the cue
    start for the first word) and ends where the next one starts (the cue end for the last).
    Words sharing one timestamp share its span in proportion to their length. Without any
    inline timestamp there are no word times (empty list): phrase extraction interpolates
    later, and inventing them here would pass a guess off as a measurement."""
    if not any(t.time is not None for t in tokens):
        return []
    anchors = [i for i, t in enumerate(tokens) if i == 0 or t.time is not None]
    words: list[_RawWord] = []
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
            words.append(_RawWord(t.text, at, at + step))
            at += step
    return words


# --- JSON -------------------------------------------------------------------------------


def _parse_json(text: str, name: str, notes: list[str], media_duration: float | None) -> Transcript:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _error(
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "check the file or export the transcript again."
        ) from None
    except (RecursionError, ValueError):
        raise _error(f"{name} is not JSON NarrLocal can read; check the file.") from None

    if is_transcript_dict(doc):
        base = transcript_from_dict(doc, name)
        cues = [
            _Cue(
                s.start,
                s.end,
                s.text,
                tuple(_RawWord(w.text, w.start, w.end, w.confidence) for w in s.words),
            )
            for s in base.narration.segments
        ]
        if not cues:
            raise _error(f"{name} holds no narration segments; transcribe the video again.")
        segments = _repair_cues(cues, name, notes, media_duration)
        narration = replace(base.narration, segments=segments, source=TranscriptKind.JSON.value)
        return replace(base, narration=narration)

    language: str | None = None
    if isinstance(doc, list):
        items: list[Any] = doc
    elif isinstance(doc, Mapping) and isinstance(doc.get("segments"), list):
        items = doc["segments"]
        lang = doc.get("language")
        language = lang.strip() if isinstance(lang, str) and lang.strip() else None
    else:
        raise _unknown_json(name)
    if not items:
        raise _error(f"{name} holds no narration segments; choose a transcript with text.")
    if not all(isinstance(item, Mapping) for item in items):
        raise _unknown_json(name)
    cues = _json_cues(items, name, notes)
    segments = _repair_cues(cues, name, notes, media_duration)
    return Transcript(Narration(segments, language=language, source=TranscriptKind.JSON.value))


def _unknown_json(name: str) -> TranscriptError:
    return _error(
        f"{name} is JSON but not a transcript NarrLocal knows (a NarrLocal transcript, a list "
        "of segments with 'start', 'end' and 'text' or 'content', or Whisper's "
        "{'segments': [...]}); export the transcript as SRT or WebVTT instead."
    )


_NO_TIME = object()


def _json_cues(items: Sequence[Mapping[str, Any]], name: str, notes: list[str]) -> list[_Cue]:
    negative = swapped = 0
    cues: list[_Cue] = []
    empty = annotation_only = annotations = 0

    def fix(where: str, start: object, end: object) -> tuple[float, float]:
        nonlocal negative, swapped
        s, e = _seconds(start, where, "start"), _seconds(end, where, "end")
        if s < 0 or e < 0:
            negative += (s < 0) + (e < 0)
            s, e = max(s, 0.0), max(e, 0.0)
        if e < s:
            swapped += 1
            s, e = e, s
        return s, e

    for i, item in enumerate(items):
        where = f"{name}, segment {i + 1}"
        words_any = item.get("words", [])
        if words_any is None:
            words_any = []
        if not isinstance(words_any, list):
            raise _error(f"{where}: 'words' is not a list; check the file.")
        words: list[_RawWord] = []
        for j, w in enumerate(words_any):
            w_where = f"{where}, word {j + 1}"
            if not isinstance(w, Mapping):
                raise _error(f"{w_where} is not an object; check the file.")
            w_text = _first_str(w, ("word", "text", "content"))
            if w_text is None or not w_text.strip():
                continue
            ws, we = fix(w_where, w.get("start"), w.get("end"))
            conf = _confidence(w)
            words.append(_RawWord(w_text.strip(), ws, we, conf))
        if words:
            keep = _speech_mask([w.text for w in words], parentheses=True)
            words = [w for w, k in zip(words, keep, strict=True) if k]
        start_any = item.get("start", words[0].start if words else _NO_TIME)
        end_any = item.get("end", words[-1].end if words else _NO_TIME)
        start, end = fix(where, start_any, end_any)
        raw_text = _first_str(item, ("text", "content", "transcript"))
        if raw_text is None:
            raw_text = " ".join(w.text for w in words)
        tokens = [t.text for t in _line_tokens(" ".join(raw_text.split()))]
        if not tokens:
            empty += 1
            continue
        keep = _speech_mask(tokens, parentheses=True)
        if not any(keep):
            annotation_only += 1
            continue
        annotations += _count_runs(keep)
        text = " ".join(t for t, k in zip(tokens, keep, strict=True) if k)
        cues.append(_Cue(start, end, text, tuple(words)))
    if negative:
        notes.append(f"Moved {_n(negative, 'time')} before 0 s to 0 s.")
    if swapped:
        notes.append(
            f"Swapped start and end of {_n(swapped, 'segment or word', 'segments or words')} "
            "with the end before the start."
        )
    if empty:
        notes.append(f"Dropped {_n(empty, 'empty segment')}.")
    if annotation_only:
        notes.append(
            f"Dropped {_n(annotation_only, 'segment')} holding only sound descriptions "
            "such as [Music]."
        )
    if annotations:
        notes.append(
            f"Removed {_n(annotations, 'sound description')} such as [Applause], (laughs) "
            "or ♪ lyrics ♪ from the text."
        )
    if not cues:
        raise _error(f"{name} holds no spoken text: its segments are empty or only sounds.")
    return cues


def _first_str(obj: Mapping[str, Any], keys: Sequence[str]) -> str | None:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str):
            return value
    return None


def _seconds(value: object, where: str, key: str) -> float:
    if value is _NO_TIME or value is None:
        raise _error(f"{where} has no '{key}' time; check the file.")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _error(f"{where}: '{key}' must be a number of seconds; check the file.")
    try:
        seconds = float(value)
    except OverflowError:
        seconds = math.inf
    if not math.isfinite(seconds):
        raise _error(f"{where}: '{key}' is not a finite number of seconds; check the file.")
    return seconds


def _confidence(word: Mapping[str, Any]) -> float | None:
    for key in ("confidence", "probability", "conf"):
        value = word.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                c = float(value)
            except OverflowError:
                return None
            # Confidences outside [0, 1] mean something else (log-probabilities): unknown.
            return c if 0.0 <= c <= 1.0 else None
    return None


# --- repairs shared by every timed kind -------------------------------------------------

_SAME_TIME = 0.0005  # seconds; times are written to the millisecond
_DUPLICATE_LOOKBACK = 8


def _repair_cues(
    cues: list[_Cue], name: str, notes: list[str], media_duration: float | None
) -> tuple[Segment, ...]:
    out_of_order = sum(b.start < a.start for a, b in itertools.pairwise(cues))
    cues = sorted(cues, key=lambda c: (c.start, c.end))
    if out_of_order:
        notes.append(f"Sorted {_n(out_of_order, 'cue')} that came out of time order.")

    # The same text again while it is still showing is one cue shown twice. Only a few
    # recent cues are compared, which keeps this linear on hostile input.
    kept: list[tuple[_Cue, str]] = []
    duplicates = 0
    for cue in cues:
        key = _key(cue.text)
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
        notes.append(f"Removed {_n(duplicates, 'duplicated cue')}.")

    # Different texts starting together (e.g. two speakers) become one segment: ending the
    # first where the second starts would leave it no time at all.
    merged: list[_Cue] = []
    joined = 0
    for group in _same_start_groups([cue for cue, _ in kept]):
        joined += len(group) - 1
        first = group[0]
        words = tuple(w for c in group for w in c.words) if all(c.words for c in group) else ()
        text = " ".join(c.text for c in group)
        merged.append(_Cue(first.start, max(c.end for c in group), text, words))
    if joined:
        notes.append(f"Joined {_n(joined, 'cue')} that started at the same time as another.")

    clipped = 0
    for i in range(len(merged) - 1):
        if merged[i].end > merged[i + 1].start:
            merged[i] = replace(merged[i], end=merged[i + 1].start)
            clipped += 1
    if clipped:
        notes.append(
            f"Ended {_n(clipped, 'overlapping cue')} where the next one starts, "
            "so cues follow one another."
        )

    if media_duration is not None:
        inside = [c for c in merged if c.start < media_duration]
        late = len(merged) - len(inside)
        if not inside:
            raise _error(
                f"All cues of {name} start after the video ends ({media_duration:.2f} s); "
                "choose the transcript of this video."
            )
        cut = sum(c.end > media_duration for c in inside)
        merged = [replace(c, end=min(c.end, media_duration)) for c in inside]
        if late:
            notes.append(
                f"Dropped {_n(late, 'cue')} starting after the end of the video "
                f"({media_duration:.2f} s)."
            )
        if cut:
            notes.append(f"Cut {_n(cut, 'cue')} at the end of the video ({media_duration:.2f} s).")

    moved = 0
    segments: list[Segment] = []
    for cue in merged:
        fitted, n_moved = _fit_words(cue.words, cue.start, cue.end)
        moved += n_moved
        segments.append(Segment(cue.text, cue.start, cue.end, fitted))
    if moved:
        notes.append(f"Moved the times of {_n(moved, 'word')} into their cue and spoken order.")
    return tuple(segments)


def _same_start_groups(cues: Sequence[_Cue]) -> list[list[_Cue]]:
    groups: list[list[_Cue]] = []
    for cue in cues:
        if groups and cue.start - groups[-1][0].start < _SAME_TIME:
            groups[-1].append(cue)
        else:
            groups.append([cue])
    return groups


def _fit_words(words: Sequence[_RawWord], start: float, end: float) -> tuple[tuple[Word, ...], int]:
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


# --- plain text -------------------------------------------------------------------------

# A line holding only a time, as in a transcript copied from a video site: "0:01", "(1:02:03)".
_TIME_LINE = re.compile(r"\s*[\[(]?\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?[\])]?\s*")


def _parse_text(text: str, name: str, notes: list[str]) -> ImportedTranscript:
    paragraphs: list[str] = []
    current: list[str] = []
    time_lines = annotations = 0
    for line in _CONTROL.sub(" ", text).replace("\u200b", "").split("\n"):
        if _TIME_LINE.fullmatch(line):
            time_lines += 1
            continue
        words = line.split()
        if not words:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        keep = _speech_mask(words, parentheses=False)
        annotations += _count_runs(keep)
        current.extend(w for w, k in zip(words, keep, strict=True) if k)
    if current:
        paragraphs.append(" ".join(current))
    if time_lines:
        notes.append(f"Removed {_n(time_lines, 'line')} holding only a time from the text.")
    if annotations:
        notes.append(
            f"Removed {_n(annotations, 'sound description')} such as [Music] or ♪ lyrics ♪ "
            "from the text."
        )
    cleaned = "\n".join(p for p in paragraphs if p)
    if not cleaned:
        raise _error(f"{name} holds no words to align; choose a file with the narration's text.")
    transcript = Transcript(Narration((), language=None, source=TranscriptKind.TEXT.value))
    return ImportedTranscript(TranscriptKind.TEXT, transcript, cleaned, tuple(notes))


# --- messages ---------------------------------------------------------------------------


def _error(message: str) -> TranscriptError:
    # Names like "the transcript" start the sentence in lower case.
    return TranscriptError(message[:1].upper() + message[1:])


def _binary(name: str) -> TranscriptError:
    return _error(
        f"{name} is not a text file (it looks like binary data, such as a video); "
        "choose the SRT, WebVTT, JSON or text transcript."
    )


def _too_big(name: str, size: int) -> TranscriptError:
    return _error(
        f"{name} is {size / MIB:.0f} MB, too large for a transcript "
        f"(at most {MAX_TRANSCRIPT_BYTES / MIB:.0f} MB); choose the transcript file itself."
    )


def _n(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {plural or noun + 's'}"
