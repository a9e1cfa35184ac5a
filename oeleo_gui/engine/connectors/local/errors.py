"""One place for OS errors at a folder destination: `with connector._translated(rel):` turns an
OSError into the engine error that says why."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from oeleo_gui.engine.connectors.local.connector import LocalConnector


def error_for(connector: LocalConnector, exc: OSError, rel_path: str) -> Exception:
    where = connector.description
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
    if is_network_gone(exc) or not connector.root.exists():
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
    """The context manager behind `LocalConnector._translated` (a class, not a generator: it
    runs several times per copied file)."""

    __slots__ = ("_connector", "_rel_path")

    def __init__(self, connector: LocalConnector, rel_path: str) -> None:
        self._connector = connector
        self._rel_path = rel_path

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if isinstance(exc, OSError) and not isinstance(exc, (DestinationError, FileError)):
            raise error_for(self._connector, exc, self._rel_path) from exc
