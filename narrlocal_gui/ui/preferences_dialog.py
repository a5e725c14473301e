"""File > Preferences: the few settings that are not changed in place elsewhere.

Volume and mute are set with the transport's controls and recent files by opening things;
this dialog covers the rest. It edits a copy and returns a new :class:`Preferences`.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from narrlocal_gui.core.model import SpanChoice
from narrlocal_gui.narration.asr_models import ASR_MODELS
from narrlocal_gui.ui.settings import (
    AUTOSAVE_RANGE,
    CACHE_MB_RANGE,
    LOCALIZER_WINDOW_RANGE,
    ComputeDevice,
    LocalizerDevice,
    LocalizerMethod,
    Preferences,
    is_language_code,
)

_FALLBACK_DURATION = 3.0
_ENGLISH = "en"
#: The language combo box's entries: detect, English, or a code typed beside it.
_DETECT, _ENGLISH_ROW, _OTHER = 0, 1, 2


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

        self.asr_model = QComboBox(self)
        self.asr_model.setObjectName("asrModel")
        for name, spec in ASR_MODELS.items():
            self.asr_model.addItem(spec.label, name)
        self.asr_model.setCurrentIndex(max(0, self.asr_model.findData(prefs.asr_model)))
        self.asr_model.setToolTip("The model Narration > Transcribe Audio uses")

        self.device = QComboBox(self)
        self.device.setObjectName("computeDevice")
        for device in ComputeDevice:
            self.device.addItem(device.label, device.value)
        self.device.setCurrentIndex(max(0, self.device.findData(prefs.compute_device.value)))
        self.device.setToolTip("Where speech recognition runs")

        self.language = QComboBox(self)
        self.language.setObjectName("narrationLanguage")
        self.language.addItems(["Detect automatically", "English", "Other (code):"])
        self.language_code = QLineEdit(self)
        self.language_code.setObjectName("narrationLanguageCode")
        self.language_code.setPlaceholderText("de")
        self.language_code.setMaxLength(2)
        self.language_code.setMaximumWidth(48)
        self.language_code.setValidator(
            QRegularExpressionValidator(QRegularExpression("[A-Za-z]{0,2}"), self.language_code)
        )
        self.language_code.setToolTip("Two-letter ISO 639-1 code, e.g. de, fr, es")
        language = prefs.narration_language
        if language is None:
            self.language.setCurrentIndex(_DETECT)
        elif language == _ENGLISH:
            self.language.setCurrentIndex(_ENGLISH_ROW)
        else:
            self.language.setCurrentIndex(_OTHER)
            self.language_code.setText(language)
        language_row = QHBoxLayout()
        language_row.addWidget(self.language, 1)
        language_row.addWidget(self.language_code)

        self.localizer_device = QComboBox(self)
        self.localizer_device.setObjectName("localizerDevice")
        for localizer_device in LocalizerDevice:
            self.localizer_device.addItem(localizer_device.label, localizer_device.value)
        self.localizer_device.setCurrentIndex(
            max(0, self.localizer_device.findData(prefs.localizer_device.value))
        )
        self.localizer_device.setToolTip(
            "Where Localize runs: a GPU is many times faster; Automatic falls back to the CPU"
        )

        self.localizer_window = QDoubleSpinBox(self)
        self.localizer_window.setObjectName("localizerWindow")
        self.localizer_window.setRange(*LOCALIZER_WINDOW_RANGE)
        self.localizer_window.setDecimals(1)
        self.localizer_window.setSingleStep(0.5)
        self.localizer_window.setSuffix(" s")
        self.localizer_window.setValue(prefs.localizer_window)
        self.localizer_window.setToolTip(
            "How far before and after each phrase the localizer looks for what it describes"
        )

        self.localizer_method = QComboBox(self)
        self.localizer_method.setObjectName("localizerMethod")
        for method in LocalizerMethod:
            self.localizer_method.addItem(method.label, method.value)
        self.localizer_method.setCurrentIndex(
            max(0, self.localizer_method.findData(prefs.localizer_method.value))
        )
        self.localizer_method.setToolTip(
            "What Localize uses: the pretrained encoders alone, or a CoMMA model trained on "
            "your videos (Localize > Adapt to My Videos… makes one)"
        )
        self.comma_checkpoint = QLineEdit(prefs.comma_checkpoint, self)
        self.comma_checkpoint.setObjectName("commaCheckpoint")
        self.comma_checkpoint.setPlaceholderText("adapted.pt")
        self.comma_checkpoint.setToolTip("The CoMMA checkpoint (.pt) the adapted method uses")
        self.browse_checkpoint = QPushButton("Browse…", self)
        self.browse_checkpoint.clicked.connect(self._browse_checkpoint)
        checkpoint_row = QHBoxLayout()
        checkpoint_row.addWidget(self.comma_checkpoint, 1)
        checkpoint_row.addWidget(self.browse_checkpoint)

        form = QFormLayout()
        form.addRow("Indicator duration in new projects:", duration_row)
        self.follow_action = QCheckBox("Follow the action span", self)
        self.follow_action.setObjectName("followActionSpan")
        self.follow_action.setToolTip(
            "New indicators show when the phrase's action is seen (its action span, where it "
            "has one) instead of when the phrase is spoken"
        )
        self.follow_action.setChecked(prefs.default_follow is SpanChoice.ACTION)
        form.addRow("Indicators in new projects:", self.follow_action)
        form.addRow("Frame cache:", self.cache)
        form.addRow("Autosave after:", self.autosave)
        form.addRow("Speech recognition model:", self.asr_model)
        form.addRow("Compute device:", self.device)
        form.addRow("Narration language:", language_row)
        form.addRow("Localizer device:", self.localizer_device)
        form.addRow("Search window around each phrase (s):", self.localizer_window)
        form.addRow("Localizer method:", self.localizer_method)
        form.addRow("CoMMA checkpoint:", checkpoint_row)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.language.currentIndexChanged.connect(self._inputs_changed)
        self.language_code.textChanged.connect(self._inputs_changed)
        self.localizer_method.currentIndexChanged.connect(self._inputs_changed)
        self.comma_checkpoint.textChanged.connect(self._inputs_changed)
        self._inputs_changed()

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def preferences(self) -> Preferences:
        """The original preferences with this dialog's values."""
        return replace(
            self._original,
            default_duration=None if self.whole_phrase.isChecked() else self.duration.value(),
            default_follow=(
                SpanChoice.ACTION if self.follow_action.isChecked() else SpanChoice.SPOKEN
            ),
            frame_cache_mb=self.cache.value(),
            autosave_seconds=float(self.autosave.value()),
            asr_model=str(self.asr_model.currentData()),
            compute_device=ComputeDevice(self.device.currentData()),
            narration_language=self.narration_language(),
            localizer_device=LocalizerDevice(self.localizer_device.currentData()),
            localizer_window=float(self.localizer_window.value()),
            localizer_method=self.method(),
            comma_checkpoint=self.comma_checkpoint.text().strip(),
        )

    def method(self) -> LocalizerMethod:
        return LocalizerMethod(self.localizer_method.currentData())

    def narration_language(self) -> str | None:
        """The chosen language code; None to detect it (also for an unfinished typed code)."""
        row = self.language.currentIndex()
        if row == _ENGLISH_ROW:
            return _ENGLISH
        code = self.language_code.text().strip().lower()
        return code if row == _OTHER and is_language_code(code) else None

    def _inputs_changed(self) -> None:
        other = self.language.currentIndex() == _OTHER
        self.language_code.setEnabled(other)
        # "Other" with half a code would silently mean "detect": OK waits for a whole one.
        language_ok = not other or is_language_code(self.language_code.text().strip().lower())
        # The adapted method needs its checkpoint; the others ignore the field, so it is
        # greyed out for them (its text is kept to switch back; Browse… switches to it).
        comma = self.method() is LocalizerMethod.COMMA
        self.comma_checkpoint.setEnabled(comma)
        method_ok = not comma or bool(self.comma_checkpoint.text().strip())
        self.ok_button.setEnabled(language_ok and method_ok)

    def _browse_checkpoint(self) -> None:
        current = self.comma_checkpoint.text().strip()
        chosen, _ = QFileDialog.getOpenFileName(
            self, "CoMMA Checkpoint", current, "CoMMA checkpoints (*.pt);;All files (*)"
        )
        if chosen:
            self.comma_checkpoint.setText(chosen)
            self.localizer_method.setCurrentIndex(
                self.localizer_method.findData(LocalizerMethod.COMMA.value)
            )

    @classmethod
    def edit(cls, prefs: Preferences, parent: QWidget | None = None) -> Preferences | None:
        """Show the dialog; the new preferences, or None when cancelled."""
        dialog = cls(prefs, parent)
        return dialog.preferences() if dialog.exec() == QDialog.DialogCode.Accepted else None
