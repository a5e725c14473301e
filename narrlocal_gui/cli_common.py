"""Pieces every ``narrlocal`` subcommand shares: argument types, the output-file check and
progress lines on a terminal. Standard library only, so ``narrlocal --help`` stays fast."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path

from narrlocal_gui.core.time_format import format_clock
from narrlocal_gui.errors import UserFacingError

__all__ = [
    "check_output",
    "fraction_progress",
    "frame_rate",
    "positive_number",
    "print_progress_line",
    "seconds_type",
    "whole_number",
]


def check_output(path: Path, force: bool) -> None:
    """Refuse to replace an existing file without --force, and say so before any work."""
    if path.is_dir():
        raise UserFacingError(f"Cannot write '{path}': it is a folder.")
    if path.exists() and not force:
        raise UserFacingError(f"'{path}' already exists; use --force to replace it.")
    if not path.parent.is_dir():
        raise UserFacingError(f"Cannot write '{path}': the folder '{path.parent}' does not exist.")


def seconds_type(maximum: float | None = None) -> Callable[[str], float]:
    """An argparse type for a number of seconds >= 0 (and <= ``maximum`` when given)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
        if not math.isfinite(value) or value < 0:
            raise argparse.ArgumentTypeError(f"must be a number >= 0, not {text!r}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(
                f"must be between 0 and {maximum:g} seconds, not {text!r}"
            )
        return value

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


def print_progress_line(text: str, done: bool, eta: float | None = None) -> None:
    """Rewrite the progress line on stderr; a newline once ``done``."""
    left = f" (about {format_clock(eta)} left)" if eta is not None and not done else ""
    line = f"\r{text}{left}"
    print(f"{line:<60}", end="\n" if done else "", file=sys.stderr, flush=True)


def fraction_progress(label: str) -> Callable[[float], None] | None:
    """A progress line on stderr for people watching a terminal; None when redirected."""
    if not sys.stderr.isatty():
        return None

    def report(fraction: float) -> None:
        print_progress_line(f"{label}... {int(fraction * 100):3d}%", fraction >= 1.0)

    return report
