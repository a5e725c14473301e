"""A thread-safe LRU of decoded frames, bounded by the bytes of the pixels it holds.

Counting bytes rather than frames keeps memory predictable whatever the resolution: 256 MiB
is ~90 frames of 1080p RGB or ~1700 frames of 320x180.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from narrlocal_gui.core.byte_sizes import MIB

__all__ = ["DEFAULT_CACHE_BYTES", "MAX_CACHE_BYTES", "FrameCache"]

DEFAULT_CACHE_BYTES = 256 * MIB
MAX_CACHE_BYTES = 512 * MIB


class FrameCache:
    """Least-recently-used map from frame index to image, at most ``max_bytes`` of pixels.

    An image larger than the whole budget is not stored (``put`` returns False). Stored
    arrays are made read-only so a caller cannot change what another caller will get.
    """

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int):
            raise TypeError(f"max_bytes must be an int, not {type(max_bytes).__name__}")
        if not 0 <= max_bytes <= MAX_CACHE_BYTES:
            raise ValueError(f"max_bytes must be between 0 and {MAX_CACHE_BYTES}, not {max_bytes}")
        self._max_bytes = max_bytes
        self._items: OrderedDict[int, np.ndarray] = OrderedDict()
        self._nbytes = 0
        self._lock = threading.Lock()

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    @property
    def nbytes(self) -> int:
        """Total bytes of the cached images."""
        with self._lock:
            return self._nbytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, index: object) -> bool:
        with self._lock:
            return index in self._items

    def get(self, index: int) -> np.ndarray | None:
        """The cached image for ``index`` (now the most recently used), or None."""
        with self._lock:
            image = self._items.get(index)
            if image is not None:
                self._items.move_to_end(index)
            return image

    def put(self, index: int, image: np.ndarray) -> bool:
        """Store ``image`` under ``index``, evicting the least recently used as needed."""
        size = int(image.nbytes)
        if size > self._max_bytes:
            return False
        if image.flags.writeable:
            image.setflags(write=False)
        with self._lock:
            old = self._items.pop(index, None)
            if old is not None:
                self._nbytes -= int(old.nbytes)
            while self._items and self._nbytes + size > self._max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._nbytes -= int(evicted.nbytes)
            self._items[index] = image
            self._nbytes += size
        return True

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._nbytes = 0

    def keys(self) -> list[int]:
        """Cached indices, least recently used first."""
        with self._lock:
            return list(self._items)
