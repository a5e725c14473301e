"""A status-bar progress display for background work: what, how far, how long, and Cancel."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from narrlocal_gui.core.time_format import format_eta

#: No estimate before this much time and progress: early rates are mostly start-up cost.
_ETA_MIN_SECONDS = 1.0
_ETA_MIN_FRACTION = 0.02


def estimate_remaining(elapsed: float, fraction: float) -> float | None:
    """Seconds left at a constant rate; None while too early to tell."""
    if elapsed < _ETA_MIN_SECONDS or fraction < _ETA_MIN_FRACTION or fraction >= 1.0:
        return None
    return elapsed * (1.0 - fraction) / fraction


class ProgressWidget(QWidget):
    """Hidden until :meth:`begin`; :meth:`update` with a fraction, or -1 for "busy"."""

    cancel_requested = Signal()

    def __init__(
        self, parent: QWidget | None = None, now: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(parent)
        self._now = now
        self._started = 0.0
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setMaximumWidth(200)
        self.bar.setTextVisible(False)
        self.eta = QLabel(self)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop this task")
        self.cancel_button.clicked.connect(self.cancel_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.label, self.bar, self.eta, self.cancel_button):
            layout.addWidget(widget)
        self.setVisible(False)

    @property
    def active(self) -> bool:
        return not self.isHidden()

    @Slot(str)
    def begin(self, text: str, cancellable: bool = True) -> None:
        self._started = self._now()
        self.label.setText(text)
        self.bar.setRange(0, 0)  # busy until the first report
        self.eta.clear()
        self.cancel_button.setVisible(cancellable)
        self.cancel_button.setEnabled(cancellable)
        self.setVisible(True)

    @Slot(float)
    def update(self, fraction: float | None = None) -> None:  # type: ignore[override]
        """Show ``fraction`` (0..1) done, or busy when negative.

        Without an argument this is QWidget.update() (schedule a repaint), so code that
        treats the widget as any other widget keeps working.
        """
        if fraction is None:
            super().update()
            return
        if fraction < 0.0:
            self.bar.setRange(0, 0)
            self.eta.clear()
            return
        self.bar.setRange(0, 1000)
        self.bar.setValue(round(min(fraction, 1.0) * 1000))
        remaining = estimate_remaining(self._now() - self._started, fraction)
        self.eta.setText("" if remaining is None else format_eta(remaining))

    @Slot()
    def end(self) -> None:
        self.setVisible(False)
        self.label.clear()
        self.eta.clear()
