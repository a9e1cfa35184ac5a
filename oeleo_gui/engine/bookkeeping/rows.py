"""The plain records read from the bookkeeping database, and the converters both readers use
(`store.FileListStore` and the read-only `snapshot`). Imports the shared vocabulary only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from oeleo_gui.engine.events import FileCode, FileState


class FileRow(NamedTuple):
    """One `filelist` row, as frontends see it (a NamedTuple: the planner loads every row)."""

    id: int
    rel_path: str
    code: FileCode
    checksum: str | None
    external_name: str | None
    processed_date: datetime | None
    size: int | None
    mtime_ns: int | None
    last_copied: datetime | None
    last_error: str | None

    @property
    def is_legacy(self) -> bool:
        """Written by upstream oeleo (keyed by bare name, no size/mtime yet)."""
        return self.size is None


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRow:
    kind: str
    started_at: datetime
    finished_at: datetime
    copied: int
    unchanged: int
    waiting: int
    failed: int
    bytes_copied: int
    error: str | None
    cancelled: bool


def to_datetime(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


_CODES = {int(c): c for c in FileCode}


def code_of(value: object) -> FileCode:
    code = _CODES.get(value)  # type: ignore[call-overload]
    if code is not None:
        return code
    try:
        return FileCode(int(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return FileCode.COPY  # an unknown hand-typed code is treated as "copy", never as "skip"


class FileStateRow(NamedTuple):
    """Why a selected file is not (or not in its current version) at the destination."""

    rel_path: str
    state: FileState
    reason: str
    since: datetime | None
    """When this state began (the first run that saw it so)."""
    waiting_since: datetime | None
    """The first run that saw the file still changing (the maximum wait counts from here)."""
    live_copied_at: datetime | None
    """When the last live copy of the file (still being written) was made."""
    seen_size: int | None
    seen_mtime_ns: int | None
    """What the last run saw: unchanged since then counts as settled, whatever the clock says."""
    failures: int = 0
    """Consecutive runs in which copying it failed."""


def file_state(value: object) -> FileState:
    try:
        return FileState(str(value))
    except ValueError:
        return FileState.WAITING
