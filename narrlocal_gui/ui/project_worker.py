"""The project engine's worker: reads project files (and builds the demo) off the GUI thread.

Reading a project is usually fast, but one with many heat maps is megabytes of JSON and the
demo has to generate its video first: neither may freeze the window.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from PySide6.QtCore import Signal, Slot

from narrlocal_gui.core.project_io import load_project
from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.media.media_info import Cancelled
from narrlocal_gui.ui.worker_thread import ProgressThrottle, Worker

log = logging.getLogger(__name__)

DEMO_UNAVAILABLE = "The demo project is not available in this installation."


class ProjectWorker(Worker):
    """Slots ``load`` and ``make_demo``; results tagged with the request's job id."""

    loaded = Signal(int, object, object)  # job id, Project, Path of the project file
    failed = Signal(int, str)
    cancelled = Signal(int)
    progressed = Signal(int, float)

    @Slot(int, str)
    def load(self, job_id: int, path: str) -> None:
        if self.should_stop(job_id):
            self.cancelled.emit(job_id)
            return
        try:
            project = load_project(Path(path))
        except UserFacingError as exc:
            self.failed.emit(job_id, str(exc))
            return
        except Exception as exc:
            log.exception("reading %s failed", path)
            self.failed.emit(job_id, f"Cannot open '{Path(path).name}': unexpected error ({exc}).")
            return
        self.loaded.emit(job_id, project, Path(path))

    @Slot(int)
    def make_demo(self, job_id: int) -> None:
        """Generate the demo project once (it is cached), then read it."""
        try:
            # Imported on demand: the demo is optional, and generating it pulls in more code.
            demo = importlib.import_module("narrlocal_gui.demo")
        except ImportError:
            log.exception("the demo module cannot be imported")
            self.failed.emit(job_id, DEMO_UNAVAILABLE)
            return
        throttle = ProgressThrottle(lambda f: self.progressed.emit(job_id, f))

        def progress(fraction: float) -> None:
            # The demo has no cancel hook of its own; raising from its progress callback
            # stops it, and it builds in a scratch folder, so nothing half-made is kept.
            if self.should_stop(job_id):
                raise Cancelled("the demo was cancelled")
            throttle(fraction)

        try:
            path = Path(demo.ensure_demo_project(progress=progress))
        except Cancelled:
            self.cancelled.emit(job_id)
            return
        except UserFacingError as exc:
            self.failed.emit(job_id, str(exc))
            return
        except Exception as exc:
            log.exception("making the demo project failed")
            self.failed.emit(job_id, f"{DEMO_UNAVAILABLE} ({exc})")
            return
        if self.should_stop(job_id):
            self.cancelled.emit(job_id)
            return
        self.load(job_id, str(path))
