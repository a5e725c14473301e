"""The export engine's worker: writes videos, stills and annotation files on its own thread.

One long-lived :class:`ExportWorker` serves the window. Each request carries the project as
it was when the user asked (an immutable snapshot), so edits made while a file is written
never change it. The video export reports an :class:`ExportProgress` (for the time left) as
well as the base class's fraction, and polls the job's ``should_stop`` between frames.

Every job ends in exactly one of ``finished``, ``failed`` or ``cancelled``, with one
exception meant to keep messages truthful: a job cancelled in the instant after its file was
put in place reports ``finished`` (the file exists) and then ``cancelled``; the GUI takes
whichever comes first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Signal, Slot

from narrlocal_gui.core.model import Project
from narrlocal_gui.export.annotation_formats import export_annotations
from narrlocal_gui.export.video_export import export_still, export_video
from narrlocal_gui.export.video_options import ExportProgress, ExportResult, VideoExportOptions
from narrlocal_gui.media.media_info import describe
from narrlocal_gui.progress import CancelCallback, ProgressCallback
from narrlocal_gui.ui.worker_thread import Worker

THREAD_NAME = "narrlocal-export"


class ExportKind(StrEnum):
    VIDEO = "video"
    STILL = "still"
    ANNOTATIONS = "annotations"


@dataclass(frozen=True, slots=True)
class ExportDone:
    """A file written: what, where, its size and the wall-clock seconds it took; ``video`` is
    the engine's result for a video export (None for the others)."""

    kind: ExportKind
    path: Path
    size_bytes: int
    elapsed: float
    video: ExportResult | None = None

    def __post_init__(self) -> None:
        if self.size_bytes < 0 or self.elapsed < 0.0:
            raise ValueError("size and elapsed time must be >= 0")
        if (self.video is not None) != (self.kind is ExportKind.VIDEO):
            raise ValueError("a video export, and only one, carries the video result")


@dataclass(frozen=True, slots=True)
class VideoExportRequest:
    """Write ``project`` (a snapshot) as an annotated video at ``path``."""

    job_id: int
    project: Project
    path: str
    options: VideoExportOptions


@dataclass(frozen=True, slots=True)
class StillExportRequest:
    """Write the frame at ``t`` as drawn, as a PNG at ``path``."""

    job_id: int
    project: Project
    t: float
    path: str
    overwrite: bool


@dataclass(frozen=True, slots=True)
class AnnotationsExportRequest:
    """Write the annotations in format ``fmt`` at ``path``."""

    job_id: int
    project: Project
    fmt: str
    path: str
    overwrite: bool


@dataclass(frozen=True, slots=True)
class ExportProgressed:
    """How far a video export is."""

    job_id: int
    progress: ExportProgress


@dataclass(frozen=True, slots=True)
class ExportFinished:
    """A file was written (also when a cancel came too late to stop it)."""

    job_id: int
    done: ExportDone


class VideoExporter(Protocol):
    def __call__(
        self,
        project: Project,
        out_path: Path,
        options: VideoExportOptions | None = None,
        *,
        progress: Callable[[ExportProgress], None] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> ExportResult: ...


class StillExporter(Protocol):
    def __call__(
        self, project: Project, t: float, out_png: Path, *, overwrite: bool = False
    ) -> Path: ...


class AnnotationsExporter(Protocol):
    def __call__(
        self, project: Project, fmt: str, out_path: Path, *, overwrite: bool = False
    ) -> Path: ...


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class ExportWorker(Worker):
    """Slots ``export_video``, ``export_still`` and ``export_annotations``; results tagged
    with the request's job id. The engine functions can be replaced (tests)."""

    export_progressed = Signal(ExportProgressed)
    finished = Signal(ExportFinished)

    def __init__(
        self,
        video: VideoExporter = export_video,
        still: StillExporter = export_still,
        annotations: AnnotationsExporter = export_annotations,
    ) -> None:
        super().__init__()
        self._video = video
        self._still = still
        self._annotations = annotations

    @Slot(VideoExportRequest)
    def export_video(self, request: VideoExportRequest) -> None:
        job_id, project, options = request.job_id, request.project, request.options
        target = Path(request.path)

        def work(progress: ProgressCallback, cancel: CancelCallback) -> ExportDone:
            def report(state: ExportProgress) -> None:
                self.export_progressed.emit(ExportProgressed(job_id, state))
                progress(state.fraction)

            result = self._video(project, target, options, progress=report, cancel=cancel)
            return ExportDone(
                ExportKind.VIDEO, result.path, _size(result.path), result.elapsed, result
            )

        self._run(job_id, work, f"Cannot export the video to {describe(target)}")

    @Slot(StillExportRequest)
    def export_still(self, request: StillExportRequest) -> None:
        target = Path(request.path)

        def work(_progress: ProgressCallback, _cancel: CancelCallback) -> ExportDone:
            started = time.monotonic()
            written = self._still(request.project, request.t, target, overwrite=request.overwrite)
            return ExportDone(ExportKind.STILL, written, _size(written), time.monotonic() - started)

        self._run(request.job_id, work, f"Cannot export the frame to {describe(target)}")

    @Slot(AnnotationsExportRequest)
    def export_annotations(self, request: AnnotationsExportRequest) -> None:
        target = Path(request.path)

        def work(_progress: ProgressCallback, _cancel: CancelCallback) -> ExportDone:
            started = time.monotonic()
            written = self._annotations(
                request.project, request.fmt, target, overwrite=request.overwrite
            )
            return ExportDone(
                ExportKind.ANNOTATIONS, written, _size(written), time.monotonic() - started
            )

        self._run(request.job_id, work, f"Cannot export the annotations to {describe(target)}")

    def _run(
        self,
        job_id: int,
        work: Callable[[ProgressCallback, CancelCallback], ExportDone],
        unexpected: str,
    ) -> None:
        # A file already written when the cancel came is reported as written: saying
        # "nothing was written" about a file that is there would be a lie.
        done = self.run_job(
            job_id,
            work,
            unexpected,
            discard=lambda late: self.finished.emit(ExportFinished(job_id, late)),
        )
        if done is not None:
            self.finished.emit(ExportFinished(job_id, done))
