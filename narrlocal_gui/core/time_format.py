"""Times as text for people: the timeline ruler's labels and a span between two times."""

from __future__ import annotations


def format_ruler_time(seconds: float, step: float, with_hours: bool) -> str:
    """A ruler label: as many decimals as ``step`` needs, hours only for long clips."""
    decimals = 0 if step >= 1.0 else 1 if step >= 0.1 else 2 if step >= 0.01 else 3
    scale = 10**decimals
    # Count in whole label units so 59.99 never prints as "0:60".
    units = round(max(seconds, 0.0) * scale)
    whole, fraction = divmod(units, scale)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = (
        f"{hours}:{minutes:02d}:{secs:02d}" if with_hours else f"{minutes + 60 * hours}:{secs:02d}"
    )
    return f"{text}.{fraction:0{decimals}d}" if decimals else text


def format_span(start: float, end: float) -> str:
    """``0:10.000 – 0:14.000``: a span to the millisecond."""
    return f"{format_ruler_time(start, 0.001, False)} – {format_ruler_time(end, 0.001, False)}"
