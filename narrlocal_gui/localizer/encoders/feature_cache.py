"""A disk cache of encoder feature grids, one .npy file per (media file, encoder, size, frame).

Encoding is the slow part of localization (tens of milliseconds per frame on a CPU), and the
windows of neighbouring phrases overlap, so grids are kept between phrases, runs and
sessions. Layout under the root::

    <media fingerprint>/<encoder>-<short side>/<frame time in microseconds>.npy

The media fingerprint hashes the first and last MiB of the file with its size and
modification time: cheap for a multi-GB video, and any edit or replacement of the file
gives new keys (the old entries age out). Files are written to a temporary name and renamed,
so a reader never sees half a file; an entry that fails to load anyway (a crash, a full disk)
is deleted and reported as missing, so it gets rewritten. Arrays are stored with
``allow_pickle=False`` and read the same way: a cache file can never run code.

The total size is bounded (2 GB by default); the least recently used entries go first. Use
is recorded in the files' modification times, so the order survives restarts and is shared
by processes using the same root.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import platformdirs

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FeatureCache",
    "FeatureKey",
    "MediaFingerprint",
    "default_cache_root",
]

DEFAULT_MAX_BYTES = 2_000_000_000
_SAMPLE_BYTES = 1 << 20
_SAFE_NAME = re.compile(r"^[A-Za-z0-9._+-]{1,80}$")
_STALE_TMP_SECONDS = 3600.0


def default_cache_root() -> Path:
    """``<user cache dir>/narrlocal/features``."""
    return Path(platformdirs.user_cache_dir("narrlocal")) / "features"


@dataclass(frozen=True, slots=True)
class MediaFingerprint:
    """Identifies one version of a media file without reading all of it."""

    digest: str  # sha256 hex of size + first MiB + last MiB
    size: int
    mtime_ns: int

    def __post_init__(self) -> None:
        if len(self.digest) != 64 or any(c not in "0123456789abcdef" for c in self.digest):
            raise ValueError(f"digest must be 64 lowercase hex digits, not {self.digest!r}")
        if self.size < 0 or self.mtime_ns < 0:
            raise ValueError("size and mtime_ns must be >= 0")

    @classmethod
    def of(cls, path: str | os.PathLike[str]) -> MediaFingerprint:
        p = Path(path)
        with p.open("rb") as f:
            st = os.fstat(f.fileno())
            digest = hashlib.sha256(str(st.st_size).encode())
            digest.update(f.read(_SAMPLE_BYTES))
            if st.st_size > _SAMPLE_BYTES:
                f.seek(max(_SAMPLE_BYTES, st.st_size - _SAMPLE_BYTES))
                digest.update(f.read(_SAMPLE_BYTES))
        return cls(digest.hexdigest(), st.st_size, max(st.st_mtime_ns, 0))

    @property
    def folder_name(self) -> str:
        return f"{self.digest[:32]}-{self.size}-{self.mtime_ns}"


@dataclass(frozen=True, slots=True)
class FeatureKey:
    """One cached grid: the encoder's output for the frame shown at ``time`` of ``media``."""

    media: MediaFingerprint
    encoder: str  # include the weights' version, e.g. VideoEncoder.version
    short_side: int
    time: float

    def __post_init__(self) -> None:
        if not _SAFE_NAME.match(self.encoder):
            raise ValueError(f"encoder must be a short file-name-safe name, not {self.encoder!r}")
        if self.short_side <= 0:
            raise ValueError(f"short_side must be positive, not {self.short_side}")
        if not np.isfinite(self.time) or self.time < 0:
            raise ValueError(f"time must be finite and >= 0, not {self.time}")

    @property
    def relative_path(self) -> Path:
        # Microseconds: exact for any real frame rate, and no float formatting in file names.
        micros = round(self.time * 1_000_000)
        return Path(self.media.folder_name) / f"{self.encoder}-{self.short_side}" / f"{micros}.npy"


