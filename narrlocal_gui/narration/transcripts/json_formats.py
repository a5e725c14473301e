"""JSON transcripts: NarrLocal's own, a list of segments with ``start``, ``end`` and ``text``
or ``content``, and Whisper's ``{"segments": [...]}``, with the same repairs as subtitles."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from narrlocal_gui.core.model import Narration
from narrlocal_gui.narration.transcript_json import (
    Transcript,
    TranscriptError,
    is_transcript_dict,
    transcript_from_dict,
)
from narrlocal_gui.narration.transcripts.cue_text import (
    Cue,
    RawWord,
    count_runs,
    line_tokens,
    speech_mask,
)
from narrlocal_gui.narration.transcripts.imported import TranscriptKind
from narrlocal_gui.narration.transcripts.messages import counted, error
from narrlocal_gui.narration.transcripts.repairs import repair_cues


def parse_json(text: str, name: str, notes: list[str], media_duration: float | None) -> Transcript:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "check the file or export the transcript again."
        ) from None
    except (RecursionError, ValueError):
        raise error(f"{name} is not JSON NarrLocal can read; check the file.") from None

    if is_transcript_dict(doc):
        base = transcript_from_dict(doc, name)
        cues = [
            Cue(
                s.start,
                s.end,
                s.text,
                tuple(RawWord(w.text, w.start, w.end, w.confidence) for w in s.words),
            )
            for s in base.narration.segments
        ]
        if not cues:
            raise error(f"{name} holds no narration segments; transcribe the video again.")
        segments = repair_cues(cues, name, notes, media_duration)
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
        raise error(f"{name} holds no narration segments; choose a transcript with text.")
    if not all(isinstance(item, Mapping) for item in items):
        raise _unknown_json(name)
    cues = _json_cues(items, name, notes)
    segments = repair_cues(cues, name, notes, media_duration)
    return Transcript(Narration(segments, language=language, source=TranscriptKind.JSON.value))


def _unknown_json(name: str) -> TranscriptError:
    return error(
        f"{name} is JSON but not a transcript NarrLocal knows (a NarrLocal transcript, a list "
        "of segments with 'start', 'end' and 'text' or 'content', or Whisper's "
        "{'segments': [...]}); export the transcript as SRT or WebVTT instead."
    )


_NO_TIME = object()


def _json_cues(items: Sequence[Mapping[str, Any]], name: str, notes: list[str]) -> list[Cue]:
    negative = swapped = 0
    cues: list[Cue] = []
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
            raise error(f"{where}: 'words' is not a list; check the file.")
        words: list[RawWord] = []
        for j, w in enumerate(words_any):
            w_where = f"{where}, word {j + 1}"
            if not isinstance(w, Mapping):
                raise error(f"{w_where} is not an object; check the file.")
            w_text = _first_str(w, ("word", "text", "content"))
            if w_text is None or not w_text.strip():
                continue
            ws, we = fix(w_where, w.get("start"), w.get("end"))
            conf = _confidence(w)
            words.append(RawWord(w_text.strip(), ws, we, conf))
        if words:
            keep = speech_mask([w.text for w in words], parentheses=True)
            words = [w for w, k in zip(words, keep, strict=True) if k]
        start_any = item.get("start", words[0].start if words else _NO_TIME)
        end_any = item.get("end", words[-1].end if words else _NO_TIME)
        start, end = fix(where, start_any, end_any)
        raw_text = _first_str(item, ("text", "content", "transcript"))
        if raw_text is None:
            raw_text = " ".join(w.text for w in words)
        tokens = [t.text for t in line_tokens(" ".join(raw_text.split()))]
        if not tokens:
            empty += 1
            continue
        keep = speech_mask(tokens, parentheses=True)
        if not any(keep):
            annotation_only += 1
            continue
        annotations += count_runs(keep)
        text = " ".join(t for t, k in zip(tokens, keep, strict=True) if k)
        cues.append(Cue(start, end, text, tuple(words)))
    if negative:
        notes.append(f"Moved {counted(negative, 'time')} before 0 s to 0 s.")
    if swapped:
        notes.append(
            f"Swapped start and end of {counted(swapped, 'segment or word', 'segments or words')} "
            "with the end before the start."
        )
    if empty:
        notes.append(f"Dropped {counted(empty, 'empty segment')}.")
    if annotation_only:
        notes.append(
            f"Dropped {counted(annotation_only, 'segment')} holding only sound descriptions "
            "such as [Music]."
        )
    if annotations:
        notes.append(
            f"Removed {counted(annotations, 'sound description')} such as [Applause], (laughs) "
            "or ♪ lyrics ♪ from the text."
        )
    if not cues:
        raise error(f"{name} holds no spoken text: its segments are empty or only sounds.")
    return cues


def _first_str(obj: Mapping[str, Any], keys: Sequence[str]) -> str | None:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str):
            return value
    return None


def _seconds(value: object, where: str, key: str) -> float:
    if value is _NO_TIME or value is None:
        raise error(f"{where} has no '{key}' time; check the file.")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise error(f"{where}: '{key}' must be a number of seconds; check the file.")
    try:
        seconds = float(value)
    except OverflowError:
        seconds = math.inf
    if not math.isfinite(seconds):
        raise error(f"{where}: '{key}' is not a finite number of seconds; check the file.")
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
