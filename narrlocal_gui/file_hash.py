"""SHA-256 of files, computed once per process for an unchanged file.

Model weights are checked against pinned hashes every time they load; hashing 150 MB costs a
few tenths of a second, so a file whose resolved path, size and mtime are unchanged is not
read again.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

__all__ = ["file_sha256", "forget_hashes"]

_BLOCK = 1 << 20
# (resolved path, size, mtime_ns) -> hex digest
_known: dict[tuple[str, int, int], str] = {}
_lock = threading.Lock()


def file_sha256(path: Path) -> str:
    """The sha256 of ``path`` (hex), remembered while its size and mtime stay the same."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    with _lock:
        known = _known.get(key)
    if known is not None:
        return known
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_BLOCK):
            digest.update(block)
    value = digest.hexdigest()
    with _lock:
        _known[key] = value
    return value


def forget_hashes() -> None:
    """For tests: make the next :func:`file_sha256` read the files again."""
    with _lock:
        _known.clear()
