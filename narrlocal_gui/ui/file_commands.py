"""The File menu's behaviour: open, open recent, drop, recover, save, save as, and the
"unsaved changes" question before anything replaces the current project.

Opening only STARTS here (the :class:`OpenCoordinator` does the work off the GUI thread).
When it succeeds, the opened project replaces the document and ``opened`` hands the rest
(the video) on to whoever shows it; when it fails, the reason is shown and nothing changes.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from narrlocal_gui.core.project_io import PROJECT_SUFFIX
from narrlocal_gui.ui import dialogs
from narrlocal_gui.ui.dialogs import SaveChoice
from narrlocal_gui.ui.document import ProjectDocument, recovery_files
from narrlocal_gui.ui.edit_requests import FilesDropped
from narrlocal_gui.ui.open_coordinator import OpenCoordinator, OpenedDocument
from narrlocal_gui.ui.settings import PreferencesStore, with_recent, without_recent


class FileCommands(QObject):
    opened = Signal(OpenedDocument)  # after the document was replaced

    def __init__(
        self,
        window: QWidget,
        document: ProjectDocument,
        opener: OpenCoordinator,
        preferences: PreferencesStore,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._document = document
        self._opener = opener
        self._preferences = preferences
        # The user chose "Discard" for the current untitled project: once another project
        # has replaced it, its recovery file goes too.
        self._discard_on_replace = False
        opener.opened.connect(self._on_opened)
        opener.failed.connect(self._on_failed)
        document.saved.connect(self.remember)

    # -- opening ---------------------------------------------------------------------------
    @Slot()
    def open_video(self) -> None:
        if not self.confirm_replace():
            return
        path = dialogs.ask_open_video(self._window, self._start_directory())
        if path is not None:
            self._remember_directory(path)
            self._opener.open_video(path)

    @Slot()
    def open_project(self) -> None:
        if not self.confirm_replace():
            return
        path = dialogs.ask_open_project(self._window, self._start_directory())
        if path is not None:
            self._remember_directory(path)
            self._opener.open_project(path)

    @Slot(object)
    def open_recent(self, path: Path) -> None:
        if not Path(path).exists():
            self._forget(path)
            dialogs.show_error(
                self._window, f"Cannot open '{path}': it no longer exists (removed from the list)."
            )
            return
        self.open_path(path)

    def open_path(self, path: Path) -> None:
        """Open a project or a video, whichever ``path`` is (command line, drop, recent)."""
        if self.confirm_replace():
            self._opener.open_path(Path(path))

    @Slot(FilesDropped)
    def open_dropped(self, dropped: FilesDropped) -> None:
        """Files dropped on the window: the first one is opened (one project at a time)."""
        if dropped.paths:
            self.open_path(dropped.paths[0])

    @Slot()
    def recover(self) -> None:
        if not self.confirm_replace():
            return
        path = dialogs.choose_recovery_file(self._window, recovery_files())
        if path is not None:
            self._opener.recover(path)

    @Slot()
    def clear_recent(self) -> None:
        prefs = self._preferences.prefs
        self._preferences.update(replace(prefs, recent_files=()))

    # -- saving ----------------------------------------------------------------------------
    @Slot()
    def save(self) -> bool:
        if self._document.path is None:
            return self.save_as()
        return self._document.save()

    @Slot()
    def save_as(self) -> bool:
        document = self._document
        if document.path is not None:
            suggested = document.path
        else:
            folder = Path(self._start_directory() or Path.home())
            suggested = folder / f"{document.display_name}{PROJECT_SUFFIX}"
        path = dialogs.ask_save_project(self._window, suggested)
        if path is None:
            return False
        self._remember_directory(path)
        return document.save_as(path)

    def confirm_replace(self) -> bool:
        """Before the current project is replaced or the app quits: may it go? (asks if need be)

        A project with a file is simply saved (autosave does so anyway); an untitled one with
        changes is worth a question.
        """
        document = self._document
        self._discard_on_replace = False
        if not document.is_modified:
            return True
        if document.path is not None:
            return document.save()
        choice = dialogs.ask_save_changes(self._window, document.display_name)
        if choice is SaveChoice.SAVE:
            return self.save_as()
        if choice is SaveChoice.DISCARD:
            self._discard_on_replace = True
            return True
        return False

    def discard_if_chosen(self) -> None:
        """On quit: the user chose not to keep the untitled project's changes."""
        if self._discard_on_replace:
            self._document.discard_recovery()
            self._discard_on_replace = False

    @Slot(object)
    def remember(self, path: Path) -> None:
        """Put ``path`` first in File > Open Recent."""
        self._preferences.update(with_recent(self._preferences.prefs, path))

    # -- internals ---------------------------------------------------------------------------
    @Slot(object)
    def _on_opened(self, opened: OpenedDocument) -> None:
        # The old project's recovery file must go before the new one (maybe a recovered
        # project with a recovery file of its own) takes its place.
        self.discard_if_chosen()
        self._document.replace(opened.project, opened.project_path, opened.recovery_path)
        if opened.recent_path is not None:
            self.remember(opened.recent_path)
        self.opened.emit(opened)
        if opened.warning:
            dialogs.show_error(self._window, opened.warning)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._discard_on_replace = False
        dialogs.show_error(self._window, message)

    def _forget(self, path: Path) -> None:
        self._preferences.update(without_recent(self._preferences.prefs, path))

    def _start_directory(self) -> str:
        folder = self._preferences.prefs.last_directory
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    def _remember_directory(self, path: Path) -> None:
        prefs = self._preferences.prefs
        self._preferences.update(replace(prefs, last_directory=str(Path(path).parent)))
