"""The tray menu's actions, for `TrayApp` (a mixin: they act on the app's engine, schedule and
state). Each `MenuItem` value `x` is handled by `x_action`; Pause offers pauses that end by
themselves (`pause_for`), Quit asks only while files are being sent, with No as the default.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from oeleo_gui import __version__
from oeleo_gui.engine.events import RunKind
from oeleo_gui.engine.settings.config import Settings
from oeleo_gui.engine.settings.paths import default_env_file, user_log_dir
from oeleo_gui.gui import autostart
from oeleo_gui.gui.notifier import Notice
from oeleo_gui.gui.pause_choice import PauseChoice
from oeleo_gui.gui.tray_view import MenuItem, TrayState

if TYPE_CHECKING:
    from oeleo_gui.gui.engine_thread import EngineThread
    from oeleo_gui.gui.schedule_timer import ScheduleTimer
    from oeleo_gui.gui.windows import Windows

log = logging.getLogger(__name__)

QUIT_QUESTION = (
    "A file is being copied right now. Quit anyway?\n\n"
    "The copy in progress is abandoned cleanly and done again at the next start."
)


def question_box(question: str) -> QMessageBox:
    """A Yes/No question whose default (Enter) is No: quitting by accident loses nothing."""
    box = QMessageBox(QMessageBox.Icon.Question, "oeleo-gui", question)
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.setEscapeButton(QMessageBox.StandardButton.No)
    return box


def ask_user(question: str) -> bool:
    return question_box(question).exec() == QMessageBox.StandardButton.Yes


class TrayMenuActions:
    """What each menu item does. `TrayApp` provides the attributes declared here."""

    engine: EngineThread
    schedule: ScheduleTimer
    windows: Windows
    settings: Settings | None
    state: TrayState
    env_file: Path | None
    _confirm: Callable[[str], bool]
    _quit_app: Callable[[], None] | None
    _clock: Callable[[], datetime]
    _frames: QTimer
    _user_check: bool

    def _update(self, **changes: object) -> None:
        raise NotImplementedError

    def _notify(self, notices: list[Notice]) -> None:
        raise NotImplementedError

    def _start_sync(self, *, scheduled: bool) -> bool:
        raise NotImplementedError

    def load_settings(self) -> bool:
        raise NotImplementedError

    def shutdown(self) -> None:
        raise NotImplementedError

    def request_status(self) -> None:
        raise NotImplementedError

    def _on_tray_action_triggered(self, item: MenuItem) -> None:
        getattr(self, f"{item.value}_action")()

    def sync_now_action(self) -> None:
        if self.engine.is_busy:
            self._notify(
                [Notice(title="Already copying", message="A run is going.", is_error=False)]
            )
            return
        self.schedule.stop_wait()
        self._start_sync(scheduled=False)

    def check_action(self) -> None:
        if self.settings is None or not self.engine.request_check(self.settings):
            return
        self._user_check = True
        self._update(running=RunKind.CHECK, progress=None)
        self._frames.start()

    def pause_action(self) -> None:
        """Pause until resumed, or resume (the menu offers pauses that end by themselves)."""
        if self.state.is_paused:
            self.resume_action()
        else:
            self.pause_for(PauseChoice.UNTIL_RESUMED)

    def pause_for(self, choice: PauseChoice) -> None:
        """Stop copying (a run going is cancelled cleanly) until the choice's end or Resume."""
        until = choice.until(self._clock())
        self.schedule.pause(until)
        self._update(is_paused=True, paused_until=until)
        log.info("paused %s", f"until {until:%Y-%m-%d %H:%M}" if until else "until resumed")
        if self.engine.busy_kind is RunKind.SYNC:
            self.engine.cancel()
        self.request_status()

    def pause_30_minutes_action(self) -> None:
        self.pause_for(PauseChoice.MINUTES_30)

    def pause_1_hour_action(self) -> None:
        self.pause_for(PauseChoice.HOUR_1)

    def pause_tomorrow_action(self) -> None:
        self.pause_for(PauseChoice.TOMORROW)

    def pause_until_resumed_action(self) -> None:
        self.pause_for(PauseChoice.UNTIL_RESUMED)

    def resume_action(self) -> None:
        self._update(is_paused=False, paused_until=None)
        self.schedule.resume()
        self.request_status()

    def _on_schedule_pause_ended(self) -> None:
        self._update(is_paused=False, paused_until=None)
        self.request_status()

    def settings_action(self) -> None:
        def make() -> QWidget:
            from oeleo_gui.gui.settings_dialog import SettingsDialog

            dialog = SettingsDialog(self.env_file or default_env_file())
            dialog.settings_saved.connect(self._on_settings_saved)
            return dialog

        self.windows.open("settings", make, "The settings dialog")

    def _on_settings_saved(self, path: object) -> None:
        self.env_file = Path(str(path))
        log.info("settings saved to %s; reloading", self.env_file)
        if self.engine.is_busy:
            self.engine.cancel()
        self.load_settings()

    def file_list_action(self) -> None:
        settings = self.settings
        if settings is None:
            return

        def make() -> QWidget:
            from oeleo_gui.gui.filelist_window import FileListWindow

            return FileListWindow(settings)

        self.windows.open("file_list", make, "The file list")

    def open_log_action(self) -> None:
        log_dir = self.settings.log_dir if self.settings else user_log_dir()

        def make() -> QWidget:
            from oeleo_gui.gui.log_viewer import LogViewer

            return LogViewer(log_dir)

        self.windows.open("log", make, "The log viewer")

    def open_source_action(self) -> None:
        if self.settings is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.settings.source)))

    def autostart_action(self) -> None:
        wanted = not autostart.is_enabled()
        try:
            autostart.set_enabled(wanted, self.env_file)
        except OSError as exc:
            self._notify([Notice(title="Start at login", message=str(exc), is_error=True)])
        self._update(autostart_enabled=autostart.is_enabled())

    def about_action(self) -> None:
        QMessageBox.about(
            None,
            "About oeleo-gui",
            f"oeleo-gui {__version__}\n\nKeeps this instrument's data files copied to the data "
            f"server.\n\nConfiguration: {self.env_file or 'none yet'}",
        )

    @property
    def is_copying(self) -> bool:
        """A sync has started sending files (not merely looking for them)."""
        return self.engine.busy_kind is RunKind.SYNC and self.state.progress is not None

    def quit_action(self) -> None:
        if self.is_copying and not self._confirm(QUIT_QUESTION):
            return
        self.shutdown()
        if self._quit_app is not None:
            self._quit_app()
