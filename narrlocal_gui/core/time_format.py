"""Times as text for people: every time and duration the GUI and the CLI show.

Two families, each rounded once so a carry never prints as "0:60":

- clock readings, ``[h:]mm:ss[.fff]``: the timeline ruler and spans, the CLI, the transport
  bar's timecode (fixed width, so the label does not jiggle while playing) and the indicator
  table's start column (zero-padded minutes, so the rows line up);
- spoken durations, ``1 min 10 s``: how long something took or still needs.

Subtitle timestamps are not here: they are a file format (WebVTT's, in
:mod:`narrlocal_gui.export.phrase_subtitles`), not a display that may change.
"""

from __future__ import annotations

import math


def _clock(seconds: float, decimals: int) -> tuple[int, int, int, str]:
    """(hours, minutes, seconds, ".fff" or "") of ``seconds`` (negative: 0), rounded once to
    ``decimals`` places. Raises ValueError for NaN, as ``round`` does."""
    scale = 10**decimals
    # Count in whole units of the last digit so 59.99 never prints as "0:60".
    units = round(max(seconds, 0.0) * scale)
    whole, fraction = divmod(units, scale)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return hours, minutes, secs, f".{fraction:0{decimals}d}" if decimals else ""


def format_ruler_time(seconds: float, step: float, with_hours: bool) -> str:
    """A ruler label: as many decimals as ``step`` needs, hours only for long clips."""
    decimals = 0 if step >= 1.0 else 1 if step >= 0.1 else 2 if step >= 0.01 else 3
    hours, minutes, secs, fraction = _clock(seconds, decimals)
    if with_hours:
        return f"{hours}:{minutes:02d}:{secs:02d}{fraction}"
    return f"{minutes + 60 * hours}:{secs:02d}{fraction}"


def format_span(start: float, end: float) -> str:
    """``0:10.000 – 0:14.000``: a span to the millisecond."""
    return f"{format_ruler_time(start, 0.001, False)} – {format_ruler_time(end, 0.001, False)}"


def format_clock(seconds: float, decimals: int = 0) -> str:
    """``1:05``, ``1:02:05``, ``0:12.50`` (decimals=2): hours only when there are any;
    ``?`` for a time that is not finite (an unknown duration)."""
    if not math.isfinite(seconds):
        return "?"
    hours, minutes, secs, fraction = _clock(seconds, decimals)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}{fraction}"
    return f"{minutes}:{secs:02d}{fraction}"


def format_timecode(seconds: float) -> str:
    """``HH:MM:SS.mmm``; negative or non-finite times show as zero."""
    if not math.isfinite(seconds):
        seconds = 0.0
    hours, minutes, secs, fraction = _clock(seconds, 3)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{fraction}"


def format_minutes(seconds: float) -> str:
    """``mm:ss.s`` (minutes keep counting past an hour)."""
    hours, minutes, secs, fraction = _clock(seconds, 1)
    return f"{minutes + 60 * hours:02d}:{secs:02d}{fraction}"


def format_seconds(seconds: float) -> str:
    """``2.5 s``, ``3.0 s``, ``0.25 s``: one decimal at least, more only when needed."""
    text = f"{seconds:.3f}".rstrip("0")
    return f"{text}0 s" if text.endswith(".") else f"{text} s"


def _spoken(whole: int) -> str:
    """Whole seconds as people say them: "35 s", "1 min 10 s", "2 h 05 min"."""
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_duration(seconds: float) -> str:
    """A span of time as people say it: "4.2 s", "35 s", "1 min 10 s", "2 h 05 min"."""
    seconds = max(float(seconds), 0.0)
    if seconds < 0.05:
        return "under 0.1 s"  # "0.0 s" reads as if nothing happened
    if seconds < 10.0:
        return f"{seconds:.1f} s"
    return _spoken(round(seconds))


def format_time_left(seconds: float) -> str:
    """The time an export still needs, in whole seconds: "1 min 10 s left"."""
    return f"{_spoken(max(round(seconds), 1))} left"


def format_eta(seconds: float) -> str:
    """A background job's estimate: "about 1 min 15 s left"."""
    return f"about {_spoken(max(round(seconds), 0))} left"
