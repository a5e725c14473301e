"""What an import gives: the kind of transcript read and the transcript with its repairs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from narrlocal_gui.core.byte_sizes import MIB
from narrlocal_gui.narration.transcript_json import Transcript


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

SUFFIX_KINDS = {
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
