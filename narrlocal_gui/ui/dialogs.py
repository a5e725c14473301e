"""The small standard dialogs the window uses: messages, questions, file choosers, lists.

Collected here so the window only decides WHEN to ask, and tests can replace a dialog by
patching one well-known function (QMessageBox's and QFileDialog's static functions).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from enum import Enum, auto
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from narrlocal_gui import __version__
from narrlocal_gui.core.project_io import PROJECT_SUFFIX

APP_NAME = "NarrLocal"

VIDEO_FILTER = (
    "Videos and images (*.mp4 *.mov *.m4v *.mkv *.webm *.avi *.mpg *.mpeg *.ts *.mts *.wmv "
    "*.flv *.gif *.webp *.png *.jpg *.jpeg);;All files (*)"
)
PROJECT_FILTER = f"NarrLocal projects (*{PROJECT_SUFFIX});;All files (*)"


class SaveChoice(Enum):
    SAVE = auto()
    DISCARD = auto()
    CANCEL = auto()


def show_error(parent: QWidget | None, text: str, title: str = APP_NAME) -> None:
    """A problem the user caused or must know about; the app goes on."""
    QMessageBox.warning(parent, title, text)


def ask_save_changes(parent: QWidget | None, name: str) -> SaveChoice:
    buttons = (
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )
    answer = QMessageBox.question(
        parent,
        APP_NAME,
        f"“{name}” has changes that are not saved to a project file. Save them?",
        buttons,
        QMessageBox.StandardButton.Save,
    )
    if answer == QMessageBox.StandardButton.Save:
        return SaveChoice.SAVE
    if answer == QMessageBox.StandardButton.Discard:
        return SaveChoice.DISCARD
    return SaveChoice.CANCEL


def ask_open_video(parent: QWidget | None, directory: str) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Open Video", directory, VIDEO_FILTER)
    return Path(path) if path else None


def ask_open_project(parent: QWidget | None, directory: str) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Open Project", directory, PROJECT_FILTER)
    return Path(path) if path else None


def ask_save_project(parent: QWidget | None, suggested: Path) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Save Project As", str(suggested), PROJECT_FILTER)
    if not path:
        return None
    chosen = Path(path)
    # Non-native dialogs do not add the extension; the file must be recognisable later.
    return chosen if chosen.suffix else chosen.with_suffix(PROJECT_SUFFIX)


class RecoveryDialog(QDialog):
    """A list of autosaved untitled projects, newest first; pick one to open."""

    def __init__(self, files: Sequence[Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recover Autosaved Project")
        self.list = QListWidget(self)
        for path in files:
            stamp = datetime.datetime.fromtimestamp(path.stat().st_mtime)
            item = QListWidgetItem(f"{path.stem}    (saved {stamp:%Y-%m-%d %H:%M})")
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setToolTip(str(path))
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(self.accept)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Projects saved automatically before they had a file:"))
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(520, 320)

    def chosen(self) -> Path | None:
        item = self.list.currentItem()
        return None if item is None else Path(item.data(Qt.ItemDataRole.UserRole))


def choose_recovery_file(parent: QWidget | None, files: Sequence[Path]) -> Path | None:
    if not files:
        QMessageBox.information(parent, APP_NAME, "There are no autosaved projects to recover.")
        return None
    dialog = RecoveryDialog(files, parent)
    return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None


class ShortcutsDialog(QDialog):
    """Help > Keyboard Shortcuts: every action with a key, read from the actions themselves."""

    def __init__(self, actions: Sequence[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        rows = [
            (
                action.text().replace("&&", "\0").replace("&", "").replace("\0", "&"),
                ", ".join(
                    k.toString(QKeySequence.SequenceFormat.NativeText)
                    for k in action.shortcuts()
                    if not k.isEmpty()
                ),
            )
            for action in actions
            if any(not k.isEmpty() for k in action.shortcuts())
        ]
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Command", "Keys"])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for row, (command, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(command))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(460, 560)


def show_about(parent: QWidget | None) -> None:
    QMessageBox.about(
        parent,
        f"About {APP_NAME}",
        f"<b>{APP_NAME}</b> {__version__}<p>Review narrated videos: for every narrated phrase, "
        "see when and where in the picture it happens.</p>",
    )
