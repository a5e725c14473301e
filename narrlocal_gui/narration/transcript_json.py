"""The transcript JSON that ``narrlocal transcribe`` writes and every importer reads.

Format (version 1)::

    {
      "format": "narrlocal-transcript", "version": 1,
      "media": "clip.mp4",            # file name only, for the reader's information
      "duration": 42.41,              # seconds of audio transcribed, or null
      "language": "en", "language_probability": 0.99,
      "model": "base", "device": "cpu", "compute_type": "int8",   # how it was made, or null
      "segments": [
        {"start": 0.0, "end": 7.14, "text": "Hello. This is ...",
         "words": [{"word": "Hello.", "start": 0.0, "end": 0.52, "confidence": 0.93}, ...]}
      ]
    }

Times are seconds on the video's clock (0 = first frame). Words carry the punctuation
Whisper attached to them; ``confidence`` is in [0, 1] or null.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from narrlocal_gui.core.model import Narration, Segment, Word
from narrlocal_gui.core.project_io import atomic_write_bytes
from narrlocal_gui.errors import UserFacingError

FORMAT_NAME = "narrlocal-transcript"
FORMAT_VERSION = 1


class TranscriptError(UserFacingError):
    """A transcript file that cannot be read, or that makes no sense."""


@dataclass(frozen=True, slots=True)
class Transcript:
    """A narration and how it was obtained."""

    narration: Narration
    media: str | None = None
    duration: float | None = None
    language_probability: float | None = None
    model: str | None = None
    device: str | None = None
    compute_type: str | None = None

    def __post_init__(self) -> None:
        if self.duration is not None and not (math.isfinite(self.duration) and self.duration >= 0):
            raise ValueError(f"duration must be a finite number >= 0, got {self.duration}")
        p = self.language_probability
        if p is not None and not (0.0 <= p <= 1.0):
            raise ValueError(f"language probability must be in [0, 1], got {p}")


def transcript_to_dict(transcript: Transcript) -> dict[str, Any]:
    n = transcript.narration
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "media": transcript.media,
        "duration": _round(transcript.duration),
        "language": n.language,
        "language_probability": _round(transcript.language_probability, 4),
        "model": transcript.model,
        "device": transcript.device,
        "compute_type": transcript.compute_type,
        "source": n.source,
        "segments": [
            {
                "start": _round(s.start),
                "end": _round(s.end),
                "text": s.text,
                "words": [
                    {
                        "word": w.text,
                        "start": _round(w.start),
                        "end": _round(w.end),
                        "confidence": _round(w.confidence, 4),
                    }
                    for w in s.words
                ],
            }
            for s in n.segments
        ],
    }


def write_transcript_json(path: Path, transcript: Transcript) -> None:
    """Write atomically: a reader never sees half a file, and a failure leaves the old one."""
    data = json.dumps(transcript_to_dict(transcript), ensure_ascii=False, indent=1)
    atomic_write_bytes(Path(path), (data + "\n").encode("utf-8"))


def is_transcript_dict(doc: object) -> bool:
    return isinstance(doc, Mapping) and doc.get("format") == FORMAT_NAME


def transcript_from_dict(doc: Mapping[str, Any], name: str = "the transcript") -> Transcript:
    """Parse a dict in the format above; :class:`TranscriptError` names what is wrong."""
    if doc.get("format") != FORMAT_NAME:
        raise TranscriptError(f"{name} is not a NarrLocal transcript (no 'format' marker).")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise TranscriptError(f"{name} has no valid 'version'.")
    if version > FORMAT_VERSION:
        raise TranscriptError(
            f"{name} was written by a newer NarrLocal (transcript version {version}); "
            "update NarrLocal to read it."
        )
    segments_any = doc.get("segments")
    if not isinstance(segments_any, list):
        raise TranscriptError(f"{name} has no 'segments' list.")
    segments = []
    for i, s in enumerate(segments_any):
        where = f"{name}, segment {i + 1}"
        if not isinstance(s, Mapping):
            raise TranscriptError(f"{where} is not an object.")
        words = []
        words_any = s.get("words", [])
        if not isinstance(words_any, list):
            raise TranscriptError(f"{where}: 'words' is not a list.")
        for j, w in enumerate(words_any):
            if not isinstance(w, Mapping):
                raise TranscriptError(f"{where}, word {j + 1} is not an object.")
            words.append(
                _build(
                    Word,
                    f"{where}, word {j + 1}",
                    text=_text(w.get("word"), f"{where}, word {j + 1}"),
                    start=w.get("start"),
                    end=w.get("end"),
                    confidence=w.get("confidence"),
                )
            )
        segments.append(
            _build(
                Segment,
                where,
                text=_text(s.get("text"), where),
                start=s.get("start"),
                end=s.get("end"),
                words=tuple(words),
            )
        )
    language = doc.get("language")
    source = doc.get("source")
    narration = Narration(
        segments=tuple(segments),
        language=language if isinstance(language, str) else None,
        source=source if isinstance(source, str) and source else "json",
    )
    try:
        return Transcript(
            narration=narration,
            media=_opt_str(doc.get("media")),
            duration=_opt_float(doc.get("duration")),
            language_probability=_opt_float(doc.get("language_probability")),
            model=_opt_str(doc.get("model")),
            device=_opt_str(doc.get("device")),
            compute_type=_opt_str(doc.get("compute_type")),
        )
    except (TypeError, ValueError) as exc:
        raise TranscriptError(f"{name} is damaged: {exc}.") from None


def _build(cls: type[Any], where: str, **fields: Any) -> Any:
    for key in ("start", "end"):
        value = fields[key]
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise TranscriptError(f"{where}: '{key}' must be a number of seconds.")
    try:
        return cls(**fields)
    except (TypeError, ValueError) as exc:
        raise TranscriptError(f"{where}: {exc}.") from None


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise TranscriptError(f"{where}: the text must be a string.")
    return value


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _opt_float(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)
