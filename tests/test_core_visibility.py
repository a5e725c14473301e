from dataclasses import replace

import numpy as np
import pytest

from narrlocal_gui.core.model import (
    Box,
    DisplaySettings,
    HeatSample,
    Indicator,
    Phrase,
    Project,
    TrackPoint,
)
from narrlocal_gui.core.visibility import (
    box_at,
    display_span,
    has_visible_indicators,
    heatmap_at,
    indicators_in,
    visible_indicators,
)


def _project(**ind_kwargs: object) -> Project:
    phrase = Phrase("p", "put the pan on the stove", 10.0, 18.0)
    return Project(phrases=(phrase,), indicators=(Indicator("i", "p", **ind_kwargs),))  # type: ignore[arg-type]


def test_default_duration_caps_a_long_phrase() -> None:
    # The patent: highlighted "for only three seconds even if the phrase takes longer".
    proj = _project()
    assert display_span(proj.indicators[0], proj.phrases[0], proj.display) == (10.0, 13.0)
    assert [v.indicator_id for v in visible_indicators(proj, 12.9)] == ["i"]
    assert visible_indicators(proj, 13.0) == []
    assert visible_indicators(proj, 9.99) == []


def test_override_beats_default_and_can_outlast_the_phrase() -> None:
    proj = _project(duration_override=10.0)
    assert display_span(proj.indicators[0], proj.phrases[0], proj.display) == (10.0, 20.0)
    assert visible_indicators(proj, 19.5)


def test_no_default_means_the_phrase_span() -> None:
    proj = _project()
    settings = DisplaySettings(default_duration=None)
    assert display_span(proj.indicators[0], proj.phrases[0], settings) == (10.0, 18.0)
    zero = Phrase("z", "now", 4.0, 4.0)
    start, end = display_span(Indicator("j", "z"), zero, settings)
    assert start == 4.0 and end > start


def test_disabled_indicators_are_hidden() -> None:
    assert visible_indicators(_project(enabled=False), 11.0) == []


def test_several_indicators_in_project_order() -> None:
    phrases = (Phrase("a", "one", 0, 5), Phrase("b", "two", 1, 5), Phrase("c", "three", 9, 10))
    inds = (Indicator("ia", "a"), Indicator("ib", "b"), Indicator("ic", "c"))
    proj = Project(phrases=phrases, indicators=inds)
    assert [v.indicator_id for v in visible_indicators(proj, 2.0)] == ["ia", "ib"]
    assert [v.label for v in visible_indicators(proj, 2.0)] == ["one", "two"]


def test_box_track_interpolates_and_holds() -> None:
    track = (TrackPoint(1.0, Box(0, 0, 10, 10)), TrackPoint(3.0, Box(20, 0, 30, 10)))
    assert box_at((), 1.0) is None
    assert box_at(track, 0.0) == Box(0, 0, 10, 10)
    assert box_at(track, 2.0) == Box(10, 0, 20, 10)
    assert box_at(track, 5.0) == Box(20, 0, 30, 10)
    proj = _project(track=track)
    (vis,) = visible_indicators(proj, 11.0)
    assert vis.box == Box(20, 0, 30, 10)


def test_heatmap_blends_between_samples() -> None:
    a = HeatSample(0.0, np.zeros((2, 2)))
    b = HeatSample(2.0, np.ones((2, 2)))
    assert heatmap_at((), 0.0) is None
    mid = heatmap_at((a, b), 1.5)
    assert mid is not None
    np.testing.assert_allclose(mid, 0.75)
    # Different grid shapes cannot blend: the nearer sample wins.
    c = HeatSample(2.0, np.ones((3, 3)))
    near = heatmap_at((a, c), 1.5)
    assert near is not None and near.shape == (3, 3)


@pytest.mark.parametrize("t", [-1.0, 1e9])
def test_times_far_outside_are_harmless(t: float) -> None:
    assert visible_indicators(_project(), t) == []


def test_has_visible_indicators_agrees_with_visible_indicators() -> None:
    project = _project(duration_override=2.0)
    off = replace(project, indicators=(replace(project.indicators[0], enabled=False),))
    for t in (9.99, 10.0, 11.0, 11.999, 12.0, 20.0):
        assert has_visible_indicators(project, t) == bool(visible_indicators(project, t))
        assert not has_visible_indicators(off, t)


def test_indicators_in_counts_enabled_indicators_shown_in_a_range() -> None:
    phrases = (Phrase("a", "a", 1.0, 2.0), Phrase("b", "b", 5.0, 6.0))
    project = Project(
        phrases=phrases,
        indicators=(
            Indicator("i1", "a"),
            Indicator("i2", "b"),
            Indicator("i3", "b", enabled=False),
        ),
    )
    assert indicators_in(project, 0.0, 10.0) == 2
    assert indicators_in(project, 0.0, 1.0) == 0  # [start, end): shown from 1.0
    assert indicators_in(project, 1.5, 5.5) == 2
    assert indicators_in(project, 4.0, 5.0) == 0  # a shows 1..4 (3 s default), b from 5
