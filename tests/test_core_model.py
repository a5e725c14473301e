import math

import numpy as np
import pytest

from narrlocal_gui.core.model import (
    Box,
    DisplaySettings,
    HeatSample,
    Indicator,
    IndicatorStyle,
    NotVisualReason,
    Phrase,
    Project,
    TrackPoint,
    Word,
)


def test_box_rejects_degenerate_and_non_finite() -> None:
    with pytest.raises(ValueError, match="positive width"):
        Box(10, 10, 10, 20)
    with pytest.raises(ValueError, match="positive width"):
        Box(10, 20, 30, 5)
    with pytest.raises(ValueError, match="finite"):
        Box(0, 0, math.inf, 5)


def test_box_lerp_and_clip() -> None:
    a, b = Box(0, 0, 10, 10), Box(10, 20, 30, 40)
    assert a.lerp(b, 0.5) == Box(5, 10, 20, 25)
    assert Box(-5, -5, 50, 50).clipped(20, 10) == Box(0, 0, 20, 10)
    assert Box(30, 30, 40, 40).clipped(20, 10) is None


@pytest.mark.parametrize(("start", "end"), [(-1.0, 2.0), (3.0, 2.0), (math.nan, 1.0)])
def test_spans_are_validated(start: float, end: float) -> None:
    with pytest.raises(ValueError):
        Phrase("p", "x", start, end)
    with pytest.raises(ValueError):
        Word("x", start, end)


def test_indicator_sorts_track_and_validates() -> None:
    ind = Indicator(
        "i",
        "p",
        track=(TrackPoint(2.0, Box(0, 0, 1, 1)), TrackPoint(1.0, Box(0, 0, 2, 2))),
    )
    assert [p.time for p in ind.track] == [1.0, 2.0]
    assert Indicator("i", "p", style="heatmap").style is IndicatorStyle.HEATMAP  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="duration"):
        Indicator("i", "p", duration_override=0.0)
    with pytest.raises(ValueError, match="colour"):
        Indicator("i", "p", color=(0, 0, 300))
    with pytest.raises(ValueError):
        Indicator("i", "p", style="sparkles")  # type: ignore[arg-type]


def test_heat_sample_is_clipped_and_read_only() -> None:
    h = HeatSample(0.0, np.array([[2.0, -1.0], [0.5, 0.25]]))
    assert h.grid.dtype == np.float32
    assert h.grid.min() == 0.0 and h.grid.max() == 1.0
    with pytest.raises(ValueError):
        h.grid[0, 0] = 0.3
    with pytest.raises(ValueError, match="2-D"):
        HeatSample(0.0, np.zeros(4))
    with pytest.raises(ValueError, match="non-finite"):
        HeatSample(0.0, np.full((2, 2), np.nan))


def test_project_checks_ids_and_references() -> None:
    p = Phrase("p1", "cut", 0, 1)
    with pytest.raises(ValueError, match="phrase ids"):
        Project(phrases=(p, p))
    with pytest.raises(ValueError, match="unknown phrase"):
        Project(phrases=(p,), indicators=(Indicator("i", "nope"),))
    with pytest.raises(ValueError, match="indicator ids"):
        Project(phrases=(p,), indicators=(Indicator("i", "p1"), Indicator("i", "p1")))
    proj = Project(phrases=(p,), indicators=(Indicator("i", "p1"),))
    assert proj.indicator_for_phrase("p1") is proj.indicators[0]
    assert proj.indicator_for_phrase("zz") is None
    with pytest.raises(KeyError):
        proj.indicator("zz")


def test_display_settings_validate() -> None:
    with pytest.raises(ValueError):
        DisplaySettings(default_duration=0)
    with pytest.raises(ValueError):
        DisplaySettings(line_width=0)
    with pytest.raises(ValueError):
        DisplaySettings(darken_amount=1.5)
    assert DisplaySettings(default_duration=None).default_duration is None


def test_style_labels_and_surround_flag() -> None:
    assert {s for s in IndicatorStyle if s.affects_surround} == {
        IndicatorStyle.DARKEN,
        IndicatorStyle.GRAYSCALE,
        IndicatorStyle.SPOTLIGHT,
    }
    assert all(s.label for s in IndicatorStyle)


def test_a_phrase_has_a_not_visual_reason_exactly_when_it_is_not_visual() -> None:
    assert Phrase("p", "cut it", 0.0, 1.0).visual
    talk = Phrase("p", "hi", 0.0, 1.0, False, "greeting")  # type: ignore[arg-type]
    assert talk.not_visual_reason is NotVisualReason.GREETING
    with pytest.raises(ValueError, match="exactly when"):
        Phrase("p", "hi", 0.0, 1.0, visual=False)
    with pytest.raises(ValueError, match="exactly when"):
        Phrase("p", "cut it", 0.0, 1.0, not_visual_reason=NotVisualReason.FILLER)
    with pytest.raises(ValueError):
        Phrase("p", "hi", 0.0, 1.0, False, "shouting")  # type: ignore[arg-type]
    assert all(reason.description for reason in NotVisualReason)
