"""The boxes the annotation formats write: per exported indicator, one per video frame.

Computed once, from the same core functions the player uses (``display_span`` for when an
indicator is shown; ``box_at``, or ``point_on_frame`` for an indicator that hides its
interpolated boxes, for where), so every format agrees with what the player draws at each
frame's time. The rules are in ``docs/annotation-formats.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import groupby

from narrlocal_gui.core.model import Box, Indicator, Project
from narrlocal_gui.core.visibility import box_at, display_span, frame_tolerance, point_on_frame
from narrlocal_gui.errors import ExportError

#: Coordinates are written to 0.01 px (CVAT's own precision): finer than any annotation means.
PIXEL_DECIMALS = 2
#: Times are written to 1 µs: exact enough to find the frame again at any real frame rate.
TIME_DECIMALS = 6


@dataclass(frozen=True, slots=True)
class FrameGrid:
    """The video's frames: frame ``i`` is shown at ``i / fps`` seconds.

    ``frame_count`` is None when the project does not record the video's duration; frames
    are then not limited at the end.
    """

    fps: float
    width: int
    height: int
    frame_count: int | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.fps) and self.fps > 0.0):
            raise ValueError(f"frame rate must be > 0, got {self.fps!r}")
        if self.width < 1 or self.height < 1:
            raise ValueError(f"frame size must be positive, got {self.width}x{self.height}")
        if self.frame_count is not None and self.frame_count < 0:
            raise ValueError(f"frame count must be >= 0, got {self.frame_count}")

    def time(self, frame: int) -> float:
        return frame / self.fps

    def frames_between(self, start: float, end: float) -> range:
        """The frames whose time t satisfies ``start <= t < end`` (the player's own test)."""
        # Candidates a frame wider than needed, then the exact float comparison, so a frame
        # time a rounding error away from an edge is decided exactly as the player decides it.
        lo = max(0, math.floor(start * self.fps) - 1)
        hi = math.ceil(end * self.fps) + 1
        if self.frame_count is not None:
            hi = min(hi, self.frame_count - 1)
        inside = [i for i in range(lo, hi + 1) if start <= self.time(i) < end]
        return range(inside[0], inside[-1] + 1) if inside else range(0)


@dataclass(frozen=True, slots=True)
class FrameBox:
    """One indicator's box at one frame, cut to the frame.

    ``keyframe``: a point of the indicator's track is on this frame (the player's rule,
    :func:`~narrlocal_gui.core.visibility.point_on_frame`); ``human``: that point is a
    person's correction (so human implies keyframe).
    """

    indicator_id: str
    phrase_id: str
    track_number: int
    frame: int
    time: float
    box: Box
    score: float | None
    human: bool
    keyframe: bool

    def __post_init__(self) -> None:
        if self.frame < 0:
            raise ValueError(f"frame must be >= 0, got {self.frame}")
        if self.track_number < 1:
            raise ValueError(f"track number must be >= 1, got {self.track_number}")
        if self.human and not self.keyframe:
            raise ValueError("a human box must be at a keyframe")

    def corners(self) -> tuple[float, float, float, float]:
        """(x1, y1, x2, y2) as written: rounded to ``PIXEL_DECIMALS``."""
        b = self.box
        return (
            round(b.x1, PIXEL_DECIMALS),
            round(b.y1, PIXEL_DECIMALS),
            round(b.x2, PIXEL_DECIMALS),
            round(b.y2, PIXEL_DECIMALS),
        )

    def xywh(self) -> tuple[float, float, float, float]:
        """(left, top, width, height) from the rounded corners, so left + width == x2."""
        x1, y1, x2, y2 = self.corners()
        return (x1, y1, round(x2 - x1, PIXEL_DECIMALS), round(y2 - y1, PIXEL_DECIMALS))


@dataclass(frozen=True, slots=True)
class ExportFrames:
    """Everything the frame-based formats write: the grid and the boxes, ordered by track
    number, then frame."""

    grid: FrameGrid
    boxes: tuple[FrameBox, ...]

    def tracks(self) -> tuple[tuple[FrameBox, ...], ...]:
        """The boxes grouped per track, in track-number order."""
        return tuple(tuple(g) for _, g in groupby(self.boxes, key=lambda b: b.track_number))

    def last_frame(self) -> int | None:
        """The last frame of the video, or else the last frame with a box (None if none)."""
        if self.grid.frame_count is not None:
            return self.grid.frame_count - 1 if self.grid.frame_count else None
        return max((b.frame for b in self.boxes), default=None)


def plain_number(value: float, decimals: int) -> str:
    """``value`` rounded to ``decimals`` places without trailing zeros: 1.5, 2, 0.033333."""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def video_name(project: Project) -> str:
    """The video's file name without its folder, or "video" for a project without one."""
    if project.video is None:
        return "video"
    name = project.video.path.replace("\\", "/").rsplit("/", 1)[-1]
    return name or "video"


def frame_grid(project: Project, format_label: str) -> FrameGrid:
    """The project's frame grid; an :class:`ExportError` when it does not record one."""
    video = project.video
    fps = None if video is None else video.fps
    width = None if video is None else video.width
    height = None if video is None else video.height
    if (
        fps is None
        or width is None
        or height is None
        or not (math.isfinite(fps) and fps > 0.0)
        or width < 1
        or height < 1
    ):
        raise ExportError(
            f"The {format_label} export needs the video's frame rate and size, which this "
            "project does not record; open the project with its video in NarrLocal and save "
            "it, then export again."
        )
    count = None
    if video is not None and video.duration is not None and math.isfinite(video.duration):
        # Frame i exists when it starts before the end: i / fps < duration.
        count = max(0, math.ceil(video.duration * fps - 1e-9))
    return FrameGrid(fps=fps, width=width, height=height, frame_count=count)


def track_numbers(project: Project) -> dict[str, int]:
    """Indicator id -> track number: the 1-based position of its phrase in the project.

    So a track's number is also its phrase's cue number in the subtitle exports and its
    category id in COCO. The application keeps one indicator per phrase; should a file hold
    more, the extra ones are numbered after the last phrase, in project order.
    """
    position = {p.id: n for n, p in enumerate(project.phrases, start=1)}
    numbers: dict[str, int] = {}
    taken: set[int] = set()
    extra = len(project.phrases)
    for ind in project.indicators:
        number = position[ind.phrase_id]
        if number in taken:
            extra += 1
            number = extra
        taken.add(number)
        numbers[ind.id] = number
    return numbers


def _clipped(box: Box, grid: FrameGrid) -> Box | None:
    """The box cut to the frame; None when nothing of it is left at the written precision."""
    clipped = box.clipped(grid.width, grid.height)
    if clipped is None:
        return None
    if round(clipped.x2, PIXEL_DECIMALS) <= round(clipped.x1, PIXEL_DECIMALS):
        return None
    if round(clipped.y2, PIXEL_DECIMALS) <= round(clipped.y1, PIXEL_DECIMALS):
        return None
    return clipped


def indicator_boxes(
    project: Project, indicator: Indicator, grid: FrameGrid, track_number: int
) -> list[FrameBox]:
    """The boxes of one indicator, frame by frame, whether or not it is enabled."""
    if not indicator.track:
        return []
    phrase = project.phrase(indicator.phrase_id)
    start, end = display_span(indicator, phrase, project.display)
    tolerance = frame_tolerance(project)
    out: list[FrameBox] = []
    for frame in grid.frames_between(start, end):
        t = grid.time(frame)
        point = point_on_frame(indicator.track, t, tolerance)
        # The box exactly as visible_indicators gives it to the player at t.
        if indicator.hide_interpolated:
            shown = None if point is None else point.box
        else:
            shown = box_at(indicator.track, t)
        box = None if shown is None else _clipped(shown, grid)
        if box is None:
            continue
        out.append(
            FrameBox(
                indicator_id=indicator.id,
                phrase_id=indicator.phrase_id,
                track_number=track_number,
                frame=frame,
                time=t,
                box=box,
                score=indicator.score,
                human=point is not None and point.human,
                keyframe=point is not None,
            )
        )
    return out


def export_frames(project: Project, format_label: str) -> ExportFrames:
    """The boxes of every enabled indicator on the project's frame grid.

    ``format_label`` names the format in the error raised when the project records no
    frame rate or size. Disabled indicators and indicators without a box track (heat maps
    only) give no boxes.
    """
    grid = frame_grid(project, format_label)
    numbers = track_numbers(project)
    boxes: list[FrameBox] = []
    for ind in project.indicators:
        if ind.enabled:
            boxes.extend(indicator_boxes(project, ind, grid, numbers[ind.id]))
    boxes.sort(key=lambda b: (b.track_number, b.frame))
    return ExportFrames(grid=grid, boxes=tuple(boxes))
