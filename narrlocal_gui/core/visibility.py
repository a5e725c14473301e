"""Which indicators are visible at time t, and what each one shows then.

A pure function of the project and a time: the player and the exporter both call it, so
the preview and the exported video can never disagree about what is on screen.

Frames and track points: an indicator with ``hide_interpolated`` shows its box only on the
frames that carry a track point (a keyframe). The frame shown at ``t`` carries point ``p`` when
``-tolerance <= t - p < 1.5 * tolerance``, ``tolerance`` being half a frame: the exporter asks
at each frame's own start time (exactly on the point), the player asks at whatever time the
clock reached, usually a little after the frame started. The window stops short of a whole
frame after the point, so millisecond-rounded timestamps never put the point on two frames.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from narrlocal_gui.core.model import (
    Box,
    DisplaySettings,
    HeatSample,
    Indicator,
    IndicatorStyle,
    Phrase,
    Project,
    Rgb,
    SpanChoice,
    TrackPoint,
)

#: Half a frame at 30 fps: the frame tolerance of a project whose frame rate is unknown.
DEFAULT_FRAME_TOLERANCE = 1.0 / 60.0


def frame_tolerance(project: Project) -> float:
    """Half a frame of the project's video, in seconds (see DEFAULT_FRAME_TOLERANCE)."""
    fps = None if project.video is None else project.video.fps
    if fps is None or not math.isfinite(fps) or fps <= 0.0:
        return DEFAULT_FRAME_TOLERANCE
    return 0.5 / fps


def point_on_frame(track: tuple[TrackPoint, ...], t: float, tolerance: float) -> TrackPoint | None:
    """The track point on the frame shown at ``t`` (see the module), the nearest if several."""
    if not track:
        return None
    times = [p.time for p in track]
    lo = bisect.bisect_right(times, t - 1.5 * tolerance)
    hi = bisect.bisect_right(times, t + tolerance)
    if lo >= hi:
        return None
    return min(track[lo:hi], key=lambda p: abs(p.time - t))


@dataclass(frozen=True, slots=True, eq=False)
class VisibleIndicator:
    """One indicator as it must be drawn at one instant (plain data for render/)."""

    indicator_id: str
    style: IndicatorStyle
    color: Rgb
    label: str
    box: Box | None
    heatmap: npt.NDArray[np.float32] | None


def display_span(
    indicator: Indicator, phrase: Phrase, settings: DisplaySettings
) -> tuple[float, float]:
    """[start, end) in seconds during which ``indicator`` is shown.

    The span followed is the phrase's spoken span, or its action span for an indicator that
    follows the action (:attr:`Indicator.follow`) when the phrase has one. The per-indicator
    override wins over the project default; a default of None means the whole followed span.
    A fixed duration runs from that span's start even when the span is longer (the patent: an
    action highlighted "for only three seconds").
    """
    start, end = phrase.start, phrase.end
    if indicator.follow is SpanChoice.ACTION and phrase.action_span is not None:
        start, end = phrase.action_span
    duration = indicator.duration_override
    if duration is None:
        duration = settings.default_duration
    if duration is None:
        # A zero-length phrase would never be visible; keep it on screen for one frame's worth.
        return start, max(end, start + 1e-3)
    return start, start + duration


def box_at(track: tuple[TrackPoint, ...], t: float) -> Box | None:
    """The track's box at ``t``: linear between neighbouring points, held beyond the ends."""
    if not track:
        return None
    times = [p.time for p in track]
    i = bisect.bisect_right(times, t)
    if i == 0:
        return track[0].box
    if i == len(track):
        return track[-1].box
    before, after = track[i - 1], track[i]
    span = after.time - before.time
    if span <= 0.0:
        return after.box
    return before.box.lerp(after.box, (t - before.time) / span)


def heatmap_at(samples: tuple[HeatSample, ...], t: float) -> npt.NDArray[np.float32] | None:
    """The heat map at ``t``: blended between the two nearest samples of the same shape."""
    if not samples:
        return None
    times = [s.time for s in samples]
    i = bisect.bisect_right(times, t)
    if i == 0:
        return samples[0].grid
    if i == len(samples):
        return samples[-1].grid
    before, after = samples[i - 1], samples[i]
    span = after.time - before.time
    if span <= 0.0 or before.grid.shape != after.grid.shape:
        return before.grid if (t - before.time) <= (after.time - t) else after.grid
    a = np.float32((t - before.time) / span)
    blended: npt.NDArray[np.float32] = before.grid * (np.float32(1.0) - a) + after.grid * a
    return blended


def has_visible_indicators(project: Project, t: float) -> bool:
    """Whether any enabled indicator's display span contains ``t``: when not, a frame shown
    at ``t`` is drawn on by nothing (cheaper than :func:`visible_indicators`, which also
    finds each one's box and heat map)."""
    phrases = {p.id: p for p in project.phrases}
    for ind in project.indicators:
        if ind.enabled:
            start, end = display_span(ind, phrases[ind.phrase_id], project.display)
            if start <= t < end:
                return True
    return False


def indicators_in(project: Project, start: float, end: float) -> int:
    """How many enabled indicators are shown at some time of ``[start, end)``."""
    phrases = {p.id: p for p in project.phrases}
    count = 0
    for indicator in project.indicators:
        phrase = phrases.get(indicator.phrase_id)
        if not indicator.enabled or phrase is None:
            continue
        shown_from, shown_to = display_span(indicator, phrase, project.display)
        if shown_from < end and shown_to > start:
            count += 1
    return count


def visible_indicators(
    project: Project, t: float, tolerance: float | None = None
) -> list[VisibleIndicator]:
    """The enabled indicators whose display span contains ``t``, in project order.

    ``tolerance`` is half a frame (None: :func:`frame_tolerance` of the project); it matters
    only for indicators with ``hide_interpolated``, whose box is None off their keyframes.
    """
    if tolerance is None:
        tolerance = frame_tolerance(project)
    phrases = {p.id: p for p in project.phrases}
    out: list[VisibleIndicator] = []
    for ind in project.indicators:
        if not ind.enabled:
            continue
        phrase = phrases[ind.phrase_id]
        start, end = display_span(ind, phrase, project.display)
        if not (start <= t < end):
            continue
        if ind.hide_interpolated:
            point = point_on_frame(ind.track, t, tolerance)
            box = None if point is None else point.box
        else:
            box = box_at(ind.track, t)
        out.append(
            VisibleIndicator(
                indicator_id=ind.id,
                style=ind.style,
                color=ind.color,
                label=phrase.text,
                box=box,
                heatmap=heatmap_at(ind.heatmaps, t),
            )
        )
    return out
