"""The small parts: progress display, dialogs, menus, phrase navigation, the shortcut guard."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QUndoStack
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLineEdit, QListWidget, QPushButton
from pytestqt.qtbot import QtBot

from narrlocal_gui.core.time_format import format_eta
from narrlocal_gui.narration.asr_models import ASR_MODELS
from narrlocal_gui.ui.actions import build_actions
from narrlocal_gui.ui.dialogs import ShortcutsDialog, ask_save_project
from narrlocal_gui.ui.preferences_dialog import PreferencesDialog
from narrlocal_gui.ui.progress_widget import ProgressWidget, estimate_remaining
from narrlocal_gui.ui.recent_menu import RecentMenu
from narrlocal_gui.ui.settings import ComputeDevice, Preferences
from narrlocal_gui.ui.shortcut_guard import editor_wants_key


def test_progress_widget_shows_fraction_eta_and_cancel(qtbot: QtBot) -> None:
    clock = [0.0]
    widget = ProgressWidget(now=lambda: clock[0])
    qtbot.addWidget(widget)
    assert not widget.active
    widget.begin("Indexing 'a.mp4'…")
    assert widget.active and widget.label.text() == "Indexing 'a.mp4'…"
    assert widget.bar.maximum() == 0  # busy until the first report
    clock[0] = 10.0
    widget.update(0.25)
    assert widget.bar.value() == 250
    assert widget.eta.text() == "about 30 s left"
    with qtbot.waitSignal(widget.cancel_requested):
        widget.cancel_button.click()
    widget.end()
    assert not widget.active
    widget.update()  # plain QWidget.update() still works


def test_eta_helpers() -> None:
    assert estimate_remaining(0.5, 0.5) is None  # too early to tell
    assert estimate_remaining(10.0, 0.5) == pytest.approx(10.0)
    assert format_eta(75) == "about 1 min 15 s left"
    assert format_eta(3 * 3600 + 120) == "about 3 h 02 min left"


def test_preferences_dialog_edits_a_copy(qtbot: QtBot) -> None:
    prefs = Preferences(recent_files=("/a.mp4",), frame_cache_mb=256)
    dialog = PreferencesDialog(prefs)
    qtbot.addWidget(dialog)
    dialog.cache.setValue(128)
    dialog.autosave.setValue(10)
    dialog.whole_phrase.setChecked(True)
    edited = dialog.preferences()
    assert edited.frame_cache_mb == 128 and edited.autosave_seconds == 10.0
    assert edited.default_duration is None
    assert edited.recent_files == prefs.recent_files
    assert not dialog.duration.isEnabled()


def test_preferences_dialog_narration_settings(qtbot: QtBot) -> None:
    prefs = Preferences(asr_model="tiny.en", compute_device=ComputeDevice.CPU)
    dialog = PreferencesDialog(prefs)
    qtbot.addWidget(dialog)
    labels = [dialog.asr_model.itemText(i) for i in range(dialog.asr_model.count())]
    assert labels == [spec.label for spec in ASR_MODELS.values()]
    assert dialog.asr_model.currentData() == "tiny.en"
    assert dialog.device.currentText() == "CPU"
    assert dialog.preferences() == prefs
    dialog.device.setCurrentIndex(dialog.device.findData("auto"))
    assert dialog.device.currentText() == "Automatic (GPU when present)"
    dialog.language.setCurrentIndex(1)
    assert dialog.preferences().narration_language == "en"
    assert not dialog.language_code.isEnabled()
    dialog.language.setCurrentIndex(2)
    assert dialog.language_code.isEnabled()
    dialog.language_code.setText("d")  # half a code: OK waits
    assert not dialog.ok_button.isEnabled()
    dialog.language_code.setText("DE")
    assert dialog.ok_button.isEnabled() and dialog.preferences().narration_language == "de"
    dialog.language.setCurrentIndex(0)
    edited = dialog.preferences()
    assert edited.narration_language is None
    assert edited.compute_device is ComputeDevice.AUTO and edited.asr_model == "tiny.en"
    reopened = PreferencesDialog(Preferences(narration_language="fr"))
    qtbot.addWidget(reopened)
    assert reopened.language.currentIndex() == 2 and reopened.language_code.text() == "fr"


def test_shortcuts_dialog_lists_every_key(qtbot: QtBot) -> None:
    stack = QUndoStack()
    button = QPushButton()
    qtbot.addWidget(button)
    actions = build_actions(button, stack)
    dialog = ShortcutsDialog(actions.all())
    qtbot.addWidget(dialog)
    rows = {
        dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text()
        for r in range(dialog.table.rowCount())
    }
    assert rows["Play / Pause"] == "Space"
    assert rows["Shuttle Reverse"] == "J"
    assert "Ctrl+Shift+Z" in rows["Redo"]
    assert actions.transport_shortcuts()["play"] == "Space"
    assert rows["Transcribe Audio"] == "Ctrl+T"
    assert rows["Import Transcript…"] == "Ctrl+I"


def test_no_two_actions_share_a_shortcut(qtbot: QtBot) -> None:
    button = QPushButton()
    qtbot.addWidget(button)
    stack = QUndoStack()  # kept: the undo and redo actions belong to it
    actions = build_actions(button, stack)
    seen: dict[str, str] = {}
    for action in actions.all():
        for key in action.shortcuts():
            text = key.toString()
            assert text not in seen, f"{text}: {action.text()} and {seen[text]}"
            seen[text] = action.text()


def test_save_dialog_adds_the_project_extension(
    monkeypatch: pytest.MonkeyPatch, dialogs: object, tmp_path: Path
) -> None:
    dialogs.save_file = str(tmp_path / "name")  # type: ignore[attr-defined]
    assert ask_save_project(None, tmp_path / "x.narrlocal") == tmp_path / "name.narrlocal"


def test_recent_menu(qtbot: QtBot, tmp_path: Path) -> None:
    menu = RecentMenu()
    qtbot.addWidget(menu)
    paths = [tmp_path / "a & b.mp4", tmp_path / "c.narrlocal"]
    menu.set_paths(paths)
    entries = [a for a in menu.actions() if not a.isSeparator()]
    assert entries[0].text() == "&1 a && b.mp4"
    with qtbot.waitSignal(menu.path_chosen) as blocker:
        entries[1].trigger()
    assert blocker.args == [paths[1]]
    menu.set_paths([])
    assert next(a.text() for a in menu.actions() if not a.isSeparator()) == "No recent files"


def test_editors_keep_their_keys(qtbot: QtBot) -> None:
    def key(k: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> QKeyEvent:
        return QKeyEvent(QEvent.Type.ShortcutOverride, k, mods)

    spin = QDoubleSpinBox()
    line = QLineEdit()
    combo = QComboBox()
    listing = QListWidget()
    for w in (spin, line, combo, listing):
        qtbot.addWidget(w)
    assert editor_wants_key(spin.lineEdit(), key(Qt.Key.Key_Up))
    assert editor_wants_key(line, key(Qt.Key.Key_J))
    assert not editor_wants_key(line, key(Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier))
    assert editor_wants_key(combo, key(Qt.Key.Key_Down))
    assert not editor_wants_key(combo, key(Qt.Key.Key_Space))
    assert editor_wants_key(listing, key(Qt.Key.Key_Up))
    assert not editor_wants_key(listing, key(Qt.Key.Key_L))
    line.setReadOnly(True)
    assert not editor_wants_key(line, key(Qt.Key.Key_Space))
