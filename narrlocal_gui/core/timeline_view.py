"""The timeline's view and layout as pure functions: the widget only paints and handles events.

View state is a left-edge time and a zoom in pixels per second. The whole clip always fits at
the smallest zoom; the largest shows a frame as ~50 px (20 ms per 50 px without a frame rate).
Here: time <-> x (:class:`TimeAxis`), the zoom limits and the clamped view, paging to follow
the playhead, the ruler's step, indicator spans stacked in lanes, the keyframe marks drawn on a
span, the waveform's columns and where a dragged phrase edge may go.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from narrlocal_gui.core.lanes import assign_lanes
from narrlocal_gui.core.model import Indicator, Phrase, Project
from narrlocal_gui.core.visibility import display_span

MIN_PHRASE_S = 0.05  # an edge drag leaves a phrase at least this long (one frame when known)
MIN_KEY_GAP_PX = 4.0  # model points closer than this to the last one drawn are skipped
MAX_PX_PER_FRAME = 50.0
FALLBACK_FRAME_S = 0.02  # zoom limit stand-in while the frame rate is unknown

#: Ruler steps: (labelled step in seconds, unlabelled subdivisions of it).
RULER_STEPS: tuple[tuple[float, int], ...] = (
    (0.001, 5),
    (0.002, 4),
    (0.005, 5),
    (0.01, 5),
    (0.02, 4),
    (0.05, 5),
    (0.1, 5),
    (0.2, 4),
    (0.5, 5),
    (1.0, 5),
    (2.0, 4),
    (5.0, 5),
    (10.0, 5),
    (15.0, 3),
    (30.0, 6),
    (60.0, 6),
    (120.0, 4),
    (300.0, 5),
    (600.0, 5),
    (900.0, 3),
    (1800.0, 6),
    (3600.0, 6),
)


@dataclass(frozen=True, slots=True)
class TimeAxis:
    """Time across the rows: ``start`` is at x = ``left``, ``px_per_s`` pixels to a second
    (0: nothing to show)."""

    start: float
    px_per_s: float
    left: float

    def __post_init__(self) -> None:
        if not self.px_per_s >= 0.0:
            raise ValueError(f"pixels per second must be >= 0, not {self.px_per_s}")

    def x_for_time(self, t: float) -> float:
        return self.left + (t - self.start) * self.px_per_s

    def time_at(self, x: float) -> float:
        """The time at x (not clamped)."""
        if self.px_per_s <= 0.0:
            return 0.0
        return self.start + (x - self.left) / self.px_per_s

    def visible_range(self, width: float) -> tuple[float, float]:
        """The times at the left and right edges of ``width`` pixels of rows."""
        if self.px_per_s <= 0.0:
            return (0.0, 0.0)
        return (self.start, self.start + width / self.px_per_s)


def frame_seconds(fps: float | None) -> float:
    """One frame (:data:`MIN_PHRASE_S` while the frame rate is unknown)."""
    return 1.0 / fps if fps else MIN_PHRASE_S


def min_px_per_s(width: float, extent: float) -> float:
    """The zoom at which ``extent`` seconds fill ``width`` pixels: the whole clip fits."""
    return width / extent if extent > 0.0 else 0.0


def max_px_per_s(fps: float | None, width: float, extent: float) -> float:
    """The largest zoom: a frame is :data:`MAX_PX_PER_FRAME` wide (never below the fit)."""
    frame_s = 1.0 / fps if fps else FALLBACK_FRAME_S
    return max(MAX_PX_PER_FRAME / frame_s, min_px_per_s(width, extent))


def clamped_view(
    start: float, px_per_s: float, extent: float, width: float
) -> tuple[float, float, bool]:
    """``(start, px_per_s, fit)``: the view kept inside ``[0, extent]`` and no smaller than
    the fit; ``fit`` when it is the fit. Nothing to show: ``(0, 0, True)``."""
    if extent <= 0.0 or px_per_s <= 0.0:
        return 0.0, 0.0, True
    min_pps = min_px_per_s(width, extent)
    px_per_s = max(px_per_s, min_pps)
    visible = width / px_per_s
    start = min(max(start, 0.0), max(extent - visible, 0.0))
    return start, px_per_s, px_per_s <= min_pps * (1.0 + 1e-9)


def zoomed_view(
    axis: TimeAxis, factor: float, anchor_x: float, min_pps: float, max_pps: float
) -> tuple[float, float]:
    """``(start, px_per_s)`` zoomed by ``factor`` (within the limits), keeping the time under
    ``anchor_x`` in place."""
    anchor_t = axis.time_at(anchor_x)
    pps = min(max(axis.px_per_s * factor, min_pps), max_pps)
    return anchor_t - (anchor_x - axis.left) / pps, pps


def follow_start(position: float, view_start: float, view_end: float) -> float | None:
    """Where the view must start to show ``position`` again; None while it is in view.

    Page-style: the playhead re-enters near the left edge, then runs across the view, which
    is far easier to read than a continuously sliding timeline.
    """
    if view_start <= position < view_end:
        return None
    return position - 0.05 * (view_end - view_start)


def ruler_step(px_per_s: float, min_px: float) -> tuple[float, int]:
    """The finest ruler step whose labels are at least ``min_px`` apart, and its
    subdivisions."""
    for step, subdivisions in RULER_STEPS:
        if step * px_per_s >= min_px:
            return step, subdivisions
    return RULER_STEPS[-1]


def retimed(
    phrase: Phrase,
    left: bool,
    t: float,
    view: tuple[float, float],
    fps: float | None,
    duration: float,
) -> tuple[float, float]:
    """``(start, end)`` of ``phrase`` with its start (``left``) or end edge dragged to ``t``.

    The edge stays in the ``view`` (dragging past its edge must not make the view jump),
    snaps to frames when ``fps`` is known, stays inside ``[0, duration]`` (0: unknown) and
    leaves the phrase at least a frame long.
    """
    t = min(max(t, view[0]), view[1])
    if fps:
        t = round(t * fps) / fps
    limit = duration if duration > 0.0 else math.inf
    shortest = frame_seconds(fps)
    if left:
        return min(max(t, 0.0), max(phrase.end - shortest, 0.0)), phrase.end
    return phrase.start, max(min(t, limit), phrase.start + shortest)


@dataclass(frozen=True, slots=True)
class IndicatorSpan:
    """An indicator on the timeline: when it shows, and its lane among those overlapping."""

    indicator: Indicator
    phrase: Phrase
    start: float
    end: float
    lane: int = 0  # spans that overlap in time are stacked (core.lanes)

    def __post_init__(self) -> None:
        if self.lane < 0:
            raise ValueError(f"a lane is >= 0, not {self.lane}")


def indicator_spans(project: Project | None) -> tuple[IndicatorSpan, ...]:
    """Every indicator's display span, in project order, each in its lane."""
    if project is None:
        return ()
    phrases = {p.id: p for p in project.phrases}
    spans: list[tuple[Indicator, Phrase, float, float]] = []
    for ind in project.indicators:
        phrase = phrases[ind.phrase_id]
        start, end = display_span(ind, phrase, project.display)
        spans.append((ind, phrase, start, end))
    lanes = assign_lanes([(start, end) for _i, _p, start, end in spans])
    return tuple(
        IndicatorSpan(ind, phrase, start, end, lane)
        for (ind, phrase, start, end), lane in zip(spans, lanes, strict=True)
    )


