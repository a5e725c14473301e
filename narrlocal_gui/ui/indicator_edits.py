"""The indicator panel's and the box editor's requests as undoable edits of the document.

Each slot names the edit for the Undo menu and applies one pure function from
:mod:`narrlocal_gui.core.edits` or :mod:`narrlocal_gui.core.track_edits`. Duration changes
merge while the user keeps stepping the same spin box, so one Undo takes back the whole
adjustment; each box correction is a step of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from narrlocal_gui.core import edits, track_edits
from narrlocal_gui.core.ids import new_id
from narrlocal_gui.core.model import (
    Appearance,
    AppearanceField,
    Box,
    HeatColors,
    Project,
    SpanChoice,
)
from narrlocal_gui.ui.document import ProjectDocument
from narrlocal_gui.ui.edit_requests import (
    BoxCorrected,
    BoxDrawn,
    DefaultDurationChosen,
    DurationChosen,
    StyleChosen,
)

_LABEL_CHARS = 40


def _seconds(value: float | None, none_text: str) -> str:
    return none_text if value is None else f"{value:g} s"


#: What the appearance settings are called in the dialog and the Undo menu.
APPEARANCE_NAMES = {
    AppearanceField.SHOW_LABELS: "Labels",
    AppearanceField.LINE_WIDTH: "Line width",
    AppearanceField.DARKEN_AMOUNT: "Darkened surround",
    AppearanceField.BRIGHTEN_AMOUNT: "Brightened region",
    AppearanceField.TINT_AMOUNT: "Colour shift",
    AppearanceField.HEATMAP_OPACITY: "Heat map opacity",
    AppearanceField.HEATMAP_COLORS: "Heat map colours",
}


def appearance_text(field: AppearanceField, value: Appearance) -> str:
    """The Undo menu's name for setting ``field`` to ``value``."""
    if isinstance(value, HeatColors):
        return f"{APPEARANCE_NAMES[field]} {value.value.capitalize()}"
    if field is AppearanceField.SHOW_LABELS:
        return "Show labels" if value else "Hide labels"
    if field is AppearanceField.LINE_WIDTH:
        return f"Line width {int(value)} px"
    return f"{APPEARANCE_NAMES[field]} {round(float(value) * 100)} %"


