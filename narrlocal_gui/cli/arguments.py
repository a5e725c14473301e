"""The argument types the ``narrlocal`` commands share: seconds, whole numbers, positive
numbers and frame rates, each refusing a bad value with a one-line reason argparse prints
under the usage. Standard library only, so ``narrlocal --help`` stays fast."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

__all__ = ["frame_rate", "positive_number", "seconds_type", "whole_number"]


def seconds_type(minimum: float = 0.0, maximum: float | None = None) -> Callable[[str], float]:
    """An argparse type for a time or a length of time: seconds ("12.5") or [h:]m:s
    ("1:02.5", "0:01:02.5"), from ``minimum`` to ``maximum`` seconds (no upper bound when
    ``maximum`` is None). Every option that takes seconds uses it."""

    def parse(text: str) -> float:
        try:
            values = [float(part) for part in text.strip().split(":")]
        except ValueError:  # also an empty part: "", "1::2"
            values = []
        # Hours, minutes and seconds are never negative: "1:-5" is a typo.
        if (
            not 1 <= len(values) <= 3
            or not all(math.isfinite(v) for v in values)
            or (len(values) > 1 and min(values) < 0)
        ):
            raise argparse.ArgumentTypeError(
                f"not a time: {text!r} (use seconds, e.g. 12.5, or m:ss, e.g. 1:02.5)"
            )
        seconds = 0.0
        for value in values:
            seconds = seconds * 60.0 + value
        if maximum is None and seconds < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum:g} seconds or more, not {text!r}")
        if maximum is not None and not minimum <= seconds <= maximum:
            raise argparse.ArgumentTypeError(
                f"must be {minimum:g} to {maximum:g} seconds, not {text!r}"
            )
        return seconds

    return parse


def whole_number(minimum: int) -> Callable[[str], int]:
    """An argparse type for a whole number >= ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {text!r}")
        return value

    return parse


def positive_number(text: str) -> float:
    """An argparse type for a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number > 0, not {text!r}")
    return value


def frame_rate(text: str) -> float:
    """An argparse type for a sampling rate in (0, 30] frames per second."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a frame rate: {text!r}") from None
    if not math.isfinite(value) or not 0 < value <= 30:
        raise argparse.ArgumentTypeError(f"must be a rate in (0, 30] frames/s, not {text!r}")
    return value
