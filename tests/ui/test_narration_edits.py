"""The transcript panel's requests as undoable edits: one undo step each, and saved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from narrlocal_gui.core.model import (
    Indicator,
    Narration,
    Phrase,
    Project,
    Segment,
    VideoRef,
    Word,
)
from narrlocal_gui.core.project_io import load_project, save_project
from narrlocal_gui.ui.document import ProjectDocument
from narrlocal_gui.ui.narration_edits import NarrationEdits

WORDS = (
    Word("crack", 1.0, 1.4, 0.9),
    Word("the", 1.4, 1.5, 0.3),
    Word("egg", 1.5, 2.0, 0.95),
    Word("whisk", 3.0, 3.5, 0.9),
    Word("it", 3.5, 4.0, 0.9),
)


def _project() -> Project:
    narration = Narration(
        (
            Segment("crack the egg", 1.0, 2.0, WORDS[:3]),
            Segment("whisk it", 3.0, 4.0, WORDS[3:]),
        ),
        "en",
        "asr:base",
    )
    phrases = (Phrase("p1", "crack the egg", 1.0, 2.0), Phrase("p2", "whisk it", 3.0, 4.0))
    return Project(
        video=VideoRef(path="/videos/cooking.mp4", duration=10.0),
        narration=narration,
        phrases=phrases,
        indicators=(Indicator("i1", "p1"), Indicator("i2", "p2")),
    )


@pytest.fixture
def document(qtbot: QtBot, tmp_path: Path) -> ProjectDocument:
    doc = ProjectDocument(autosave_seconds=60.0, recovery_dir=tmp_path / "autosave")
    doc.replace(_project())
    return doc


@pytest.fixture
def edits(document: ProjectDocument) -> NarrationEdits:
    return NarrationEdits(document)


EDITS: list[tuple[str, Callable[[NarrationEdits], None], Callable[[Project], bool], str]] = [
    (
        "segment text",
        lambda e: e.set_segment_text(0, "crack an egg"),
        lambda p: p.narration.segments[0].text == "crack an egg",
        "Edit transcript",
    ),
    (
        "phrase text",
        lambda e: e.set_phrase_text("p2", "whisk it well"),
        lambda p: p.phrase("p2").text == "whisk it well",
        "Edit phrase “whisk it”",
    ),
    (
        "split",
        lambda e: e.split_phrase("p1", 5),
        lambda p: (
            [ph.text for ph in p.phrases] == ["crack", "the egg", "whisk it"]
            and p.phrases[1].start == 1.4
        ),
        "Split “crack the egg”",
    ),
    (
        "merge",
        lambda e: e.merge_phrases("p1", "p2"),
        lambda p: (
            [ph.text for ph in p.phrases] == ["crack the egg whisk it"]
            and [i.id for i in p.indicators] == ["i1"]
        ),
        "Merge “crack the egg” and “whisk it”",
    ),
    (
        "delete",
        lambda e: e.delete_phrase("p1"),
        lambda p: [ph.id for ph in p.phrases] == ["p2"] and [i.id for i in p.indicators] == ["i2"],
        "Delete “crack the egg”",
    ),
    (
        "retime",
        lambda e: e.retime_phrase("p2", 2.5, 4.5),
        lambda p: (p.phrase("p2").start, p.phrase("p2").end) == (2.5, 4.5),
        "Retime “whisk it”",
    ),
]


@pytest.mark.parametrize(("name", "act", "check", "undo_text"), EDITS, ids=[e[0] for e in EDITS])
def test_each_edit_is_one_undo_step_and_is_saved(
    document: ProjectDocument,
    edits: NarrationEdits,
    tmp_path: Path,
    name: str,
    act: Callable[[NarrationEdits], None],
    check: Callable[[Project], bool],
    undo_text: str,
) -> None:
    original = document.project
    stack = document.undo_stack
    act(edits)
    edited = document.project
    assert check(edited), name
    assert stack.count() == 1
    assert stack.undoText() == undo_text
    stack.undo()
    assert document.project == original
    stack.redo()
    assert document.project == edited
    path = tmp_path / "p.narrlocal"
    assert document.save_as(path)
    assert check(load_project(path))


def test_invalid_values_are_rejected_with_a_message(
    document: ProjectDocument, edits: NarrationEdits
) -> None:
    messages: list[str] = []
    edits.rejected.connect(messages.append)
    original = document.project
    edits.set_phrase_text("p1", "   ")
    edits.split_phrase("p1", 0)
    edits.retime_phrase("p1", 3.0, 2.0)
    edits.retime_phrase("p1", 1.0, 11.0)
    edits.merge_phrases("p1", "p1")
    assert len(messages) == 5
    assert all(m and m[0].isupper() for m in messages)
    assert document.project is original
    assert document.undo_stack.count() == 0


def test_unknown_ids_are_bugs_not_messages(edits: NarrationEdits) -> None:
    with pytest.raises(KeyError):
        edits.delete_phrase("nope")


def test_deleting_a_segment_names_the_step(
    document: ProjectDocument, edits: NarrationEdits, tmp_path: Path
) -> None:
    edits.set_segment_text(1, "")
    assert document.undo_stack.undoText() == "Delete transcript line"
    assert [s.text for s in document.project.narration.segments] == ["crack the egg"]
    path = tmp_path / "p.narrlocal"
    save_project(document.project, path)
    loaded = load_project(path)
    assert loaded.narration == document.project.narration


def test_a_fixed_word_keeps_its_times_through_a_save(
    document: ProjectDocument, edits: NarrationEdits, tmp_path: Path
) -> None:
    edits.set_segment_text(0, "crack teh egg")
    edits.set_segment_text(0, "crack the egg")  # fixed back by hand: the word is no longer unsure
    path = tmp_path / "p.narrlocal"
    save_project(document.project, path)
    words = load_project(path).narration.segments[0].words
    assert [(w.text, w.start, w.end) for w in words] == [
        (w.text, w.start, w.end) for w in WORDS[:3]
    ]
    assert words[1].confidence is None
    assert document.undo_stack.count() == 2
