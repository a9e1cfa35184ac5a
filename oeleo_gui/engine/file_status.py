"""Each selected file's plain state, from the scan and the database: what the File list shows
and what the `status` verdict counts. Pure: the caller scans and reads the database.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from oeleo_gui.engine.bookkeeping.rows import FileRow, FileStateRow
from oeleo_gui.engine.bookkeeping.snapshot import Snapshot
from oeleo_gui.engine.connectors.base import flattened_or_mirrored
from oeleo_gui.engine.events import FileCode, FileState
from oeleo_gui.engine.fileio.native_paths import native, native_prefix
from oeleo_gui.engine.scanner import LocalFile
from oeleo_gui.engine.settings.config import DestinationKind, Settings
from oeleo_gui.engine.units import when_text


class FileStatusKind(StrEnum):
    COPIED = "copied"  # at the destination in its current version, verified
    CHANGED = "changed"  # copied before; changed since (the next run copies it)
    NOT_COPIED = "not_copied"  # never copied yet
    MARKED = "marked"  # code 0: copied at the next run
    WAITING = "waiting"  # still being written
    LIVE = "live"  # a live copy is at the destination; the file is still being written
    HELD_OPEN = "held_open"  # another program holds it open
    FAILED = "failed"
    LOCKED = "locked"  # code 2: never copied, by a technician's choice
    GONE = "gone"  # in the database, but no longer selected or no longer in the source

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_safe(self) -> bool:
        """Nothing to do: copied, locked by hand, or not a selected file any more."""
        return self in (FileStatusKind.COPIED, FileStatusKind.LOCKED, FileStatusKind.GONE)


_LABELS = {
    FileStatusKind.COPIED: "Copied ✓",
    FileStatusKind.CHANGED: "Changed – copied at the next run",
    FileStatusKind.NOT_COPIED: "Not copied yet",
    FileStatusKind.MARKED: "Marked to copy",
    FileStatusKind.WAITING: "Waiting: still being written",
    FileStatusKind.LIVE: "Live copy",
    FileStatusKind.HELD_OPEN: "Held open",
    FileStatusKind.FAILED: "Failed",
    FileStatusKind.LOCKED: "Locked – never copy",
    FileStatusKind.GONE: "Not in the source any more",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class FileStatus:
    rel_path: str
    kind: FileStatusKind
    reason: str
    since: datetime | None
    """Since when it is in this state (for files not yet at the destination: since when they
    differ from it)."""
    last_copied: datetime | None
    size: int | None
    code: FileCode | None
    source_path: str
    destination: str

    @property
    def label(self) -> str:
        return self.kind.label


def expected_destination(settings: Settings, rel_path: str) -> str:
    """Where a file goes (or went), as the technician would look for it there."""
    dest_rel = flattened_or_mirrored(
        rel_path, mirror_subdirs=settings.include_subdirs and settings.external_subdirs
    )
    if settings.destination_kind is DestinationKind.LOCAL:
        return str(Path(settings.destination).joinpath(*dest_rel.split("/")))
    return posixpath.join(settings.destination or "/", dest_rel)


def file_statuses_from(
    settings: Settings, files: Sequence[LocalFile], snapshot: Snapshot, *, now: float
) -> list[FileStatus]:
    """The selected `files` in order, then the database rows of files no longer selected.

    Runs over every file a `status` call sees (100 000 of them, every minute for a monitoring
    tool): paths are joined as strings, and a copied file's reason is a constant."""
    now_dt = datetime.fromtimestamp(now)
    rows, states = snapshot.rows, snapshot.states
    prefix = native_prefix(settings.source)
    out = [
        _status(settings, f, rows.get(f.rel_path), states.get(f.rel_path), now_dt, prefix)
        for f in files
    ]
    seen = {f.rel_path for f in files}
    for rel, row in sorted(rows.items()):
        if rel not in seen:
            out.append(
                FileStatus(
                    rel_path=rel,
                    kind=FileStatusKind.GONE,
                    reason="not selected by the settings, or no longer in the source folder",
                    since=None,
                    last_copied=row.last_copied,
                    size=row.size,
                    code=row.code,
                    source_path=prefix + native(rel),
                    destination=row.external_name or "",
                )
            )
    return out


def _status(
    settings: Settings,
    f: LocalFile,
    row: FileRow | None,
    state: FileStateRow | None,
    now: datetime,
    prefix: str,
) -> FileStatus:
    kind, reason, since = _kind(f, row, state, now)
    destination = row.external_name if row is not None and row.external_name else ""
    return FileStatus(
        rel_path=f.rel_path,
        kind=kind,
        reason=reason,
        since=since,
        last_copied=row.last_copied if row else None,
        size=f.size,
        code=row.code if row else None,
        source_path=prefix + native(f.rel_path),
        destination=destination or expected_destination(settings, f.rel_path),
    )


def _kind(
    f: LocalFile, row: FileRow | None, state: FileStateRow | None, now: datetime
) -> tuple[FileStatusKind, str, datetime | None]:
    if row is not None and row.code is FileCode.LOCKED:
        return FileStatusKind.LOCKED, "locked by hand – never copied (code 2)", None
    if state is not None:
        if state.state is FileState.FAILED:
            return FileStatusKind.FAILED, state.reason, state.since
        if state.state is FileState.HELD_OPEN:
            held = f"held open by another program since {when_text(state.since, now)}"
            return FileStatusKind.HELD_OPEN, state.reason or held, state.since
        if state.state is FileState.LIVE:
            at = when_text(state.live_copied_at, now)
            return (
                FileStatusKind.LIVE,
                f"live copy at {at}; still being written",
                state.live_copied_at,
            )
        return FileStatusKind.WAITING, state.reason, state.waiting_since or state.since
    if row is None:
        return FileStatusKind.NOT_COPIED, "new file, not copied yet", _modified(f)
    if row.code is FileCode.COPY:
        return FileStatusKind.MARKED, "marked to copy at the next run (code 0)", _modified(f)
    if row.is_legacy:
        return (
            FileStatusKind.CHANGED,
            "recorded by upstream oeleo: compared at the next run",
            row.processed_date,
        )
    if row.checksum and row.size == f.size and row.mtime_ns == f.mtime_ns:
        return FileStatusKind.COPIED, "copied", None  # when: `last_copied`
    return FileStatusKind.CHANGED, "changed since its last copy", _modified(f)


def _modified(f: LocalFile) -> datetime:
    """Since when a file not copied in its current version differs from the destination."""
    return datetime.fromtimestamp(f.mtime)
