"""The engine in its own QThread: `EngineWorker` (the QObject living there) and `EngineThread`.

`EngineThread` lives in the GUI thread; it owns the QThread, tracks whether a job is running and
asks the worker for work through queued signals. The worker runs the engine and reports through
signals carrying the engine's frozen records (`RunStarted`, `FileProgress`, `FileResult`,
`RunSummary`, `CheckReport`) or a `Failure`. `update_status` writes the tray's schedule record
into the database (so `oeleo-gui status` sees it) and computes the verdict (`StatusReport`),
also in this thread: it scans the source folder and reads the database. Cancelling is a plain
method that sets the job's `CancelToken`: while a run is going the worker's event loop is busy,
so a queued slot would come too late. The GUI thread never opens the database or the
destination itself.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, QThread, Signal, Slot

from oeleo_gui.engine.bookkeeping.meta_keys import META_DESTINATION, META_SCHEDULE
from oeleo_gui.engine.bookkeeping.snapshot import read_snapshot
from oeleo_gui.engine.errors import OeleoError, RunInProgress
from oeleo_gui.engine.events import (
    CancelToken,
    FileProgress,
    FileResult,
    NullReporter,
    RunKind,
    RunStarted,
    RunSummary,
)
from oeleo_gui.engine.scheduler import ScheduleInfo
from oeleo_gui.engine.settings.config import Settings
from oeleo_gui.engine.status import SafetyState, StatusReport, compute_status
from oeleo_gui.engine.worker import Engine
from oeleo_gui.gui.background import collector_held_off

log = logging.getLogger(__name__)

EngineFactory = Callable[[Settings], Engine]
SHUTDOWN_TIMEOUT_MS = 5_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Failure:
    """A job that could not run at all (bad configuration, unreachable destination for a check)."""

    kind: RunKind
    title: str
    hint: str = ""
    other_run_pid: int | None = None  # skipped: another process runs on this database


@dataclass(frozen=True, slots=True, kw_only=True)
class DestinationChange:
    """The settings name another destination than the one the database's rows refer to."""

    recorded: str  # `Settings.destination_identity` of the destination the rows were copied to
    configured: str


class _SignalReporter(NullReporter):
    """The engine's Reporter: every call (in the worker thread) becomes a signal."""

    def __init__(self, worker: EngineWorker) -> None:
        self._worker = worker

    def on_run_started(self, event: RunStarted) -> None:
        self._worker.run_started.emit(event)

    def on_progress(self, event: FileProgress) -> None:
        self._worker.progress.emit(event)

    def on_file_done(self, result: FileResult) -> None:
        self._worker.file_done.emit(result)

    def on_run_finished(self, summary: RunSummary) -> None:
        # emitted by EngineWorker.sync after the status is read, so the GUI gets both in order
        return None


