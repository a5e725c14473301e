"""Binary multiples of a byte, the one definition of "KB" and "MB" in this program.

Sizes are counted in powers of 1024 everywhere (memory budgets, file-size limits and the
sizes shown to users), as the operating system's file managers on Linux and Windows do, so
the same file never reads as two different sizes in two places.
"""

from __future__ import annotations

__all__ = ["GIB", "KIB", "MIB"]

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
