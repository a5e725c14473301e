"""Opening things: videos, projects, autosave recoveries and the demo, all off the GUI thread.

The coordinator owns the three engines that opening needs (media, audio, project files),
each a long-lived worker on its own thread, and turns their results into one
:class:`OpenedDocument`. Nothing the user has open is touched until the new thing opened
completely: a failure leaves the current project and video as they were and only reports
``failed`` with the one-sentence reason.

A project whose video cannot be opened (moved, deleted, damaged) still opens, without a
picture, and the reason comes with it as a warning.

Only one open is under way at a time: a new request, or :meth:`OpenCoordinator.cancel`,
makes the running one stale through the workers' job counters, so an indexing run stops at
its next batch and a late result is ignored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum, auto
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, Signal, Slot

from narrlocal_gui.core.model import DisplaySettings, Project, SpanChoice, VideoRef
from narrlocal_gui.core.project_io import looks_like_project
from narrlocal_gui.media.frame_cache import DEFAULT_CACHE_BYTES
from narrlocal_gui.media.media_info import MediaInfo
from narrlocal_gui.ui.audio_worker import AudioDecoded, AudioWorker, Waveform
from narrlocal_gui.ui.media_worker import MediaOpened, MediaWorker
from narrlocal_gui.ui.project_worker import ProjectLoaded, ProjectWorker
from narrlocal_gui.ui.worker_thread import FileJob, JobFailed, JobProgressed, WorkerThread

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, eq=False)
class OpenedDocument:
    """Everything needed to show a newly opened project, delivered at once."""

    project: Project
    #: The project file; None for an untitled project (a video opened on its own).
    project_path: Path | None
    #: The autosave file a recovered project came from (autosave goes on writing there).
    recovery_path: Path | None
    #: The opened video, or None when the project has none or it could not be opened.
    info: MediaInfo | None
    frame_times: npt.NDArray[np.float64] | None
    #: What File > Open Recent should offer for this (None: nothing).
    recent_path: Path | None
    #: Why the project opened without its video, when it did.
    warning: str | None = None
    #: The built-in demo (the window starts playing it).
    is_demo: bool = False


def project_for_video(
    path: Path,
    info: MediaInfo,
    default_duration: float | None,
    default_follow: SpanChoice = SpanChoice.SPOKEN,
) -> Project:
    """A new, untitled project for a video opened on its own: no phrases yet."""
    return Project(
        video=VideoRef(
            path=str(path.expanduser().absolute()),
            duration=info.duration,
            width=info.width,
            height=info.height,
            fps=info.fps,
            size_bytes=info.size_bytes,
        ),
        display=DisplaySettings(default_duration=default_duration, default_follow=default_follow),
    )


class _Kind(Enum):
    VIDEO = auto()
    PROJECT = auto()
    RECOVERY = auto()
    DEMO = auto()


@dataclass(slots=True)
class _Pending:
    """The open under way: what was asked for, and the project once it has been read."""

    kind: _Kind
    source: Path | None
    project: Project | None = None
    project_path: Path | None = None


class OpenCoordinator(QObject):
    opened = Signal(OpenedDocument)
    failed = Signal(str)  # nothing changed; the reason, for a dialog
    started = Signal(str)  # a cancellable task began: what it is doing
    progressed = Signal(float)  # its fraction done, or -1 for "busy"
    ended = Signal()
    audio_loaded = Signal(Waveform)
    audio_failed = Signal(str)

    # Requests to the workers; queued, because the workers live in other threads.
    _open_media = Signal(FileJob)
    _close_media = Signal()
    _load_project = Signal(FileJob)
    _make_demo = Signal(int)
    _load_audio = Signal(FileJob)
    _cache_bytes = Signal(int)

    def __init__(
        self,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        default_duration: float | None = 3.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.default_duration = default_duration
        #: The span new indicators follow in new projects (Preferences).
        self.default_follow = SpanChoice.SPOKEN
        self._pending: _Pending | None = None

        self.media_worker = MediaWorker(cache_bytes)
        self.audio_worker = AudioWorker()
        self.project_worker = ProjectWorker()
        self._threads = [
            WorkerThread(self.media_worker, "narrlocal-media"),
            WorkerThread(self.audio_worker, "narrlocal-audio"),
            WorkerThread(self.project_worker, "narrlocal-project"),
        ]

        self._open_media.connect(self.media_worker.open)
        self._close_media.connect(self.media_worker.close_media)
        self._cache_bytes.connect(self.media_worker.set_cache_bytes)
        self._load_project.connect(self.project_worker.load)
        self._make_demo.connect(self.project_worker.make_demo)
        self._load_audio.connect(self.audio_worker.load)

        self.media_worker.opened.connect(self._on_media_opened)
        self.media_worker.failed.connect(self._on_media_failed)
        self.media_worker.progressed.connect(self._on_media_progress)
        self.project_worker.loaded.connect(self._on_project_loaded)
        self.project_worker.failed.connect(self._on_project_failed)
        self.project_worker.progressed.connect(self._on_project_progress)
        self.audio_worker.finished.connect(self._on_audio_finished)
        self.audio_worker.failed.connect(self._on_audio_failed)

    # -- requests ----------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._pending is not None

    def open_path(self, path: Path) -> None:
        """A project file or a media file, told apart by name and first bytes."""
        if looks_like_project(path):
            self.open_project(path)
        else:
            self.open_video(path)

    def open_video(self, path: Path) -> None:
        self._begin(_Pending(_Kind.VIDEO, Path(path)), f"Opening '{Path(path).name}'…")
        self._request_media(Path(path))

    def open_project(self, path: Path) -> None:
        self._begin(_Pending(_Kind.PROJECT, Path(path)), f"Opening '{Path(path).name}'…")
        self._load_project.emit(FileJob(self.project_worker.jobs.next(), str(path)))

    def recover(self, path: Path) -> None:
        """Open an autosaved untitled project; it stays untitled, autosaving where it was."""
        self._begin(_Pending(_Kind.RECOVERY, Path(path)), f"Recovering '{Path(path).name}'…")
        self._load_project.emit(FileJob(self.project_worker.jobs.next(), str(path)))

    def open_demo(self) -> None:
        self._begin(_Pending(_Kind.DEMO, None), "Preparing the demo project…")
        self._make_demo.emit(self.project_worker.jobs.next())

    @Slot()
    def cancel(self) -> None:
        """Stop the open under way; what is open stays open."""
        if self._pending is None:
            return
        self._stop_workers()
        self._pending = None
        self.ended.emit()

    def set_cache_bytes(self, cache_bytes: int) -> None:
        self._cache_bytes.emit(int(cache_bytes))

    def release_media(self) -> None:
        """The document has no video any more: let the media worker close its file."""
        self._close_media.emit()

    def load_audio(self, path: Path) -> None:
        """Decode the sound of ``path`` (the video now open) in the background."""
        self._load_audio.emit(FileJob(self.audio_worker.jobs.next(), str(path)))

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop every engine and join its thread; False if one did not stop in time."""
        self._pending = None
        # Ask all to stop first so they wind down together, then join each.
        for thread in self._threads:
            thread.worker.shutdown_flag.set()
        return all([thread.shutdown(timeout_ms) for thread in self._threads])

    # -- internals ---------------------------------------------------------------------------
    def _begin(self, pending: _Pending, text: str) -> None:
        self._stop_workers()
        self._pending = pending
        self.started.emit(text)

    def _stop_workers(self) -> None:
        # Whatever the previous open was waiting for, its result is now stale.
        self.media_worker.cancel_current()
        self.project_worker.cancel_current()

    def _request_media(self, path: Path) -> None:
        self.progressed.emit(-1.0)
        self._open_media.emit(FileJob(self.media_worker.jobs.next(), str(path)))

    def _finish(self, document: OpenedDocument) -> None:
        self._pending = None
        self.ended.emit()
        self.opened.emit(document)
        if document.info is not None and document.info.has_audio:
            self.load_audio(document.info.path)
        else:
            # Make any decode still running for the previous video stale.
            self.audio_worker.cancel_current()
            self.audio_loaded.emit(Waveform.silent())

    def _fail(self, message: str) -> None:
        self._pending = None
        self.ended.emit()
        self.failed.emit(message)

    @Slot(ProjectLoaded)
    def _on_project_loaded(self, loaded: ProjectLoaded) -> None:
        pending = self._pending
        if pending is None or not self.project_worker.jobs.is_current(loaded.job_id):
            return
        project, path = loaded.project, loaded.path
        pending.project = project
        pending.project_path = path
        if project.video is None:
            self._finish(self._document(pending, project, None, None))
            return
        self.started.emit(f"Opening the video of '{path.name}'…")
        self._request_media(Path(project.video.path))

    @Slot(JobFailed)
    def _on_project_failed(self, failure: JobFailed) -> None:
        if self._pending is not None and self.project_worker.jobs.is_current(failure.job_id):
            self._fail(failure.message)

    @Slot(JobProgressed)
    def _on_project_progress(self, report: JobProgressed) -> None:
        if self._pending is not None and self.project_worker.jobs.is_current(report.job_id):
            self.progressed.emit(report.fraction)

    @Slot(MediaOpened)
    def _on_media_opened(self, opened: MediaOpened) -> None:
        pending = self._pending
        if pending is None or not self.media_worker.jobs.is_current(opened.job_id):
            return
        info, frame_times = opened.info, opened.frame_times
        project = pending.project
        if project is None:
            # A video opened on its own becomes a new, untitled project.
            project = project_for_video(
                pending.source or info.path, info, self.default_duration, self.default_follow
            )
        self._finish(self._document(pending, project, info, frame_times))

    @Slot(JobFailed)
    def _on_media_failed(self, failure: JobFailed) -> None:
        pending = self._pending
        if pending is None or not self.media_worker.jobs.is_current(failure.job_id):
            return
        message = failure.message
        if pending.project is None:  # a video on its own: nothing opens
            self._fail(message)
            return
        # A project opens without its video: its phrases and corrections are still the work.
        self.release_media()
        self._finish(self._document(pending, pending.project, None, None, warning=message))

    @Slot(JobProgressed)
    def _on_media_progress(self, report: JobProgressed) -> None:
        if self._pending is not None and self.media_worker.jobs.is_current(report.job_id):
            self.progressed.emit(report.fraction)

    @Slot(AudioDecoded)
    def _on_audio_finished(self, decoded: AudioDecoded) -> None:
        if self.audio_worker.jobs.is_current(decoded.job_id):
            self.audio_loaded.emit(decoded.waveform)

    @Slot(JobFailed)
    def _on_audio_failed(self, failure: JobFailed) -> None:
        if self.audio_worker.jobs.is_current(failure.job_id):
            self.audio_failed.emit(failure.message)

    @staticmethod
    def _document(
        pending: _Pending,
        project: Project,
        info: MediaInfo | None,
        frame_times: npt.NDArray[np.float64] | None,
        warning: str | None = None,
    ) -> OpenedDocument:
        kind = pending.kind
        return OpenedDocument(
            project=project,
            # A recovered project stays untitled: its file is only an autosave.
            project_path=pending.project_path if kind in (_Kind.PROJECT, _Kind.DEMO) else None,
            recovery_path=pending.project_path if kind is _Kind.RECOVERY else None,
            info=info,
            frame_times=frame_times,
            recent_path=pending.source if kind in (_Kind.VIDEO, _Kind.PROJECT) else None,
            warning=warning,
            is_demo=kind is _Kind.DEMO,
        )
