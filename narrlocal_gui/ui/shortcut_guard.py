"""Keeps the window's single-key shortcuts from stealing keys that an editor needs.

The player's shortcuts are plain keys (Space, J/K/L, M, the arrows). While the user types
in a text field or spin box, those keys must type, move the cursor or step the value.
Qt asks the focused widget first with a ``ShortcutOverride`` event; a line edit already
claims printable keys and the cursor keys, but a spin box leaves Up/Down (and item views,
combo boxes leave their navigation keys) to the shortcut. This application-wide filter
claims those too, so shortcuts win everywhere else and lose only where a key edits.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

_TEXT_EDITORS = (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit)
_NAVIGATION_KEYS = frozenset(
    {
        Qt.Key.Key_Up,
        Qt.Key.Key_Down,
        Qt.Key.Key_PageUp,
        Qt.Key.Key_PageDown,
    }
)
_COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


def editor_wants_key(widget: QWidget, event: QKeyEvent) -> bool:
    """True when ``widget`` (the focus widget) needs ``event``'s key more than a shortcut."""
    if event.modifiers() & _COMMAND_MODIFIERS:
        return False  # Ctrl+S and friends are commands, never text
    key = Qt.Key(event.key())
    # A spin box's focus widget is its inner line edit, so look at the parents as well.
    chain = [widget, widget.parentWidget()]
    for candidate in chain:
        if candidate is None:
            continue
        if isinstance(candidate, _TEXT_EDITORS):
            editable = not (isinstance(candidate, QLineEdit) and candidate.isReadOnly())
            return editable or key in _NAVIGATION_KEYS
        if isinstance(candidate, QComboBox) and candidate.isEditable():
            return True
        if isinstance(candidate, QAbstractItemView | QComboBox):
            return key in _NAVIGATION_KEYS
    return False


class ShortcutGuard(QObject):
    """An application-wide event filter; get it with :meth:`install`."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(watched, QWidget)
            and isinstance(event, QKeyEvent)
            and watched is QApplication.focusWidget()
            and editor_wants_key(watched, event)
        ):
            # Accepting the override sends the key to the widget instead of the shortcut.
            event.accept()
            return True
        return False

    @classmethod
    def install(cls, app: QApplication) -> ShortcutGuard:
        """The application's guard, installed on first use (further calls return it)."""
        existing = app.findChild(cls)
        if isinstance(existing, cls):
            return existing
        guard = cls(app)
        app.installEventFilter(guard)
        return guard
