"""In and out points: the part of the video a range export covers, as video editors mark it.

Marks are session state of the window, not part of the project: they say what to export
next, not something about the video worth keeping. Setting one mark on the wrong side of
the other clears the other (as in Premiere, Resolve or Kdenlive), so the pair is never
inverted and the user never has to clear before re-marking.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["InOutMarks", "RangeChoice", "RangeError", "chosen_range"]


def _check(name: str, value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"the {name} point must be a time >= 0 s, not {value}")


@dataclass(frozen=True, slots=True)
class InOutMarks:
    """An optional in point and an optional out point, in seconds of media time.

    When both are set, ``in_point < out_point``; the range they mark is ``[in, out)``.
    """

    in_point: float | None = None
    out_point: float | None = None

    def __post_init__(self) -> None:
        _check("in", self.in_point)
        _check("out", self.out_point)
        if (
            self.in_point is not None
            and self.out_point is not None
            and not self.in_point < self.out_point
        ):
            raise ValueError(
                f"the in point ({self.in_point:g} s) must be before the out point "
                f"({self.out_point:g} s)"
            )

    @property
    def is_empty(self) -> bool:
        return self.in_point is None and self.out_point is None

    @property
    def span(self) -> tuple[float, float] | None:
        """``(in, out)`` when both are set, else None."""
        if self.in_point is None or self.out_point is None:
            return None
        return self.in_point, self.out_point

    def with_in(self, t: float) -> InOutMarks:
        """The in point at ``t``; an out point at or before ``t`` is cleared."""
        _check("in", t)
        out = self.out_point if self.out_point is not None and self.out_point > t else None
        return InOutMarks(t, out)

    def with_out(self, t: float) -> InOutMarks:
        """The out point at ``t``; an in point at or after ``t`` is cleared."""
        _check("out", t)
        in_point = self.in_point if self.in_point is not None and self.in_point < t else None
        return InOutMarks(in_point, t)


class RangeChoice(StrEnum):
    """Which part of the video an export covers."""

    WHOLE = "whole"
    MARKS = "marks"
    CUSTOM = "custom"


class RangeError(ValueError):
    """A range an export cannot use; the message is one sentence for the user."""


def chosen_range(
    choice: RangeChoice,
    marks: InOutMarks,
    custom_start: float,
    custom_end: float,
    duration: float,
) -> tuple[float | None, float | None]:
    """``(start, end)`` for the export options (None: from the first frame / to the end).

    ``custom_start`` and ``custom_end`` count only for :attr:`RangeChoice.CUSTOM`; a
    ``duration`` of 0 is an unknown one. Raises :class:`RangeError` for a range that is
    unset, backwards or starts after the video.
    """
    if choice is RangeChoice.WHOLE:
        return None, None
    if choice is RangeChoice.MARKS:
        span = marks.span
        if span is None:
            raise RangeError("Set both an in point (I) and an out point (O) first.")
        start, end = span
    else:
        start, end = custom_start, custom_end
        if not end > start:
            raise RangeError("The end of the range must be after its start.")
    if duration > 0.0 and start >= duration:
        raise RangeError(f"The range starts after the end of the video ({duration:g} s).")
    return start, end
