"""Progress reporting and cancellation of long work, shared by every layer.

Engines (decoding, speech recognition, localizing, training, exporting) take an optional
``progress`` callback and an optional ``cancel`` predicate; they report the fraction done
through the first and poll the second between batches, stopping with :class:`Cancelled`.
The GUI's workers and the command line supply both. Nothing here imports anything else of
the package, so any module may import it.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["CancelCallback", "Cancelled", "ProgressCallback", "report_progress"]

ProgressCallback = Callable[[float], None]
"""Called with the fraction done, 0.0 to 1.0, from the thread doing the work."""

CancelCallback = Callable[[], bool]
"""Polled while working; returning True stops the work with :class:`Cancelled`."""


class Cancelled(Exception):  # noqa: N818 - it is an outcome the caller asked for, not an error
    """The caller's ``cancel()`` returned True while the work was going on."""


def report_progress(
    progress: ProgressCallback | None,
    cancel: CancelCallback | None,
    fraction: float | None,
) -> None:
    """Poll ``cancel`` (raising :class:`Cancelled`) then report ``fraction`` if known."""
    if cancel is not None and cancel():
        raise Cancelled("cancelled by the caller")
    if progress is not None and fraction is not None:
        progress(min(max(fraction, 0.0), 1.0))
