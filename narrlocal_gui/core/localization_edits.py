"""Putting a localizer result into a project: a pure function from a project to a new project.

Like :mod:`narrlocal_gui.core.edits`, this is the body of an undoable GUI edit (and what
``narrlocal localize`` applies per phrase). A phrase has at most one indicator:

* none yet: a new BOX indicator is created with the colour of the phrase's place in the
  palette (or the colour given), enabled only when the phrase is visual (a greeting or a
  remark that shows nothing gets a disabled one, which the user can turn on);
* one already: its model output (the track points with ``human=False`` and the heat maps,
  and the score) is replaced by the new result, while everything a person chose is kept:
  style, enabled, display duration, colour and the hand corrections (``human=True``
  points). A correction wins over a model point at the same time (closer than half a frame
  of the sampled model track, and at least 1 ms).

Unknown phrase ids raise KeyError (a result for a phrase that no longer exists must be
dropped by the caller, e.g. by job id); a bad score raises ValueError.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from dataclasses import replace

from narrlocal_gui.core.model import (
    PALETTE,
    HeatSample,
    Indicator,
    IndicatorStyle,
    Project,
    Rgb,
    TrackPoint,
)

__all__ = ["apply_localization", "merge_track", "phrase_color"]

#: Two points closer than this are "at the same time" even on a dense track.
_MIN_SAME_TIME = 0.001


def phrase_color(project: Project, phrase_id: str) -> Rgb:
    """The palette colour of the phrase's place in the project (cycling)."""
    for index, phrase in enumerate(project.phrases):
        if phrase.id == phrase_id:
            return PALETTE[index % len(PALETTE)]
    raise KeyError(phrase_id)


def _same_time_tolerance(model: Sequence[TrackPoint]) -> float:
    """Half the smallest spacing of the model track (half a sampled frame), >= 1 ms."""
    times = sorted(p.time for p in model)
    gaps = [b - a for a, b in itertools.pairwise(times) if b - a > 0]
    return max(_MIN_SAME_TIME, min(gaps) / 2.0) if gaps else _MIN_SAME_TIME


def merge_track(old: Sequence[TrackPoint], model: Sequence[TrackPoint]) -> tuple[TrackPoint, ...]:
    """The new model points (``human`` forced False) with the hand corrections of ``old``
    kept; a model point at the time of a correction (see the module) is dropped."""
    fresh = [p if not p.human else replace(p, human=False) for p in model]
    human = [p for p in old if p.human]
    if not human:
        return tuple(sorted(fresh, key=lambda p: p.time))
    tolerance = _same_time_tolerance(fresh)
    human_times = sorted(p.time for p in human)
    kept = [p for p in fresh if not _near(p.time, human_times, tolerance)]
    return tuple(sorted([*kept, *human], key=lambda p: p.time))


def _near(t: float, sorted_times: Sequence[float], tolerance: float) -> bool:
    i = bisect.bisect_left(sorted_times, t)
    for j in (i - 1, i):
        if 0 <= j < len(sorted_times) and abs(sorted_times[j] - t) < tolerance:
            return True
    return False


def apply_localization(
    project: Project,
    phrase_id: str,
    track: tuple[TrackPoint, ...],
    heatmaps: tuple[HeatSample, ...],
    score: float | None,
    *,
    new_indicator_id: str,
    color: Rgb | None = None,
) -> Project:
    """``project`` with the localizer's result for ``phrase_id`` (see the module).

    ``new_indicator_id`` names the indicator when one is created (unused otherwise; it must
    not be taken by another indicator). ``color`` applies only to a new indicator.
    """
    phrase_color_ = phrase_color(project, phrase_id)  # KeyError for an unknown phrase
    if score is not None and not math.isfinite(score):
        raise ValueError(f"score must be finite, got {score}")
    existing = project.indicator_for_phrase(phrase_id)
    if existing is None:
        indicator = Indicator(
            id=new_indicator_id,
            phrase_id=phrase_id,
            style=IndicatorStyle.BOX,
            enabled=project.phrase(phrase_id).visual,
            color=color if color is not None else phrase_color_,
            track=merge_track((), track),
            heatmaps=tuple(heatmaps),
            score=score,
            follow=project.display.default_follow,
        )
        return replace(project, indicators=(*project.indicators, indicator))
    updated = replace(
        existing,
        track=merge_track(existing.track, track),
        heatmaps=tuple(heatmaps),
        score=score,
    )
    return replace(
        project,
        indicators=tuple(updated if i.id == existing.id else i for i in project.indicators),
    )
