"""Undoable edits: every change a user makes to a project is one :class:`ProjectEditCommand`.

A command holds the project before and after the edit. Projects are immutable, so undo is
"put the old project back" and no command can leave a half-applied change behind. The edit
itself is a pure function from :mod:`narrlocal_gui.core.edits`, tested without Qt.

Continuous edits (a spin box stepping 3.0 -> 3.5 -> 4.0 s, a slider dragged) are merged into
one undo step when they come one after another with the same function on the same target.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Protocol

from PySide6.QtGui import QUndoCommand

from narrlocal_gui.core.model import Project

Edit = Callable[..., Project]

# QUndoCommand.id() must be an int shared by commands that may merge; one per edit function.
_merge_ids: dict[Edit, int] = {}


def _merge_id(fn: Edit) -> int:
    return _merge_ids.setdefault(fn, 1000 + len(_merge_ids))


class EditTarget(Protocol):
    """What a command edits: the document, which shows whichever project is current."""

    def show_project(self, project: Project) -> None: ...


class ProjectEditCommand(QUndoCommand):
    """One edit: ``before`` -> ``after``, with ``text`` for the Undo/Redo menu entries.

    ``merge_key`` (None: never merge) identifies the target; a new command with the same
    edit function and key replaces this one's ``after`` instead of adding an undo step.
    """

    def __init__(
        self,
        target: EditTarget,
        before: Project,
        after: Project,
        text: str,
        fn: Edit | None = None,
        merge_key: Hashable | None = None,
    ) -> None:
        super().__init__(text)
        self._target = target
        self.before = before
        self.after = after
        self._fn = fn
        self._merge_key = merge_key

    def redo(self) -> None:
        self._target.show_project(self.after)

    def undo(self) -> None:
        self._target.show_project(self.before)

    def id(self) -> int:
        if self._fn is None or self._merge_key is None:
            return -1  # Qt: -1 = never merge
        return _merge_id(self._fn)

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt's name)
        if not isinstance(other, ProjectEditCommand):
            return False
        if other._fn is not self._fn or other._merge_key != self._merge_key:
            return False
        self.after = other.after
        self.setText(other.text())  # the Undo menu names the value the step ends on
        # Stepping a value away and back is no change at all: Qt then drops the command.
        self.setObsolete(self.after == self.before)
        return True


def edit_command(
    target: EditTarget,
    current: Project,
    text: str,
    fn: Edit,
    *args: Any,
    merge: bool = False,
) -> ProjectEditCommand | None:
    """The command applying ``fn(current, *args)``; None when the edit changes nothing.

    With ``merge`` the target of the edit is every argument but the last (the new value):
    ``set_indicator_duration(p, "ind-1", 4.0)`` merges with the next duration change of
    ``"ind-1"``, and ``set_default_duration(p, 4.0)`` with the next default change.
    """
    after = fn(current, *args)
    if after == current:
        return None
    key: Hashable | None = tuple(args[:-1]) if merge else None
    return ProjectEditCommand(target, current, after, text, fn, key)