class EngineWorker(QObject):
    """Runs engine jobs one at a time in the QThread it was moved to."""

    run_started = Signal(object)  # RunStarted
    progress = Signal(object)  # FileProgress
    file_done = Signal(object)  # FileResult
    run_finished = Signal(object)  # RunSummary
    check_finished = Signal(object)  # CheckReport
    failed = Signal(object)  # Failure
    status_computed = Signal(object)  # StatusReport
    destination_changed = Signal(object)  # DestinationChange
    closed = Signal()

    def __init__(self, engine_factory: EngineFactory) -> None:
        super().__init__()
        self._engine_factory = engine_factory
        self._engine: Engine | None = None
        self._settings: Settings | None = None
        self._wrote_schedule = False
        self._published_pause = False  # the status record says "paused" already

    def _engine_for(self, settings: Settings) -> Engine:
        if self._engine is None or self._settings is not settings:
            self._close_engine()
            self._engine = self._engine_factory(settings)
            self._settings = settings
        return self._engine

    def _close_engine(self) -> None:
        if self._engine is not None:
            try:
                self._engine.close()
            except Exception:
                log.exception("closing the engine failed")
            self._engine = None
            self._settings = None

    @Slot(object, object)
    def sync(self, settings: Settings, cancel: CancelToken) -> None:
        try:
            engine = self._engine_for(settings)
            summary = engine.sync(_SignalReporter(self), cancel)
            self.run_finished.emit(summary)
        except Exception as exc:  # the top of a worker slot: report, never die silently
            self._report_failure(RunKind.SYNC, exc)

    @Slot(object, object)
    def check(self, settings: Settings, cancel: CancelToken) -> None:
        try:
            engine = self._engine_for(settings)
            report = engine.check(update_db=True, cancel=cancel)
            self.check_finished.emit(report)
        except Exception as exc:
            self._report_failure(RunKind.CHECK, exc)

    @Slot(object, object)
    def update_status(self, settings: Settings, schedule: ScheduleInfo | None) -> None:
        """Record the tray's schedule (None: none runs), then compute and emit the verdict."""
        try:
            engine = self._engine_for(settings)
            if schedule is not None or self._wrote_schedule:
                engine.store.set_meta(META_SCHEDULE, schedule.to_json() if schedule else None)
                self._wrote_schedule = schedule is not None
            snapshot = read_snapshot(settings.db_path)
            recorded = snapshot.meta.get(META_DESTINATION)
            if recorded and snapshot.rows and recorded != settings.destination_identity:
                change = DestinationChange(
                    recorded=recorded, configured=settings.destination_identity
                )
                self.destination_changed.emit(change)
            with collector_held_off():  # no GUI pauses for full collections
                report = compute_status(settings, snapshot=snapshot, schedule=schedule)
            if schedule is not None and schedule.paused and not self._published_pause:
                engine.publish_status()  # the lab overview says "paused", not "silent"
            self._published_pause = schedule is not None and schedule.paused
        except Exception as exc:  # the top of a worker slot: say so; the next update tries again
            log.exception("could not work out whether the data is safe")
            reason = f"Could not work out whether the data is safe ({exc}); see the log."
            report = StatusReport(
                safe=False,
                state=SafetyState.ERROR,
                summary=reason,
                reasons=(reason,),
                checked_at=datetime.now(),
            )
        self.status_computed.emit(report)

    @Slot()
    def forget_schedule(self) -> None:
        """Nobody runs the recorded schedule any more (quit, or settings that cannot work)."""
        if self._wrote_schedule and self._engine is not None:
            try:
                self._engine.store.set_meta(META_SCHEDULE, None)
                self._wrote_schedule = False
            except Exception as exc:
                log.warning("could not clear the schedule record: %s", exc)

    def _end_schedule(self) -> None:
        """The tray quits: record that its schedule ended, so `status` says no run comes."""
        if self._wrote_schedule and self._engine is not None:
            ended = ScheduleInfo(pid=os.getpid(), kind="tray", updated=datetime.now(), ended=True)
            try:
                self._engine.store.set_meta(META_SCHEDULE, ended.to_json())
                self._wrote_schedule = False
            except Exception as exc:
                log.warning("could not record that the schedule ended: %s", exc)

    @Slot()
    def close(self) -> None:
        """Release the engine (database, connection) in this thread, then stop the thread."""
        self._end_schedule()
        self._close_engine()
        self.closed.emit()
        thread = self.thread()
        if thread is not None:
            thread.quit()

    def _report_failure(self, kind: RunKind, exc: Exception) -> None:
        if isinstance(exc, RunInProgress):
            log.info("%s skipped: %s", kind, exc.title)
            self.failed.emit(
                Failure(kind=kind, title=exc.title, hint=exc.hint, other_run_pid=exc.pid)
            )
        elif isinstance(exc, OeleoError):
            log.error("%s could not run: %s", kind, exc)
            self.failed.emit(Failure(kind=kind, title=exc.title, hint=exc.hint))
        else:
            log.exception("unexpected error in the %s job", kind)
            self.failed.emit(
                Failure(
                    kind=kind, title=f"Unexpected error: {exc}", hint="See the log for details."
                )
            )


