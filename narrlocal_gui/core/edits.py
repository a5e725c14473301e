"""Edit operations: pure functions from a project to a new project.

Each GUI edit is a QUndoCommand that calls one of these (ui/undo_commands.py), so the
logic of every change is testable without Qt and undo is just "put the old project back".
Unknown ids raise KeyError: an edit aimed at something that no longer exists is a bug.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from narrlocal_gui.core.model import (
    Appearance,
    AppearanceField,
    DisplaySettings,
    Indicator,
    IndicatorStyle,
    Project,
    SpanChoice,
)


def replace_indicator(project: Project, indicator: Indicator) -> Project:
    """``project`` with the indicator of the same id replaced by ``indicator``."""
    found = False
    out = []
    for ind in project.indicators:
        if ind.id == indicator.id:
            out.append(indicator)
            found = True
        else:
            out.append(ind)
    if not found:
        raise KeyError(indicator.id)
    return replace(project, indicators=tuple(out))


def _update(project: Project, indicator_id: str, **changes: Any) -> Project:
    return replace_indicator(project, replace(project.indicator(indicator_id), **changes))


def set_indicator_enabled(project: Project, indicator_id: str, enabled: bool) -> Project:
    return _update(project, indicator_id, enabled=enabled)


def set_indicator_style(project: Project, indicator_id: str, style: IndicatorStyle) -> Project:
    return _update(project, indicator_id, style=IndicatorStyle(style))


def set_indicator_duration(project: Project, indicator_id: str, seconds: float | None) -> Project:
    """Override how long the indicator shows (None: back to the project default)."""
    return _update(project, indicator_id, duration_override=seconds)


def set_indicator_follow(project: Project, indicator_id: str, follow: SpanChoice) -> Project:
    """Time the indicator by its phrase's spoken span or by its action span."""
    return _update(project, indicator_id, follow=SpanChoice(follow))


def set_phrase_action_span(
    project: Project, phrase_id: str, span: tuple[float, float] | None
) -> Project:
    """Set (or, with None, clear) when the action a phrase describes is seen. Raises
    ValueError for a span that is not a lasting stretch of time (the Phrase checks)."""
    phrase = project.phrase(phrase_id)  # KeyError for an unknown phrase
    changed = replace(phrase, action_span=span)
    return replace(
        project, phrases=tuple(changed if p.id == phrase_id else p for p in project.phrases)
    )


def set_all_enabled(project: Project, enabled: bool) -> Project:
    return replace(
        project, indicators=tuple(replace(i, enabled=enabled) for i in project.indicators)
    )


def set_default_duration(project: Project, seconds: float | None) -> Project:
    """The project-wide display duration (None: for as long as each phrase is spoken)."""
    return replace(project, display=replace(project.display, default_duration=seconds))


def set_display(project: Project, **changes: Any) -> Project:
    """Change other display settings (line width, labels, effect strengths)."""
    return replace(project, display=replace(project.display, **changes))


def set_appearance(project: Project, field: AppearanceField, value: Appearance) -> Project:
    """One setting of how indicators are drawn (:class:`AppearanceField`). Raises ValueError
    for a value out of its range (DisplaySettings checks)."""
    return set_display(project, **{field.value: value})


def restore_appearance(project: Project) -> Project:
    """How indicators are drawn back to the defaults; their timing (the default duration)
    is not a matter of looks and stays."""
    defaults = DisplaySettings()
    return set_display(project, **{f.value: getattr(defaults, f.value) for f in AppearanceField})
