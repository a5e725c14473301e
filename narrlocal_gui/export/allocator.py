"""Keep frame-sized buffers in the process instead of handing them back to the OS each frame.

Decoding, rendering and converting a frame allocate a handful of arrays of one to a few
megabytes and free them again. glibc's allocator returns such memory to the kernel almost at
once (it trims the heap top above ~2x the largest recent block and maps big blocks
separately), so every frame faults its buffers in afresh: measured on a 1280x720 export, the
page faults took half of the CPU time of decoding and rendering. Raising the two thresholds
lets the freed buffers be reused; the price is that up to :data:`TRIM_THRESHOLD` bytes of
freed memory stay with the process.

Only glibc has these knobs; elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import functools
import platform
import sys

from narrlocal_gui.core.byte_sizes import MIB

__all__ = ["MMAP_THRESHOLD", "TRIM_THRESHOLD", "keep_freed_memory"]

#: Blocks up to this size come from the heap (glibc's maximum: 32 MiB on 64-bit, a 4K frame).
MMAP_THRESHOLD = 32 * MIB
#: Free memory at the heap top is kept up to this much.
TRIM_THRESHOLD = 256 * MIB

# mallopt parameter numbers from glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


@functools.cache
def keep_freed_memory() -> bool:
    """Set glibc's thresholds once per process; True where they were set."""
    if sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    mallopt = libc.mallopt
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success.
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
        and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    )