def span_keyframes(
    span: IndicatorSpan,
    selected: bool,
    axis: TimeAxis,
    view: tuple[float, float],
    frame_s: float,
) -> list[tuple[float, bool]]:
    """(time, human) of the keyframes drawn on ``span`` in the ``view``.

    Every correction made by a person; the model's own points only for the ``selected``
    indicator, thinned to one per :data:`MIN_KEY_GAP_PX`, so a dense track never turns the
    row into a smear. A point up to a frame before the span shows at its start (the frame on
    screen when the phrase starts began a little earlier), as keyframe navigation goes there.
    """
    view_start, view_end = view
    marks: list[tuple[float, bool]] = []
    last_x = -math.inf
    for point in span.indicator.track:
        if not (point.human or selected):
            continue
        if not (span.start - frame_s < point.time < span.end):
            continue
        t = max(point.time, span.start)
        if not (view_start <= t <= view_end):
            continue
        x = axis.x_for_time(t)
        if not point.human and x - last_x < MIN_KEY_GAP_PX:
            continue
        marks.append((t, point.human))
        last_x = x
    return marks


def waveform_columns(
    mins: npt.NDArray[np.float32],
    maxs: npt.NDArray[np.float32],
    duration: float,
    view: tuple[float, float],
    count: int,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]] | None:
    """The envelope's min and max under each of ``count`` columns across the ``view``.

    ``mins`` and ``maxs`` evenly cover ``[0, duration]``. None where no column starts in the
    data; columns past the end of the audio are left out.
    """
    if count < 1 or duration <= 0.0:
        return None
    n = len(mins)
    samples_per_s = n / duration
    start, end = view
    column_edges = start + np.arange(count + 1) * ((end - start) / count)
    edges = np.floor(column_edges * samples_per_s).astype(np.int64)
    covered = int(np.searchsorted(edges[:-1], n, side="left"))  # columns starting in data
    if covered == 0:
        return None
    starts = np.clip(edges[:covered], 0, n - 1)
    # reduceat reduces each [starts[i], starts[i+1]) and takes the single sample where a
    # column is narrower than one; its last slice runs to the array's end, so it gets an
    # explicit stop unless the view really does reach the end of the data.
    stop = int(edges[covered])
    indices = np.append(starts, stop) if stop < n else starts
    lows = np.minimum.reduceat(mins, indices)[:covered]
    highs = np.maximum.reduceat(maxs, indices)[:covered]
    return lows, highs
