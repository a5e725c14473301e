"""Which source frames an export holds, and those frames rendered exactly as the player shows them.

:func:`rendered_frames` is what the encoder is fed. It asks the reader for frame after frame
(``frame_by_index`` with increasing indices, which decodes straight on without seeking), the
very call behind the player's ``frame_at(t)``, and draws each one with
:func:`~narrlocal_gui.render.frame_render.render_frame`, the player's own render function.
So the exported picture at a frame's time is, before encoding, the preview at that time,
pixel for pixel (rotation, damaged-frame substitutes and all).

A range ``[start, end)`` begins with the frame shown at ``start`` (which may have begun a
little earlier) and ends with the last frame that begins before ``end``. Each frame is
rendered at its own presentation time, or at ``start`` for the first one, and placed at that
time minus ``start`` in the output, so a range export starts at 0.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from narrlocal_gui.core.model import Project
from narrlocal_gui.core.visibility import has_visible_indicators
from narrlocal_gui.errors import ExportError
from narrlocal_gui.media.source import FrameSource
from narrlocal_gui.media.yuv_colors import YuvColors, yuv420_to_rgb
from narrlocal_gui.render.frame_render import render_frame

__all__ = ["ExportFrame", "ExportSpan", "PlanesOf", "export_span", "rendered_frames"]


class PlanesOf(Protocol):
    """Where a frame's own I420 planes come from (a :class:`VideoReader`), and their colours."""

    @property
    def colors(self) -> YuvColors: ...

    def planes_by_index(self, index: int) -> npt.NDArray[np.uint8] | None: ...


# Times computed by callers (i / fps) land a hair off the stored frame times.
_TIME_EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class ExportSpan:
    """Source frames ``first .. stop - 1`` cover media time ``[start, end)`` of the output."""

    first: int
    stop: int
    start: float
    end: float

    def __post_init__(self) -> None:
        if not 0 <= self.first < self.stop:
            raise ValueError(f"a span needs at least one frame, not {self.first}..{self.stop}")
        if not (math.isfinite(self.start) and math.isfinite(self.end) and self.end > self.start):
            raise ValueError(f"a span needs start < end, not {self.start}..{self.end}")

    @property
    def frame_count(self) -> int:
        return self.stop - self.first

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True, eq=False)
class ExportFrame:
    """Source frame ``index`` rendered at media time ``time``, shown from ``output_time``
    (seconds, 0 = the start of the export). Either ``image``, H x W x 3 uint8 RGB, read-only,
    or, for a frame with nothing drawn on it, ``planes``: the source's own I420 planes, which
    the player shows converted with the source's ``colors`` (:meth:`picture`)."""

    index: int
    time: float
    output_time: float
    image: npt.NDArray[np.uint8] | None
    planes: npt.NDArray[np.uint8] | None = None
    colors: YuvColors | None = None

    def __post_init__(self) -> None:
        if (self.image is None) == (self.planes is None):
            raise ValueError("an export frame has either an image or planes")
        if self.planes is not None and self.colors is None:
            raise ValueError("planes need the colours they are in")

    def picture(self) -> npt.NDArray[np.uint8]:
        """The frame as RGB, as the player shows it."""
        if self.image is not None:
            return self.image
        assert self.planes is not None and self.colors is not None
        return yuv420_to_rgb(self.planes, self.colors)


def export_span(source: FrameSource, start: float | None, end: float | None) -> ExportSpan:
    """The frames of ``source`` in ``[start, end)`` (None: the first frame / the end).

    ``end`` beyond the end of the video is the end of the video. Raises
    :class:`~narrlocal_gui.errors.ExportError` for a start at or after the end.
    """
    times = source.frame_times
    duration = source.info.duration
    begin = 0.0 if start is None else float(start)
    finish = duration if end is None else min(float(end), duration)
    if begin >= duration - _TIME_EPSILON:
        raise ExportError(
            f"The export cannot start at {begin:g} s: the video ends at {duration:g} s."
        )
    if finish <= begin:
        raise ExportError(
            f"The export must end after it starts ({begin:g} s), not at {finish:g} s."
        )
    first = source.index_at(begin)
    # Frames that begin before ``end``; always at least the one shown at ``start``.
    stop = int(np.searchsorted(times, finish - _TIME_EPSILON, side="left"))
    return ExportSpan(first, max(stop, first + 1), begin, finish)


def rendered_frames(
    project: Project,
    source: FrameSource,
    span: ExportSpan,
    planes_of: PlanesOf | None = None,
) -> Generator[ExportFrame, None, None]:
    """The frames of ``span`` in order, each drawn as the player draws it at its time.

    With ``planes_of`` (``VideoReader.planes_by_index`` and its colours), a frame with no
    indicator visible at its time comes as the source's own planes where the reader has them:
    nothing is drawn on it, so it needs no trip through RGB and back, and it is encoded from
    exactly the samples it was decoded as.
    """
    for index in range(span.first, span.stop):
        t = max(source.time_of(index), span.start)
        if planes_of is not None and not has_visible_indicators(project, t):
            planes = planes_of.planes_by_index(index)
            if planes is not None:
                yield ExportFrame(index, t, t - span.start, None, planes, planes_of.colors)
                continue
        frame = source.frame_by_index(index)
        yield ExportFrame(index, t, t - span.start, render_frame(frame.image, project, t))
