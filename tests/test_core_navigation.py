"""Where Up/Down (previous/next phrase) take the playhead: pure functions of a project."""

from __future__ import annotations

from narrlocal_gui.core.model import Phrase, Project
from narrlocal_gui.core.navigation import next_phrase_start, phrase_at, previous_phrase_start


def test_phrase_navigation() -> None:
    project = Project(
        phrases=(
            Phrase("a", "one", 1.0, 2.0),
            Phrase("b", "two", 3.0, 5.0),
            Phrase("c", "three", 4.0, 6.0),
        )
    )
    assert next_phrase_start(project, 0.0) == 1.0
    assert next_phrase_start(project, 1.0) == 3.0
    assert next_phrase_start(project, 4.0) is None
    assert previous_phrase_start(project, 3.2) == 1.0  # just after a start: the one before
    assert previous_phrase_start(project, 3.9) == 3.0  # later: back to this one's start
    assert previous_phrase_start(project, 0.5) is None
    assert phrase_at(project, 4.5) == "c"  # overlapping: the latest started
    assert phrase_at(project, 2.5) is None
