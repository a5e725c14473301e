"""File > Preferences: the few settings that are not changed in place elsewhere.

Volume and mute are set with the transport's controls and recent files by opening things;
this dialog covers the rest. It edits a copy and returns a new :class:`Preferences`.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from narrlocal_gui.ui.settings import AUTOSAVE_RANGE, CACHE_MB_RANGE, Preferences

_FALLBACK_DURATION = 3.0


class PreferencesDialog(QDialog):
    def __init__(self, prefs: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._original = prefs

        self.duration = QDoubleSpinBox(self)
        self.duration.setObjectName("defaultDuration")
        self.duration.setRange(0.1, 600.0)
        self.duration.setDecimals(1)
        self.duration.setSingleStep(0.5)
        self.duration.setSuffix(" s")
        self.whole_phrase = QCheckBox("Whole phrase", self)
        self.whole_phrase.setToolTip("Show each indicator for as long as its phrase is spoken")
        self.whole_phrase.toggled.connect(lambda on: self.duration.setEnabled(not on))
        self.duration.setValue(prefs.default_duration or _FALLBACK_DURATION)
        self.whole_phrase.setChecked(prefs.default_duration is None)
        self.duration.setEnabled(prefs.default_duration is not None)
        duration_row = QHBoxLayout()
        duration_row.addWidget(self.duration)
        duration_row.addWidget(self.whole_phrase)

        self.cache = QSpinBox(self)
        self.cache.setObjectName("frameCache")
        self.cache.setRange(*CACHE_MB_RANGE)
        self.cache.setSingleStep(32)
        self.cache.setSuffix(" MB")
        self.cache.setValue(prefs.frame_cache_mb)
        self.cache.setToolTip(
            "Memory for decoded frames: more makes stepping back and forth faster.\n"
            "Applies to videos opened from now on."
        )

        self.autosave = QDoubleSpinBox(self)
        self.autosave.setObjectName("autosaveDelay")
        self.autosave.setRange(*AUTOSAVE_RANGE)
        self.autosave.setDecimals(0)
        self.autosave.setSuffix(" s")
        self.autosave.setValue(prefs.autosave_seconds)
        self.autosave.setToolTip("How long after the last change the project is saved")

        form = QFormLayout()
        form.addRow("Indicator duration in new projects:", duration_row)
        form.addRow("Frame cache:", self.cache)
        form.addRow("Autosave after:", self.autosave)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def preferences(self) -> Preferences:
        """The original preferences with this dialog's values."""
        return replace(
            self._original,
            default_duration=None if self.whole_phrase.isChecked() else self.duration.value(),
            frame_cache_mb=self.cache.value(),
            autosave_seconds=float(self.autosave.value()),
        )

    @classmethod
    def edit(cls, prefs: Preferences, parent: QWidget | None = None) -> Preferences | None:
        """Show the dialog; the new preferences, or None when cancelled."""
        dialog = cls(prefs, parent)
        return dialog.preferences() if dialog.exec() == QDialog.DialogCode.Accepted else None
