"""Sending a batch's files to their temporary names: one by one, or all at once where the
connector keeps many requests in flight (SSH); live copies checked around each attempt (see
`live_copy`); a file standing where a folder must be made moved aside first (issue 13, case 13).

A mixin of `transfer.BatchCopier`, which owns the state used here; what comes back is handed
to the copier's `_finish`/`_fail`. The log records keep the copier's logger name.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path

from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.connectors.base import BatchUploads, Connector, Upload, UploadRequest
from oeleo_gui.engine.errors import (
    Cancelled,
    FileError,
    PathBlocked,
    SourceBusy,
    SourceGone,
)
from oeleo_gui.engine.events import CancelToken, FileResult, Outcome
from oeleo_gui.engine.fileio.native_paths import native
from oeleo_gui.engine.live_copy import LIVE_ATTEMPTS, LIVE_RETRY_PAUSE, judge_live_copy
from oeleo_gui.engine.moving_aside import clear_the_way
from oeleo_gui.engine.planner import Action, Decision
from oeleo_gui.engine.progress import Progress

log = logging.getLogger("oeleo_gui.engine.transfer")


class UploadSteps:
    """The upload half of `BatchCopier` (see the module's doc)."""

    connector: Connector
    store: FileListStore
    cancel: CancelToken
    progress: Progress
    source_root: Path
    _source_prefix: str
    _in_flight: str
    _undiscarded: set[str]
    _live_mtime: dict[str, int | None]
    _cleared: dict[str, str]

    def _finish(self, result: FileResult) -> None:
        raise NotImplementedError

    def _fail(self, d: Decision, exc: FileError) -> None:
        raise NotImplementedError

    def _upload_one(self, d: Decision, temp: str) -> Upload | None:
        self.cancel.raise_if_cancelled()
        self.progress.start_file()
        rel = d.file.rel_path
        # Throttled like the rest (the run's first file shows at once): thousands of small
        # files would otherwise mean thousands of events for the tray to draw.
        self.progress.update(rel, 0, d.file.size, force=self.progress.file_index == 1)
        self._in_flight = temp  # stays set only if an unexpected error propagates
        upload = None
        try:
            upload = self._upload_clearing_the_way(d, temp)
        except (FileError, FileNotFoundError) as exc:
            self._not_uploaded(d, exc)
        self._in_flight = ""
        self.progress.finish_file(rel, d.file.size)
        return upload

    def _not_uploaded(self, d: Decision, exc: FileError | FileNotFoundError) -> None:
        rel = d.file.rel_path
        if isinstance(exc, SourceBusy):
            self._finish(
                FileResult(rel_path=rel, outcome=Outcome.BUSY, reason=exc.title, size=d.file.size)
            )
        elif isinstance(exc, (SourceGone, FileNotFoundError)):  # deleted since the scan
            log.info("%s was deleted before it could be copied; skipped", rel)
        else:
            self._fail(d, exc)

    def _upload_batch(
        self,
        connector: BatchUploads,
        batch: list[Decision],
        temps: dict[str, str],
        uploads: list[tuple[Decision, Upload]],
    ) -> None:
        """The whole batch in one go, for connectors that keep many requests in flight (SSH).
        Each file's outcome is handled as `_upload_one` handles it; live copies (checked around
        each attempt) and files whose way must be cleared first go through `_upload_one`."""
        together = [d for d in batch if d.action is not Action.LIVE_COPY]
        one_by_one = [d for d in batch if d.action is Action.LIVE_COPY]
        started: set[int] = set()
        finished: set[int] = set()

        def progress(i: int, done: int) -> None:
            rel, size = together[i].file.rel_path, together[i].file.size
            if i not in started:
                started.add(i)
                self.progress.start_file()
                self.progress.update(rel, done, size, force=self.progress.file_index == 1)
            else:
                self.progress.update(rel, done, size)

        def done(i: int, outcome: Upload | FileError) -> None:
            finished.add(i)
            d = together[i]
            if isinstance(outcome, PathBlocked):
                one_by_one.append(d)  # its way is cleared, then it is sent on its own
                return
            if isinstance(outcome, Upload):
                uploads.append((d, outcome))
            else:
                self._not_uploaded(d, outcome)
            self.progress.finish_file(d.file.rel_path, d.file.size)

        requests = [
            UploadRequest(
                self._source_prefix + native(d.file.rel_path),
                d.dest_rel,
                temps[d.file.rel_path],
                d.file.mtime,
            )
            for d in together
        ]
        try:
            connector.upload_batch(requests, progress=progress, done=done, cancel=self.cancel)
        except Cancelled:
            raise  # the connector removed what it had not finished
        except BaseException:
            # Cut off mid-batch: temporary files not reported done may still be there.
            self._undiscarded.update(
                r.temp_rel_path for i, r in enumerate(requests) if i not in finished
            )
            raise
        for d in one_by_one:
            upload = self._upload_one(d, temps[d.file.rel_path])
            if upload is not None:
                uploads.append((d, upload))

    def _upload_clearing_the_way(self, d: Decision, temp: str) -> Upload | None:
        """Upload; a file standing where a folder must be made is moved aside once, and the
        upload tried again (issue 13, case 13)."""
        for attempt in (1, 2):
            try:
                if d.action is Action.LIVE_COPY:
                    return self._upload_live(d, temp)
                return self._upload(d, temp)
            except PathBlocked as exc:
                if attempt == 2:
                    raise
                self._cleared[d.dest_rel] = clear_the_way(self.connector, self.store, exc.rel_path)
        return None

    def _upload(self, d: Decision, temp: str) -> Upload:
        rel = d.file.rel_path
        return self.connector.upload_temp(
            self._source_prefix + native(rel),
            d.dest_rel,
            temp_rel_path=temp,
            mtime=d.file.mtime,
            progress=lambda done: self.progress.update(rel, done, d.file.size),
            cancel=self.cancel,
        )

    def _upload_live(self, d: Decision, temp: str) -> Upload | None:
        """A copy of a file still being written, kept only when it is a state the file had
        (see `live_copy`); a torn copy is removed at once and tried again a few times."""
        source = self._source_prefix + native(d.file.rel_path)
        why = ""
        for attempt in range(1, LIVE_ATTEMPTS + 1):
            before = os.stat(source)
            upload = self._upload(d._replace(file=d.file._replace(size=before.st_size)), temp)
            after = os.stat(source)
            verdict = judge_live_copy(
                source,
                before,
                after,
                copied_size=upload.size,
                copied_md5=upload.md5,
                cancel=self.cancel,
            )
            if verdict.accepted:
                log.debug("live copy of %s accepted: %s", d.file.rel_path, verdict.how)
                self._live_mtime[temp] = verdict.mtime_ns
                state_time = (verdict.mtime_ns or before.st_mtime_ns) / 1e9
                return dataclasses.replace(upload, mtime=state_time)
            why = verdict.how
            self.connector.remove(temp)
            log.debug("live copy %d of %s discarded: %s", attempt, d.file.rel_path, why)
            if attempt < LIVE_ATTEMPTS and self.cancel.wait(LIVE_RETRY_PAUSE):
                raise Cancelled()
        self._finish(
            FileResult(
                rel_path=d.file.rel_path,
                outcome=Outcome.SETTLING,
                reason=f"still being written: its live copy was {why} {LIVE_ATTEMPTS} times; "
                "tried again at the next run",
                size=d.file.size,
            )
        )
        return None
