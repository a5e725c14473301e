"""File > Open Recent: the recent files as menu entries, plus a way to clear them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QWidget


def _label(number: int, path: Path) -> str:
    # A numbered accelerator for the first nine; "&" in a file name must not become one.
    name = path.name.replace("&", "&&")
    return f"&{number} {name}" if number <= 9 else name


class RecentMenu(QMenu):
    """Shows the paths it is given; emits the one chosen."""

    path_chosen = Signal(Path)
    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Open &Recent", parent)
        self._paths: tuple[Path, ...] = ()
        self.set_paths(())

    def paths(self) -> tuple[Path, ...]:
        return self._paths

    def set_paths(self, paths: Sequence[str | Path]) -> None:
        self._paths = tuple(Path(p) for p in paths)
        self.clear()
        for number, path in enumerate(self._paths, start=1):
            action = self.addAction(_label(number, path))
            action.setStatusTip(str(path))
            action.setToolTip(str(path))
            # Bind the path now: the loop variable would be the last one by click time.
            action.triggered.connect(lambda _checked=False, p=path: self.path_chosen.emit(p))
        if not self._paths:
            empty = self.addAction("No recent files")
            empty.setEnabled(False)
        self.addSeparator()
        clear = self.addAction("&Clear Recent Files")
        clear.setEnabled(bool(self._paths))
        clear.triggered.connect(self.clear_requested)
