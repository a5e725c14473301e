"""Python's cyclic garbage collector, run only in the GUI thread.

The collector runs in whichever thread happens to allocate when a threshold is crossed, and
the workers (decoding, rendering) allocate a lot. Collected there, a Qt object created in the
GUI thread would be destroyed from a worker thread, which Qt does not allow and which can
deadlock against the GUI thread (each waiting for a lock the other holds). So automatic
collection is switched off while the app runs, and a timer in the GUI thread collects each
generation whenever its threshold is passed: the same policy, one thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

DEFAULT_INTERVAL_MS = 500


class GuiThreadGarbageCollector(QObject):
    def __init__(self, interval_ms: int = DEFAULT_INTERVAL_MS, parent: QObject | None = None):
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    @Slot()
    def collect_due(self) -> int:
        """Collect the oldest generation whose threshold is passed; objects found."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        due = [g for g in range(3) if thresholds[g] and counts[g] > thresholds[g]]
        return gc.collect(max(due)) if due else 0

    def stop(self) -> None:
        """Back to automatic collection (when the event loop has ended)."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
