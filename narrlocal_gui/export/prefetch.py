"""Run an iterator on a helper thread, a few items ahead of its consumer.

The exporter decodes and renders frame n + 1 while the encoder works on frame n: PyAV, OpenCV
and numpy release the GIL in their heavy calls, so the two overlap on separate cores. The
queue is bounded, so memory stays at ``depth`` items whatever the length of the video.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, Self, TypeVar

__all__ = ["Prefetch"]

T = TypeVar("T")

# How long a blocked put or get waits before checking whether to stop.
_POLL_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


class _End:
    pass


_END = _End()


class Prefetch(Generic[T]):
    """Iterate over ``make()`` (called on the helper thread) with up to ``depth`` items ready.

    An exception in the iterator is raised again in the consumer, at the item where it
    happened. :meth:`close` (also on leaving a ``with`` block) stops the helper thread and
    joins it; the iterator is closed on its own thread.
    """

    def __init__(self, make: Callable[[], Iterator[T]], depth: int, name: str) -> None:
        if depth < 1:
            raise ValueError(f"depth must be >= 1, not {depth}")
        self._make = make
        self._queue: queue.Queue[T | _Failed | _End] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._finished = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> T:
        if self._finished:
            raise StopIteration
        item = self._queue.get()
        if isinstance(item, _End):
            self._finished = True
            raise StopIteration
        if isinstance(item, _Failed):
            self._finished = True
            raise item.error
        return item

    def close(self) -> None:
        self._finished = True
        self._stop.set()
        # Drain so that a helper blocked on a full queue sees the stop flag.
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=_POLL_SECONDS)
        self._thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self) -> None:
        iterator: Iterator[T] | None = None
        try:
            iterator = self._make()
            for item in iterator:
                if not self._put(item):
                    return
            self._put(_END)
        except BaseException as exc:  # handed to the consumer, which raises it
            self._put(_Failed(exc))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):  # nothing left to report it to
                    close()

    def _put(self, item: T | _Failed | _End) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False
