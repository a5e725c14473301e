"""What every ``narrlocal`` command writes besides its result: the check that an output may
be written, one-line messages, times and rates as people read them, and progress lines on
a terminal. Standard library only, so ``narrlocal --help`` stays fast."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from narrlocal_gui.core.time_format import format_clock
from narrlocal_gui.errors import UserFacingError

__all__ = [
    "check_output",
    "fmt_fps",
    "fraction_progress",
    "one_line",
    "print_progress_line",
]


def check_output(path: Path, force: bool) -> None:
    """Refuse to replace an existing file without --force, and say so before any work."""
    if path.is_dir():
        raise UserFacingError(f"Cannot write '{path}': it is a folder.")
    if path.exists() and not force:
        raise UserFacingError(f"'{path}' already exists; use --force to replace it.")
    if not path.parent.is_dir():
        raise UserFacingError(f"Cannot write '{path}': the folder '{path.parent}' does not exist.")


def one_line(text: str) -> str:
    """Messages are printed on exactly one line, whatever the exception carried."""
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def fmt_fps(fps: float) -> str:
    return f"{fps:.3f}".rstrip("0").rstrip(".") + " fps"


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
