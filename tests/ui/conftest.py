"""Fixtures for the Qt tests: offscreen, isolated settings, no blocking dialogs, no stray threads.

The folder is skipped as a whole where PySide6 cannot be imported (or is blocked with
``NARRLOCAL_WITHOUT_QT=1``), so the rest of the suite runs on machines without Qt.
"""

from __future__ import annotations

import os

# Before anything imports Qt: no display is needed (or wanted) for the tests.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc
import importlib.util
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest


def _qt_available() -> bool:
    if os.environ.get("NARRLOCAL_WITHOUT_QT") == "1":
        return False
    return importlib.util.find_spec("PySide6") is not None


QT = _qt_available()
collect_ignore_glob = [] if QT else ["test_*.py"]

if QT:
    from PySide6.QtCore import QCoreApplication, QSettings, QThread
    from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

    from narrlocal_gui.ui.worker_thread import running_threads

    # Every QThread started anywhere during the run, whatever created it.
    _started: weakref.WeakSet[QThread] = weakref.WeakSet()
    _original_start = QThread.start

    _start_count = [0]

    def _recording_start(self: QThread, *args: Any, **kwargs: Any) -> None:
        _started.add(self)
        _start_count[0] += 1
        _original_start(self, *args, **kwargs)

    QThread.start = _recording_start  # type: ignore[method-assign]

    @pytest.fixture(autouse=True)
    def _isolated_qsettings(tmp_path: Path, qapp: QApplication) -> Iterator[Path]:
        """QSettings() of the code under test reads and writes a fresh folder per test."""
        folder = tmp_path / "qsettings"
        folder.mkdir()
        QCoreApplication.setOrganizationName("NarrLocalTests")
        QCoreApplication.setApplicationName("narrlocal-tests")
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, str(folder))
        yield folder

    @pytest.fixture(autouse=True)
    def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        """Autosaves of each test in its own folder (the demo cache stays session-wide)."""
        folder = tmp_path / "xdg-data"
        folder.mkdir()
        monkeypatch.setenv("XDG_DATA_HOME", str(folder))
        return folder

    @pytest.fixture(autouse=True)
    def _no_thread_left_running(qapp: QApplication) -> Iterator[None]:
        """Fail a test that leaves a QThread running (threads must be joined on close)."""
        starts_before = _start_count[0]
        yield
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            running = [t for t in {*running_threads(), *_started} if t.isRunning()]
            if not running:
                if _start_count[0] != starts_before:
                    # Collect this test's garbage here, in the GUI thread: left for later, a
                    # later test's worker thread could be the one to destroy its Qt objects.
                    gc.collect()
                return
            qapp.processEvents()
            time.sleep(0.01)
        names = [t.objectName() or repr(t) for t in running]
        for thread in running:
            # Stop them anyway, so one failure does not crash the interpreter at exit.
            thread.requestInterruption()
            thread.quit()
            thread.wait(5000)
        pytest.fail(f"QThreads left running after the test: {names}")

    @dataclass
    class Dialogs:
        """What the code under test tried to show, instead of blocking on a modal dialog."""

        messages: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
        question_answer: QMessageBox.StandardButton = QMessageBox.StandardButton.Discard
        open_file: str = ""
        save_file: str = ""

        def texts(self, kind: str | None = None) -> list[str]:
            return [text for k, text in self.messages if kind is None or k == kind]

    @pytest.fixture(autouse=True)
    def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
        record = Dialogs()

        def message(kind: str) -> Any:
            def show(_parent: object, _title: str, text: str, *_args: object) -> Any:
                record.messages.append((kind, text))
                return QMessageBox.StandardButton.Ok

            return staticmethod(show)

        for kind in ("warning", "critical", "information", "about"):
            monkeypatch.setattr(QMessageBox, kind, message(kind))

        def question(_parent: object, _title: str, text: str, *_args: object) -> Any:
            record.messages.append(("question", text))
            return record.question_answer

        monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
        monkeypatch.setattr(
            QFileDialog,
            "getOpenFileName",
            staticmethod(lambda *_a, **_k: (record.open_file, "")),
        )
        monkeypatch.setattr(
            QFileDialog,
            "getSaveFileName",
            staticmethod(lambda *_a, **_k: (record.save_file, "")),
        )
        return record
