"""Correcting an indicator's boxes: keyframes are its track points.

Pure functions from a project to a new project, the bodies of the box editor's undoable
edits (see ``docs/correcting-boxes.md``), plus the queries the editor and the timeline need.

* A correction at time ``t`` is a human track point (``human=True``) at ``t``. It replaces
  every point, the model's or a person's, closer to ``t`` than ``tolerance`` (half a frame,
  passed in by the caller, who knows the frame rate). Points elsewhere stay, so between two
  points the box is interpolated as ever (:func:`~narrlocal_gui.core.visibility.box_at`) and
  the model's own points go on counting wherever no correction overrides them. This agrees
  with :func:`~narrlocal_gui.core.localization_edits.merge_track`: localizing again replaces
  the model points and keeps the human ones.
* Deleting a keyframe removes the point(s) within ``tolerance`` of ``t``; deleting the last
  one leaves an empty track, which shows no box.
* Track Forward (:func:`set_tracked_keyframes`) is one edit of many corrections: the
  tracker's boxes at frames about :data:`TRACK_KEY_STEP` apart, each a human point (the
  model has only the ``human`` mark; a box the user asked the tracker for is theirs, and
  localizing again keeps it), and every other point between them dropped, so the box
  follows the tracker, not a blend with what it replaced. Corrections inside the tracked
  span are replaced too: tracking again from a box corrected where a first track drifted
  must go on over that first track's keyframes (Undo brings them back).

Unknown ids raise KeyError; a time, tolerance or box out of range raises ValueError. Boxes
are clipped to the frame by the caller (this module does not know the frame size); a stored
correction is at least :data:`MIN_BOX_SIZE` pixels on each side.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import pairwise

from narrlocal_gui.core.edits import replace_indicator
from narrlocal_gui.core.ids import new_id
from narrlocal_gui.core.localization_edits import phrase_color
from narrlocal_gui.core.model import (
    Box,
    Indicator,
    IndicatorStyle,
    Project,
    TrackPoint,
)
from narrlocal_gui.core.visibility import display_span

__all__ = [
    "MIN_BOX_SIZE",
    "TRACK_KEY_STEP",
    "add_box_for_phrase",
    "clear_track",
    "delete_keyframe",
    "keyframe_indicators",
    "keyframe_times",
    "next_keyframe_time",
    "phrase_display_span",
    "point_at",
    "previous_keyframe_time",
    "set_hide_interpolated",
    "set_keyframe",
    "set_tracked_keyframes",
    "track_forward_end",
    "tracked_keys",
]

#: The smallest correction, in source pixels on each side: a box that can still be grabbed.
MIN_BOX_SIZE = 2.0

#: Track Forward keeps a tracked box as a keyframe about this often (seconds): the tracker
#: follows every frame, and boxes a fifth of a second apart, interpolated, stay within a
#: few pixels of it for things moved by hand, with a keyframe count a timeline can show.
TRACK_KEY_STEP = 0.2

#: Next keyframe ignores points this close after ``t`` (the frame already shown).
_SAME_INSTANT = 1e-6


def _check_time(t: float, tolerance: float) -> None:
    if not (math.isfinite(t) and t >= 0.0):
        raise ValueError(f"keyframe time must be a finite time >= 0 s, got {t!r}")
    if not (math.isfinite(tolerance) and tolerance > 0.0):
        raise ValueError(f"tolerance must be a finite time > 0 s, got {tolerance!r}")


def _check_tolerance(t: float, tolerance: float) -> None:
    if not math.isfinite(t):
        raise ValueError(f"time must be finite, got {t!r}")
    if not (math.isfinite(tolerance) and tolerance > 0.0):
        raise ValueError(f"tolerance must be a finite time > 0 s, got {tolerance!r}")


def _check_box(box: Box) -> None:
    if box.width < MIN_BOX_SIZE or box.height < MIN_BOX_SIZE:
        raise ValueError(
            f"a box must be at least {MIN_BOX_SIZE:g} px on each side, "
            f"got {box.width:g} x {box.height:g}"
        )


def _near(point: TrackPoint, t: float, tolerance: float) -> bool:
    return abs(point.time - t) < tolerance


# -- queries ---------------------------------------------------------------------------------


def point_at(track: Iterable[TrackPoint], t: float, tolerance: float) -> TrackPoint | None:
    """The point nearest ``t`` closer than ``tolerance``, or None."""
    near = [p for p in track if _near(p, t, tolerance)]
    return min(near, key=lambda p: abs(p.time - t)) if near else None


def keyframe_times(indicator: Indicator, *, human_only: bool = False) -> tuple[float, ...]:
    """The times of the indicator's track points (only the corrections with ``human_only``)."""
    return tuple(p.time for p in indicator.track if p.human or not human_only)


