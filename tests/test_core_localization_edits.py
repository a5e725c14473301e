"""core/localization_edits.py: a localizer result creates or updates the phrase's indicator,
keeping what a person chose (style, enabled, duration, colour, hand-corrected boxes)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from narrlocal_gui.core.localization_edits import apply_localization, merge_track
from narrlocal_gui.core.model import (
    PALETTE,
    Box,
    HeatSample,
    Indicator,
    IndicatorStyle,
    NotVisualReason,
    Phrase,
    Project,
    TrackPoint,
)


def _model_track(times: list[float], x: float = 10.0) -> tuple[TrackPoint, ...]:
    return tuple(TrackPoint(t, Box(x, 10, x + 20, 30)) for t in times)


def _heat(times: list[float]) -> tuple[HeatSample, ...]:
    return tuple(HeatSample(t, np.full((3, 4), 0.5, dtype=np.float32)) for t in times)


@pytest.fixture
def project() -> Project:
    phrases = tuple(Phrase(f"p{i}", f"phrase {i}", i * 2.0, i * 2.0 + 1.5) for i in range(9))
    return Project(phrases=phrases)


def test_creates_a_box_indicator_with_the_phrase_colour(project: Project) -> None:
    track = _model_track([0.0, 0.5, 1.0])
    out = apply_localization(
        project, "p8", track, _heat([0.0, 0.5]), 0.7, new_indicator_id="ind-new"
    )
    assert project.indicators == ()  # the old project is untouched
    ind = out.indicator("ind-new")
    assert ind.phrase_id == "p8" and ind.style is IndicatorStyle.BOX and ind.enabled
    assert ind.color == PALETTE[8 % len(PALETTE)]
    assert [p.time for p in ind.track] == [0.0, 0.5, 1.0]
    assert not any(p.human for p in ind.track)
    assert [h.time for h in ind.heatmaps] == [0.0, 0.5] and ind.score == 0.7


def test_a_given_colour_wins(project: Project) -> None:
    out = apply_localization(project, "p1", (), (), None, new_indicator_id="i", color=(1, 2, 3))
    ind = out.indicator("i")
    assert ind.color == (1, 2, 3) and ind.track == () and ind.score is None


def test_updates_keep_user_choices_and_hand_corrections(project: Project) -> None:
    corrected = TrackPoint(1.0004, Box(100, 100, 150, 150), human=True)
    late = TrackPoint(9.0, Box(1, 1, 5, 5), human=True)
    old = Indicator(
        "ind-1",
        "p2",
        style=IndicatorStyle.SPOTLIGHT,
        enabled=False,
        duration_override=4.0,
        color=(9, 9, 9),
        track=(*_model_track([0.0, 0.5, 1.0, 1.5], x=0.0), corrected, late),
        heatmaps=_heat([0.0, 0.5, 1.0]),
        score=0.1,
    )
    project = Project(phrases=project.phrases, indicators=(old,))
    new_track = _model_track([0.0, 0.5, 1.0, 1.5, 2.0], x=50.0)
    out = apply_localization(
        project, "p2", new_track, _heat([0.0, 1.0]), 0.9, new_indicator_id="unused"
    )
    assert len(out.indicators) == 1
    ind = out.indicator("ind-1")
    assert (ind.style, ind.enabled, ind.duration_override, ind.color) == (
        IndicatorStyle.SPOTLIGHT,
        False,
        4.0,
        (9, 9, 9),
    )
    times = [p.time for p in ind.track]
    # The model point at 1.0 gives way to the correction at 1.0004; old model points are gone.
    assert times == [0.0, 0.5, 1.0004, 1.5, 2.0, 9.0]
    assert [p.human for p in ind.track] == [False, False, True, False, False, True]
    assert all(p.box.x1 == 50.0 for p in ind.track if not p.human)
    assert [h.time for h in ind.heatmaps] == [0.0, 1.0] and ind.score == 0.9


def test_correction_only_hides_model_points_within_half_a_frame() -> None:
    human = (TrackPoint(0.7, Box(0, 0, 1, 1), human=True),)
    # Frames 1 s apart: the model point at 1.0 (0.3 s away) is hidden, 0.0 (0.7 s) is not.
    merged = merge_track(human, _model_track([0.0, 1.0, 2.0]))
    assert [p.time for p in merged] == [0.0, 0.7, 2.0]
    # A lone model point: "the same time" means within 1 ms.
    merged = merge_track(human, _model_track([0.7005]))
    assert [(p.time, p.human) for p in merged] == [(0.7, True)]
    merged = merge_track(human, _model_track([0.702]))
    assert [p.time for p in merged] == [0.7, 0.702]


def test_model_points_are_never_marked_human() -> None:
    track = (TrackPoint(0.0, Box(0, 0, 1, 1), human=True),)
    assert merge_track((), track)[0].human is False


def test_other_indicators_are_left_alone(project: Project) -> None:
    other = Indicator("other", "p0", track=_model_track([0.0]))
    project = Project(phrases=project.phrases, indicators=(other,))
    out = apply_localization(project, "p1", _model_track([2.0]), (), 0.5, new_indicator_id="n")
    assert out.indicator("other") is other
    assert [i.id for i in out.indicators] == ["other", "n"]


def test_bad_input_raises(project: Project) -> None:
    with pytest.raises(KeyError):
        apply_localization(project, "nope", (), (), None, new_indicator_id="x")
    with pytest.raises(ValueError):
        apply_localization(project, "p0", (), (), float("nan"), new_indicator_id="x")
    taken = Project(phrases=project.phrases, indicators=(Indicator("x", "p0"),))
    with pytest.raises(ValueError):  # the new id is taken by another phrase's indicator
        apply_localization(taken, "p1", (), (), None, new_indicator_id="x")


def test_a_not_visual_phrase_gets_a_disabled_indicator_a_person_can_turn_on() -> None:
    talk = Phrase("talk", "so that's it for this video", 0.0, 2.0, False, NotVisualReason.META_TALK)
    project = Project(phrases=(talk, Phrase("act", "stir it", 2.0, 3.0)))
    out = apply_localization(project, "talk", (), (), 0.2, new_indicator_id="i-talk")
    out = apply_localization(out, "act", (), (), 0.8, new_indicator_id="i-act")
    assert not out.indicator("i-talk").enabled
    assert out.indicator("i-act").enabled
    turned_on = dataclasses.replace(
        out,
        indicators=tuple(
            dataclasses.replace(i, enabled=True) if i.id == "i-talk" else i for i in out.indicators
        ),
    )
    again = apply_localization(turned_on, "talk", (), (), 0.3, new_indicator_id="unused")
    assert again.indicator("i-talk").enabled  # the person's choice is kept
