"""The ``narrlocal-gui`` entry point: arguments, refusing bad paths, startup, error reporting."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from narrlocal_gui import __version__
from narrlocal_gui.ui import app as app_module
from narrlocal_gui.ui.gui_gc import GuiThreadGarbageCollector
from narrlocal_gui.ui.main_window import MainWindow
from tests.media_factory import make_counter_clip


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert app_module.main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_an_unopenable_path_is_refused_before_any_window(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nothing.mp4" if kind == "missing" else tmp_path
    assert app_module.main([str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("narrlocal-gui: cannot open") and "\n" not in err
    assert not [
        w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
    ]


def test_path_and_demo_together_are_refused(tmp_path: Path) -> None:
    clip = tmp_path / "a.mp4"
    clip.write_bytes(b"x")
    assert app_module.main([str(clip), "--demo"]) == 2


def test_python_dash_m_runs_the_entry_point() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "narrlocal_gui", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0 and __version__ in out.stdout


def _run_main_until(
    monkeypatch: pytest.MonkeyPatch, qtbot: QtBot, argv: list[str], ready: Any
) -> MainWindow:
    """Run main() with an event loop that stops once ``ready(window)`` holds."""
    seen: list[MainWindow] = []

    def fake_exec(_app: QApplication) -> int:
        window = next(
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        )
        seen.append(window)
        qtbot.waitUntil(lambda: ready(window), timeout=60000)
        window.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    import threading

    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    assert app_module.main(argv) == 0
    return seen[0]


def test_main_opens_a_video_given_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch, qtbot: QtBot, tmp_path: Path
) -> None:
    clip = make_counter_clip(tmp_path / "start me.mp4", n_frames=10, with_audio=False)
    window = _run_main_until(monkeypatch, qtbot, [str(clip)], lambda w: w.video_view.has_frame())
    assert window.windowTitle().startswith("start me")
    assert QApplication.organizationName() == app_module.ORGANIZATION


def test_main_without_a_path_opens_the_demo(monkeypatch: pytest.MonkeyPatch, qtbot: QtBot) -> None:
    window = _run_main_until(
        monkeypatch,
        qtbot,
        [],
        # The demo plays by itself (the window is closed, and so paused, before main returns).
        lambda w: (
            bool(w.document.project.phrases) and w.video_view.has_frame() and w.controller.playing
        ),
    )
    assert window.indicator_panel.model().rowCount() == len(window.document.project.indicators)
    assert not window.isWindowModified()


def test_first_frame_hook_reports_and_quits(
    monkeypatch: pytest.MonkeyPatch,
    qtbot: QtBot,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clip = make_counter_clip(tmp_path / "c.mp4", n_frames=10, with_audio=False)
    quits: list[bool] = []
    monkeypatch.setattr(QApplication, "quit", lambda: quits.append(True))
    window = _run_main_until(
        monkeypatch, qtbot, ["--exit-after-first-frame", str(clip)], lambda _w: bool(quits)
    )
    assert window.video_view.has_frame()
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith("first-frame")]
    assert line.split()[1] == "rss-mb" and float(line.split()[2]) > 10.0


def test_a_failing_demo_is_reported_and_the_window_starts_empty(
    monkeypatch: pytest.MonkeyPatch, qtbot: QtBot, dialogs: Any
) -> None:
    import narrlocal_gui.demo

    def broken(progress: Any = None) -> Path:
        raise RuntimeError("no photos")

    monkeypatch.setattr(narrlocal_gui.demo, "ensure_demo_project", broken)
    window = _run_main_until(monkeypatch, qtbot, ["--demo"], lambda _w: bool(dialogs.messages))
    assert "demo" in dialogs.messages[-1][1]
    assert not window.controller.has_media


def test_unexpected_errors_are_logged_and_reported(tmp_path: Path, dialogs: Any) -> None:
    log_path = tmp_path / "gui.log"
    reporter = app_module.ExceptionReporter(log_path)
    try:
        raise ValueError("boom")
    except ValueError as exc:
        reporter(type(exc), exc, exc.__traceback__)
    kind, text = dialogs.messages[-1]
    assert kind == "critical" and "ValueError: boom" in text and str(log_path) in text


def test_the_window_icon_is_found(qtbot: QtBot) -> None:
    icon = app_module.window_icon()
    assert not icon.isNull()
    assert not icon.pixmap(64, 64).isNull()


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_garbage_is_collected_by_a_gui_thread_timer(qtbot: QtBot) -> None:
    assert gc.isenabled()
    collector = GuiThreadGarbageCollector(interval_ms=10)
    try:
        assert not gc.isenabled()  # no collection in whatever thread allocates
        probe = _Cycle()
        ref = weakref.ref(probe)
        del probe
        garbage = [_Cycle() for _ in range(gc.get_threshold()[0] + 10)]
        del garbage
        qtbot.waitUntil(lambda: ref() is None, timeout=3000)  # the timer collected it
    finally:
        collector.stop()
    assert gc.isenabled()
