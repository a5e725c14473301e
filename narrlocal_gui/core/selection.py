"""The selection: the phrase and the indicator the user has chosen, and the rules for changing it.

There is one selection, whichever view it was made in (the picture, the timeline, the
indicator list, the transcript, Up/Down). The views show it and ask for changes; the rules
here say what a request turns into, so every view agrees:

* choosing a phrase selects it and its indicator (none when it has none);
* choosing an indicator selects it and its phrase; choosing no indicator (a click beside
  every box) keeps the phrase, which is what a box drawn next is for;
* when the project changes, whatever is no longer in it is no longer selected.
"""

from __future__ import annotations

from dataclasses import dataclass

from narrlocal_gui.core.model import Project

__all__ = ["Selection", "indicator_selected", "phrase_selected", "pruned"]


@dataclass(frozen=True, slots=True)
class Selection:
    """The selected phrase and indicator (None: nothing of that kind is selected).

    Made by the rules below, the indicator (when there is one) is one of the phrase's.
    """

    phrase_id: str | None = None
    indicator_id: str | None = None

    def __post_init__(self) -> None:
        for name, value in (("phrase", self.phrase_id), ("indicator", self.indicator_id)):
            if value is not None and not value:
                raise ValueError(f"a selected {name} id must not be empty")


def phrase_selected(project: Project, phrase_id: str | None) -> Selection:
    """The phrase ``phrase_id`` and its indicator (None, or a phrase not in ``project``:
    nothing)."""
    if phrase_id is None or not any(p.id == phrase_id for p in project.phrases):
        return Selection()
    indicator = project.indicator_for_phrase(phrase_id)
    return Selection(phrase_id, None if indicator is None else indicator.id)


def indicator_selected(
    selection: Selection, project: Project, indicator_id: str | None
) -> Selection:
    """The indicator ``indicator_id`` and its phrase; without one (None, or an id not in
    ``project``) no indicator, and the phrase stays selected."""
    indicator = next((i for i in project.indicators if i.id == indicator_id), None)
    if indicator is None:
        return Selection(selection.phrase_id, None)
    return Selection(indicator.phrase_id, indicator.id)


def pruned(selection: Selection, project: Project) -> Selection:
    """``selection`` without what ``project`` no longer holds (after an edit, an undo, a
    newly opened project)."""
    phrase_id = selection.phrase_id
    if phrase_id is not None and not any(p.id == phrase_id for p in project.phrases):
        phrase_id = None
    indicator_id = selection.indicator_id
    if indicator_id is not None and not any(i.id == indicator_id for i in project.indicators):
        indicator_id = None
    return Selection(phrase_id, indicator_id)
