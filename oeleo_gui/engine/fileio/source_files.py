"""Opening a source file the instrument may still be writing, and recognising "in use".

Every destination reads its sources through `open_source`: read-only, as a raw descriptor, with
the sharing Windows gives by default to such opens (the writer may go on). A Windows sharing
violation becomes `SourceBusy`, so one held-open file waits while the others are copied.
"""

from __future__ import annotations

import os

from oeleo_gui.engine.errors import FileError, SourceBusy, SourceGone

# Windows: ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
SHARING_VIOLATION_CODES = (32, 33)


def is_sharing_violation(exc: BaseException) -> bool:
    """True when Windows reports the file open in another program (the instrument writing it)."""
    return isinstance(exc, OSError) and getattr(exc, "winerror", None) in SHARING_VIOLATION_CODES


def open_source(path: str) -> int:
    """Open a source file for reading, as a raw descriptor; SourceBusy when it is locked."""
    try:
        return os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except FileNotFoundError as exc:  # deleted since the scan: skipped, not a failure
        raise SourceGone(
            f"{os.path.basename(path)} was deleted before it could be copied."
        ) from exc
    except OSError as exc:
        if is_sharing_violation(exc):
            raise SourceBusy(
                f"{os.path.basename(path)} is in use by another program.",
                "It will be copied at a later run.",
            ) from exc
        raise FileError(
            f"Cannot read {path}: {exc.strerror or exc}.", "Check its permissions."
        ) from exc
