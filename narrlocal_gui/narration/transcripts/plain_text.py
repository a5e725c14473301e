"""Plain text: no times, only cleaned (time-only lines and sound descriptions removed) and
handed to the aligner, one paragraph a line."""

from __future__ import annotations

import re

from narrlocal_gui.core.model import Narration
from narrlocal_gui.narration.transcript_json import Transcript
from narrlocal_gui.narration.transcripts.cue_text import count_runs, speech_mask
from narrlocal_gui.narration.transcripts.decoding import CONTROL_CHARS
from narrlocal_gui.narration.transcripts.imported import ImportedTranscript, TranscriptKind
from narrlocal_gui.narration.transcripts.messages import counted, error

# A line holding only a time, as in a transcript copied from a video site: "0:01", "(1:02:03)".
_TIME_LINE = re.compile(r"\s*[\[(]?\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?[\])]?\s*")


def parse_text(text: str, name: str, notes: list[str]) -> ImportedTranscript:
    paragraphs: list[str] = []
    current: list[str] = []
    time_lines = annotations = 0
    for line in CONTROL_CHARS.sub(" ", text).replace("\u200b", "").split("\n"):
        if _TIME_LINE.fullmatch(line):
            time_lines += 1
            continue
        words = line.split()
        if not words:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        keep = speech_mask(words, parentheses=False)
        annotations += count_runs(keep)
        current.extend(w for w, k in zip(words, keep, strict=True) if k)
    if current:
        paragraphs.append(" ".join(current))
    if time_lines:
        notes.append(f"Removed {counted(time_lines, 'line')} holding only a time from the text.")
    if annotations:
        notes.append(
            f"Removed {counted(annotations, 'sound description')} such as [Music] or ♪ lyrics ♪ "
            "from the text."
        )
    cleaned = "\n".join(p for p in paragraphs if p)
    if not cleaned:
        raise error(f"{name} holds no words to align; choose a file with the narration's text.")
    transcript = Transcript(Narration((), language=None, source=TranscriptKind.TEXT.value))
    return ImportedTranscript(TranscriptKind.TEXT, transcript, cleaned, tuple(notes))
