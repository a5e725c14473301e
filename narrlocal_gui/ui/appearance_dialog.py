"""View > Indicator Appearance: how indicators are drawn, adjusted live.

The settings belong to the project (the player and the exporter draw with them alike, so an
export looks as the preview did). The dialog is not modal: each change is applied at once
as an edit of the document (one undo step per control adjusted, however many steps the
spin box took), and the dialog follows the document, so Undo moves its controls back too.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSignalBlocker, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from narrlocal_gui.core.model import (
    LINE_WIDTH_RANGE,
    Appearance,
    AppearanceField,
    DisplaySettings,
    HeatColors,
    Project,
)
from narrlocal_gui.ui.indicator_edits import APPEARANCE_NAMES

__all__ = ["AppearanceChosen", "AppearanceDialog"]

_PERCENT_FIELDS = (
    AppearanceField.DARKEN_AMOUNT,
    AppearanceField.BRIGHTEN_AMOUNT,
    AppearanceField.TINT_AMOUNT,
    AppearanceField.HEATMAP_OPACITY,
)
_TIPS = {
    AppearanceField.SHOW_LABELS: "The phrase written above each indicator's box",
    AppearanceField.LINE_WIDTH: (
        "Box outlines on 720p video; smaller and larger pictures scale it, so a preview and "
        "the export look alike"
    ),
    AppearanceField.DARKEN_AMOUNT: (
        "How much brightness the Darken around and Spotlight styles take from the rest of "
        "the picture"
    ),
    AppearanceField.BRIGHTEN_AMOUNT: "How far the Brighten style moves its region towards white",
    AppearanceField.TINT_AMOUNT: (
        "How far the Colour shift style moves its region towards the indicator's colour"
    ),
    AppearanceField.HEATMAP_OPACITY: (
        "How strongly the hottest part of a heat map covers the picture"
    ),
    AppearanceField.HEATMAP_COLORS: (
        "Turbo stands out on most footage; Inferno reads the same with any colour vision"
    ),
}


@dataclass(frozen=True, slots=True)
class AppearanceChosen:
    """The user set ``field`` to ``value``."""

    field: AppearanceField
    value: Appearance


class AppearanceDialog(QDialog):
    """Controls for the :class:`~narrlocal_gui.core.model.AppearanceField` settings."""

    appearance_chosen = Signal(AppearanceChosen)
    restore_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Indicator Appearance")
        self.setModal(False)
        form = QFormLayout()

        self.labels = QCheckBox("Show the phrase above each box", self)
        self.labels.setToolTip(_TIPS[AppearanceField.SHOW_LABELS])
        self.labels.toggled.connect(
            lambda on: self.appearance_chosen.emit(
                AppearanceChosen(AppearanceField.SHOW_LABELS, bool(on))
            )
        )
        form.addRow(f"{APPEARANCE_NAMES[AppearanceField.SHOW_LABELS]}:", self.labels)

        self.line_width = QSpinBox(self)
        self.line_width.setRange(*LINE_WIDTH_RANGE)
        self.line_width.setSuffix(" px")
        self.line_width.setToolTip(_TIPS[AppearanceField.LINE_WIDTH])
        self.line_width.valueChanged.connect(
            lambda px: self.appearance_chosen.emit(
                AppearanceChosen(AppearanceField.LINE_WIDTH, int(px))
            )
        )
        form.addRow(f"{APPEARANCE_NAMES[AppearanceField.LINE_WIDTH]}:", self.line_width)

        self.percent: dict[AppearanceField, QSpinBox] = {}
        for field in _PERCENT_FIELDS:
            spin = QSpinBox(self)
            spin.setRange(0, 100)
            spin.setSingleStep(5)
            spin.setSuffix(" %")
            spin.setToolTip(_TIPS[field])
            spin.valueChanged.connect(
                lambda value, f=field: self.appearance_chosen.emit(
                    AppearanceChosen(f, value / 100.0)
                )
            )
            self.percent[field] = spin
            form.addRow(f"{APPEARANCE_NAMES[field]}:", spin)

        self.heat_colors = QComboBox(self)
        for colors in HeatColors:
            self.heat_colors.addItem(colors.label, colors)
        self.heat_colors.setToolTip(_TIPS[AppearanceField.HEATMAP_COLORS])
        self.heat_colors.currentIndexChanged.connect(
            lambda row: self.appearance_chosen.emit(
                AppearanceChosen(
                    AppearanceField.HEATMAP_COLORS, HeatColors(self.heat_colors.itemData(row))
                )
            )
        )
        form.addRow(f"{APPEARANCE_NAMES[AppearanceField.HEATMAP_COLORS]}:", self.heat_colors)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.RestoreDefaults | QDialogButtonBox.StandardButton.Close,
            self,
        )
        restore = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        restore.setToolTip("Every setting here back to its default (one undo step)")
        restore.clicked.connect(self.restore_requested)
        buttons.rejected.connect(self.close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.show_settings(DisplaySettings())

    @Slot(object)
    def set_project(self, project: Project) -> None:
        """Follow the document (its edits, undo and redo, another project opened)."""
        self.show_settings(project.display)

    def show_settings(self, display: DisplaySettings) -> None:
        """Show ``display`` (the document's), without sending anything back."""
        widgets = (self.labels, self.line_width, self.heat_colors, *self.percent.values())
        blockers = [QSignalBlocker(w) for w in widgets]
        self.labels.setChecked(display.show_labels)
        self.line_width.setValue(display.line_width)
        for field, spin in self.percent.items():
            spin.setValue(round(float(getattr(display, field.value)) * 100))
        self.heat_colors.setCurrentIndex(self.heat_colors.findData(display.heatmap_colors))
        del blockers
