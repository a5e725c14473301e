"""The Search menu's commands and their keys, and Localize > Propose Action Spans.

Kept beside :mod:`narrlocal_gui.ui.actions` (the rest of the window's commands) because they
belong to one feature; like those, each is window-wide and sits in a menu, so the menus and
Help > Keyboard Shortcuts document the keys.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar


def _action(parent: QObject, text: str, key: str | None, tip: str) -> QAction:
    action = QAction(text, parent)
    if key is not None:
        action.setShortcut(QKeySequence(key))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setStatusTip(tip)
    action.setToolTip(tip)
    return action


@dataclass(frozen=True, slots=True)
class SearchActions:
    find: QAction
    next_result: QAction
    previous_result: QAction
    use_as_action_span: QAction
    accept_proposal: QAction
    clear_action_span: QAction
    propose_action_spans: QAction
    cancel_search: QAction

    def all(self) -> list[QAction]:
        return [getattr(self, f.name) for f in fields(self)]


def build_search_actions(parent: QObject) -> SearchActions:
    """Create the actions (unconnected: the window wires them)."""
    return SearchActions(
        find=_action(parent, "&Find a Moment…", "Ctrl+F", "Type what to look for in the video"),
        next_result=_action(parent, "&Next Result", "F3", "Go to the next search result"),
        previous_result=_action(
            parent, "&Previous Result", "Shift+F3", "Go to the previous search result"
        ),
        use_as_action_span=_action(
            parent,
            "&Use Result as Action Span",
            None,
            "Set the selected phrase's action span to the current search result",
        ),
        accept_proposal=_action(
            parent,
            "&Accept Proposed Action Span",
            None,
            "Set the selected phrase's action span to the one the localizer proposed",
        ),
        clear_action_span=_action(
            parent, "C&lear Action Span", None, "The selected phrase has no action span"
        ),
        propose_action_spans=_action(
            parent,
            "&Propose Action Spans",
            None,
            "Find where each phrase's action is seen, near where it is spoken",
        ),
        cancel_search=_action(parent, "&Cancel Search", None, "Stop the search"),
    )


def add_search_menus(bar: QMenuBar, actions: SearchActions) -> QMenu:
    """A Search menu before the last menu (Help), and Propose Action Spans at the end of the
    Localize menu when there is one; the new Search menu."""
    menu = QMenu("&Search", bar)
    menu.addAction(actions.find)
    menu.addAction(actions.next_result)
    menu.addAction(actions.previous_result)
    menu.addSeparator()
    menu.addAction(actions.use_as_action_span)
    menu.addAction(actions.accept_proposal)
    menu.addAction(actions.clear_action_span)
    menu.addSeparator()
    menu.addAction(actions.cancel_search)
    menus = [a for a in bar.actions() if a.menu() is not None]
    if menus:
        bar.insertMenu(menus[-1], menu)
    else:
        bar.addMenu(menu)
    for a in menus:
        sub = a.menu()
        if isinstance(sub, QMenu) and sub.title().replace("&", "") == "Localize":
            sub.addSeparator()
            sub.addAction(actions.propose_action_spans)
    return menu
