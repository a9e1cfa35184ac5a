"""Sorting a run's decisions before anything is copied: files to copy, unchanged ones (a file
whose modification time changed but whose content did not is hashed here and counted
unchanged), locked ones, and those that wait or fail, reported at once."""

from __future__ import annotations

import logging
from pathlib import Path

from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.events import CancelToken, FileResult, Outcome, Reporter
from oeleo_gui.engine.fileio.hashing import md5_file
from oeleo_gui.engine.fileio.native_paths import source_path
from oeleo_gui.engine.planner import Action, Decision
from oeleo_gui.engine.run_results import result_for

log = logging.getLogger("oeleo_gui.engine.worker")


def triage(
    source_root: Path,
    decisions: list[Decision],
    results: list[FileResult],
    counts: dict[str, int],
    store: FileListStore | None,
    reporter: Reporter,
    cancel: CancelToken,
) -> list[Decision]:
    """Report the files that need no copy; hash the doubtful ones. Returns what to copy."""
    to_copy: list[Decision] = []
    for d in decisions:
        rel = d.file.rel_path
        if d.action is Action.HASH:
            cancel.raise_if_cancelled()
            try:
                md5 = md5_file(source_path(source_root, rel), cancel)
            except FileNotFoundError:  # deleted since the scan: nothing to copy any more
                log.info("%s was deleted before it could be read; skipped", rel)
                continue
            except OSError as exc:
                results.append(
                    result_for(d, Outcome.BUSY, f"cannot be read now: {exc.strerror or exc}")
                )
                continue
            if d.row is not None and md5 == d.row.checksum:
                counts["unchanged"] += 1
                if store is not None:
                    if d.legacy_name:
                        store.adopt_legacy(d.legacy_name, rel, d.file.size, d.file.mtime_ns)
                    store.record_unchanged(rel, d.file.size, d.file.mtime_ns)
                continue
            d = Decision(d.file, Action.COPY, "content changed", d.dest_rel, d.row, d.legacy_name)
        if d.action in (Action.COPY, Action.LIVE_COPY):
            to_copy.append(d)
        elif d.action is Action.UNCHANGED:
            counts["unchanged"] += 1
        elif d.action is Action.LOCKED:
            counts["locked"] += 1
        else:
            outcome = Outcome.SETTLING if d.action is Action.SETTLING else Outcome.FAILED
            result = result_for(d, outcome, d.reason)
            results.append(result)
            reporter.on_file_done(result)
    return to_copy
