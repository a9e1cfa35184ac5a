"""Making writes durable: `syncfs` (one call flushes a whole Linux file system) and
`fsync_folder` (a rename survives a power cut). Used by the folder destination and by `.env`
writing alike.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable
from pathlib import Path


def _load_syncfs() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.syncfs  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


_SYNCFS = _load_syncfs()
HAS_SYNCFS = _SYNCFS is not None
"""True where one call flushes a whole file system; else fsync each file and folder."""


def syncfs(folder: str | Path) -> None:
    """Flush every dirty page of the file system holding `folder` to disk (Linux)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        if _SYNCFS is not None and _SYNCFS(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), str(folder))
    finally:
        os.close(fd)


def fsync_folder(folder: str | Path) -> None:
    """Make a rename durable (POSIX); Windows has no directory handles to fsync."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
