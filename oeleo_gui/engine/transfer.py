"""Copying a batch safely: temp upload → verify → move foreign file aside → rename → record.

The database is written only after a copy is verified and renamed into place. Temporary names
are journalled before the upload starts, so a crash or power cut leaves names the next run sweeps.
A lost connection is retried from scratch after a bounded, cancellable backoff.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.connectors.base import (
    BatchUploads,
    Connector,
    Upload,
    temp_name_for,
)
from oeleo_gui.engine.errors import (
    Cancelled,
    ChangedDuringCopy,
    ConnectionLost,
    DestinationError,
    FileError,
    OeleoError,
    VerifyFailed,
    visible,
)
from oeleo_gui.engine.events import (
    CancelToken,
    FileCode,
    FileResult,
    Outcome,
    Reporter,
)
from oeleo_gui.engine.fileio.native_paths import native, native_prefix
from oeleo_gui.engine.logsetup import NAMES_ESCAPED
from oeleo_gui.engine.moving_aside import keep_foreign_files
from oeleo_gui.engine.planner import Action, Decision
from oeleo_gui.engine.progress import Progress
from oeleo_gui.engine.uploading import UploadSteps

log = logging.getLogger(__name__)
BATCH_FILES = 500
BATCH_BYTES = 256 * 1024 * 1024
MAX_BACKOFF = 30.0


def batches(decisions: Sequence[Decision], max_files: int = BATCH_FILES) -> list[list[Decision]]:
    """Group copies so remote verification costs one round trip per batch."""
    out: list[list[Decision]] = []
    current: list[Decision] = []
    size = 0
    for d in decisions:
        if current and (len(current) >= max_files or size + d.file.size > BATCH_BYTES):
            out.append(current)
            current, size = [], 0
        current.append(d)
        size += d.file.size
    if current:
        out.append(current)
    return out


def log_copies(records: Sequence[tuple[str, str, str, int, int]]) -> None:
    """One log record per batch, one line per file: a record per file cost a fifth of a first
    copy of many small files. The log viewer shows the lines under the record's level. Names
    are shown with their control characters named: a name must not forge a log line."""
    if not records or not log.isEnabledFor(logging.INFO):
        return
    lines = [
        f"{visible(rel)} -> {visible(external)} ({size} bytes, md5 {md5})"
        for rel, external, md5, size, _ in records
    ]
    if len(lines) == 1:
        log.info("copied %s", lines[0], extra=NAMES_ESCAPED)
    else:
        log.info("copied %d files:\n  %s", len(lines), "\n  ".join(lines), extra=NAMES_ESCAPED)


class BatchCopier(UploadSteps):
    """Copies batches for one run; results accumulate in `results`."""

    def __init__(
        self,
        *,
        source_root: Path,
        connector: Connector,
        store: FileListStore,
        reporter: Reporter,
        cancel: CancelToken,
        progress: Progress,
        reconnect_attempts: int,
    ) -> None:
        self.source_root = source_root
        self._source_prefix = native_prefix(source_root)
        self.connector = connector
        self.store = store
        self.reporter = reporter
        self.cancel = cancel
        self.progress = progress
        self.reconnect_attempts = reconnect_attempts
        self.results: list[FileResult] = []
        self.bytes_copied = 0
        self._undiscarded: set[str] = set()
        self._in_flight = ""
        self._live_mtime: dict[str, int | None] = {}  # temp name -> mtime of the state copied
        self._cleared: dict[str, str] = {}  # destination name -> where what was in its way went
        self.locked_meanwhile = 0  # files a technician locked while this run was copying

    def copy_all(self, decisions: Sequence[Decision]) -> None:
        # A connector sending whole batches may take more files per batch (fewer round trips).
        batch_files = getattr(self.connector, "batch_files", BATCH_FILES)
        for batch in batches(decisions, batch_files):
            pending = list(batch)
            attempts_left = self.reconnect_attempts
            while pending:
                try:
                    self._copy_batch(pending)
                    pending = []
                except ConnectionLost as exc:
                    if attempts_left <= 0:
                        raise
                    attempts_left -= 1
                    log.warning("connection lost (%s); reconnecting", exc.title)
                    self._reconnect(exc)
                    done = {r.rel_path for r in self.results}
                    pending = [d for d in pending if d.file.rel_path not in done]

    def _reconnect(self, cause: ConnectionLost) -> None:
        delay = 1.0
        for attempt in range(1, self.reconnect_attempts + 1):
            if self.cancel.wait(delay):
                raise Cancelled()
            try:
                self.connector.reconnect()
                log.info("reconnected after %d attempt(s)", attempt)
                return
            except ConnectionLost as exc:
                cause = exc
            except Exception as exc:
                if not isinstance(exc, ConnectionLost) and attempt == self.reconnect_attempts:
                    raise
                log.debug("reconnect attempt %d failed: %s", attempt, exc)
            delay = min(delay * 2, MAX_BACKOFF)
        raise cause

    def _finish(self, result: FileResult) -> None:
        self.results.append(result)
        self.reporter.on_file_done(result)

    def _copy_batch(self, batch: list[Decision]) -> None:
        """Copy one batch; on any failure its uncommitted temporary files are discarded."""
        batch = self._not_locked_since_planned(batch)
        temps = {d.file.rel_path: temp_name_for(d.dest_rel) for d in batch}
        self.store.journal_add([(temps[d.file.rel_path], d.dest_rel) for d in batch])
        uploads: list[tuple[Decision, Upload]] = []
        try:
            try:
                if isinstance(self.connector, BatchUploads):
                    self._upload_batch(self.connector, batch, temps, uploads)
                else:
                    for d in batch:
                        upload = self._upload_one(d, temps[d.file.rel_path])
                        if upload is not None:
                            uploads.append((d, upload))
            except (Cancelled, DestinationError) as exc:
                if not isinstance(exc, Cancelled) and self._in_flight:
                    # Cut off mid-upload: the connector may not have removed its temp file.
                    self._undiscarded.add(self._in_flight)
                # Keep what was completely sent before a cancel or a full disk (at most a batch);
                # after a lost connection nothing can be verified, so it is all sent again.
                if not isinstance(exc, ConnectionLost):
                    self._verify_and_commit(uploads, CancelToken())
                raise
            self._verify_and_commit(uploads, self.cancel)
        except BaseException:
            self._discard([u for _, u in uploads], quiet=True)
            raise
        finally:
            # Names whose removal may have failed stay journalled for the next run's sweep.
            self.store.journal_remove([t for t in temps.values() if t not in self._undiscarded])

    def _not_locked_since_planned(self, batch: list[Decision]) -> list[Decision]:
        """The codes are read again just before each batch: a file a technician locked while
        the run was copying others is not copied (issue 13, case 16)."""
        rows = self.store.rows_for([d.file.rel_path for d in batch])
        locked = {rel for rel, row in rows.items() if row.code is FileCode.LOCKED}
        if not locked:
            return batch
        self.locked_meanwhile += len(locked)
        log.info("not copied, locked meanwhile: %s", ", ".join(sorted(locked)))
        return [d for d in batch if d.file.rel_path not in locked]

    def _fail(self, d: Decision, exc: FileError) -> None:
        log.warning("%s not copied: %s", d.file.rel_path, exc)
        self.store.record_errors([(d.file.rel_path, str(exc))])
        self._finish(
            FileResult(
                rel_path=d.file.rel_path, outcome=Outcome.FAILED, reason=str(exc), size=d.file.size
            )
        )

    def _discard(self, uploads: Sequence[Upload], *, quiet: bool = False) -> None:
        for upload in uploads:
            try:
                self.connector.remove(upload.temp_rel_path)
            except Exception:
                self._undiscarded.add(upload.temp_rel_path)
                if not quiet:
                    raise
                log.debug("could not remove %s (the next run sweeps it)", upload.temp_rel_path)

    def _source_now(self, d: Decision, upload: Upload) -> str:
        """ "same", "changed" (since it was planned) or "gone" (deleted meanwhile)."""
        try:
            st = os.stat(self._source_prefix + native(d.file.rel_path))
        except FileNotFoundError:
            return "gone"
        except OSError:
            return "changed"
        same = st.st_size == d.file.size == upload.size and st.st_mtime_ns == d.file.mtime_ns
        return "same" if same else "changed"

    def _verify_and_commit(
        self, uploads: list[tuple[Decision, Upload]], cancel: CancelToken
    ) -> None:
        if not uploads:
            return
        problems = self.connector.verify([u for _, u in uploads], cancel)
        good: list[tuple[Decision, Upload]] = []
        for d, upload in uploads:
            if upload.temp_rel_path in problems:
                self._discard([upload])
                self._fail(
                    d,
                    VerifyFailed(
                        f"{d.file.rel_path}: {problems[upload.temp_rel_path]}.",
                        "It will be copied again at the next run.",
                    ),
                )
            elif (now := self._source_now(d, upload)) == "gone":  # not a failure: skipped
                self._discard([upload])
                log.info("%s was deleted while it was copied; skipped", d.file.rel_path)
            elif d.action is not Action.LIVE_COPY and now == "changed":
                self._discard([upload])
                exc = ChangedDuringCopy(f"{d.file.rel_path} changed while it was copied.", "")
                self._finish(
                    FileResult(
                        rel_path=d.file.rel_path,
                        outcome=Outcome.SETTLING,
                        reason=exc.title + " It will be copied at a later run.",
                        size=d.file.size,
                    )
                )
            else:
                good.append((d, upload))
        asides = {**self._cleared, **keep_foreign_files(self.connector, self.store, good, cancel)}
        records = []
        renamed, failure = None, None
        if isinstance(self.connector, BatchUploads):
            renamed, failure = self._commit_batch(self.connector, good, cancel)
        try:
            for d, upload in good:
                if renamed is None:
                    cancel.raise_if_cancelled()
                    self.connector.commit(upload)
                elif upload.temp_rel_path not in renamed:
                    continue
                external = self.connector.external_name(d.dest_rel)
                live = d.action is Action.LIVE_COPY
                mtime_ns = self._live_mtime.pop(upload.temp_rel_path, None) if live else None
                records.append(
                    (
                        d.file.rel_path,
                        external,
                        upload.md5,
                        upload.size,
                        mtime_ns if live else d.file.mtime_ns,
                    )
                )
                if d.legacy_name:
                    self.store.adopt_legacy(
                        d.legacy_name, d.file.rel_path, upload.size, d.file.mtime_ns
                    )
                self.bytes_copied += upload.size
                self._finish(
                    FileResult(
                        rel_path=d.file.rel_path,
                        outcome=Outcome.LIVE_COPIED if live else Outcome.COPIED,
                        reason=d.reason,
                        size=upload.size,
                        external_name=external,
                        moved_aside=asides.get(d.dest_rel, ""),
                    )
                )
            if failure is not None:
                raise failure
        finally:
            # Only files verified and renamed under their final name are recorded.
            self.store.record_copies(records)
            log_copies(records)

    def _commit_batch(
        self,
        connector: BatchUploads,
        good: Sequence[tuple[Decision, Upload]],
        cancel: CancelToken,
    ) -> tuple[set[str], OeleoError | None]:
        """Rename the whole batch in one go (SSH): the temporary names renamed, and the first
        failure, raised by the caller once the renamed files are recorded."""
        cancel.raise_if_cancelled()
        renamed: set[str] = set()
        try:
            connector.commit_batch(
                [u for _, u in good], committed=lambda u: renamed.add(u.temp_rel_path)
            )
        except OeleoError as exc:
            return renamed, exc
        return renamed, None


def sweep_journal(store: FileListStore, connector: Connector) -> None:
    """Remove temporary files a crashed or cut-off run left at the destination (the journal
    names every temporary file before it is made)."""
    leftovers = store.journal_entries()
    for temp_name, _destination in leftovers:
        connector.remove(temp_name)
    if leftovers:
        log.info("removed %d temporary file(s) left by an interrupted run", len(leftovers))
        store.journal_remove([t for t, _ in leftovers])
