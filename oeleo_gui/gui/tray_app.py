"""`TrayApp`: wires the engine thread, the schedule, the folder watch, notifications and the menu.

Lives in the GUI thread and holds the state the tray shows (`TrayState`); every change goes
through `refresh()`, which maps it with the pure `tray_view` and emits `view_changed`. It never
touches the database, the disk scan or the destination itself: the engine thread reports all of
that. The other windows (settings, file list, log) are imported lazily when their item is chosen.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from oeleo_gui.demo import GROW_INTERVAL_MS, GROW_TIMES, DemoSetup, grow
from oeleo_gui.engine.errors import ConfigError
from oeleo_gui.engine.events import CheckReport, FileProgress, RunKind, RunStarted, RunSummary
from oeleo_gui.engine.scheduler import ScheduleInfo
from oeleo_gui.engine.settings.config import Settings, load_settings
from oeleo_gui.engine.status import StatusReport
from oeleo_gui.engine.worker import Engine
from oeleo_gui.gui import autostart
from oeleo_gui.gui.engine_thread import DestinationChange, EngineFactory, EngineThread, Failure
from oeleo_gui.gui.headless import configure_logging
from oeleo_gui.gui.lab_menu import LabMenu
from oeleo_gui.gui.notifier import Notice, Notifier
from oeleo_gui.gui.schedule_timer import WAKE_CHECK_MS, FolderWatcher, ScheduleTimer
from oeleo_gui.gui.tray import TrayIcon
from oeleo_gui.gui.tray_actions import TrayMenuActions, ask_user
from oeleo_gui.gui.tray_view import TrayState, TrayView, tray_view
from oeleo_gui.gui.windows import Windows

log = logging.getLogger(__name__)

FRAME_MS = 250
DESTINATION_QUESTION = (
    "The destination changed.\n\nThe files were copied to {old}; the settings now name "
    "{new}.\n\nCompare with the new destination now and copy what is missing there?"
)


class TrayApp(TrayMenuActions, QObject):
    """The tray application's controller for one configuration (`env_file`)."""

    view_changed = Signal(object)  # TrayView
    notified = Signal(object)  # Notice
    quit_finished = Signal()

    def __init__(
        self,
        env_file: Path | None,
        *,
        engine_factory: EngineFactory = Engine,
        confirm: Callable[[str], bool] = ask_user,
        quit_app: Callable[[], None] | None = None,
        demo: DemoSetup | None = None,
        clock: Callable[[], datetime] = datetime.now,
        schedule_check_ms: int = WAKE_CHECK_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.env_file = env_file
        self._confirm = confirm
        self._quit_app = quit_app
        self._clock = clock
        self.tray = TrayIcon(self)
        self.engine = EngineThread(engine_factory, self)
        self.schedule = ScheduleTimer(self, clock=clock, wake_check_ms=schedule_check_ms)
        self.watcher = FolderWatcher(self)
        self.notifier = Notifier()
        self.settings: Settings | None = None
        self.state = TrayState(now=clock(), autostart_supported=autostart.is_supported())
        self.view: TrayView | None = None
        self.windows = Windows(self._notify)
        self._scheduled_run = False
        self._user_check = False
        self._check_first = False
        self._is_quitting = False
        self._run_when_free = False  # a run came due while another job was going
        self._destination_change: DestinationChange | None = None  # seen with the next verdict
        self._offered_destinations: set[str] = set()
        self._verdicts_due = 0  # asked for, not come yet (the engine answers in order)
        self._frames = QTimer(self)
        self._frames.setInterval(FRAME_MS)
        self._frames.timeout.connect(self._on_frames_timeout)
        self._demo = demo
        self._demo_steps = 0
        self._demo_timer = QTimer(self)
        self._demo_timer.setInterval(GROW_INTERVAL_MS)
        self._demo_timer.timeout.connect(self._on_demo_timer_timeout)
        self._connect()
        self.lab_menu = LabMenu(self)  # "Lab overview…", when other instruments report here

    def _connect(self) -> None:
        e = self.engine
        e.run_started.connect(self._on_engine_run_started)
        e.progress.connect(self._on_engine_progress)
        e.run_finished.connect(self._on_engine_run_finished)
        e.check_finished.connect(self._on_engine_check_finished)
        e.failed.connect(self._on_engine_failed)
        e.status_computed.connect(self._on_engine_status_computed)
        e.destination_changed.connect(self._on_engine_destination_changed)
        self.schedule.run_due.connect(self._on_schedule_run_due)
        self.schedule.next_run_changed.connect(
            lambda: self._update(next_run_at=self.schedule.next_run_at)
        )
        self.schedule.schedule_ended.connect(self._on_schedule_schedule_ended)
        self.schedule.pause_ended.connect(self._on_schedule_pause_ended)
        self.watcher.files_settled.connect(self._on_watcher_files_settled)
        self.tray.action_triggered.connect(self._on_tray_action_triggered)
        self.tray.activated.connect(self.show_self)

    # --- start, settings --------------------------------------------------------------------------
    def start(self) -> None:
        """Show the icon and start the schedule (or ask for settings on the first start)."""
        self._update(autostart_enabled=autostart.is_enabled())
        self.tray.show()
        if self._demo is not None:
            self._demo_timer.start()
        if not self.load_settings():
            if not self.state.has_config:
                QTimer.singleShot(0, self.settings_action)
            return

    def load_settings(self) -> bool:
        """(Re)read the configuration and restart the schedule; False when it cannot work."""
        self.schedule.stop()
        self.watcher.stop()
        self.notifier.clear()
        self.settings = None
        base = replace(
            self.state, error="", report=None, destination_changed=False, schedule_ended=False
        )
        self.engine.forget_schedule()  # until settings that work start one again
        if self.env_file is None or not self.env_file.is_file():
            self.state = replace(base, has_config=False, config_error="")
            self.refresh()
            return False
        try:
            settings = load_settings(self.env_file)
        except ConfigError as exc:
            log.error("%s", exc)
            first = exc.problems[0] if exc.problems else exc.title
            more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
            self.state = replace(base, has_config=True, config_error=f"{first}{more}")
            self.refresh()
            return False
        configure_logging(settings, console=False)
        self.settings = settings
        self.state = replace(
            base, has_config=True, config_error="", source_folder=str(settings.source)
        )
        self._check_first = settings.add_check
        if settings.watch_folder:
            self.watcher.watch(settings.source, settings.settle_seconds)
        self.schedule.start(settings)  # a pause stays: the schedule waits for its end
        self._update(run_limit=self.schedule.run_limit, runs_made=0)
        self.request_status()
        return True

    def request_status(self) -> None:
        """Tell the database how the schedule stands and have the verdict worked out again."""
        if self.settings is not None and not self._is_quitting:
            self._verdicts_due += 1
            self._update(verdict_due=True)
            self.engine.request_status(self.settings, self._schedule_info())

    def _schedule_info(self) -> ScheduleInfo:
        s = self.schedule
        return ScheduleInfo(
            pid=os.getpid(),
            kind="tray",
            updated=self._clock(),
            next_run=s.next_run_at,
            paused=s.is_paused,
            paused_until=s.paused_until,
            run_limit=s.run_limit,
            runs_made=s.runs_made,
            limit_reached=s.has_ended,
        )

    # --- state → view ---------------------------------------------------------------------------
    def _update(self, **changes: object) -> None:
        self.state = replace(self.state, **changes)  # type: ignore[arg-type]
        self.refresh()

    def refresh(self) -> None:
        self.state = replace(self.state, now=self._clock())
        view = tray_view(self.state)
        if view != self.view:
            self.view = view
            self.tray.apply(view)
            self.view_changed.emit(view)

    def _notify(self, notices: list[Notice]) -> None:
        for notice in notices:
            self.tray.show_notice(notice)
            self.notified.emit(notice)

    def show_self(self) -> None:
        """Another launch (or a click on the icon) asked for attention: say how things are."""
        self.tray.show()
        if self.view is not None:
            self.tray.show_notice(
                Notice(title="oeleo-gui is running", message=self.view.tooltip, is_error=False)
            )

    # --- runs -----------------------------------------------------------------------------------
    def _on_schedule_run_due(self) -> None:
        self._start_sync(scheduled=True)

    def _on_watcher_files_settled(self) -> None:
        log.info("new files in the source folder have settled")
        self._start_sync(scheduled=False)

    def _start_sync(self, *, scheduled: bool) -> bool:
        if self.settings is None or self.state.is_paused or self._is_quitting:
            return False
        if self.engine.is_busy:
            self._run_when_free = True  # never overlap; run as soon as the current job ends
            return False
        self._scheduled_run = scheduled
        if self._check_first:
            self._check_first = False
            return self.engine.request_check(self.settings)
        if not self.engine.request_sync(self.settings):
            return False
        self.schedule.run_started()
        self._update(running=RunKind.SYNC, progress=None)
        self._frames.start()
        return True

    def _on_engine_run_started(self, event: RunStarted) -> None:
        self._update(running=event.kind, progress=None)

    def _on_engine_progress(self, event: FileProgress) -> None:
        self._update(progress=event)

    def _on_engine_run_finished(self, summary: RunSummary) -> None:
        self._frames.stop()
        # A verdict is asked for right after (`_after_job`): until it comes, nothing is green.
        changes: dict[str, object] = {
            "running": None,
            "progress": None,
            "frame": 0,
            "verdict_due": True,
            "elsewhere": _elsewhere(summary.other_run_pid),
        }
        if summary.skipped:
            pass  # another process is copying: what the last own run found still holds
        elif summary.error:
            changes["error"] = " ".join(summary.error.split())
        elif not summary.cancelled:
            changes["error"] = ""
        self._notify(self.notifier.after_run(summary))
        self._update(**changes)
        self._refresh_file_list()
        self._after_job()

    def _refresh_file_list(self) -> None:
        window = self.windows.get("file_list")
        if window is not None and hasattr(window, "refresh"):
            window.refresh()

    def _after_job(self, *, rearm: bool = True) -> None:
        """Start a run that came due meanwhile, else re-arm the schedule after a run; then have
        the verdict worked out again."""
        if self._is_quitting:
            return
        if self._run_when_free:
            self._run_when_free = False
            self._start_sync(scheduled=True)
        elif rearm:
            self.schedule.run_finished(scheduled=self._scheduled_run)
            self._update(runs_made=self.schedule.runs_made)
        self.request_status()

    def _on_engine_check_finished(self, report: CheckReport) -> None:
        self._frames.stop()
        self._update(running=None, progress=None, error="", elsewhere="", verdict_due=True)
        if self._user_check:
            self._user_check = False
            self._notify(
                [
                    Notice(
                        title="Check finished",
                        message=f"{report.local_files} files: {len(report.missing)} missing at "
                        f"the destination, {len(report.out_of_sync)} differ. The file list is "
                        "updated; they will be copied at the next run.",
                        is_error=bool(report.missing or report.out_of_sync),
                    )
                ]
            )
            self._refresh_file_list()
            self._after_job(rearm=False)  # the schedule kept running during a user's check
        elif not self._is_quitting:  # the OA_ADD_CHECK check before the first run
            self._start_sync(scheduled=self._scheduled_run)

    def _on_engine_failed(self, failure: Failure) -> None:
        self._frames.stop()
        was_user_check, self._user_check = self._user_check, False
        if failure.other_run_pid is not None:  # syncing elsewhere, not an error
            elsewhere = _elsewhere(failure.other_run_pid)
            self._update(running=None, progress=None, elsewhere=elsewhere, verdict_due=True)
        else:
            error = " ".join(failure.title.split())
            self._update(running=None, progress=None, elsewhere="", error=error, verdict_due=True)
            self._notify(self.notifier.after_failure(failure.title, failure.hint))
        self._after_job(rearm=not was_user_check)

    def _on_engine_status_computed(self, report: StatusReport) -> None:
        change, self._destination_change = self._destination_change, None
        self._verdicts_due = max(0, self._verdicts_due - 1)
        self._update(
            report=report,
            destination_changed=change is not None,
            verdict_due=self._verdicts_due > 0,
        )
        if change is not None and change.configured not in self._offered_destinations:
            self._offered_destinations.add(change.configured)
            QTimer.singleShot(0, lambda: self._offer_compare(change))

    def _on_engine_destination_changed(self, change: DestinationChange) -> None:
        self._destination_change = change  # the verdict that follows says it too

    def _offer_compare(self, change: DestinationChange) -> None:
        """The files were copied to another destination: compare with this one, copy the rest."""
        if self._is_quitting or self.settings is None:
            return
        question = DESTINATION_QUESTION.format(old=change.recorded, new=change.configured)
        if not self._confirm(question):
            log.info("comparing with the new destination %s: not now", change.configured)
            return
        log.info("comparing with the new destination %s, then copying", change.configured)
        self._check_first = True
        if not self._start_sync(scheduled=False) and not self.engine.is_busy:
            self._check_first = False  # paused: the menu's Check does it later

    def _on_schedule_schedule_ended(self) -> None:
        self._update(schedule_ended=True)
        self.request_status()

    def _on_frames_timeout(self) -> None:
        self._update(frame=self.state.frame + 1)

    def _on_demo_timer_timeout(self) -> None:
        if self._demo is None or self._demo_steps >= GROW_TIMES:
            self._demo_timer.stop()
            return
        self._demo_steps += 1
        try:
            grow(self._demo, self._demo_steps)
        except OSError as exc:
            log.warning("demo: could not append to %s: %s", self._demo.growing_file, exc)

    def shutdown(self) -> None:
        """Cancel any run cleanly, stop timers and the engine thread; safe to call twice."""
        if self._is_quitting:
            return
        self._is_quitting = True
        self.schedule.stop()
        self.watcher.stop()
        self._frames.stop()
        self._demo_timer.stop()
        self.engine.shutdown()
        self.windows.close_all()
        self.tray.hide()
        self.quit_finished.emit()


def _elsewhere(pid: int | None) -> str:
    """The tray's words for a run skipped because another process is copying ("" if not)."""
    if pid is None:
        return ""
    return f"another oeleo-gui run is copying (pid {pid})" if pid else "another run is copying"
