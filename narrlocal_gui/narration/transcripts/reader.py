"""Transcript import: SRT, WebVTT, JSON and plain text become one :class:`Transcript`.

Subtitle files are read by libraries (pysubs2 for SRT, webvtt-py for WebVTT, which keeps each
cue's lines and inline word timestamps intact); this package only cleans the cue text and
repairs what real files get wrong. Every repair is reported as one sentence in
:attr:`ImportedTranscript.repairs` and listed for users in docs/transcripts.md, so nothing
changes silently. Every failure is a :class:`TranscriptError` naming the file.

Subtitle cues go through one pipeline (:func:`~.repairs.repair_cues`), and so do the JSON shapes:
swap reversed times, sort, merge YouTube-style rolling captions, drop empty and
annotation-only cues, remove duplicates, end overlapping cues where the next begins, cut at
the video's end, and fit word times into their cue. Plain text keeps no times: it is cleaned
and handed to the aligner (``needs_alignment``).
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import replace
from pathlib import Path

from narrlocal_gui.core.model import Narration
from narrlocal_gui.narration.transcript_json import Transcript, TranscriptError
from narrlocal_gui.narration.transcripts.decoding import (
    decode_text,
    kind_for_file,
    normalise_newlines,
    sniff_kind,
)
from narrlocal_gui.narration.transcripts.imported import (
    MAX_TRANSCRIPT_BYTES,
    SUFFIX_KINDS,
    ImportedTranscript,
    TranscriptKind,
)
from narrlocal_gui.narration.transcripts.json_formats import parse_json
from narrlocal_gui.narration.transcripts.messages import error, too_big_error
from narrlocal_gui.narration.transcripts.plain_text import parse_text
from narrlocal_gui.narration.transcripts.repairs import repair_cues
from narrlocal_gui.narration.transcripts.srt_vtt import srt_cues, subtitle_cues, vtt_cues


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
        raise too_big_error(name, info.st_size)
    try:
        with p.open("rb") as f:
            # One byte past the cap catches a file that grew after stat().
            data = f.read(MAX_TRANSCRIPT_BYTES + 1)
    except OSError as exc:
        raise TranscriptError(f"Cannot read '{p}': {exc.strerror or exc}.") from None
    text, decode_note = decode_text(data, name)
    text = normalise_newlines(text)
    notes = [decode_note] if decode_note else []
    kind = kind_for_file(text, SUFFIX_KINDS.get(p.suffix.lower()), name, notes)
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
        raise too_big_error(name, len(text))
    # A BOM inside the text (files joined together) is invisible noise, never narration.
    text = normalise_newlines(text).replace("\ufeff", "")
    if not text.strip():
        raise error(f"{name} is empty; choose a file that holds the transcript.")
    if kind is None:
        kind = sniff_kind(text)[0]
    kind = TranscriptKind(kind)
    notes: list[str] = []
    if kind is TranscriptKind.TEXT:
        return parse_text(text, name, notes)
    if kind is TranscriptKind.JSON:
        transcript = parse_json(text, name, notes, media_duration)
    else:
        if kind is TranscriptKind.SRT:
            raw, language = srt_cues(text, name), None
        else:
            raw, language = vtt_cues(text, name, notes)
        cues = subtitle_cues(raw, name, notes)
        segments = repair_cues(cues, name, notes, media_duration)
        transcript = Transcript(Narration(segments, language=language, source=kind.value))
    joined = " ".join(s.text for s in transcript.narration.segments if s.text)
    return ImportedTranscript(kind, transcript, joined, tuple(notes))


def decode_transcript_bytes(data: bytes, name: str) -> str:
    """Decode a transcript's bytes: a BOM decides (UTF-8, UTF-16/32 LE/BE), else UTF-8,
    else Windows-1252, else Latin-1. Binary data (a video renamed .srt) is refused."""
    return decode_text(data, name)[0]
