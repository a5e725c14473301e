"""The transcript panel's list view, its row delegate and its in-place text editor.

Rows are "time | text", the text wrapped to the width of the list so a whole transcript can
be read without tooltips. Row heights come from the same text layout that paints the row, so
nothing is ever cut off, and are cached by (text, width): a repaint or a scroll lays out no
text twice. The list lays its rows out in batches, so showing thousands costs the GUI thread
nothing noticeable at once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
    QTextLayout,
    QTextOption,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTextEdit,
    QWidget,
)

from narrlocal_gui.ui.transcript_models import CURRENT_ROLE, TIME_ROLE, UNSURE_ROLE

AnyIndex = QModelIndex | QPersistentModelIndex

H_PAD = 8
V_PAD = 5
COLUMN_GAP = 10
ACCENT_W = 3
#: After the user scrolls a list, it stops following the playhead for this long.
FOLLOW_PAUSE_S = 4.0
#: Low-confidence words: a dotted underline in a warm colour and a faint wash of it.
UNSURE_COLOR = QColor(214, 137, 16)
_CACHE_LIMIT = 50_000


def _wrapped_layout(
    text: str, font: QFont, width: float, formats: list[QTextLayout.FormatRange] | None = None
) -> tuple[QTextLayout, float]:
    """``text`` laid out in lines of ``width`` pixels; returns the layout and its height."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    if formats:
        layout.setFormats(formats)
    layout.beginLayout()
    y = 0.0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(width, 1.0))
        line.setPosition(QPointF(0.0, y))
        y += line.height()
    layout.endLayout()
    return layout, y


@dataclass(frozen=True, slots=True)
class _Fonts:
    key: str
    text: QFont
    italic: QFont
    time: QFont
    time_width: float
    line_height: float

    @classmethod
    def of(cls, base: QFont, time_sample: str) -> _Fonts:
        italic = QFont(base)
        italic.setItalic(True)
        time = QFont(base)
        time.setPointSizeF(base.pointSizeF() * 0.9)
        time.setFeature(QFont.Tag("tnum"), 1)  # digits of one width, so times line up
        return cls(
            base.key(),
            QFont(base),
            italic,
            time,
            QFontMetricsF(time).horizontalAdvance(time_sample),
            QFontMetricsF(base).height(),
        )


