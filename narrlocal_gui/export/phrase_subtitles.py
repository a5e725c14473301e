"""The phrases as subtitles: WebVTT (written by webvtt-py) and SRT (written by pysubs2).

One cue per phrase, every phrase (localized or not), in project order, numbered from 1, so
cue n is the phrase of track n in the box formats. Times are rounded to the millisecond;
a phrase of no length gets a 1 ms cue (a cue must end after it starts), as the player shows
such a phrase for 1 ms. Blank lines inside a phrase are dropped (one would end the cue).
"""

from __future__ import annotations

import math

import pysubs2
import webvtt

from narrlocal_gui.core.model import Phrase, Project


def _milliseconds(seconds: float) -> int:
    return math.floor(seconds * 1000.0 + 0.5)


def _cue_span(phrase: Phrase) -> tuple[int, int]:
    start = _milliseconds(phrase.start)
    return start, max(_milliseconds(phrase.end), start + 1)


def _cue_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _vtt_timestamp(ms: int) -> str:
    # WebVTT's own timestamp syntax, kept here rather than in core.time_format: it is a file
    # format the spec fixes (of whole milliseconds, rounded half up above), not a display.
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _vtt_escape(line: str) -> str:
    # WebVTT cue text is markup: these three would start an entity or a tag (and "-->" a
    # new cue); escaped, the phrase shows exactly as typed.
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_webvtt(project: Project) -> str:
    """The WebVTT file: a ``WEBVTT`` header, then cue n for phrase n."""
    captions = []
    for number, phrase in enumerate(project.phrases, start=1):
        start, end = _cue_span(phrase)
        captions.append(
            webvtt.Caption(
                _vtt_timestamp(start),
                _vtt_timestamp(end),
                [_vtt_escape(line) for line in _cue_lines(phrase.text)],
                identifier=str(number),
            )
        )
    text: str = webvtt.WebVTT(captions=captions).content
    return text if text.endswith("\n") else text + "\n"


def to_srt(project: Project) -> str:
    """The SubRip file; empty for a project without phrases."""
    subs = pysubs2.SSAFile()
    for phrase in project.phrases:
        start, end = _cue_span(phrase)
        # \N is pysubs2's line break; SSA override tags are kept as typed (keep_ssa_tags
        # below) rather than interpreted, so braces in a phrase survive.
        subs.append(
            pysubs2.SSAEvent(start=start, end=end, text=r"\N".join(_cue_lines(phrase.text)))
        )
    return subs.to_string("srt", keep_ssa_tags=True)
