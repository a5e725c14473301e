"""The document: undoable edits, merging, saving, autosave and recovery."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from narrlocal_gui.core import edits
from narrlocal_gui.core.model import Indicator, Phrase, Project, VideoRef
from narrlocal_gui.core.project_io import load_project, save_project
from narrlocal_gui.ui.document import (
    DocumentPath,
    ProjectDocument,
    autosave_dir,
    recovery_files,
)


def _project() -> Project:
    phrases = (Phrase("p1", "crack the egg", 1.0, 2.0), Phrase("p2", "whisk it", 3.0, 4.0))
    return Project(
        video=VideoRef(path="/videos/cooking.mp4", duration=10.0),
        phrases=phrases,
        indicators=(Indicator("i1", "p1"), Indicator("i2", "p2")),
    )


@pytest.fixture
def document(qtbot: QtBot, tmp_path: Path) -> ProjectDocument:
    doc = ProjectDocument(autosave_seconds=0.2, recovery_dir=tmp_path / "autosave")
    doc.replace(_project())
    return doc


def test_apply_undo_redo(document: ProjectDocument) -> None:
    seen: list[Project] = []
    document.changed.connect(seen.append)
    document.apply("Hide", edits.set_indicator_enabled, "i1", False)
    assert not document.project.indicator("i1").enabled
    assert document.is_modified
    assert document.undo_stack.undoText() == "Hide"
    document.undo_stack.undo()
    assert document.project.indicator("i1").enabled
    assert not document.is_modified
    document.undo_stack.redo()
    assert not document.project.indicator("i1").enabled
    assert len(seen) == 3


def test_an_edit_that_changes_nothing_adds_no_step(document: ProjectDocument) -> None:
    document.apply("Show", edits.set_indicator_enabled, "i1", True)
    assert document.undo_stack.count() == 0
    assert not document.is_modified


def test_spin_box_steps_merge_into_one_undo_step(document: ProjectDocument) -> None:
    for seconds in (3.5, 4.0, 4.5):
        document.apply(
            f"Duration {seconds} s", edits.set_indicator_duration, "i1", seconds, merge=True
        )
    assert document.undo_stack.count() == 1
    assert document.project.indicator("i1").duration_override == 4.5
    assert document.undo_stack.undoText() == "Duration 4.5 s"  # the value it ends on
    # Another target starts a new step, and so does an unmergeable edit.
    document.apply("Duration", edits.set_indicator_duration, "i2", 2.0, merge=True)
    document.apply("Hide", edits.set_indicator_enabled, "i1", False)
    document.apply("Duration", edits.set_indicator_duration, "i1", 5.0, merge=True)
    assert document.undo_stack.count() == 4
    for _ in range(4):
        document.undo_stack.undo()
    assert document.project == _project()


def test_stepping_away_and_back_leaves_no_step(document: ProjectDocument) -> None:
    document.apply("Default", edits.set_default_duration, 4.0, merge=True)
    document.apply("Default", edits.set_default_duration, 3.0, merge=True)
    assert document.undo_stack.count() == 0
    assert not document.is_modified


def test_save_as_then_save(document: ProjectDocument, tmp_path: Path) -> None:
    target = tmp_path / "my project.narrlocal"
    paths: list[object] = []
    document.path_changed.connect(paths.append)
    document.apply("Hide", edits.set_indicator_enabled, "i1", False)
    assert document.save_as(target)
    assert paths == [DocumentPath(target)] and document.path == target and not document.is_modified
    assert document.display_name == "my project"
    assert not load_project(target).indicator("i1").enabled
    document.apply("Show", edits.set_indicator_enabled, "i1", True)
    assert document.save()
    assert load_project(target).indicator("i1").enabled


def test_a_failed_save_keeps_the_project_and_says_why(
    document: ProjectDocument, tmp_path: Path
) -> None:
    errors: list[str] = []
    document.save_failed.connect(errors.append)
    document.apply("Hide", edits.set_indicator_enabled, "i1", False)
    assert not document.save_as(tmp_path)  # a folder
    assert errors and "folder" in errors[0]
    assert document.is_modified and document.path is None
    assert not document.project.indicator("i1").enabled
    assert not document.save()  # untitled: nowhere to save
    assert len(errors) == 2


def test_autosave_writes_the_project_file_shortly_after_an_edit(
    document: ProjectDocument, tmp_path: Path, qtbot: QtBot
) -> None:
    target = tmp_path / "p.narrlocal"
    assert document.save_as(target)
    document.apply("Hide", edits.set_indicator_enabled, "i2", False)
    with qtbot.waitSignal(document.autosaved, timeout=3000) as blocker:
        pass
    assert blocker.args == [target]
    # As a fresh process would see it after a kill:
    assert not load_project(target).indicator("i2").enabled
    assert not document.is_modified


def test_a_held_autosave_waits_for_the_release(
    document: ProjectDocument, tmp_path: Path, qtbot: QtBot
) -> None:
    target = tmp_path / "p.narrlocal"
    assert document.save_as(target)
    saved: list[object] = []
    document.autosaved.connect(saved.append)
    document.hold_autosave()
    document.hold_autosave()  # holds nest
    document.apply("Hide", edits.set_indicator_enabled, "i2", False)
    document.release_autosave()
    qtbot.wait(600)  # three autosave delays
    assert saved == []
    document.release_autosave()
    qtbot.waitUntil(lambda: saved == [target], timeout=3000)
    assert not document.is_modified


def test_autosave_of_an_untitled_project_goes_to_a_recovery_file(
    document: ProjectDocument, tmp_path: Path, qtbot: QtBot
) -> None:
    document.apply("Hide", edits.set_indicator_enabled, "i2", False)
    with qtbot.waitSignal(document.autosaved, timeout=3000) as blocker:
        pass
    recovery = blocker.args[0]
    assert recovery.parent == tmp_path / "autosave"
    assert recovery.name.startswith("cooking-")
    assert recovery_files(tmp_path / "autosave") == [recovery]
    assert not load_project(recovery).indicator("i2").enabled
    assert document.is_modified  # still not in a real project file
    # Saved for real: the recovery copy goes.
    assert document.save_as(tmp_path / "kept.narrlocal")
    assert not recovery.exists()


def test_undoing_back_to_the_opened_state_drops_the_recovery_file(
    document: ProjectDocument, qtbot: QtBot
) -> None:
    document.apply("Hide", edits.set_indicator_enabled, "i2", False)
    assert document.autosave_now()
    recovery = document.recovery_path
    assert recovery is not None and recovery.exists()
    document.undo_stack.undo()
    assert not recovery.exists()


def test_a_recovered_project_counts_as_modified(qtbot: QtBot, tmp_path: Path) -> None:
    recovery = tmp_path / "r.narrlocal"
    save_project(_project(), recovery)
    doc = ProjectDocument(autosave_seconds=0.2, recovery_dir=tmp_path)
    doc.replace(load_project(recovery), path=None, recovery_path=recovery)
    assert doc.is_modified and doc.recovery_path == recovery and doc.path is None
    doc.apply("Hide", edits.set_indicator_enabled, "i1", False)
    assert doc.autosave_now()
    assert not load_project(recovery).indicator("i1").enabled


def test_default_recovery_folder_is_in_the_user_data_dir(_isolated_data_dir: Path) -> None:
    assert autosave_dir() == _isolated_data_dir / "NarrLocal" / "autosave"
    assert recovery_files() == []
