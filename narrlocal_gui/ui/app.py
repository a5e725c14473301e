"""``narrlocal-gui``: start the desktop application.

    narrlocal-gui [PATH] [--demo] [--version]

PATH is a video or a project file. Without one (or with ``--demo``) the demo project opens.
A PATH that is missing or unreadable is refused before any window opens (one line on
stderr, exit status 2); a file that exists but cannot be decoded is reported in a dialog,
and the window stays open for the user to choose another.

Anything unexpected that reaches the top of the event loop is written, with its traceback,
to the log file in the user log folder and reported in a short dialog: the app keeps running.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

import platformdirs
import psutil
from PySide6.QtCore import QThread
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from narrlocal_gui import __version__
from narrlocal_gui.resources_path import icon_path, icon_svg_path
from narrlocal_gui.ui.display_check import display_problem
from narrlocal_gui.ui.gui_gc import GuiThreadGarbageCollector
from narrlocal_gui.ui.main_window import APP_NAME, MainWindow
from narrlocal_gui.ui.player_controller import ShownFrame

log = logging.getLogger(__name__)

ORGANIZATION = "NarrLocal"
LOG_NAME = "narrlocal-gui.log"
EXIT_BAD_ARGUMENT = 2
#: No window can open here (no display, a missing system library).
EXIT_NO_DISPLAY = 3
_LOG_HANDLER = "narrlocal-gui"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="narrlocal-gui",
        description="Review narrated videos: see when and where each narrated phrase happens.",
    )
    parser.add_argument("path", nargs="?", type=Path, help="a video or a NarrLocal project")
    parser.add_argument("--demo", action="store_true", help="open the demo project")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--exit-after-first-frame",
        action="store_true",
        help="print 'first-frame rss-mb MB' (resident memory) once the first frame is on "
        "screen, then quit; used by benchmarks/bench_playback.py",
    )
    return parser


def quit_after_first_frame(window: MainWindow) -> None:
    """Print 'first-frame rss-mb MB' once a frame is on screen, then quit.

    The start-up benchmark times this line's arrival from its side of the pipe, which is
    more exact than any start time the child could read about itself.
    """

    def shown(frame: ShownFrame) -> None:
        if frame.picture is None:
            return
        window.controller.frame_shown.disconnect(shown)
        rss_mb = psutil.Process().memory_info().rss / 2**20
        print(f"first-frame rss-mb {rss_mb:.0f}", flush=True)
        QApplication.quit()

    window.controller.frame_shown.connect(shown)


def unreadable_reason(path: Path) -> str | None:
    """Why ``path`` cannot be opened at all (missing, a folder, no permission); None if it can."""
    if not path.exists():
        return f"cannot open '{path}': no such file"
    if path.is_dir():
        return f"cannot open '{path}': it is a folder"
    try:
        with path.open("rb") as fh:
            fh.read(1)
    except OSError as exc:
        return f"cannot open '{path}': {exc.strerror or exc}"
    return None


def window_icon() -> QIcon:
    """The application icon: the SVG where Qt can draw it, the 256 px PNG in any case."""
    icon = QIcon()
    for path in (icon_svg_path(), icon_path()):
        if path.is_file():
            icon.addFile(str(path))
    return icon


def log_file() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)) / LOG_NAME


def setup_logging() -> Path | None:
    """Warnings to stderr, everything from INFO up to the log file; the file's path."""
    root = logging.getLogger()
    path = log_file()
    for handler in root.handlers:
        if handler.get_name() == _LOG_HANDLER:  # main() ran before in this process
            return path
    root.setLevel(logging.INFO)
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.set_name(_LOG_HANDLER)
    root.addHandler(console)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError as exc:
        log.warning("cannot write the log file %s: %s", path, exc)
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.set_name(_LOG_HANDLER)
    root.addHandler(handler)
    return path


class ExceptionReporter:
    """``sys.excepthook``: log the traceback, tell the user briefly, keep running.

    Only the GUI thread may show a dialog; an exception elsewhere is logged only. A second
    exception while the dialog is up is logged without another dialog.
    """

    def __init__(self, log_path: Path | None) -> None:
        self._log_path = log_path
        self._showing = False

    def __call__(
        self,
        kind: type[BaseException],
        value: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        text = "".join(traceback.format_exception(kind, value, tb))
        log.error("unexpected error:\n%s", text)
        app = QApplication.instance()
        if app is None or QThread.currentThread() is not app.thread() or self._showing:
            return
        where = f" Details are in {self._log_path}." if self._log_path else ""
        self._showing = True
        try:
            QMessageBox.critical(
                None,
                APP_NAME,
                f"Something went wrong inside {APP_NAME} ({kind.__name__}: {value}). "
                f"Your project is kept; saving it now is a good idea.{where}",
            )
        finally:
            self._showing = False

    def thread_hook(self, args: threading.ExceptHookArgs) -> None:
        self(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)


def install_exception_reporter(log_path: Path | None) -> ExceptionReporter:
    reporter = ExceptionReporter(log_path)
    sys.excepthook = reporter
    threading.excepthook = reporter.thread_hook
    return reporter


def configure_application(app: QApplication) -> None:
    """Names (QSettings' location depends on them) and the window icon."""
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("narrlocal")
    icon = window_icon()
    if not icon.isNull():
        app.setWindowIcon(icon)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return int(exc.code or 0)
    path: Path | None = args.path
    if path is not None and args.demo:
        print("narrlocal-gui: give a PATH or --demo, not both", file=sys.stderr)
        return EXIT_BAD_ARGUMENT
    if path is not None:
        reason = unreadable_reason(path)
        if reason is not None:
            print(f"narrlocal-gui: {reason}", file=sys.stderr)
            return EXIT_BAD_ARGUMENT

    existing = QApplication.instance()
    problem = None if existing is not None else display_problem()
    if problem is not None:
        print(f"narrlocal-gui: {problem}", file=sys.stderr)
        return EXIT_NO_DISPLAY
    install_exception_reporter(setup_logging())
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    configure_application(app)
    collector = GuiThreadGarbageCollector(parent=app)
    window = MainWindow()
    if args.exit_after_first_frame:
        quit_after_first_frame(window)
    window.show()
    if path is not None:
        window.open_path(path.absolute())
    else:
        window.open_demo()
    try:
        return int(app.exec())
    finally:
        collector.stop()
