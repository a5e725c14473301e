import pytest

from narrlocal_gui.core import edits
from narrlocal_gui.core.model import (
    AppearanceField,
    DisplaySettings,
    HeatColors,
    Indicator,
    IndicatorStyle,
    Phrase,
    Project,
)


@pytest.fixture
def project() -> Project:
    phrases = (Phrase("a", "one", 0, 1), Phrase("b", "two", 1, 2))
    return Project(phrases=phrases, indicators=(Indicator("ia", "a"), Indicator("ib", "b")))


def test_edits_return_new_projects_and_leave_the_old_alone(project: Project) -> None:
    changed = edits.set_indicator_enabled(project, "ib", False)
    assert not changed.indicator("ib").enabled
    assert project.indicator("ib").enabled
    assert changed.indicator("ia") is project.indicator("ia")


def test_each_edit(project: Project) -> None:
    p = edits.set_indicator_style(project, "ia", IndicatorStyle.GRAYSCALE)
    assert p.indicator("ia").style is IndicatorStyle.GRAYSCALE
    p = edits.set_indicator_duration(p, "ia", 1.5)
    assert p.indicator("ia").duration_override == 1.5
    p = edits.set_indicator_duration(p, "ia", None)
    assert p.indicator("ia").duration_override is None
    p = edits.set_all_enabled(p, False)
    assert not any(i.enabled for i in p.indicators)
    p = edits.set_default_duration(p, None)
    assert p.display.default_duration is None
    p = edits.set_display(p, line_width=7, show_labels=False)
    assert (p.display.line_width, p.display.show_labels) == (7, False)


def test_invalid_edits_raise(project: Project) -> None:
    with pytest.raises(KeyError):
        edits.set_indicator_enabled(project, "zz", True)
    with pytest.raises(ValueError):
        edits.set_indicator_duration(project, "ia", -1.0)
    with pytest.raises(ValueError):
        edits.set_default_duration(project, 0.0)
    with pytest.raises(ValueError):
        edits.set_indicator_style(project, "ia", "nope")  # type: ignore[arg-type]


def test_appearance_is_set_field_by_field_and_restored_without_the_timing(
    project: Project,
) -> None:
    p = edits.set_default_duration(project, 5.0)
    p = edits.set_appearance(p, AppearanceField.LINE_WIDTH, 9)
    p = edits.set_appearance(p, AppearanceField.SHOW_LABELS, False)
    p = edits.set_appearance(p, AppearanceField.HEATMAP_OPACITY, 0.8)
    p = edits.set_appearance(p, AppearanceField.HEATMAP_COLORS, HeatColors.INFERNO)
    assert p.display.heatmap_colors is HeatColors.INFERNO
    assert (p.display.line_width, p.display.show_labels, p.display.heatmap_opacity) == (
        9,
        False,
        0.8,
    )
    assert p.display.darken_amount == DisplaySettings().darken_amount  # the others unchanged
    with pytest.raises(ValueError):
        edits.set_appearance(p, AppearanceField.DARKEN_AMOUNT, 1.5)
    restored = edits.restore_appearance(p)
    looks = {f.value: getattr(restored.display, f.value) for f in AppearanceField}
    assert looks == {f.value: getattr(DisplaySettings(), f.value) for f in AppearanceField}
    assert restored.display.default_duration == 5.0  # timing is not appearance
    assert restored.indicators == p.indicators
