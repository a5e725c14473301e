"""The video engine's worker: opens media and renders preview frames on its own thread.

The :class:`~narrlocal_gui.media.source.FrameSource` is created, used and closed only in this
worker's thread: PyAV containers and codec contexts must not cross threads. Out of the thread
come plain data: the :class:`MediaInfo`, the frame times, and rendered RGB arrays.

A new source replaces the current one only once it has opened completely, so a file that
fails to open leaves the current video playable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import Signal, Slot

from narrlocal_gui.core.model import Project
from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.media.frame_cache import DEFAULT_CACHE_BYTES
from narrlocal_gui.media.media_info import MediaInfo
from narrlocal_gui.media.source import FrameSource, open_media
from narrlocal_gui.progress import CancelCallback, ProgressCallback
from narrlocal_gui.render.frame_render import render_frame
from narrlocal_gui.ui.worker_thread import FileJob, Worker

log = logging.getLogger(__name__)


# eq=False on those with arrays: arrays do not compare to one bool.
@dataclass(frozen=True, slots=True, eq=False)
class MediaOpened:
    """A video opened: its description and every frame's time."""

    job_id: int
    info: MediaInfo
    frame_times: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class RenderRequest:
    """Draw ``project``'s indicators on the frame shown at ``t``; the id is the caller's."""

    job_id: int
    t: float
    project: Project


@dataclass(frozen=True, slots=True, eq=False)
class Rendered:
    """The frame shown at ``time`` (number ``index``), drawn: HxWx3 uint8 RGB."""

    job_id: int
    time: float
    index: int
    picture: npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class RenderFailed:
    """No frame for a render request; ``message`` is "" when there is no video."""

    job_id: int
    message: str


class MediaWorker(Worker):
    """Slots ``open`` and ``render``; results by signal, tagged with the request's job id.

    ``jobs`` (from :class:`Worker`) numbers the opens, so a newer open or a cancel stops an
    indexing run in progress. Render job ids belong to the caller (the player controller),
    which keeps one render in flight and drops results whose id it no longer expects.
    """

    opened = Signal(MediaOpened)
    rendered = Signal(Rendered)
    render_failed = Signal(RenderFailed)

    def __init__(self, cache_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        super().__init__()
        self._cache_bytes = cache_bytes
        self._source: FrameSource | None = None

    @Slot(int)
    def set_cache_bytes(self, cache_bytes: int) -> None:
        """The frame cache size for sources opened from now on."""
        self._cache_bytes = int(cache_bytes)

    @Slot(FileJob)
    def open(self, request: FileJob) -> None:
        job_id, path = request.job_id, request.path

        def work(progress: ProgressCallback, cancel: CancelCallback) -> FrameSource:
            return open_media(
                Path(path), cache_bytes=self._cache_bytes, progress=progress, cancel=cancel
            )

        source = self.run_job(
            job_id,
            work,
            f"Cannot open '{Path(path).name}': unexpected error",
            discard=lambda stale: stale.close(),
        )
        if source is None:
            return
        previous, self._source = self._source, source
        if previous is not None:
            previous.close()
        frame_times = np.array(source.frame_times, dtype=np.float64)
        self.opened.emit(MediaOpened(job_id, source.info, frame_times))

    @Slot()
    def close_media(self) -> None:
        """Drop the current source (the document now has no video)."""
        if self._source is not None:
            self._source.close()
            self._source = None

    @Slot(RenderRequest)
    def render(self, request: RenderRequest) -> None:
        """Decode the frame shown at ``t`` and draw the indicators visible at ``t`` onto it.

        Frames stay at source resolution: the view maps mouse positions to source pixels
        through the frame it shows (box editing), so it must be given the real size.
        """
        job_id, t, project = request.job_id, request.t, request.project
        if self._source is None:
            self.render_failed.emit(RenderFailed(job_id, ""))
            return
        try:
            frame = self._source.frame_at(t)
            drawn = render_frame(frame.image, project, t)
        except UserFacingError as exc:
            self.render_failed.emit(RenderFailed(job_id, str(exc)))
            return
        except Exception as exc:
            log.exception("rendering t=%.3f failed", t)
            message = f"Cannot show the frame at {t:.2f} s ({exc})."
            self.render_failed.emit(RenderFailed(job_id, message))
            return
        self.rendered.emit(Rendered(job_id, t, int(frame.index), drawn))

    def release(self) -> None:
        self.close_media()
