"""The project engine's worker: reads project files (and builds the demo) off the GUI thread.

Reading a project is usually fast, but one with many heat maps is megabytes of JSON and the
demo has to generate its video first: neither may freeze the window.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal, Slot

from narrlocal_gui.core.model import Project
from narrlocal_gui.core.project_io import load_project
from narrlocal_gui.progress import CancelCallback, Cancelled, ProgressCallback
from narrlocal_gui.ui.worker_thread import FileJob, JobFailed, Worker

log = logging.getLogger(__name__)

DEMO_UNAVAILABLE = "The demo project is not available in this installation."


@dataclass(frozen=True, slots=True)
class ProjectLoaded:
    """A project read from the file at ``path``."""

    job_id: int
    project: Project
    path: Path


class ProjectWorker(Worker):
    """Slots ``load`` and ``make_demo``; results tagged with the request's job id."""

    loaded = Signal(ProjectLoaded)

    @Slot(FileJob)
    def load(self, request: FileJob) -> None:
        job_id, path = request.job_id, request.path
        project = self.run_job(
            job_id,
            lambda _progress, _cancel: load_project(Path(path)),
            f"Cannot open '{Path(path).name}': unexpected error",
        )
        if project is not None:
            self.loaded.emit(ProjectLoaded(job_id, project, Path(path)))

    @Slot(int)
    def make_demo(self, job_id: int) -> None:
        """Generate the demo project once (it is cached), then read it."""
        try:
            # Imported on demand: the demo is optional, and generating it pulls in more code.
            demo = importlib.import_module("narrlocal_gui.demo")
        except ImportError:
            log.exception("the demo module cannot be imported")
            self.failed.emit(JobFailed(job_id, DEMO_UNAVAILABLE))
            return

        def work(progress: ProgressCallback, cancel: CancelCallback) -> Path:
            def report(fraction: float) -> None:
                # The demo has no cancel hook of its own; raising from its progress callback
                # stops it, and it builds in a scratch folder, so nothing half-made is kept.
                if cancel():
                    raise Cancelled("the demo was cancelled")
                progress(fraction)

            return Path(demo.ensure_demo_project(progress=report))

        path = self.run_job(job_id, work, DEMO_UNAVAILABLE.removesuffix("."))
        if path is not None:
            self.load(FileJob(job_id, str(path)))
