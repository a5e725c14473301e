"""What the views ask to change, as signal payloads: one frozen record per kind of request.

A view only requests an edit; :class:`~narrlocal_gui.ui.indicator_edits.IndicatorEdits`
turns each request into an undoable edit of the document. One typed record per signal (not
a row of loose arguments) keeps the sender and the receiver agreeing on what is sent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from narrlocal_gui.core.model import Box, IndicatorStyle

__all__ = [
    "BoxClicked",
    "BoxCorrected",
    "BoxDrawn",
    "DefaultDurationChosen",
    "DurationChosen",
    "FilesDropped",
    "StyleChosen",
]


def _check_seconds(seconds: float | None) -> None:
    # Its range is the edit's to check (core.edits); NaN would not even compare there.
    if seconds is not None and not math.isfinite(seconds):
        raise ValueError(f"a duration must be a number of seconds, not {seconds!r}")


@dataclass(frozen=True, slots=True)
class StyleChosen:
    indicator_id: str
    style: IndicatorStyle

    def __post_init__(self) -> None:
        if not isinstance(self.style, IndicatorStyle):
            raise TypeError(f"not an indicator style: {self.style!r}")


@dataclass(frozen=True, slots=True)
class DurationChosen:
    """``seconds`` from the phrase start; None: the project's default."""

    indicator_id: str
    seconds: float | None

    def __post_init__(self) -> None:
        _check_seconds(self.seconds)


@dataclass(frozen=True, slots=True)
class DefaultDurationChosen:
    """The project's default duration; None: each indicator shows for its whole phrase."""

    seconds: float | None

    def __post_init__(self) -> None:
        _check_seconds(self.seconds)


@dataclass(frozen=True, slots=True)
class BoxCorrected:
    """A box moved or resized by hand on the frame at ``time``; ``verb`` names it for Undo."""

    indicator_id: str
    time: float
    box: Box
    tolerance: float
    verb: str

    def __post_init__(self) -> None:
        if not (math.isfinite(self.time) and self.tolerance > 0):
            raise ValueError("a box correction needs a finite time and a positive tolerance")


@dataclass(frozen=True, slots=True)
class BoxDrawn:
    """A new box drawn by hand for a phrase on the frame at ``time``."""

    phrase_id: str
    time: float
    box: Box
    tolerance: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.time) and self.tolerance > 0):
            raise ValueError("a drawn box needs a finite time and a positive tolerance")


@dataclass(frozen=True, slots=True)
class BoxClicked:
    """A click on a thing in the picture (Ctrl+click, or Box from Click) that asks for a box
    of the phrase around ``point`` (x, y frame pixels) on the frame at ``time``."""

    phrase_id: str
    time: float
    point: tuple[float, float]
    tolerance: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.time) and self.tolerance > 0):
            raise ValueError("a box from a click needs a finite time and a positive tolerance")


@dataclass(frozen=True, slots=True)
class FilesDropped:
    """Local files dropped on the window, in the order they were dropped."""

    paths: tuple[Path, ...]
