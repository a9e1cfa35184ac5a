"""`check`: compare the source with the destination, and optionally rebuild the codes from it.

The destination is listed once; sizes are compared first, then checksums of the files whose
sizes agree, computed on the destination in batches (or, for destinations that cannot hash,
only when a full comparison is asked for). Locked files stay locked when the database is updated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial

from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.connectors.base import (
    Connector,
    RemoteEntry,
    flattened_or_mirrored,
    is_oeleo_path,
    is_temp_name,
)
from oeleo_gui.engine.events import CancelToken, CheckReport, FileCode, FileResult, Outcome
from oeleo_gui.engine.fileio.hashing import md5_file
from oeleo_gui.engine.fileio.native_paths import source_path
from oeleo_gui.engine.scanner import LocalFile
from oeleo_gui.engine.settings.config import Settings

log = logging.getLogger(__name__)
HASH_BATCH = 200
STALE_TEMP_SECONDS = 3600.0


def compare(
    settings: Settings,
    connector: Connector,
    store: FileListStore,
    files: Sequence[LocalFile],
    *,
    update_db: bool,
    full: bool,
    cancel: CancelToken,
    now: float,
    destination_name: Callable[[str], str] | None = None,
) -> CheckReport:
    """Compare the scanned source `files` with what `connector` holds; see the module's doc.

    `destination_name` replaces upstream's naming (`flattened_or_mirrored`) when given."""
    started = datetime.now()
    mirror = settings.include_subdirs and settings.external_subdirs
    name_of = destination_name or partial(flattened_or_mirrored, mirror_subdirs=mirror)
    connector.connect()
    listing = connector.list_files(recursive=mirror or destination_name is not None, cancel=cancel)
    swept = _sweep_stale_temps(connector, listing, now)
    for rel in [rel for rel in listing if is_oeleo_path(rel)]:
        del listing[rel]  # status records are no data: never foreign, missing or out of sync
    rows = store.all_rows()
    present, missing, out_of_sync, in_sync = [], [], [], []
    local_md5: dict[str, str] = {}
    same_size = []
    errors: list[FileResult] = []
    locked: list[str] = []
    for f in files:
        row = rows.get(f.rel_path)
        if row is not None and row.code is FileCode.LOCKED:
            locked.append(f.rel_path)  # never copied, by a technician's choice: not "missing"
            continue
        dest = listing.get(name_of(f.rel_path))
        if dest is None:
            missing.append(f.rel_path)
            continue
        present.append(f.rel_path)
        if dest.size != f.size:
            out_of_sync.append(f.rel_path)
        else:
            same_size.append(f)
    can_hash = connector.capabilities.server_checksums or full
    for start in range(0, len(same_size), HASH_BATCH):
        chunk = same_size[start : start + HASH_BATCH]
        dest_names = {f.rel_path: name_of(f.rel_path) for f in chunk}
        remote = connector.checksums(list(dest_names.values()), cancel) if can_hash else {}
        for f in chunk:
            row = rows.get(f.rel_path)
            try:
                if row and row.checksum and row.size == f.size and row.mtime_ns == f.mtime_ns:
                    local_md5[f.rel_path] = row.checksum
                else:
                    local_md5[f.rel_path] = md5_file(
                        source_path(settings.source, f.rel_path), cancel
                    )
            except OSError as exc:
                errors.append(
                    FileResult(
                        rel_path=f.rel_path,
                        outcome=Outcome.BUSY,
                        reason=f"cannot be read now: {exc.strerror or exc}",
                    )
                )
                continue
            if not can_hash or remote.get(dest_names[f.rel_path]) == local_md5[f.rel_path]:
                in_sync.append(f.rel_path)
            else:
                out_of_sync.append(f.rel_path)
    if update_db:
        unreadable = {e.rel_path for e in errors}
        skipped = set(locked)  # their rows (and locks) stay as they are
        out_set = set(out_of_sync) | set(missing)
        store.record_check(
            [
                (
                    f.rel_path,
                    FileCode.COPY if f.rel_path in out_set else FileCode.COPY_IF_CHANGED,
                    local_md5.get(f.rel_path) if f.rel_path not in out_set else None,
                    connector.external_name(name_of(f.rel_path)),
                    f.size,
                    f.mtime_ns,
                )
                for f in files
                if f.rel_path not in unreadable and f.rel_path not in skipped
            ]
        )
    report = CheckReport(
        started_at=started,
        finished_at=datetime.now(),
        local_files=len(files),
        present=tuple(present),
        in_sync=tuple(in_sync),
        out_of_sync=tuple(sorted(out_of_sync)),
        missing=tuple(missing),
        locked=tuple(locked),
        swept_temp_files=swept,
        db_updated=update_db,
        errors=tuple(errors),
    )
    log.info(
        "check: %d local, %d at destination, %d out of sync, %d missing",
        report.local_files,
        len(present),
        len(out_of_sync),
        len(missing),
    )
    return report


def _sweep_stale_temps(connector: Connector, listing: dict[str, RemoteEntry], now: float) -> int:
    """Remove temporary files older than an hour that no journal knows (e.g. after a power cut)."""
    stale = [
        rel
        for rel, entry in listing.items()
        if is_temp_name(rel) and (entry.mtime is None or now - entry.mtime > STALE_TEMP_SECONDS)
    ]
    for rel in stale:
        connector.remove(rel)
    for rel in [rel for rel in listing if is_temp_name(rel)]:
        del listing[rel]
    return len(stale)
