"""Action spans on phrases, the span an indicator follows, their edits and their file round trip."""

import json
from pathlib import Path

import pytest

from narrlocal_gui.core import edits
from narrlocal_gui.core.localization_edits import apply_localization
from narrlocal_gui.core.model import (
    Box,
    DisplaySettings,
    Indicator,
    Phrase,
    Project,
    SpanChoice,
    TrackPoint,
)
from narrlocal_gui.core.project_io import load_project, save_project
from narrlocal_gui.core.track_edits import add_box_for_phrase, phrase_display_span
from narrlocal_gui.core.visibility import display_span, visible_indicators


def _project(
    follow: SpanChoice = SpanChoice.ACTION, span: tuple[float, float] | None = None
) -> Project:
    phrase = Phrase("p", "pour the water", 10.0, 12.0, action_span=span)
    return Project(phrases=(phrase,), indicators=(Indicator("i", "p", follow=follow),))


def test_action_span_is_validated() -> None:
    assert Phrase("p", "x", 1.0, 2.0, action_span=(3, 5)).action_span == (3.0, 5.0)
    for bad in ((5.0, 3.0), (2.0, 2.0), (-1.0, 2.0), (float("nan"), 2.0), (1.0,)):
        with pytest.raises(ValueError):
            Phrase("p", "x", 1.0, 2.0, action_span=bad)  # type: ignore[arg-type]


def test_follow_defaults_to_the_spoken_span_and_converts_names() -> None:
    assert Indicator("i", "p").follow is SpanChoice.SPOKEN
    assert Indicator("i", "p", follow="action").follow is SpanChoice.ACTION  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Indicator("i", "p", follow="later")  # type: ignore[arg-type]
    assert DisplaySettings().default_follow is SpanChoice.SPOKEN


def test_display_span_follows_the_action_span_when_chosen_and_present() -> None:
    whole = DisplaySettings(default_duration=None)
    fixed = DisplaySettings(default_duration=3.0)
    p = _project(span=(20.0, 26.0))
    ind, phrase = p.indicators[0], p.phrases[0]
    assert display_span(ind, phrase, whole) == (20.0, 26.0)
    assert display_span(ind, phrase, fixed) == (20.0, 23.0)
    spoken = Indicator("i", "p", follow=SpanChoice.SPOKEN)
    assert display_span(spoken, phrase, whole) == (10.0, 12.0)
    # Following the action of a phrase without one: the spoken span.
    bare = _project(span=None)
    assert display_span(bare.indicators[0], bare.phrases[0], whole) == (10.0, 12.0)


def test_visible_indicators_use_the_followed_span() -> None:
    p = edits.set_default_duration(_project(span=(20.0, 26.0)), None)
    assert visible_indicators(p, 11.0) == []
    assert [v.indicator_id for v in visible_indicators(p, 21.0)] == ["i"]
    assert phrase_display_span(p, "p") == (20.0, 26.0)


def test_set_and_clear_action_span_is_pure() -> None:
    before = _project()
    after = edits.set_phrase_action_span(before, "p", (20.0, 24.0))
    assert after.phrase("p").action_span == (20.0, 24.0)
    assert before.phrase("p").action_span is None
    assert edits.set_phrase_action_span(after, "p", None).phrase("p").action_span is None
    with pytest.raises(ValueError):
        edits.set_phrase_action_span(before, "p", (5.0, 4.0))
    with pytest.raises(KeyError):
        edits.set_phrase_action_span(before, "nope", (1.0, 2.0))


def test_set_indicator_follow() -> None:
    p = edits.set_indicator_follow(_project(SpanChoice.SPOKEN), "i", SpanChoice.ACTION)
    assert p.indicator("i").follow is SpanChoice.ACTION
    with pytest.raises(KeyError):
        edits.set_indicator_follow(p, "nope", SpanChoice.ACTION)


def test_new_indicators_take_the_project_default() -> None:
    phrase = Phrase("p", "pour the water", 10.0, 12.0)
    project = Project(phrases=(phrase,), display=DisplaySettings(default_follow=SpanChoice.ACTION))
    drawn = add_box_for_phrase(project, "p", 10.0, Box(0, 0, 10, 10), 0.01, "new")
    assert drawn.indicator("new").follow is SpanChoice.ACTION
    localized = apply_localization(
        project, "p", (TrackPoint(10.0, Box(0, 0, 5, 5)),), (), None, new_indicator_id="loc"
    )
    assert localized.indicator("loc").follow is SpanChoice.ACTION


def test_round_trip(tmp_path: Path) -> None:
    project = Project(
        phrases=(
            Phrase("p", "pour", 1.0, 2.0, action_span=(3.5, 6.25)),
            Phrase("q", "cut", 4.0, 5.0),
        ),
        indicators=(Indicator("i", "p", follow=SpanChoice.ACTION), Indicator("j", "q")),
        display=DisplaySettings(default_follow=SpanChoice.ACTION),
    )
    path = tmp_path / "a.narrlocal"
    save_project(project, path)
    loaded = load_project(path)
    assert loaded.phrases == project.phrases
    assert [i.follow for i in loaded.indicators] == [SpanChoice.ACTION, SpanChoice.SPOKEN]
    assert loaded.display.default_follow is SpanChoice.ACTION


def test_files_without_the_fields_read_as_spoken_and_none(tmp_path: Path) -> None:
    path = tmp_path / "old.narrlocal"
    doc = {
        "format": "narrlocal-project",
        "version": 1,
        "phrases": [{"id": "p", "text": "pour", "start": 1.0, "end": 2.0}],
        "indicators": [{"id": "i", "phrase_id": "p"}],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    loaded = load_project(path)
    assert loaded.phrase("p").action_span is None
    assert loaded.indicator("i").follow is SpanChoice.SPOKEN
    assert loaded.display.default_follow is SpanChoice.SPOKEN


@pytest.mark.parametrize(
    ("phrase_extra", "indicator_extra"),
    [({"action_span": [3.0]}, {}), ({"action_span": [4.0, 3.0]}, {}), ({}, {"follow": "later"})],
)
def test_damaged_fields_are_refused(
    tmp_path: Path, phrase_extra: dict[str, object], indicator_extra: dict[str, object]
) -> None:
    from narrlocal_gui.errors import ProjectFileError

    path = tmp_path / "bad.narrlocal"
    doc = {
        "format": "narrlocal-project",
        "version": 1,
        "phrases": [{"id": "p", "text": "pour", "start": 1.0, "end": 2.0, **phrase_extra}],
        "indicators": [{"id": "i", "phrase_id": "p", **indicator_extra}],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ProjectFileError):
        load_project(path)