class TextRowEditor(QTextEdit):
    """A wrapping plain-text editor for one row: Enter commits, Esc cancels (the delegate's
    event filter), Ctrl+Enter asks to split there. Line breaks are not part of a transcript,
    so pasted ones become spaces."""

    submitted = Signal()
    split_here = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptRichText(False)
        self.setTabChangesFocus(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.document().setDocumentMargin(2.0)
        #: Set once the edit was committed or dropped, so a late focus-out cannot commit again.
        self.finished = False
        self.loaded = False

    def text(self) -> str:
        return self.toPlainText()

    def cursor_position(self) -> int:
        return self.textCursor().position()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.split_here.emit()
            else:
                self.submitted.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802 (Qt override)
        if source.hasText():
            self.insertPlainText(" ".join(source.text().splitlines()))

    def content_height(self) -> int:
        frame = 2 * self.frameWidth()
        return round(self.document().size().height()) + frame


class TimedTextDelegate(QStyledItemDelegate):
    """Paints "time | wrapped text" rows and edits the text in a :class:`TextRowEditor`.

    ``time_sample`` is the widest time text the column must hold.
    """

    editing_changed = Signal(bool)
    split_here = Signal()  # Ctrl+Enter in the editor

    def __init__(self, view: TranscriptListView, time_sample: str) -> None:
        super().__init__(view)
        self._view = view
        self._time_sample = time_sample
        self._heights: dict[tuple[str, bool, int], float] = {}
        self._font_cache: _Fonts | None = None
        self._editor: TextRowEditor | None = None
        self._editor_index = QPersistentModelIndex()

    # -- geometry ----------------------------------------------------------------------
    def _fonts(self) -> _Fonts:
        # sizeHint runs for every row of a long list: measure the fonts once per view font.
        key = self._view.font().key()
        if self._font_cache is None or self._font_cache.key != key:
            self._font_cache = _Fonts.of(self._view.font(), self._time_sample)
        return self._font_cache

    def _time_font(self) -> QFont:
        return self._fonts().time

    def text_left(self) -> float:
        return H_PAD + self._fonts().time_width + COLUMN_GAP

    def text_width(self) -> float:
        return max(self._view.viewport().width() - self.text_left() - H_PAD, 40.0)

    def _row_font(self, index: AnyIndex) -> QFont:
        fonts = self._fonts()
        extra = index.data(Qt.ItemDataRole.FontRole)
        return fonts.italic if isinstance(extra, QFont) and extra.italic() else fonts.text

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:  # noqa: N802 (Qt API)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        font = self._row_font(index)
        width = self.text_width()
        key = (text, font.italic(), round(width))
        height = self._heights.get(key)
        if height is None:
            if len(self._heights) > _CACHE_LIMIT:
                self._heights.clear()
            _layout, height = _wrapped_layout(text, font, width)
            self._heights[key] = height
        line = self._fonts().line_height
        return QSize(self._view.viewport().width(), round(max(height, line)) + 2 * V_PAD)

    # -- painting ----------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        palette = opt.palette
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        rect = QRect(opt.rect)
        painter.save()
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        if index.data(CURRENT_ROLE):
            # The row being spoken: an accent bar, and a wash too faint to pass for a selection.
            accent = palette.color(QPalette.ColorRole.Highlight)
            if not selected:
                wash = QColor(accent)
                wash.setAlpha(38)
                painter.fillRect(rect, wash)
            painter.fillRect(QRect(rect.left(), rect.top(), ACCENT_W, rect.height()), accent)
        separator = QColor(palette.color(QPalette.ColorRole.Mid))
        separator.setAlpha(60)
        painter.fillRect(QRect(rect.left(), rect.bottom(), rect.width(), 1), separator)

        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        time_color = QColor(palette.color(text_role))
        if not selected:
            time_color = palette.color(QPalette.ColorRole.PlaceholderText)
        font = self._row_font(index)
        # Both columns share the first line's baseline.
        baseline = rect.top() + V_PAD + QFontMetricsF(font).ascent()
        time_font = self._time_font()
        painter.setFont(time_font)
        painter.setPen(time_color)
        painter.drawText(QPointF(rect.left() + H_PAD, baseline), str(index.data(TIME_ROLE) or ""))

        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        formats: list[QTextLayout.FormatRange] = []
        for start, length in index.data(UNSURE_ROLE) or ():
            mark = QTextLayout.FormatRange()
            mark.start, mark.length = start, length
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
            fmt.setUnderlineColor(UNSURE_COLOR)
            wash = QColor(UNSURE_COLOR)
            wash.setAlpha(40)
            fmt.setBackground(wash)
            mark.format = fmt
            formats.append(mark)
        layout, _height = _wrapped_layout(text, font, self.text_width(), formats)
        painter.setPen(palette.color(text_role))
        layout.draw(painter, QPointF(rect.left() + self.text_left(), rect.top() + V_PAD))
        painter.restore()

    def char_at(self, index: AnyIndex, pos: QPoint, row_rect: QRect) -> int | None:
        """The text position under ``pos`` (view coordinates) in the row, or None."""
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        layout, _height = _wrapped_layout(text, self._row_font(index), self.text_width())
        x = pos.x() - row_rect.left() - self.text_left()
        y = pos.y() - row_rect.top() - V_PAD
        if x < 0:
            return None
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            if y < line.y() + line.height() or i == layout.lineCount() - 1:
                return int(line.xToCursor(x))
        return None

    # -- editing -----------------------------------------------------------------------
    def editor(self) -> TextRowEditor | None:
        """The open editor, if a row is being edited."""
        return self._editor

    def editor_row(self) -> int | None:
        return self._editor_index.row() if self._editor is not None else None

    def createEditor(  # noqa: N802 (Qt API)
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        editor = TextRowEditor(parent)
        editor.setFont(self._row_font(index))
        editor.submitted.connect(lambda: self.finish(editor, commit=True))
        editor.split_here.connect(self.split_here)
        editor.document().contentsChanged.connect(lambda: self._fit_height(editor))
        self._editor = editor
        self._editor_index = QPersistentModelIndex(index)
        self.editing_changed.emit(True)
        return editor

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:  # noqa: N802 (Qt API)
        if not isinstance(editor, TextRowEditor) or editor.loaded:
            return  # loaded once: a later refresh of the row must not wipe what is typed
        editor.loaded = True
        editor.setPlainText(str(index.data(Qt.ItemDataRole.EditRole) or ""))
        cursor = editor.textCursor()
        point = self._view.take_edit_point()
        at = None if point is None else self.char_at(index, point, self._view.visualRect(index))
        if at is None:
            cursor.movePosition(QTextCursor.MoveOperation.End)
        else:
            # Double-clicking a word selects it, so fixing it is just typing.
            cursor.setPosition(at)
            cursor.select(QTextCursor.SelectionType.WordUnderCursor)
        editor.setTextCursor(cursor)

    def setModelData(  # noqa: N802 (Qt API)
        self, editor: QWidget, model: Any, index: AnyIndex
    ) -> None:
        if isinstance(editor, TextRowEditor) and not editor.finished:
            editor.finished = True
            model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(  # noqa: N802 (Qt API)
        self, editor: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> None:
        rect = QRect(option.rect)
        inset = 4 if not isinstance(editor, TextRowEditor) else editor.frameWidth() + 2
        left = rect.left() + round(self.text_left()) - inset
        editor.setGeometry(left, rect.top() + V_PAD - inset, rect.right() - left - 2, 0)
        self._fit_height(editor, rect.height())

    def destroyEditor(self, editor: QWidget, index: AnyIndex) -> None:  # noqa: N802 (Qt API)
        if editor is self._editor:
            self._forget_editor()
        super().destroyEditor(editor, index)

    def finish(self, editor: TextRowEditor, commit: bool) -> None:
        """Close ``editor``, committing its text first when ``commit``."""
        if editor is not self._editor:
            return
        if commit:
            self.commitData.emit(editor)
        editor.finished = True
        self._forget_editor()
        self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def _forget_editor(self) -> None:
        if self._editor is not None:
            self._editor = None
            self._editor_index = QPersistentModelIndex()
            self.editing_changed.emit(False)

    def _fit_height(self, editor: QWidget, row_height: int = 0) -> None:
        if not isinstance(editor, TextRowEditor):
            return
        line = QFontMetricsF(editor.font()).height()
        wanted = max(editor.content_height(), row_height - 2 * V_PAD + 8, round(2 * line) + 8)
        editor.resize(editor.width(), min(wanted, max(self._view.viewport().height(), 60)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        # Esc through the base filter closes the editor without committing; remember that.
        if (
            isinstance(watched, TextRowEditor)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            watched.finished = True
            if watched is self._editor:
                self._forget_editor()
        return super().eventFilter(watched, event)


class TranscriptListView(QListView):
    """A list of wrapped rows that can follow the playhead without fighting the user.

    It follows (scrolls a row into view) only when the user has not scrolled it in the last
    :data:`FOLLOW_PAUSE_S` seconds. Keys in ``claimed_keys`` beat window shortcuts while the
    list has focus (Delete deletes the phrase, not something else in the window).
    """

    delete_pressed = Signal()

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholder = placeholder
        self.claimed_keys: frozenset[Qt.Key] = frozenset({Qt.Key.Key_F2})
        self._last_user_scroll = -float("inf")
        self._edit_point: QPoint | None = None
        #: A row to scroll to once laid out, with its wanted top in the viewport (None: centre).
        self._pending: tuple[int, int | None] | None = None
        self.setUniformItemSizes(False)
        self.setWordWrap(True)  # re-lays out rows when the width changes
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(200)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.verticalScrollBar().actionTriggered.connect(self._note_user_scroll)

    # -- following the playhead ----------------------------------------------------------
    def user_scrolled_recently(self) -> bool:
        return time.monotonic() - self._last_user_scroll < FOLLOW_PAUSE_S

    def follow(self, row: int) -> None:
        """Bring ``row`` into view unless it is in view or the user is looking elsewhere."""
        if self.user_scrolled_recently() or self.state() == self.State.EditingState:
            return
        model = self.model()
        if model is None or not 0 <= row < model.rowCount():
            return
        rect = self.visualRect(model.index(row, 0))
        view = self.viewport().rect()
        if (
            rect.isValid()
            and rect.top() >= view.top()
            and rect.top() + min(rect.height(), view.height()) <= view.bottom()
        ):
            return
        # Centred: the next rows are in view too, and the list moves only every half page.
        self._pending = (row, None)
        self._apply_pending()

    def _note_user_scroll(self, _action: int = 0) -> None:
        self._last_user_scroll = time.monotonic()
        self._pending = None  # the user's scrolling wins over a scroll still to be done

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        self._note_user_scroll()
        super().wheelEvent(event)

    # -- keeping the place across model resets ---------------------------------------------
    def setModel(self, model: QAbstractItemModel | None) -> None:  # noqa: N802 (Qt override)
        old = self.model()
        if old is not None:
            old.modelAboutToBeReset.disconnect(self._remember_place)
        super().setModel(model)
        if model is not None:
            model.modelAboutToBeReset.connect(self._remember_place)

    def _remember_place(self) -> None:
        # A reset (a phrase split, merged or deleted) would send the list back to its top.
        index = self.indexAt(QPoint(1, 1))
        if index.isValid() and self._pending is None:
            self._pending = (index.row(), self.visualRect(index).top())

    def doItemsLayout(self) -> None:  # noqa: N802 (Qt override)
        # A relayout (a resize re-wrapping the rows, an edit) starts over in batches and
        # clamps the scroll position to the first batch meanwhile: hold on to the top row.
        self._remember_place()
        super().doItemsLayout()
        self._apply_pending()

    def dataChanged(  # noqa: N802 (Qt override)
        self,
        top_left: QModelIndex | QPersistentModelIndex,
        bottom_right: QModelIndex | QPersistentModelIndex,
        roles: Sequence[int] = (),
    ) -> None:
        if roles and all(role == CURRENT_ROLE for role in roles):
            # The playhead moved on: repaint those rows. The base class would lay out every
            # row again (and reload an open editor), many times a minute while playing.
            rect = self.visualRect(top_left).united(self.visualRect(bottom_right))
            self.viewport().update(rect)
            return
        super().dataChanged(top_left, bottom_right, list(roles))

    def updateGeometries(self) -> None:  # noqa: N802 (Qt override)
        super().updateGeometries()
        self._apply_pending()

    def _apply_pending(self) -> None:
        """Scroll to the pending row once the batched layout has placed it (and made room)."""
        model = self.model()
        if self._pending is None or model is None:
            return
        row, y = self._pending
        count = model.rowCount()
        if not 0 <= row < count:
            self._pending = None
            return
        rect = self.visualRect(model.index(row, 0))
        finished = self.visualRect(model.index(count - 1, 0)).isValid()
        if not rect.isValid():
            if finished:
                self._pending = None
            return
        if y is None:
            y = (self.viewport().height() - rect.height()) // 2
        bar = self.verticalScrollBar()
        target = max(bar.value() + rect.top() - y, 0)
        if target <= bar.maximum() or finished:
            self._pending = None
            bar.setValue(min(target, bar.maximum()))

    # -- editing ---------------------------------------------------------------------------
    def take_edit_point(self) -> QPoint | None:
        """Where the double-click that opened the editor was (once), in viewport pixels."""
        point, self._edit_point = self._edit_point, None
        return point

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self._edit_point = event.position().toPoint()
        super().mouseDoubleClickEvent(event)
        if self.state() != self.State.EditingState:
            self._edit_point = None

    # -- keys ------------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and not event.modifiers()
            and Qt.Key(event.key()) in self.claimed_keys
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        key = event.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and Qt.Key(key) in self.claimed_keys:
            self.delete_pressed.emit()
            event.accept()
            return
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            self._note_user_scroll()
        super().keyPressEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if (
            event.type() == QEvent.Type.Resize
            and isinstance(event, QResizeEvent)
            and event.size().width() != event.oldSize().width()
        ):
            # Wrapped rows change height with the width (the scroll bar coming and going too).
            self.scheduleDelayedItemsLayout()
        return super().viewportEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0 and self.placeholder:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                self.viewport().rect().adjusted(16, 0, -16, 0),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.placeholder,
            )
            painter.end()
