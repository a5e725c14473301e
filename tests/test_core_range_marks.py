"""In and out points: set, cleared, never inverted."""

from __future__ import annotations

import math

import pytest

from narrlocal_gui.core.range_marks import InOutMarks, RangeChoice, RangeError, chosen_range


def test_marks_start_empty_and_give_a_span_only_when_both_are_set() -> None:
    marks = InOutMarks()
    assert marks.is_empty and marks.span is None
    marks = marks.with_in(2.0)
    assert not marks.is_empty and marks.span is None
    marks = marks.with_out(5.5)
    assert marks == InOutMarks(2.0, 5.5)
    assert marks.span == (2.0, 5.5)


def test_moving_a_mark_keeps_the_other_when_still_in_order() -> None:
    marks = InOutMarks(2.0, 5.0)
    assert marks.with_in(4.0) == InOutMarks(4.0, 5.0)
    assert marks.with_out(3.0) == InOutMarks(2.0, 3.0)
    assert marks.with_in(0.0) == InOutMarks(0.0, 5.0)


def test_a_mark_set_on_the_wrong_side_of_the_other_clears_it() -> None:
    # As in video editors: an in after the out starts a new range.
    assert InOutMarks(2.0, 5.0).with_in(6.0) == InOutMarks(6.0, None)
    assert InOutMarks(2.0, 5.0).with_in(5.0) == InOutMarks(5.0, None)
    assert InOutMarks(2.0, 5.0).with_out(1.0) == InOutMarks(None, 1.0)
    assert InOutMarks(2.0, 5.0).with_out(2.0) == InOutMarks(None, 2.0)
    assert InOutMarks(None, 3.0).with_in(3.5) == InOutMarks(3.5, None)
    assert InOutMarks(4.0, None).with_out(3.0) == InOutMarks(None, 3.0)


@pytest.mark.parametrize(
    ("in_point", "out_point"),
    [(5.0, 5.0), (6.0, 2.0), (-1.0, None), (None, -0.5), (math.nan, None), (None, math.inf)],
)
def test_invalid_marks_are_refused(in_point: float | None, out_point: float | None) -> None:
    with pytest.raises(ValueError, match="point"):
        InOutMarks(in_point, out_point)


def test_setting_a_mark_at_an_invalid_time_is_refused() -> None:
    with pytest.raises(ValueError, match="in point"):
        InOutMarks().with_in(-1.0)
    with pytest.raises(ValueError, match="out point"):
        InOutMarks(1.0, None).with_out(math.nan)


def test_chosen_range_of_each_choice() -> None:
    marks = InOutMarks(2.0, 5.0)
    assert chosen_range(RangeChoice.WHOLE, marks, 0.0, 0.0, 10.0) == (None, None)
    assert chosen_range(RangeChoice.MARKS, marks, 0.0, 0.0, 10.0) == (2.0, 5.0)
    assert chosen_range(RangeChoice.CUSTOM, marks, 1.0, 3.0, 10.0) == (1.0, 3.0)
    # An unknown duration (0) checks nothing against the video's end.
    assert chosen_range(RangeChoice.CUSTOM, marks, 20.0, 30.0, 0.0) == (20.0, 30.0)


def test_chosen_range_refuses_unset_backwards_and_late_ranges() -> None:
    with pytest.raises(RangeError, match="in point"):
        chosen_range(RangeChoice.MARKS, InOutMarks(2.0), 0.0, 0.0, 10.0)
    with pytest.raises(RangeError, match="after its start"):
        chosen_range(RangeChoice.CUSTOM, InOutMarks(), 3.0, 3.0, 10.0)
    with pytest.raises(RangeError, match="after the end of the video"):
        chosen_range(RangeChoice.CUSTOM, InOutMarks(), 10.0, 12.0, 10.0)
