"""The indicator list: one row per indicator, with its on/off switch, style, duration, and
whether its box shows between keyframes.

:class:`IndicatorTableModel` mirrors a :class:`~narrlocal_gui.core.model.Project` and never
changes it. An edit in the table (a tick, a style, a duration) is emitted as a request; the
window turns it into an undoable project edit, and the edited project comes back through
:meth:`IndicatorTableModel.set_project`. So the table always shows the project as it is, and
undo/redo need nothing special here.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSignalBlocker,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from narrlocal_gui.core.model import Indicator, IndicatorStyle, Phrase, Project, SpanChoice
from narrlocal_gui.core.selection import Selection
from narrlocal_gui.core.time_format import format_minutes, format_seconds
from narrlocal_gui.localizer.search.moment import Moment
from narrlocal_gui.ui.edit_requests import DefaultDurationChosen, DurationChosen, StyleChosen
from narrlocal_gui.ui.search_results import Proposals, span_text
from narrlocal_gui.ui.selection_model import SelectionModel

AnyIndex = QModelIndex | QPersistentModelIndex

#: Data role holding the row's indicator id (any column).
INDICATOR_ID_ROLE = Qt.ItemDataRole.UserRole + 1

DURATION_MIN_S = 0.1
DURATION_MAX_S = 600.0
DEFAULT_TEXT = "Default"


class Column(IntEnum):
    ON = 0
    PHRASE = 1
    START = 2
    STYLE = 3
    DURATION = 4
    SCORE = 5
    KEYS_ONLY = 6
    ACTION = 7


_HEADERS: dict[Column, tuple[str, str]] = {
    Column.ON: ("On", "Shown while playing and in exports"),
    Column.PHRASE: (
        "Phrase",
        "The narrated phrase the indicator belongs to, after the indicator's colour",
    ),
    Column.START: ("Start", "When the phrase starts (minutes:seconds)"),
    Column.STYLE: ("Style", "How the region is shown"),
    Column.DURATION: ("Duration", "How long the indicator shows from the phrase start"),
    Column.SCORE: ("Score", "The localizer's confidence in the region"),
    Column.KEYS_ONLY: (
        "Keys only",
        "Hide interpolated frames: show the box only on frames with a keyframe",
    ),
    Column.ACTION: (
        "Action",
        "Follow the phrase's action span (when the action is seen) instead of when it is spoken",
    ),
}

_EDIT_HINT = "Click the selected row's cell or press F2 to change."


def duration_text(override: float | None, default: float | None) -> str:
    """What the Duration column shows. An indicator without a duration of its own shows the
    default's value (in italics, see the model), not "default (3.0 s)": the column stays
    narrow and the phrase keeps the width."""
    if override is not None:
        return format_seconds(override)
    if default is None:
        return "as phrase"
    return format_seconds(default)


@dataclass(frozen=True, slots=True)
class _Row:
    indicator: Indicator
    phrase: Phrase


class IndicatorTableModel(QAbstractTableModel):
    """A read-only mirror of a project's indicators; edits come out as signals."""

    enabled_toggled = Signal(str, bool)
    style_chosen = Signal(StyleChosen)
    duration_chosen = Signal(DurationChosen)
    hide_interpolated_toggled = Signal(str, bool)
    follow_chosen = Signal(str, SpanChoice)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._proposals = Proposals()
        self._rows: list[_Row] = []
        self._row_of: dict[str, int] = {}
        self._default_duration: float | None = None
        self._active: set[str] = set()

    # -- data in -----------------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        """Show ``project``; with the same indicators, only changed rows are refreshed."""
        rows: list[_Row] = []
        default: float | None = None
        if project is not None:
            phrases = {p.id: p for p in project.phrases}
            rows = [_Row(ind, phrases[ind.phrase_id]) for ind in project.indicators]
            default = project.display.default_duration
        same_ids = [r.indicator.id for r in rows] == [r.indicator.id for r in self._rows]
        if not same_ids:
            self.beginResetModel()
            self._assign(rows, default)
            self.endResetModel()
            return
        default_changed = default != self._default_duration
        changed = [
            i
            for i, (old, new) in enumerate(zip(self._rows, rows, strict=True))
            if old != new or (default_changed and new.indicator.duration_override is None)
        ]
        self._assign(rows, default)
        for first, last in _runs(changed):
            self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))

    def set_active_ids(self, ids: set[str] | frozenset[str]) -> None:
        """Emphasise the rows of the indicators visible now."""
        new = set(ids)
        toggled = self._active ^ new
        self._active = new
        rows = sorted(self._row_of[i] for i in toggled if i in self._row_of)
        roles = [Qt.ItemDataRole.FontRole, Qt.ItemDataRole.BackgroundRole]
        for first, last in _runs(rows):
            self.dataChanged.emit(
                self.index(first, 0), self.index(last, self.columnCount() - 1), roles
            )

    def set_proposals(self, proposals: Proposals) -> None:
        """The proposed action spans, shown in the Action column's tooltips."""
        self._proposals = proposals
        if self._rows:
            self.dataChanged.emit(
                self.index(0, Column.ACTION), self.index(len(self._rows) - 1, Column.ACTION)
            )

    # -- lookups -----------------------------------------------------------------------
    def indicator_id(self, row: int) -> str:
        return self._rows[row].indicator.id

    def row_of(self, indicator_id: str) -> int | None:
        return self._row_of.get(indicator_id)

    def indicators(self) -> list[Indicator]:
        return [r.indicator for r in self._rows]

    # -- QAbstractTableModel -----------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(Column)

    def headerData(  # noqa: N802 (Qt API)
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        title, tooltip = _HEADERS[Column(section)]
        if role == Qt.ItemDataRole.DisplayRole:
            return title
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        column = index.column()
        if column in (Column.ON, Column.KEYS_ONLY, Column.ACTION):
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        elif column in (Column.STYLE, Column.DURATION):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        ind, phrase = row.indicator, row.phrase
        column = Column(index.column())
        if role == INDICATOR_ID_ROLE:
            return ind.id
        if role == Qt.ItemDataRole.FontRole:
            # Bold: spoken now. Italic: a duration taken from the default, not its own.
            inherited = column == Column.DURATION and ind.duration_override is None
            if ind.id not in self._active and not inherited:
                return None
            font = QFont()
            font.setBold(ind.id in self._active)
            font.setItalic(inherited)
            return font
        if role == Qt.ItemDataRole.BackgroundRole:
            if ind.id in self._active:
                # A tint of the theme's highlight: visible on light and dark palettes alike,
                # and clearly weaker than the selection itself.
                tint = QColor(QGuiApplication.palette().color(QPalette.ColorRole.Highlight))
                tint.setAlpha(48)
                return tint
            return None
        if column == Column.ON:
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if ind.enabled else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.ToolTipRole:
                state = "On: shown" if ind.enabled else "Off: not shown (kept for later)"
                return state + _not_visual_note(phrase)
        elif column == Column.PHRASE:
            if role == Qt.ItemDataRole.DisplayRole:
                return phrase.text
            if role == Qt.ItemDataRole.DecorationRole:
                # The colour as a swatch before the text (as on the timeline), not a column
                # of its own: the phrase needs the width.
                return QColor(*ind.color)
            if role == Qt.ItemDataRole.ToolTipRole:
                note = _not_visual_note(phrase).lstrip(". ")
                return (
                    f"<p>{html.escape(phrase.text)}</p><p><tt>{format_minutes(phrase.start)}"
                    f" – {format_minutes(phrase.end)}</tt></p>"
                    + (f"<p><i>{html.escape(note)}</i></p>" if note else "")
                )
        elif column == Column.START:
            if role == Qt.ItemDataRole.DisplayRole:
                return format_minutes(phrase.start)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        elif column == Column.STYLE:
            if role == Qt.ItemDataRole.DisplayRole:
                return ind.style.label
            if role == Qt.ItemDataRole.EditRole:
                return ind.style
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{ind.style.description}. {_EDIT_HINT}"
        elif column == Column.DURATION:
            if role == Qt.ItemDataRole.DisplayRole:
                return duration_text(ind.duration_override, self._default_duration)
            if role == Qt.ItemDataRole.EditRole:
                return ind.duration_override
            if role == Qt.ItemDataRole.ToolTipRole:
                if ind.duration_override is not None:
                    return f"This indicator's own duration, from the phrase start. {_EDIT_HINT}"
                if self._default_duration is None:
                    return f"The default: for the whole phrase. {_EDIT_HINT}"
                return (
                    f"The default ({format_seconds(self._default_duration)}, set above the "
                    f"list), from the phrase start. {_EDIT_HINT}"
                )
        elif column == Column.SCORE:
            if role == Qt.ItemDataRole.DisplayRole:
                return "" if ind.score is None else f"{ind.score:.2f}"
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        elif column == Column.KEYS_ONLY:
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if ind.hide_interpolated else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.ToolTipRole:
                if ind.hide_interpolated:
                    return "The box shows only on frames with a keyframe"
                return "The box shows on every frame, interpolated between keyframes"
        elif column == Column.ACTION:
            if role == Qt.ItemDataRole.CheckStateRole:
                follows = ind.follow is SpanChoice.ACTION
                return Qt.CheckState.Checked if follows else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.ToolTipRole:
                return action_tooltip(ind, phrase, self._proposals.for_phrase(phrase))
        return None

    def setData(  # noqa: N802 (Qt API)
        self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        """Emit the matching request; the project (and so this model) is left unchanged."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return False
        ind = self._rows[index.row()].indicator
        column = index.column()
        if column == Column.ON and role == Qt.ItemDataRole.CheckStateRole:
            enabled = Qt.CheckState(value) == Qt.CheckState.Checked
            if enabled != ind.enabled:
                self.enabled_toggled.emit(ind.id, enabled)
            return True
        if column == Column.KEYS_ONLY and role == Qt.ItemDataRole.CheckStateRole:
            hide = Qt.CheckState(value) == Qt.CheckState.Checked
            if hide != ind.hide_interpolated:
                self.hide_interpolated_toggled.emit(ind.id, hide)
            return True
        if column == Column.ACTION and role == Qt.ItemDataRole.CheckStateRole:
            follow = (
                SpanChoice.ACTION
                if Qt.CheckState(value) == Qt.CheckState.Checked
                else SpanChoice.SPOKEN
            )
            if follow is not ind.follow:
                self.follow_chosen.emit(ind.id, follow)
            return True
        if column == Column.STYLE and role == Qt.ItemDataRole.EditRole:
            try:
                style = IndicatorStyle(value)
            except ValueError:
                return False
            if style != ind.style:
                self.style_chosen.emit(StyleChosen(ind.id, style))
            return True
        if column == Column.DURATION and role == Qt.ItemDataRole.EditRole:
            duration = _as_duration(value)
            if duration != ind.duration_override:
                self.duration_chosen.emit(DurationChosen(ind.id, duration))
            return True
        return False

    # -- internals ---------------------------------------------------------------------
    def _assign(self, rows: list[_Row], default: float | None) -> None:
        self._rows = rows
        self._row_of = {r.indicator.id: i for i, r in enumerate(rows)}
        self._default_duration = default
        self._active &= self._row_of.keys()


def _as_duration(value: Any) -> float | None:
    """A requested duration: a positive number of seconds, or None for "use the default"."""
    if value is None:
        return None
    seconds = float(value)
    return seconds if math.isfinite(seconds) and seconds >= DURATION_MIN_S else None


def action_tooltip(ind: Indicator, phrase: Phrase, proposal: Moment | None) -> str:
    """The Action column's tooltip: what the indicator follows, the phrase's action span and
    the span proposed for it."""
    if phrase.action_span is None:
        lines = ["No action span yet: the indicator follows when the phrase is spoken."]
        if ind.follow is SpanChoice.ACTION:
            lines[0] = "Follows the action span, but the phrase has none yet: shown when spoken."
    else:
        which = "Follows" if ind.follow is SpanChoice.ACTION else "Tick to follow"
        lines = [f"{which} the action span {span_text(*phrase.action_span)}."]
    if proposal is not None:
        lines.append(
            f"Proposed: {span_text(proposal.start, proposal.end)} "
            "(Search > Accept Proposed Action Span)."
        )
    else:
        lines.append("Set it from a search result (Ctrl+F) or Localize > Propose Action Spans.")
    return "\n".join(lines)


def _not_visual_note(phrase: Phrase) -> str:
    """Why the phrase was judged to show nothing (its indicator started off), or ""."""
    reason = phrase.not_visual_reason
    return "" if reason is None else f". {reason.description}; you can turn it on."


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs, so dataChanged covers each block once."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


class StyleDelegate(QStyledItemDelegate):
    """Edits the Style column with a drop-down of every style."""

    def createEditor(  # noqa: N802 (Qt API)
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        combo = QComboBox(parent)
        for style in IndicatorStyle:
            combo.addItem(style.label, style.value)
            combo.setItemData(combo.count() - 1, style.description, Qt.ItemDataRole.ToolTipRole)
        # Choosing is the whole edit: commit at once instead of waiting for focus to leave.
        combo.activated.connect(lambda _i: self._commit_and_close(combo))
        # Open the list straight away; one click should be enough to start choosing. (The
        # timer is owned by the combo, so it cannot fire after the editor is gone.)
        QTimer.singleShot(0, combo, combo.showPopup)
        return combo

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:  # noqa: N802 (Qt API)
        if isinstance(editor, QComboBox):
            style = index.data(Qt.ItemDataRole.EditRole)
            editor.setCurrentIndex(max(editor.findData(str(style)), 0))

    def setModelData(  # noqa: N802 (Qt API)
        self, editor: QWidget, model: QAbstractItemModel, index: AnyIndex
    ) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, IndicatorStyle(editor.currentData()), Qt.ItemDataRole.EditRole)

    def _commit_and_close(self, editor: QWidget) -> None:
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.NoHint)


class DurationDelegate(QStyledItemDelegate):
    """Edits the Duration column in seconds; the lowest step reads "Default" (None)."""

    def createEditor(  # noqa: N802 (Qt API)
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        return make_duration_spinbox(parent, with_default=True)

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:  # noqa: N802 (Qt API)
        if isinstance(editor, QDoubleSpinBox):
            value = index.data(Qt.ItemDataRole.EditRole)
            editor.setValue(editor.minimum() if value is None else float(value))

    def setModelData(  # noqa: N802 (Qt API)
        self, editor: QWidget, model: QAbstractItemModel, index: AnyIndex
    ) -> None:
        if isinstance(editor, QDoubleSpinBox):
            editor.interpretText()
            value = editor.value()
            chosen = None if value <= editor.minimum() else value
            model.setData(index, chosen, Qt.ItemDataRole.EditRole)


def make_duration_spinbox(parent: QWidget | None, with_default: bool) -> QDoubleSpinBox:
    """Seconds, 0.1..600; ``with_default`` adds a "Default" step below 0.1 meaning None."""
    spin = QDoubleSpinBox(parent)
    spin.setDecimals(1)
    spin.setSingleStep(0.1)
    spin.setSuffix(" s")
    spin.setAccelerated(True)
    if with_default:
        # One step below the real range stands for "no value of its own".
        spin.setRange(DURATION_MIN_S - 0.1, DURATION_MAX_S)
        spin.setSpecialValueText(DEFAULT_TEXT)
    else:
        spin.setRange(DURATION_MIN_S, DURATION_MAX_S)
    return spin


class _IndicatorTable(QTableView):
    """A table that says so when it is empty, instead of showing a blank box, and asks for
    room to read its phrases (``preferred_width``; the dock opens that wide)."""

    empty_text = "No indicators"
    preferred_width = 0

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        hint = super().sizeHint()
        return QSize(max(hint.width(), self.preferred_width), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            painter.end()


class IndicatorPanel(QWidget):
    """Project-wide duration, bulk on/off, and the indicator table."""

    enabled_toggled = Signal(str, bool)
    style_chosen = Signal(StyleChosen)
    duration_chosen = Signal(DurationChosen)
    hide_interpolated_toggled = Signal(str, bool)
    follow_chosen = Signal(str, SpanChoice)
    default_duration_chosen = Signal(DefaultDurationChosen)
    all_enabled_chosen = Signal(bool)
    indicator_activated = Signal(str)  # double-click or Enter on a row

    def __init__(
        self, parent: QWidget | None = None, *, selection: SelectionModel | None = None
    ) -> None:
        """``selection``: the window's; without one the panel has its own (tests)."""
        super().__init__(parent)
        self._project: Project | None = None
        self._selection = SelectionModel(self) if selection is None else selection
        self._selection.changed.connect(self._on_selection_changed)
        self._restore_id: str | None = None
        self._selecting = False

        self._model = IndicatorTableModel(self)
        self._model.enabled_toggled.connect(self.enabled_toggled)
        self._model.style_chosen.connect(self.style_chosen)
        self._model.duration_chosen.connect(self.duration_chosen)
        self._model.hide_interpolated_toggled.connect(self.hide_interpolated_toggled)
        self._model.follow_chosen.connect(self.follow_chosen)

        self._default_spin = make_duration_spinbox(self, with_default=False)
        self._default_spin.setObjectName("defaultDurationSpin")
        # Emit when a value is settled (Enter, focus out, arrow step), not per keystroke.
        self._default_spin.setKeyboardTracking(False)
        self._default_spin.setToolTip(
            "How long each indicator shows from its phrase's start,\n"
            "unless it has a duration of its own"
        )
        self._default_spin.valueChanged.connect(self._on_default_spin_changed)
        default_label = QLabel("Default &duration")
        default_label.setBuddy(self._default_spin)

        self._whole_phrase = QCheckBox("&Whole phrase")
        self._whole_phrase.setObjectName("wholePhraseCheck")
        self._whole_phrase.setToolTip("Show each indicator for as long as its phrase is spoken")
        self._whole_phrase.clicked.connect(self._on_whole_phrase_clicked)

        self._all_on = QPushButton("All on")
        self._all_on.setObjectName("allOnButton")
        self._all_on.setToolTip("Turn every indicator on")
        self._all_on.clicked.connect(lambda: self.all_enabled_chosen.emit(True))
        self._all_off = QPushButton("All off")
        self._all_off.setObjectName("allOffButton")
        self._all_off.setToolTip("Turn every indicator off (they are kept, just not shown)")
        self._all_off.clicked.connect(lambda: self.all_enabled_chosen.emit(False))

        self._table = _IndicatorTable(self)
        self._table.setObjectName("indicatorTable")
        self._table.setModel(self._model)
        # Connected after setModel so these run after the view's own reset handling.
        self._model.modelAboutToBeReset.connect(self._remember_selection)
        self._model.modelReset.connect(self._restore_selection)
        self._table.setItemDelegateForColumn(Column.STYLE, StyleDelegate(self._table))
        self._table.setItemDelegateForColumn(Column.DURATION, DurationDelegate(self._table))
        self._table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Double-click (and Enter) mean "go there"; editing is on a second click or F2,
        # the way renaming works in a file manager.
        self._table.setEditTriggers(
            QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self._table.setAlternatingRowColors(True)
        self._table.setShowGrid(False)
        self._table.setWordWrap(False)
        self._table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self._table.verticalHeader().hide()
        self._size_columns()
        self._table.activated.connect(self._on_activated)
        self._table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)

        header_row = QHBoxLayout()
        header_row.setSpacing(6)
        header_row.addWidget(default_label)
        header_row.addWidget(self._default_spin)
        header_row.addWidget(self._whole_phrase)
        header_row.addStretch(1)
        header_row.addWidget(self._all_on)
        header_row.addWidget(self._all_off)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(header_row)
        layout.addWidget(self._table, 1)

        self._refresh_header()

    # -- data in -----------------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        self._project = project
        self._model.set_project(project)
        self._refresh_header()

    def set_active_ids(self, ids: set[str] | frozenset[str]) -> None:
        self._model.set_active_ids(ids)

    def set_proposals(self, proposals: Proposals) -> None:
        self._model.set_proposals(proposals)

    def selection_model(self) -> SelectionModel:
        return self._selection

    def _on_selection_changed(self, selection: Selection) -> None:
        self._show_selected(selection.indicator_id)

    def _show_selected(self, indicator_id: str | None) -> None:
        """Make ``indicator_id`` the selected row and scroll to it (None clears); as the
        selection's echo, it writes nothing back."""
        row = None if indicator_id is None else self._model.row_of(indicator_id)
        self._selecting = True
        try:
            selection = self._table.selectionModel()
            if row is None:
                selection.clearSelection()
                selection.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.Clear)
                return
            index = self._model.index(row, Column.PHRASE)
            selection.setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self._table.scrollTo(index)
        finally:
            self._selecting = False

    def selected_indicator(self) -> str | None:
        """The indicator of the selected row (None: no row is selected)."""
        index = self._table.selectionModel().currentIndex()
        if not index.isValid() or not self._table.selectionModel().isRowSelected(index.row()):
            return None
        return self._model.indicator_id(index.row())

    def model(self) -> IndicatorTableModel:
        return self._model

    def table(self) -> QTableView:
        return self._table

    # -- internals ---------------------------------------------------------------------
    def _refresh_header(self) -> None:
        project = self._project
        has_project = project is not None
        default = project.display.default_duration if project is not None else None
        with QSignalBlocker(self._default_spin), QSignalBlocker(self._whole_phrase):
            self._whole_phrase.setChecked(has_project and default is None)
            if default is not None:
                self._default_spin.setValue(default)
        self._default_spin.setEnabled(has_project and default is not None)
        self._whole_phrase.setEnabled(has_project)
        indicators = self._model.indicators()
        self._all_on.setEnabled(any(not ind.enabled for ind in indicators))
        self._all_off.setEnabled(any(ind.enabled for ind in indicators))

    def _on_default_spin_changed(self, value: float) -> None:
        self.default_duration_chosen.emit(DefaultDurationChosen(value))

    def _on_whole_phrase_clicked(self, checked: bool) -> None:
        self._default_spin.setEnabled(not checked)
        self.default_duration_chosen.emit(
            DefaultDurationChosen(None if checked else self._default_spin.value())
        )

    def _on_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.indicator_activated.emit(self._model.indicator_id(index.row()))

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._selecting and current.isValid():
            project = Project() if self._project is None else self._project
            self._selection.select_indicator(project, self._model.indicator_id(current.row()))

    def _remember_selection(self) -> None:
        self._restore_id = self.selected_indicator()

    def _restore_selection(self) -> None:
        # A reset (indicators added or removed) would drop the selection; keep it by id.
        if self._restore_id is not None and self._model.row_of(self._restore_id) is not None:
            self._show_selected(self._restore_id)
        self._restore_id = None

    def _size_columns(self) -> None:
        header = self._table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.PHRASE, QHeaderView.ResizeMode.Stretch)
        metrics = self._table.fontMetrics()
        pad = 24

        def fit(*samples: str) -> int:
            return max(metrics.horizontalAdvance(s) for s in samples) + pad

        # Widths from the text each column can hold, not from the rows: sizing to contents
        # would measure every row of a long project on each change.
        header.resizeSection(Column.ON, fit("On") + 8)
        header.resizeSection(Column.START, fit("Start", "00:00.0"))
        header.resizeSection(Column.STYLE, fit(*(style.label for style in IndicatorStyle)))
        # Room for the editor too: a spin box holding "600.0 s", and its arrows.
        arrows = self._table.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        header.resizeSection(
            Column.DURATION, fit("Duration", "as phrase", f"{DURATION_MAX_S:.1f} s") + arrows
        )
        header.resizeSection(Column.SCORE, fit("Score", "0.00"))
        header.resizeSection(Column.KEYS_ONLY, fit("Keys only"))
        header.resizeSection(Column.ACTION, fit("Action"))
        header.setMinimumSectionSize(metrics.horizontalAdvance("M") * 3)
        rows = self._table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(metrics.height() + 8)
        fixed = sum(header.sectionSize(c) for c in Column if c != Column.PHRASE)
        # The phrase is what a row is read by: about 30 characters of it when there is room,
        # never fewer than about 10.
        frame = 2 * self._table.frameWidth() + self._table.verticalScrollBar().sizeHint().width()
        self._table.setMinimumWidth(fixed + frame + metrics.horizontalAdvance("M") * 10)
        self._table.preferred_width = fixed + frame + metrics.averageCharWidth() * 30
