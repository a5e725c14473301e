"""Writing an export so that nothing the user has is ever damaged.

The file is written under a hidden temporary name in the target folder (so the final rename
never crosses file systems), flushed to disk, and only then renamed onto the target. A
failure or a cancel removes the temporary file; whatever was at the target stays as it was.
Without permission to overwrite, the rename itself refuses a file that appeared meanwhile.
"""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import av

from narrlocal_gui.errors import ExportError
from narrlocal_gui.media.media_info import describe

__all__ = ["check_target", "same_file", "temporary_output", "write_errors"]


def check_target(target: Path, overwrite: bool) -> None:
    """Refuse a target that is a folder, lies in a missing folder, or exists without
    ``overwrite``, before any work is done."""
    if target.is_dir():
        raise ExportError(f"Cannot write {describe(target)}: it is a folder.")
    if not target.parent.is_dir():
        raise ExportError(
            f"Cannot write {describe(target)}: the folder {describe(target.parent)} does not exist."
        )
    if target.exists() and not overwrite:
        raise _exists(target)


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` exists and is the very file ``b`` (links and spellings included)."""
    try:
        return a.exists() and a.samefile(b)
    except OSError:
        return False


@contextlib.contextmanager
def write_errors(target: Path) -> Iterator[None]:
    """FFmpeg's and the OS's write failures as one sentence naming the output."""
    try:
        yield
    except (av.error.FFmpegError, OSError) as exc:
        if getattr(exc, "errno", None) == errno.ENOSPC:
            reason = "the disk is full"
        else:
            reason = str(getattr(exc, "strerror", None) or exc).rstrip(".")
        raise ExportError(f"Cannot write {describe(target)}: {reason}.") from None


@contextlib.contextmanager
def temporary_output(target: Path, overwrite: bool) -> Iterator[Path]:
    """A temporary path beside ``target``: renamed onto it when the block succeeds, removed
    whatever happens."""
    temp = target.with_name(f".{target.stem}.{uuid.uuid4().hex[:12]}.partial{target.suffix}")
    try:
        yield temp
        with write_errors(target):
            _sync(temp)
            _publish(temp, target, overwrite)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)


def _sync(path: Path) -> None:
    """Make the file's data durable before it replaces anything."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _publish(temp: Path, target: Path, overwrite: bool) -> None:
    if overwrite:
        temp.replace(target)
        return
    try:
        # A hard link fails if the name is taken, so a file that appeared meanwhile survives.
        target.hardlink_to(temp)
    except FileExistsError:
        raise _exists(target) from None
    except OSError:
        # A file system without hard links (FAT, some network shares): check, then rename.
        if target.exists():
            raise _exists(target) from None
        temp.replace(target)


def _exists(target: Path) -> ExportError:
    return ExportError(f"{describe(target)} already exists; allow replacing it to export there.")