class FeatureCache:
    """Thread-safe; several processes may share a root (writes are atomic renames)."""

    def __init__(self, root: Path | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
            raise ValueError(f"max_bytes must be an int >= 0, not {max_bytes!r}")
        self._root = Path(root) if root is not None else default_cache_root()
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._nbytes: int | None = None  # lazily counted; see _account

    @property
    def root(self) -> Path:
        return self._root

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    def path_for(self, key: FeatureKey) -> Path:
        return self._root / key.relative_path

    def get(self, key: FeatureKey, *, shape: tuple[int, ...] | None = None) -> np.ndarray | None:
        """The stored array, or None when absent, unreadable or not of ``shape``."""
        path = self.path_for(key)
        try:
            array = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, EOFError):
            self._discard(path)
            return None
        if not isinstance(array, np.ndarray) or (shape is not None and array.shape != shape):
            self._discard(path)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # mark as recently used
        return array

    def put(self, key: FeatureKey, array: np.ndarray) -> bool:
        """Store ``array`` (any numeric dtype, as is). False when it cannot be stored (larger
        than the whole budget, disk full, ...): a cache must never fail its caller."""
        arr = np.ascontiguousarray(array)
        if arr.dtype.hasobject or arr.nbytes + 128 > self._max_bytes:
            return False
        path = self.path_for(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            tmp = Path(name)
            try:
                with os.fdopen(fd, "wb") as f:
                    np.save(f, arr, allow_pickle=False)
                old = path.stat().st_size if path.exists() else 0
                tmp.replace(path)
            except BaseException:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                raise
            size = path.stat().st_size
        except OSError:
            return False
        self._account(size - old)
        return True

    def nbytes(self) -> int:
        """Bytes of all entries under the root (counted on disk)."""
        with self._lock:
            self._nbytes = sum(size for _, size, _ in self._scan())
            return self._nbytes

    def clear(self) -> None:
        with self._lock:
            for path, _, _ in self._scan():
                with contextlib.suppress(OSError):
                    path.unlink()
            self._prune_empty_dirs()
            self._nbytes = 0

    def _account(self, delta: int) -> None:
        with self._lock:
            if self._nbytes is None:
                self._nbytes = sum(size for _, size, _ in self._scan())
            else:
                self._nbytes += delta
            if self._nbytes > self._max_bytes:
                self._evict()

    def _evict(self) -> None:
        # Recount first: other processes may have added or removed entries meanwhile.
        entries = sorted(self._scan(), key=lambda e: e[2])
        total = sum(size for _, size, _ in entries)
        for path, size, _ in entries:
            if total <= self._max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size
        self._nbytes = total
        self._prune_empty_dirs()

    def _scan(self) -> list[tuple[Path, int, float]]:
        """(path, size, last use) of every entry; stale temporary files are removed."""
        found: list[tuple[Path, int, float]] = []
        if not self._root.is_dir():
            return found
        now = time.time()
        for dirpath, _, files in os.walk(self._root):
            for name in files:
                path = Path(dirpath) / name
                try:
                    st = path.stat()
                except OSError:
                    continue
                if name.endswith(".tmp"):
                    # Left by a writer that died; a live writer renames within seconds.
                    if now - st.st_mtime > _STALE_TMP_SECONDS:
                        with contextlib.suppress(OSError):
                            path.unlink()
                    continue
                if name.endswith(".npy"):
                    found.append((path, st.st_size, st.st_mtime))
        return found

    def _prune_empty_dirs(self) -> None:
        if not self._root.is_dir():
            return
        for dirpath, _, _ in sorted(os.walk(self._root), key=lambda d: -len(d[0])):
            if Path(dirpath) != self._root:
                with contextlib.suppress(OSError):
                    Path(dirpath).rmdir()  # only succeeds when empty

    def _discard(self, path: Path) -> None:
        with contextlib.suppress(OSError):
            size = path.stat().st_size
            path.unlink()
            with self._lock:
                if self._nbytes is not None:
                    self._nbytes -= size
