"""When runs happen in the tray: a single-shot QTimer re-armed after every run, and a folder watch.

`ScheduleTimer` turns the engine's pure `Schedule.for_tray` (OA_HOURS_SLEEP / OA_SINGLE_RUN, and
OA_MAX_RUN_INTERVALS only when it was set: the tray runs until paused or quit) into `run_due`
signals; it never sleeps or polls. A pause may have an end (`pause(until)`): the schedule then
resumes by itself and says so (`pause_ended`). A wall-clock check every minute catches a wait,
or a pause, that a suspended laptop stretched (Qt timers count monotonic time); the clock and
that check's interval are injectable, so tests need not wait. `FolderWatcher`
(OELEO_WATCH_FOLDER) restarts a settle-delay single-shot timer on every change of the source
folder and emits `files_settled` once the folder has been quiet that long. Owns no engine
object; the app connects the signals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from oeleo_gui.engine.scheduler import Schedule
from oeleo_gui.engine.settings.config import Settings

log = logging.getLogger(__name__)

WAKE_CHECK_MS = 60_000
MIN_SETTLE_MS = 1_000
MAX_TIMER_MS = 2_000_000_000  # QTimer takes an int of milliseconds


class ScheduleTimer(QObject):
    """Emits `run_due` now and then every interval after the previous run finished."""

    run_due = Signal()
    # No argument: PySide6 on Python 3.11 mis-counts references to None sent through
    # Signal(object) (a crash at exit), so listeners read `next_run_at` instead.
    next_run_changed = Signal()
    schedule_ended = Signal()
    pause_ended = Signal()  # a pause with an end is over: the schedule resumed by itself

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        clock: Callable[[], datetime] = datetime.now,
        wake_check_ms: int = WAKE_CHECK_MS,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._pause_timer = QTimer(self)
        self._pause_timer.setSingleShot(True)
        self._pause_timer.timeout.connect(self._on_wake_check_timeout)
        self._wake_check = QTimer(self)
        self._wake_check.setInterval(wake_check_ms)
        self._wake_check.timeout.connect(self._on_wake_check_timeout)
        self._schedule: Schedule | None = None
        self._last_started: float | None = None
        self._runs_made = 0
        self._next_run_at: datetime | None = None
        self._is_paused = False
        self._paused_until: datetime | None = None
        self._has_ended = False

    # --- state ----------------------------------------------------------------------------------
    @property
    def next_run_at(self) -> datetime | None:
        return self._next_run_at

    @property
    def runs_made(self) -> int:
        return self._runs_made

    @property
    def has_ended(self) -> bool:
        return self._has_ended

    @property
    def is_paused(self) -> bool:
        return self._is_paused

    @property
    def paused_until(self) -> datetime | None:
        """When a pause ends by itself (None: no pause, or until the technician resumes)."""
        return self._paused_until

    @property
    def run_limit(self) -> int:
        """Scheduled runs made at most (0: until paused or quit)."""
        return self._schedule.run_limit if self._schedule is not None else 0

    # --- control --------------------------------------------------------------------------------
    def start(self, settings: Settings, *, run_now: bool = True) -> None:
        """(Re)start the schedule for these settings; counts runs from zero. A pause stays."""
        self._schedule = Schedule.for_tray(settings)
        self._last_started = None
        self._runs_made = 0
        self._has_ended = False
        self._wake_check.start()
        self._arm(0.0 if run_now else self._schedule.interval_seconds)

    def stop(self) -> None:
        """No more runs until `start()` (a pause keeps its end)."""
        self._schedule = None
        self._timer.stop()
        self._set_next(None)
        if not (self._is_paused and self._paused_until is not None):
            self._wake_check.stop()  # still needed to end a pause on time

    def pause(self, until: datetime | None = None) -> None:
        """Pause until `until` (then resume by itself), or until `resume()` when None."""
        self._is_paused = True
        self._paused_until = until
        self._timer.stop()
        self._set_next(None)
        self._pause_timer.stop()
        if until is not None:
            seconds = (until - self._clock()).total_seconds()
            self._pause_timer.start(max(0, min(MAX_TIMER_MS, int(seconds * 1000))))
            self._wake_check.start()

    def resume(self) -> None:
        """Resume with a run straight away: the pause may have left files waiting."""
        self._is_paused = False
        self._paused_until = None
        self._pause_timer.stop()
        if self._schedule is not None and not self._has_ended:
            self._wake_check.start()
            self._arm(0.0)

    def stop_wait(self) -> None:
        """Cut the wait short (Sync now): the caller starts the run; `run_finished` re-arms."""
        self._timer.stop()
        self._set_next(None)

    def run_started(self) -> None:
        """A run began (scheduled or not): the next one is due an interval after this."""
        self._last_started = self._clock().timestamp()

    def run_finished(self, *, scheduled: bool = True) -> None:
        """Re-arm after a run; `scheduled` runs count towards OA_MAX_RUN_INTERVALS."""
        if self._schedule is None:
            return
        if scheduled:
            self._runs_made += 1
        if not self._schedule.has_more_runs(self._runs_made):
            if not self._has_ended:
                log.info("made %d scheduled run(s): no further runs scheduled", self._runs_made)
                self._has_ended = True
                self._timer.stop()
                self._set_next(None)
                self.schedule_ended.emit()
            return
        if not self._is_paused:
            now = self._clock().timestamp()
            self._arm(self._schedule.next_run_at(self._last_started, now) - now)

    # --- internals ------------------------------------------------------------------------------
    def _arm(self, seconds: float) -> None:
        if self._is_paused or self._has_ended:
            return
        ms = max(0, min(MAX_TIMER_MS, int(seconds * 1000)))
        self._set_next(self._clock() + timedelta(milliseconds=ms))
        self._timer.start(ms)

    def _set_next(self, when: datetime | None) -> None:
        if when != self._next_run_at:
            self._next_run_at = when
            self.next_run_changed.emit()

    def _on_timer_timeout(self) -> None:
        self._set_next(None)
        self.run_due.emit()

    def _on_wake_check_timeout(self) -> None:
        # After a suspend the monotonic QTimer still waits its full interval; the wall clock knows.
        until = self._paused_until
        if self._is_paused and until is not None and self._clock() >= until:
            log.info("the pause until %s is over; resuming", f"{until:%Y-%m-%d %H:%M}")
            self.resume()
            self.pause_ended.emit()
            return
        due = self._next_run_at
        if due is not None and self._timer.isActive() and self._clock() >= due:
            log.info("the computer slept through a scheduled run; running now")
            self._timer.stop()
            self._on_timer_timeout()


class FolderWatcher(QObject):
    """OELEO_WATCH_FOLDER: a quiet period of `settle_seconds` after a change → `files_settled`."""

    files_settled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._on_watcher_changed)
        self._watcher.fileChanged.connect(self._on_watcher_changed)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.timeout.connect(self.files_settled)

    @property
    def watched(self) -> list[str]:
        return self._watcher.directories()

    def watch(self, folder: Path | None, settle_seconds: float) -> None:
        """Watch `folder` (None: stop watching)."""
        self.stop()
        self._settle.setInterval(max(MIN_SETTLE_MS, int(settle_seconds * 1000)))
        if folder is not None and folder.is_dir():
            self._watcher.addPath(str(folder))
            log.info("watching %s for new files", folder)

    def stop(self) -> None:
        self._settle.stop()
        paths = self._watcher.directories() + self._watcher.files()
        if paths:
            self._watcher.removePaths(paths)

    def _on_watcher_changed(self, _path: str) -> None:
        self._settle.start()  # restart: the folder must be quiet for the whole settle time
