"""The selection's rules: what choosing a phrase or an indicator selects, and what an edit
of the project leaves selected."""

from __future__ import annotations

import pytest

from narrlocal_gui.core.model import Indicator, Phrase, Project
from narrlocal_gui.core.selection import Selection, indicator_selected, phrase_selected, pruned

PROJECT = Project(
    phrases=(Phrase("p1", "one", 0.0, 1.0), Phrase("p2", "two", 1.0, 2.0)),
    indicators=(Indicator("i1", "p1"),),
)


def test_choosing_a_phrase_selects_it_and_its_indicator() -> None:
    assert phrase_selected(PROJECT, "p1") == Selection("p1", "i1")
    assert phrase_selected(PROJECT, "p2") == Selection("p2", None)  # it has none
    assert phrase_selected(PROJECT, None) == Selection()
    assert phrase_selected(PROJECT, "gone") == Selection()


def test_choosing_an_indicator_selects_it_and_its_phrase() -> None:
    assert indicator_selected(Selection("p2"), PROJECT, "i1") == Selection("p1", "i1")


def test_choosing_no_indicator_keeps_the_phrase() -> None:
    # A click beside every box: the phrase stays the one a drawn box is for.
    assert indicator_selected(Selection("p1", "i1"), PROJECT, None) == Selection("p1", None)
    assert indicator_selected(Selection("p2"), PROJECT, "gone") == Selection("p2", None)


def test_what_the_project_no_longer_holds_is_no_longer_selected() -> None:
    selection = Selection("p1", "i1")
    assert pruned(selection, PROJECT) is not selection
    assert pruned(selection, PROJECT) == selection
    without_indicator = Project(phrases=PROJECT.phrases)
    assert pruned(selection, without_indicator) == Selection("p1", None)
    assert pruned(selection, Project()) == Selection()
    assert pruned(Selection(), Project()) == Selection()


def test_a_selection_holds_no_empty_ids() -> None:
    with pytest.raises(ValueError, match="phrase"):
        Selection("")
    with pytest.raises(ValueError, match="indicator"):
        Selection(None, "")