def phrase_display_span(project: Project, phrase_id: str) -> tuple[float, float]:
    """When the phrase's box shows: its indicator's span, or a new indicator's when it has
    none (the project's default duration)."""
    phrase = project.phrase(phrase_id)
    indicator = project.indicator_for_phrase(phrase_id)
    if indicator is None:
        indicator = Indicator(id="-", phrase_id=phrase_id, follow=project.display.default_follow)
    return display_span(indicator, phrase, project.display)


def keyframe_indicators(project: Project, selected: str | None = None) -> tuple[Indicator, ...]:
    """The indicators keyframe navigation goes through: the selected one (when it exists),
    else every enabled one."""
    if selected is not None:
        chosen = next((i for i in project.indicators if i.id == selected), None)
        if chosen is not None:
            return (chosen,)
    return tuple(i for i in project.indicators if i.enabled)


def _stops(project: Project, tolerance: float, selected: str | None) -> list[float]:
    """Where keyframe navigation can go: each point shown during its indicator's span.

    A point up to a frame before the span (the frame on screen when the phrase starts
    began a little earlier) is reached at the span's start, where its box is visible.
    """
    phrases = {p.id: p for p in project.phrases}
    stops: set[float] = set()
    for ind in keyframe_indicators(project, selected):
        start, end = display_span(ind, phrases[ind.phrase_id], project.display)
        for point in ind.track:
            if start - 2.0 * tolerance < point.time < end:
                stops.add(max(point.time, start))
    return sorted(stops)


def previous_keyframe_time(
    project: Project, t: float, tolerance: float, selected: str | None = None
) -> float | None:
    """The latest keyframe more than half a frame (``tolerance``) before ``t``, or None.

    Only the selected indicator counts when one is given, else every enabled one; only the
    points where the box shows count (see :func:`_stops`).
    """
    _check_tolerance(t, tolerance)
    earlier = [s for s in _stops(project, tolerance, selected) if s < t - tolerance]
    return earlier[-1] if earlier else None


def next_keyframe_time(
    project: Project, t: float, tolerance: float, selected: str | None = None
) -> float | None:
    """The first keyframe after ``t``, or None (the same indicators as the previous one)."""
    _check_tolerance(t, tolerance)
    later = [s for s in _stops(project, tolerance, selected) if s > t + _SAME_INSTANT]
    return later[0] if later else None


# -- edits -----------------------------------------------------------------------------------


def set_keyframe(
    project: Project, indicator_id: str, t: float, box: Box, tolerance: float
) -> Project:
    """``project`` with a correction of the indicator's box at ``t`` (see the module)."""
    _check_time(t, tolerance)
    _check_box(box)
    indicator = project.indicator(indicator_id)
    kept = tuple(p for p in indicator.track if not _near(p, t, tolerance))
    track = (*kept, TrackPoint(t, box, human=True))
    return replace_indicator(project, replace(indicator, track=track))


def delete_keyframe(project: Project, indicator_id: str, t: float, tolerance: float) -> Project:
    """``project`` without the indicator's track point(s) at ``t``; unchanged when none."""
    _check_time(t, tolerance)
    indicator = project.indicator(indicator_id)
    kept = tuple(p for p in indicator.track if not _near(p, t, tolerance))
    if len(kept) == len(indicator.track):
        return project
    return replace_indicator(project, replace(indicator, track=kept))