class IndicatorEdits(QObject):
    rejected = Signal(str)  # why an edit was not made, for the user

    def __init__(self, document: ProjectDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document

    def _name(self, indicator_id: str) -> str:
        project = self._document.project
        return self._phrase_name(project.indicator(indicator_id).phrase_id)

    def _phrase_name(self, phrase_id: str) -> str:
        text = " ".join(self._document.project.phrase(phrase_id).text.split())
        if len(text) > _LABEL_CHARS:
            text = text[: _LABEL_CHARS - 1] + "…"
        return f"“{text}”"

    def _apply(
        self, text: str, fn: Callable[..., Project], *args: Any, merge: bool = False
    ) -> None:
        try:
            self._document.apply(text, fn, *args, merge=merge)
        except ValueError as exc:
            self.rejected.emit(str(exc))

    @Slot(str, bool)
    def set_enabled(self, indicator_id: str, enabled: bool) -> None:
        verb = "Show" if enabled else "Hide"
        self._document.apply(
            f"{verb} {self._name(indicator_id)}",
            edits.set_indicator_enabled,
            indicator_id,
            enabled,
        )

    @Slot(StyleChosen)
    def set_style(self, chosen: StyleChosen) -> None:
        self._document.apply(
            f"{chosen.style.label} for {self._name(chosen.indicator_id)}",
            edits.set_indicator_style,
            chosen.indicator_id,
            chosen.style,
        )

    @Slot(DurationChosen)
    def set_duration(self, chosen: DurationChosen) -> None:
        self._document.apply(
            f"Duration {_seconds(chosen.seconds, 'default')} for {self._name(chosen.indicator_id)}",
            edits.set_indicator_duration,
            chosen.indicator_id,
            chosen.seconds,
            merge=True,
        )

    @Slot(DefaultDurationChosen)
    def set_default_duration(self, chosen: DefaultDurationChosen) -> None:
        self._document.apply(
            f"Default duration {_seconds(chosen.seconds, 'whole phrase')}",
            edits.set_default_duration,
            chosen.seconds,
            merge=True,
        )

    @Slot(object, object)
    def set_appearance(self, field: AppearanceField, value: Appearance) -> None:
        """One appearance setting; a control adjusted step by step is one undo step."""
        self._apply(
            appearance_text(AppearanceField(field), value),
            edits.set_appearance,
            AppearanceField(field),
            value,
            merge=True,
        )

    @Slot()
    def restore_appearance(self) -> None:
        self._apply("Restore the default appearance", edits.restore_appearance)

    @Slot(bool)
    def set_all_enabled(self, enabled: bool) -> None:
        self._document.apply(
            "Show all indicators" if enabled else "Hide all indicators",
            edits.set_all_enabled,
            enabled,
        )

    # -- box corrections (keyframes) -----------------------------------------------------------
    @Slot(BoxCorrected)
    def set_keyframe(self, corrected: BoxCorrected) -> None:
        """A moved or resized box (its ``verb`` names it in the Undo menu)."""
        self._apply(
            f"{corrected.verb} box of {self._name(corrected.indicator_id)}",
            track_edits.set_keyframe,
            corrected.indicator_id,
            corrected.time,
            corrected.box,
            corrected.tolerance,
        )

    @Slot(BoxDrawn)
    def draw_box(self, drawn: BoxDrawn) -> None:
        self._apply(
            f"Draw box for {self._phrase_name(drawn.phrase_id)}",
            track_edits.add_box_for_phrase,
            drawn.phrase_id,
            drawn.time,
            drawn.box,
            drawn.tolerance,
            new_id("ind"),
        )

    @Slot(BoxDrawn)
    def box_from_click(self, found: BoxDrawn) -> None:
        """A box found around a click: the same keyframe as a drawn box."""
        self._apply(
            f"Box from click for {self._phrase_name(found.phrase_id)}",
            track_edits.add_box_for_phrase,
            found.phrase_id,
            found.time,
            found.box,
            found.tolerance,
            new_id("ind"),
        )

    def track_forward(
        self, indicator_id: str, keys: tuple[tuple[float, Box], ...], tolerance: float
    ) -> None:
        """Track Forward's keyframes, one undo step."""
        self._apply(
            f"Track forward for {self._name(indicator_id)}",
            track_edits.set_tracked_keyframes,
            indicator_id,
            keys,
            tolerance,
        )

    @Slot(str, float, float)
    def delete_keyframe(self, indicator_id: str, t: float, tolerance: float) -> None:
        self._apply(
            f"Delete keyframe of {self._name(indicator_id)}",
            track_edits.delete_keyframe,
            indicator_id,
            t,
            tolerance,
        )

    @Slot(str)
    def delete_box(self, indicator_id: str) -> None:
        self._apply(
            f"Delete box of {self._name(indicator_id)}", track_edits.clear_track, indicator_id
        )

    @Slot(str, bool)
    def set_hide_interpolated(self, indicator_id: str, hide: bool) -> None:
        verb = "Hide" if hide else "Show"
        self._apply(
            f"{verb} interpolated frames of {self._name(indicator_id)}",
            track_edits.set_hide_interpolated,
            indicator_id,
            hide,
        )

    @Slot(str, SpanChoice)
    def set_follow(self, indicator_id: str, follow: SpanChoice) -> None:
        which = "action span" if follow is SpanChoice.ACTION else "spoken span"
        self._apply(
            f"Follow the {which} for {self._name(indicator_id)}",
            edits.set_indicator_follow,
            indicator_id,
            follow,
        )