class EngineThread(QObject):
    """GUI-side owner of the worker thread. Jobs never overlap: a request while busy is refused."""

    run_started = Signal(object)  # RunStarted
    progress = Signal(object)  # FileProgress
    file_done = Signal(object)  # FileResult
    run_finished = Signal(object)  # RunSummary
    check_finished = Signal(object)  # CheckReport
    failed = Signal(object)  # Failure
    status_computed = Signal(object)  # StatusReport
    destination_changed = Signal(object)  # DestinationChange
    busy_changed = Signal(bool)

    _sync_requested = Signal(object, object)
    _check_requested = Signal(object, object)
    _status_requested = Signal(object, object)
    _forget_requested = Signal()
    _close_requested = Signal()

    def __init__(self, engine_factory: EngineFactory = Engine, parent: QObject | None = None):
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("oeleo-engine")
        self._worker = EngineWorker(engine_factory)
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)
        self._cancel: CancelToken | None = None
        self._busy_kind: RunKind | None = None
        self._is_shut_down = False

        self._sync_requested.connect(self._worker.sync)
        self._check_requested.connect(self._worker.check)
        self._status_requested.connect(self._worker.update_status)
        self._forget_requested.connect(self._worker.forget_schedule)
        self._close_requested.connect(self._worker.close)
        w = self._worker
        w.run_started.connect(self.run_started)
        w.progress.connect(self.progress)
        w.file_done.connect(self.file_done)
        w.status_computed.connect(self.status_computed)
        w.destination_changed.connect(self.destination_changed)
        w.run_finished.connect(self._on_worker_run_finished)
        w.check_finished.connect(self._on_worker_check_finished)
        w.failed.connect(self._on_worker_failed)
        self._thread.start()

    # --- state ----------------------------------------------------------------------------------
    @property
    def is_busy(self) -> bool:
        return self._busy_kind is not None

    @property
    def busy_kind(self) -> RunKind | None:
        return self._busy_kind

    @property
    def thread(self) -> QThread:
        return self._thread

    def _set_busy(self, kind: RunKind | None) -> None:
        was_busy = self.is_busy
        self._busy_kind = kind
        if was_busy != self.is_busy:
            self.busy_changed.emit(self.is_busy)

    # --- requests (GUI thread) ------------------------------------------------------------------
    def request_sync(self, settings: Settings) -> bool:
        """Start a run; False (and nothing happens) when a job is running or after shutdown."""
        return self._request(RunKind.SYNC, settings, self._sync_requested)

    def request_check(self, settings: Settings) -> bool:
        return self._request(RunKind.CHECK, settings, self._check_requested)

    def request_status(self, settings: Settings, schedule: ScheduleInfo | None = None) -> None:
        """Record `schedule` and compute the verdict (queued behind a job that is running)."""
        if not self._is_shut_down:
            self._status_requested.emit(settings, schedule)

    def forget_schedule(self) -> None:
        """Take the tray's schedule record out of the database (no schedule runs now)."""
        if not self._is_shut_down:
            self._forget_requested.emit()

    def _request(self, kind: RunKind, settings: Settings, signal: Signal) -> bool:
        if self.is_busy or self._is_shut_down:
            log.info("%s refused: a %s job is running", kind, self._busy_kind or "shut-down")
            return False
        self._cancel = CancelToken()
        self._set_busy(kind)
        signal.emit(settings, self._cancel)  # type: ignore[attr-defined]
        return True

    def cancel(self) -> None:
        """Ask the running job to stop; the engine checks between chunks (well within a second)."""
        if self._cancel is not None:
            self._cancel.cancel()

    def shutdown(self, timeout_ms: int = SHUTDOWN_TIMEOUT_MS) -> bool:
        """Cancel, let the worker close the engine in its thread, and wait for the thread."""
        if self._is_shut_down:
            return self._thread.isFinished()
        self._is_shut_down = True
        self.cancel()
        self._close_requested.emit()
        finished = self._thread.wait(timeout_ms)
        if not finished:
            log.warning("the engine thread did not stop within %d ms", timeout_ms)
        return bool(finished)

    # --- results (GUI thread) -------------------------------------------------------------------
    def _on_worker_run_finished(self, summary: RunSummary) -> None:
        self._cancel = None
        self._set_busy(None)
        self.run_finished.emit(summary)

    def _on_worker_check_finished(self, report: object) -> None:
        self._cancel = None
        self._set_busy(None)
        self.check_finished.emit(report)

    def _on_worker_failed(self, failure: Failure) -> None:
        self._cancel = None
        self._set_busy(None)
        self.failed.emit(failure)
