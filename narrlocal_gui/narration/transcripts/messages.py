"""What a failed import says: every failure is a :class:`TranscriptError` naming the file."""

from __future__ import annotations

from narrlocal_gui.core.byte_sizes import MIB
from narrlocal_gui.narration.transcript_json import TranscriptError
from narrlocal_gui.narration.transcripts.imported import MAX_TRANSCRIPT_BYTES


def error(message: str) -> TranscriptError:
    # Names like "the transcript" start the sentence in lower case.
    return TranscriptError(message[:1].upper() + message[1:])


def binary_error(name: str) -> TranscriptError:
    return error(
        f"{name} is not a text file (it looks like binary data, such as a video); "
        "choose the SRT, WebVTT, JSON or text transcript."
    )


def too_big_error(name: str, size: int) -> TranscriptError:
    return error(
        f"{name} is {size / MIB:.0f} MB, too large for a transcript "
        f"(at most {MAX_TRANSCRIPT_BYTES / MIB:.0f} MB); choose the transcript file itself."
    )


def counted(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {plural or noun + 's'}"
