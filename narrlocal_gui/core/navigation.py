"""Moving between phrases: where Up/Down (previous/next phrase) take the playhead.

Pure functions of a project and a time (no Qt), so they are tested directly.
"""

from __future__ import annotations

from narrlocal_gui.core.model import Project

#: Pressing "previous" within this many seconds after a phrase starts goes to the one
#: before it, as a music player's "previous track" does; later, it restarts the phrase.
RESTART_GRACE_S = 0.5


def next_phrase_start(project: Project, t: float) -> float | None:
    """The start of the first phrase starting after ``t``; None when there is none."""
    starts = sorted(p.start for p in project.phrases if p.start > t + 1e-6)
    return starts[0] if starts else None


def previous_phrase_start(project: Project, t: float) -> float | None:
    """The start of the phrase playing at ``t`` or before it (see RESTART_GRACE_S)."""
    starts = sorted(p.start for p in project.phrases if p.start < t - RESTART_GRACE_S)
    return starts[-1] if starts else None


def phrase_at(project: Project, t: float) -> str | None:
    """The id of the phrase being spoken at ``t`` (the latest started, if they overlap)."""
    current = [p for p in project.phrases if p.start <= t < p.end]
    if not current:
        return None
    return max(current, key=lambda p: p.start).id
