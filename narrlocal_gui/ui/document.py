"""The open project: its current state, its file, its undo history, and autosave.

:class:`ProjectDocument` is the only owner of "the project being edited". Widgets never
change it directly: they call :meth:`ProjectDocument.apply` with a pure edit function, which
pushes an undoable command, and everyone listening to ``changed`` follows.

Autosave: a single-shot timer restarts on every edit and fires a couple of seconds after the
last one. A project with a file is saved to that file; an untitled one to a recovery file in
the user data folder (File > Recover Autosaved Project…). Either way a crash or a kill loses
at most those few seconds. A failed save reports why and keeps the project in memory.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from narrlocal_gui.core.model import Project
from narrlocal_gui.core.project_io import PROJECT_SUFFIX, save_project
from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.ui.undo_commands import edit_command

log = logging.getLogger(__name__)

APP_DIR_NAME = "NarrLocal"
DEFAULT_AUTOSAVE_SECONDS = 2.0
UNTITLED = "Untitled"


def autosave_dir() -> Path:
    """Where autosaves of untitled projects go (created on demand)."""
    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False)) / "autosave"


def recovery_files(directory: Path | None = None) -> list[Path]:
    """Autosaved untitled projects, newest first."""
    folder = autosave_dir() if directory is None else directory
    if not folder.is_dir():
        return []
    files = [p for p in folder.glob(f"*{PROJECT_SUFFIX}") if p.is_file()]
    return sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)


def project_display_name(project: Project, path: Path | None) -> str:
    """The name shown in the title bar: the file's name, else the video's, else Untitled."""
    if path is not None:
        return path.stem
    if project.video is not None:
        return Path(project.video.path).stem
    return UNTITLED


def _recovery_name(project: Project) -> str:
    stem = re.sub(r"[^\w.-]+", "_", project_display_name(project, None)).strip("._") or "untitled"
    return f"{stem[:60]}-{time.strftime('%Y%m%d-%H%M%S')}{PROJECT_SUFFIX}"


@dataclass(frozen=True, slots=True)
class DocumentPath:
    """Where the project is saved; None while it is untitled."""

    path: Path | None


class ProjectDocument(QObject):
    changed = Signal(Project)
    path_changed = Signal(DocumentPath)
    modified_changed = Signal(bool)
    saved = Signal(Path)  # written by an explicit save
    save_failed = Signal(str)  # message of an explicit save that failed
    autosaved = Signal(Path)  # written by autosave
    autosave_failed = Signal(str)

    def __init__(
        self,
        autosave_seconds: float = DEFAULT_AUTOSAVE_SECONDS,
        recovery_dir: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._project = Project()
        self._path: Path | None = None
        self._recovery_dir = recovery_dir
        self._recovery_path: Path | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.undo_stack.indexChanged.connect(self._on_edited)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.timeout.connect(self.autosave_now)
        self._autosave_enabled = True
        self._autosave_holds = 0
        self.set_autosave_seconds(autosave_seconds)

    # -- state -----------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self._project

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def recovery_path(self) -> Path | None:
        """The autosave file of an untitled project (None until the first autosave)."""
        return self._recovery_path

    @property
    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def display_name(self) -> str:
        return project_display_name(self._project, self._path)

    def set_autosave_seconds(self, seconds: float) -> None:
        self._autosave.setInterval(max(100, round(seconds * 1000)))

    # -- editing -----------------------------------------------------------------------------
    def apply(self, text: str, fn: Callable[..., Project], *args: Any, merge: bool = False) -> None:
        """Apply ``fn(project, *args)`` as one undoable step called ``text``.

        ``merge`` joins it with the previous step when that was the same edit of the same
        target (for spin boxes and sliders). An edit that changes nothing adds no step.
        """
        command = edit_command(self, self._project, text, fn, *args, merge=merge)
        if command is not None:
            self.undo_stack.push(command)

    def show_project(self, project: Project) -> None:
        """Make ``project`` current (called by undo commands; use :meth:`apply` to edit)."""
        self._project = project
        self.changed.emit(project)

    def replace(
        self, project: Project, path: Path | None = None, recovery_path: Path | None = None
    ) -> None:
        """Start editing another project: fresh undo history, unmodified.

        ``recovery_path``: the autosave file it came from. Autosave goes on writing there, and
        the document counts as modified: its work is in no real file yet.
        """
        self._autosave.stop()
        self._project = project
        self._recovery_path = recovery_path
        self.undo_stack.clear()
        self.undo_stack.setClean()
        if recovery_path is not None:
            self.undo_stack.resetClean()
        self._set_path(path)
        self.changed.emit(project)
        self.modified_changed.emit(self.is_modified)

    # -- saving ----------------------------------------------------------------------------
    def save(self) -> bool:
        """Save to the project's file; False (and ``save_failed``) when it has none or fails."""
        if self._path is None:
            self.save_failed.emit("The project has no file yet: use Save As.")
            return False
        return self.save_as(self._path)

    def save_as(self, path: Path) -> bool:
        path = Path(path)
        try:
            save_project(self._project, path)
        except UserFacingError as exc:
            self.save_failed.emit(str(exc))
            return False
        self._autosave.stop()
        self._set_path(path)
        self.undo_stack.setClean()
        # The work is in a real file now; its recovery copy would only confuse later.
        self.discard_recovery()
        self.saved.emit(path)
        return True

    def autosave_now(self) -> bool:
        """Save now, to the project's file or its recovery file; False when nothing to do."""
        self._autosave.stop()
        if not self.is_modified:
            return False
        target = self._path
        if target is None:
            if self._recovery_path is None:
                folder = autosave_dir() if self._recovery_dir is None else self._recovery_dir
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    self.autosave_failed.emit(f"Cannot autosave into '{folder}': {exc}.")
                    return False
                self._recovery_path = folder / _recovery_name(self._project)
            target = self._recovery_path
        try:
            save_project(self._project, target)
        except UserFacingError as exc:
            self.autosave_failed.emit(str(exc))
            return False
        if self._path is not None:
            self.undo_stack.setClean()
        self.autosaved.emit(target)
        return True

    def hold_autosave(self) -> None:
        """No autosave until :meth:`release_autosave` (calls nest).

        For edits that arrive in pieces and merge into one undo step (a localization run):
        saving marks the undo stack clean, and Qt never merges into the clean step.
        """
        self._autosave_holds += 1
        self._autosave.stop()

    def release_autosave(self) -> None:
        """End a :meth:`hold_autosave`; pending changes are saved after the usual delay."""
        self._autosave_holds = max(0, self._autosave_holds - 1)
        if self._autosave_holds == 0 and self.is_modified and self._autosave_enabled:
            self._autosave.start()

    def stop_autosave(self) -> None:
        """No more autosaves (the window is closing; whatever had to be saved, was)."""
        self._autosave.stop()
        self._autosave_enabled = False

    def discard_recovery(self) -> None:
        """Delete the recovery file (after a real save, or when the user discards changes)."""
        if self._recovery_path is not None:
            with contextlib.suppress(OSError):
                self._recovery_path.unlink(missing_ok=True)
            self._recovery_path = None

    # -- internals ---------------------------------------------------------------------------
    def _set_path(self, path: Path | None) -> None:
        if path != self._path:
            self._path = path
            self.path_changed.emit(DocumentPath(path))

    def _on_clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)

    def _on_edited(self, _index: int) -> None:
        # Every edit, undo and redo restarts the countdown: saving waits for a pause.
        if self.is_modified:
            if self._autosave_enabled and not self._autosave_holds:
                self._autosave.start()
            return
        self._autosave.stop()
        if self._path is None:
            # Undone back to the state it was opened in: nothing left worth recovering.
            self.discard_recovery()
