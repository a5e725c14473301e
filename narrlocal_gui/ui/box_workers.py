"""The box engines' workers: a box from a click (segmentation) and Track Forward (tracking).

Two long-lived :class:`~narrlocal_gui.ui.worker_thread.Worker` objects, each on its own
thread, so a click never waits behind a track and a track never freezes the picture:

* :class:`RegionWorker` (``narrlocal-region``) reads the frame shown at a time and runs
  :func:`~narrlocal_gui.localizer.regions.region_at` at the clicked point (0.1-0.5 s);
* :class:`TrackWorker` (``narrlocal-track``) decodes the frames after a box's frame and
  carries the box through them with :func:`~narrlocal_gui.localizer.tracking.track_box`,
  a batch of frames at a time: progress is reported and Cancel is checked between batches
  (and between frames inside ``track_box``).

Why not the media worker, which already decodes the frame on screen: its thread renders
the picture while playing and scrubbing, and a segmentation or a track there would stop
the picture for as long. Each worker opens the video itself with
:func:`~narrlocal_gui.media.source.open_media`, in its own thread (PyAV objects must not
cross threads), keeps it open between jobs and closes it when its thread ends; reading one
frame again costs a seek, little beside the segmentation. OpenCV is imported on these
threads, at the first job, never at the window's start.

Requests and results are frozen records tagged with their job id; what a job is for (which
phrase, which indicator) stays with the command that asked (:mod:`~narrlocal_gui.ui.box_commands`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import Signal, Slot

from narrlocal_gui.core.byte_sizes import MIB
from narrlocal_gui.core.model import Box
from narrlocal_gui.media.source import FrameSource, open_media
from narrlocal_gui.progress import CancelCallback, Cancelled, ProgressCallback
from narrlocal_gui.ui.worker_thread import Worker

__all__ = [
    "REGION_THREAD",
    "TRACK_BATCH",
    "TRACK_THREAD",
    "RegionFound",
    "RegionRequest",
    "RegionWorker",
    "TrackRequest",
    "TrackWorker",
    "Tracked",
]

REGION_THREAD = "narrlocal-region"
TRACK_THREAD = "narrlocal-track"
#: Frames per call of the tracker: Cancel is answered and progress reported this often
#: (a third of a second of 25 fps video, well under a second of work on two cores).
TRACK_BATCH = 8
#: Decoded frames each worker keeps: it reads forward, so a small cache does.
_CACHE_BYTES = 64 * MIB


# eq=False: an array does not compare to one bool.
@dataclass(frozen=True, slots=True, eq=False)
class RegionRequest:
    """Find the thing at ``point`` (x, y frame pixels) on the frame of ``video`` shown at
    ``time``; ``heat`` (a coarse grid over the frame) seeds the segmentation, or None."""

    job_id: int
    video: str
    time: float
    point: tuple[float, float]
    heat: npt.NDArray[np.float32] | None = None


@dataclass(frozen=True, slots=True)
class RegionFound:
    """The box of the thing under the click, in the frame's pixels."""

    job_id: int
    box: Box


@dataclass(frozen=True, slots=True)
class TrackRequest:
    """Carry ``box``, on the frame of ``video`` shown at ``start``, through the frames up
    to the one shown at ``end``."""

    job_id: int
    video: str
    start: float
    end: float
    box: Box

    def __post_init__(self) -> None:
        if not self.end > self.start:
            raise ValueError(f"a track must end after it starts: {self.start} .. {self.end}")


@dataclass(frozen=True, slots=True)
class Tracked:
    """The box on every frame tracked: (frame start time, box); the first is the start's."""

    job_id: int
    samples: tuple[tuple[float, Box], ...]


def _box(values: tuple[float, float, float, float]) -> Box:
    return Box(*(float(v) for v in values))


class _SourceWorker(Worker):
    """A worker that reads frames of one video at a time, opened in its own thread."""

    def __init__(self) -> None:
        super().__init__()
        self._source: FrameSource | None = None
        self._path = ""

    def source(self, path: str) -> FrameSource:
        if self._source is None or self._path != path:
            self.release()
            self._source = open_media(path, cache_bytes=_CACHE_BYTES)
            self._path = path
        return self._source

    def release(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None


class RegionWorker(_SourceWorker):
    """Slot ``find``: a box from a click, as ``found``."""

    found = Signal(RegionFound)

    @Slot(RegionRequest)
    def find(self, request: RegionRequest) -> None:
        def work(_progress: ProgressCallback, cancel: CancelCallback) -> Box:
            from narrlocal_gui.localizer.regions import region_at

            image = self.source(request.video).frame_at(request.time).image
            if cancel():  # a newer click came while the frame was read
                raise Cancelled()
            return _box(region_at(image, request.point, request.heat))

        box = self.run_job(request.job_id, work, "Could not find a box at the click")
        if box is not None:
            self.found.emit(RegionFound(request.job_id, box))


class TrackWorker(_SourceWorker):
    """Slot ``track``: the box followed through the frames, as ``tracked``."""

    tracked = Signal(Tracked)

    @Slot(TrackRequest)
    def track(self, request: TrackRequest) -> None:
        def work(
            progress: ProgressCallback, cancel: CancelCallback
        ) -> tuple[tuple[float, Box], ...]:
            from narrlocal_gui.localizer.tracking import track_box

            source = self.source(request.video)
            first, last = source.index_at(request.start), source.index_at(request.end)
            samples = [(request.start, request.box)]
            before = source.frame_by_index(first).image
            box = request.box.as_tuple()
            for batch in range(first + 1, last + 1, TRACK_BATCH):
                if cancel():
                    raise Cancelled()
                indices = range(batch, min(batch + TRACK_BATCH, last + 1))
                frames = [before, *(source.frame_by_index(i).image for i in indices)]
                boxes = track_box(frames, box, cancel=cancel)
                samples.extend(
                    (source.time_of(i), _box(b)) for i, b in zip(indices, boxes[1:], strict=True)
                )
                before, box = frames[-1], boxes[-1]
                progress((indices[-1] - first) / (last - first))
            return tuple(samples)

        samples = self.run_job(request.job_id, work, "Could not track the box")
        if samples is not None:
            self.tracked.emit(Tracked(request.job_id, samples))