def clear_track(project: Project, indicator_id: str) -> Project:
    """``project`` with the indicator's whole track gone: it shows no box any more."""
    indicator = project.indicator(indicator_id)
    if not indicator.track:
        return project
    return replace_indicator(project, replace(indicator, track=()))


def add_box_for_phrase(
    project: Project,
    phrase_id: str,
    t: float,
    box: Box,
    tolerance: float,
    new_indicator_id: str | None = None,
) -> Project:
    """A box drawn for a phrase: a keyframe of its indicator, created when it has none.

    A new indicator is an enabled BOX in the colour of the phrase's place in the palette,
    named ``new_indicator_id`` (a fresh id when None).
    """
    project.phrase(phrase_id)  # KeyError for an unknown phrase
    existing = project.indicator_for_phrase(phrase_id)
    if existing is not None:
        return set_keyframe(project, existing.id, t, box, tolerance)
    _check_time(t, tolerance)
    _check_box(box)
    indicator_id = new_indicator_id if new_indicator_id is not None else new_id("ind")
    if any(i.id == indicator_id for i in project.indicators):
        raise ValueError(f"indicator id {indicator_id!r} is taken")
    indicator = Indicator(
        id=indicator_id,
        phrase_id=phrase_id,
        style=IndicatorStyle.BOX,
        enabled=True,
        color=phrase_color(project, phrase_id),
        track=(TrackPoint(t, box, human=True),),
        follow=project.display.default_follow,
    )
    return replace(project, indicators=(*project.indicators, indicator))


def set_hide_interpolated(project: Project, indicator_id: str, hide: bool) -> Project:
    """Show the indicator's box only on its keyframes (True), or on every frame (False)."""
    indicator = project.indicator(indicator_id)
    return replace_indicator(project, replace(indicator, hide_interpolated=bool(hide)))


# -- Track Forward ---------------------------------------------------------------------------


def track_forward_end(
    project: Project, indicator_id: str, t: float, seconds: float, tolerance: float
) -> float:
    """Where Track Forward from ``t`` stops: ``seconds`` later, but not past the end of the
    indicator's display span. ``t`` or less when there is nothing to track."""
    _check_time(t, tolerance)
    if not (math.isfinite(seconds) and seconds > 0.0):
        raise ValueError(f"track length must be a finite time > 0 s, got {seconds!r}")
    indicator = project.indicator(indicator_id)
    _start, end = display_span(indicator, project.phrase(indicator.phrase_id), project.display)
    return min(t + seconds, end)


def tracked_keys(
    samples: Sequence[tuple[float, Box]], step: float = TRACK_KEY_STEP
) -> tuple[tuple[float, Box], ...]:
    """The tracked ``(time, box)`` samples kept as keyframes: the first, each one at least
    ``step`` after the last kept, and the last (where the track ends)."""
    if not (math.isfinite(step) and step >= 0.0):
        raise ValueError(f"key step must be a finite time >= 0 s, got {step!r}")
    kept: list[tuple[float, Box]] = []
    for i, sample in enumerate(samples):
        if not kept or sample[0] - kept[-1][0] >= step - _SAME_INSTANT or i == len(samples) - 1:
            kept.append(sample)
    return tuple(kept)


def set_tracked_keyframes(
    project: Project,
    indicator_id: str,
    keys: Sequence[tuple[float, Box]],
    tolerance: float,
) -> Project:
    """``project`` with Track Forward's ``keys`` (time, box), in increasing time, as human
    points of the indicator: they replace every point from the first key to the last (within
    ``tolerance`` of them included; see the module)."""
    if not keys:
        raise ValueError("no tracked boxes to keep")
    times = [k[0] for k in keys]
    if any(b <= a for a, b in pairwise(times)):
        raise ValueError("tracked keyframe times must increase")
    for t, box in keys:
        _check_time(t, tolerance)
        _check_box(box)
    indicator = project.indicator(indicator_id)
    first, last = times[0] - tolerance, times[-1] + tolerance
    kept = tuple(p for p in indicator.track if not first < p.time < last)
    track = (*kept, *(TrackPoint(t, box, human=True) for t, box in keys))
    return replace_indicator(project, replace(indicator, track=track))
