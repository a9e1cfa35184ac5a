"""The folder destination's OS errors in words: a full or read-only disk, no permission, a share
gone, a folder vanished. `LocalConnector` runs its file system calls inside `Translated`, the one
place where an OSError becomes the engine error that says why and what to do."""

from __future__ import annotations

import errno
from pathlib import Path

from oeleo_gui.engine.connectors.local.os_details import is_network_gone
from oeleo_gui.engine.errors import (
    DestinationError,
    DestinationFull,
    DestinationMissing,
    DestinationPermissionDenied,
    FileError,
    Unreachable,
)
from oeleo_gui.engine.fileio.source_files import is_sharing_violation


def error_for(exc: OSError, rel_path: str, where: str, root: Path) -> Exception:
    """The engine error for `exc`, met while writing `rel_path` into the destination `where`
    (as the technician wrote it) whose folder is `root`."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT) or getattr(exc, "winerror", None) in (39, 112):
        return DestinationFull(
            f"The destination {where} is full.", "Free some space there; nothing was lost."
        )
    if exc.errno == errno.EROFS:
        return DestinationPermissionDenied(
            f"The destination {where} is read-only.",
            "Make the share or drive writable, or choose another OELEO_BASE_DIR_TO.",
        )
    if isinstance(exc, PermissionError) and not is_sharing_violation(exc):
        return DestinationPermissionDenied(
            f"No permission to write in {where}.",
            "Ask for write access to that folder or choose another OELEO_BASE_DIR_TO.",
        )
    if is_network_gone(exc) or not root.exists():
        return Unreachable(
            f"The destination {where} is no longer reachable ({exc.strerror or exc}).",
            "Check the network share; the run will continue at the next attempt.",
        )
    if isinstance(exc, FileNotFoundError):
        return DestinationMissing(
            f"A folder of {where} vanished while writing {rel_path}.",
            "Check that nobody is moving folders at the destination.",
        )
    return FileError(f"Could not write {rel_path} to {where}: {exc.strerror or exc}.", "")


class Translated:
    """`with Translated(where, root, rel):` raises `error_for` instead of an OSError (a class,
    not a generator: it runs several times per copied file)."""

    __slots__ = ("_rel_path", "_root", "_where")

    def __init__(self, where: str, root: Path, rel_path: str) -> None:
        self._where = where
        self._root = root
        self._rel_path = rel_path

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if isinstance(exc, OSError) and not isinstance(exc, (DestinationError, FileError)):
            raise error_for(exc, self._rel_path, self._where, self._root) from exc
