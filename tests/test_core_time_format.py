"""Every time and duration format the GUI and the CLI show (narrlocal_gui.core.time_format)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from narrlocal_gui.core.time_format import (
    format_clock,
    format_duration,
    format_eta,
    format_minutes,
    format_ruler_time,
    format_seconds,
    format_span,
    format_time_left,
    format_timecode,
)

NAN = float("nan")
INF = float("inf")


# -- clock readings ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("seconds", "step", "hours", "text"),
    [
        (59.99, 1.0, False, "1:00"),
        (0.125, 0.001, False, "0:00.125"),
        (61.5, 0.5, False, "1:01.5"),
        (3725.0, 60.0, True, "1:02:05"),
        (3725.0, 60.0, False, "62:05"),
        (59.96, 0.1, False, "1:00.0"),  # the carry reaches the minutes
        (3599.9996, 0.001, True, "1:00:00.000"),  # ... and the hours
        (12.345678, 0.01, False, "0:12.35"),  # 0.01 <= step < 0.1: two decimals
        (5.0, 0.001, True, "0:00:05.000"),
        (-3.0, 1.0, False, "0:00"),  # before the start: the start
    ],
)
def test_format_ruler_time(seconds: float, step: float, hours: bool, text: str) -> None:
    assert format_ruler_time(seconds, step, hours) == text


def test_format_ruler_time_refuses_nan() -> None:
    with pytest.raises(ValueError):
        format_ruler_time(NAN, 1.0, False)


def test_format_span() -> None:
    assert format_span(10.0, 14.0) == "0:10.000 – 0:14.000"
    assert format_span(3599.9996, 3725.5) == "60:00.000 – 62:05.500"  # never hours


@pytest.mark.parametrize(
    ("seconds", "decimals", "text"),
    [
        (12.5, 2, "0:12.50"),
        (3725.0, 2, "1:02:05.00"),
        (59.996, 2, "1:00.00"),  # rounded once: never "0:60.00"
        (3599.996, 2, "1:00:00.00"),  # the carry brings the hours in
        (65.0, 0, "1:05"),
        (3725.0, 0, "1:02:05"),
        (59.5, 0, "1:00"),
        (0.4, 0, "0:00"),
        (-2.0, 2, "0:00.00"),
        (NAN, 2, "?"),
        (INF, 0, "?"),
        (-INF, 2, "?"),
    ],
)
def test_format_clock(seconds: float, decimals: int, text: str) -> None:
    assert format_clock(seconds, decimals) == text


def test_format_clock_counts_whole_seconds_by_default() -> None:
    assert format_clock(125.4) == "2:05"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0, "00:00:00.000"),
        (59.9996, "00:01:00.000"),
        (3725.5, "01:02:05.500"),
        (-1.0, "00:00:00.000"),
        (NAN, "00:00:00.000"),
        (INF, "00:00:00.000"),
        (0.0004, "00:00:00.000"),
        (0.0006, "00:00:00.001"),
        (100 * 3600.0, "100:00:00.000"),  # hours are not capped
    ],
)
def test_format_timecode(seconds: float, text: str) -> None:
    assert format_timecode(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0, "00:00.0"),
        (59.96, "01:00.0"),
        (62.34, "01:02.3"),
        (3725.0, "62:05.0"),  # minutes keep counting past an hour
        (-5.0, "00:00.0"),
        (0.04, "00:00.0"),
        (0.06, "00:00.1"),
    ],
)
def test_format_minutes(seconds: float, text: str) -> None:
    assert format_minutes(seconds) == text


def test_format_minutes_refuses_nan() -> None:
    with pytest.raises(ValueError):
        format_minutes(NAN)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(3.0, "3.0 s"), (2.5, "2.5 s"), (0.25, "0.25 s"), (1.2345, "1.234 s"), (0.0, "0.0 s")],
)
def test_format_seconds(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text


# -- spoken durations ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.01, "under 0.1 s"),
        (-1.0, "under 0.1 s"),
        (0.05, "0.1 s"),
        (4.24, "4.2 s"),
        (9.94, "9.9 s"),
        (10.0, "10 s"),
        (59.4, "59 s"),
        (59.6, "1 min 00 s"),
        (75, "1 min 15 s"),
        (3599.4, "59 min 59 s"),
        (3599.6, "1 h 00 min"),
        (3 * 3600 + 125, "3 h 02 min"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.2, "1 s left"),  # never "0 s left" while the export runs
        (-3.0, "1 s left"),
        (4.6, "5 s left"),
        (59.4, "59 s left"),
        (59.6, "1 min 00 s left"),
        (70.0, "1 min 10 s left"),
        (3 * 3600 + 125, "3 h 02 min left"),
    ],
)
def test_format_time_left(seconds: float, text: str) -> None:
    assert format_time_left(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.2, "about 0 s left"),
        (-3.0, "about 0 s left"),
        (42.4, "about 42 s left"),
        (75, "about 1 min 15 s left"),
        (3599.6, "about 1 h 00 min left"),
        (3 * 3600 + 120, "about 3 h 02 min left"),
    ],
)
def test_format_eta(seconds: float, text: str) -> None:
    assert format_eta(seconds) == text


@pytest.mark.parametrize("formatter", [format_duration, format_time_left, format_eta])
def test_spoken_durations_refuse_nan(formatter: Callable[[float], str]) -> None:
    with pytest.raises(ValueError):
        formatter(NAN)


def test_no_format_prints_sixty_seconds() -> None:
    """Every clock reading rounds once, so no value just under a minute reads ":60"."""
    for k in range(2000):
        t = 59.0 + k / 2000.0
        for text in (
            format_ruler_time(t, 0.001, False),
            format_ruler_time(t, 0.1, True),
            format_clock(t, 2),
            format_clock(t),
            format_timecode(t),
            format_minutes(t),
        ):
            assert ":60" not in text, (t, text)
