"""The tray icon and its menu: `tray_view(state)` (pure) and `TrayIcon`, which only displays it.

`TrayState` is everything the icon depends on; `tray_view` maps it to the icon name, the tooltip,
the menu's status line and each item's label and enabled state. It is tested without a display.
`TrayIcon` owns the QSystemTrayIcon and QMenu, applies a `TrayView` and reports chosen items as
`action_triggered(MenuItem)`; it decides nothing itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QSystemTrayIcon

from oeleo_gui.engine.events import FileProgress, RunKind
from oeleo_gui.gui.notifier import Notice
from oeleo_gui.gui.resources import icon_path

log = logging.getLogger(__name__)

SYNC_FRAMES = 4
NOTICE_MS = 10_000


class IconState(StrEnum):
    IDLE = "idle"  # everything copied
    SYNCING = "syncing"
    PENDING = "pending"  # files waiting: paused, offline, or the next run is not due yet
    ERROR = "error"  # the last run stopped, a file keeps failing, or the configuration is bad
    PAUSED = "paused"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    IconState.IDLE: "all files copied",
    IconState.SYNCING: "copying",
    IconState.PENDING: "files waiting",
    IconState.ERROR: "problem",
    IconState.PAUSED: "paused",
}


class MenuItem(StrEnum):
    SYNC_NOW = "sync_now"
    CHECK = "check"
    PAUSE = "pause"
    SETTINGS = "settings"
    FILE_LIST = "file_list"
    OPEN_LOG = "open_log"
    OPEN_SOURCE = "open_source"
    AUTOSTART = "autostart"
    ABOUT = "about"
    QUIT = "quit"


MENU_ORDER = tuple(MenuItem)
SEPARATOR_AFTER = frozenset({MenuItem.PAUSE, MenuItem.OPEN_SOURCE, MenuItem.AUTOSTART})


@dataclass(frozen=True, slots=True, kw_only=True)
class TrayState:
    """Everything the tray shows. Built by the app in the GUI thread from the engine's signals."""

    now: datetime
    has_config: bool = True
    config_error: str = ""
    is_paused: bool = False
    running: RunKind | None = None
    progress: FileProgress | None = None
    has_run: bool = False  # a sync finished since the app (or the settings) started
    files_copied: int = 0
    files_waiting: int = 0
    files_failing: tuple[str, ...] = ()  # failed in consecutive runs
    last_success: datetime | None = None
    next_run_at: datetime | None = None
    error: str = ""  # the last run's error, one line
    elsewhere: str = ""  # the last run was skipped: another process is copying (one line)
    schedule_ended: bool = False
    autostart_supported: bool = True
    autostart_enabled: bool = False
    frame: int = 0  # animation frame while syncing


@dataclass(frozen=True, slots=True, kw_only=True)
class MenuEntry:
    item: MenuItem
    label: str
    enabled: bool
    checkable: bool = False
    checked: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TrayView:
    state: IconState
    icon_name: str
    tooltip: str
    status_line: str
    entries: tuple[MenuEntry, ...] = field(default_factory=tuple)

    def entry(self, item: MenuItem) -> MenuEntry:
        return next(e for e in self.entries if e.item is item)

    @property
    def enabled(self) -> dict[MenuItem, bool]:
        return {e.item: e.enabled for e in self.entries}


def format_count(n: int) -> str:
    """1234 -> '1 234' (no-break space, readable in any locale)."""
    return f"{n:,}".replace(",", "\u00a0")


def format_time(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    if when.date() == now.date():
        return f"{when:%H:%M}"
    return f"{when:%d %b %H:%M}"


def icon_state(state: TrayState) -> IconState:
    if not state.has_config or state.config_error:
        return IconState.ERROR
    if state.running is not None or state.elsewhere:
        return IconState.SYNCING
    if state.is_paused:
        return IconState.PAUSED
    if state.error or state.files_failing:
        return IconState.ERROR
    if state.files_waiting or not state.has_run:
        return IconState.PENDING
    return IconState.IDLE


def _files(n: int) -> str:
    return f"{format_count(n)} file{'' if n == 1 else 's'}"


def _short(text: str, limit: int = 70) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _status_line(state: TrayState, icon: IconState) -> str:
    if not state.has_config:
        return "Not set up yet — choose Settings…"
    if state.config_error:
        return "Settings need attention: " + _short(state.config_error, 50)
    if state.running is RunKind.CHECK:
        return "Checking against the destination…"
    if state.running is None and state.elsewhere:
        return "Syncing elsewhere: " + _short(state.elsewhere, 55)
    if state.running is not None:
        p = state.progress
        if p is None or p.file_count == 0:
            return "Looking for new files…"
        return f"Copying {p.file_index} of {p.file_count} — {p.percent} %"
    if icon is IconState.PAUSED:
        waiting = f" · {_files(state.files_waiting)} waiting" if state.files_waiting else ""
        return "Paused" + waiting
    if icon is IconState.ERROR:
        if state.error:
            return "Not copying: " + _short(state.error, 55)
        return f"{_files(len(state.files_failing))} keep failing"
    if icon is IconState.PENDING:
        when = format_time(state.next_run_at, state.now) if state.next_run_at else ""
        if not state.has_run:
            return f"Starting · first run {when}" if when else "Starting…"
        return f"{_files(state.files_waiting)} waiting" + (f" · next run {when}" if when else "")
    return f"All {_files(state.files_copied)} copied · {format_time(state.last_success, state.now)}"


def _tooltip(state: TrayState, icon: IconState, status: str) -> str:
    lines = [f"oeleo-gui — {icon.label}", status]
    if state.has_config and not state.config_error:
        lines.append(f"Last successful run: {format_time(state.last_success, state.now)}")
        lines.append(f"Files copied: {format_count(state.files_copied)}")
        lines.append(f"Files waiting: {format_count(state.files_waiting)}")
        if state.is_paused:
            lines.append("Next run: paused")
        elif state.next_run_at is not None:
            lines.append(f"Next run: {format_time(state.next_run_at, state.now)}")
        elif state.schedule_ended:
            lines.append("Next run: none scheduled (run limit reached; use Sync now)")
        elif state.running is None:
            lines.append("Next run: not scheduled")
    problem = state.config_error or state.error
    if not problem and state.files_failing:
        problem = f"{_files(len(state.files_failing))} keep failing, e.g. {state.files_failing[0]}"
    if problem:
        lines.append("Problem: " + _short(problem, 120))
    return "\n".join(dict.fromkeys(lines))  # the status line may repeat the title's words


def tray_view(state: TrayState) -> TrayView:
    """The whole tray for `state`: icon, tooltip, status line, menu entries."""
    icon = icon_state(state)
    icon_name = f"tray-{icon}"
    if icon is IconState.SYNCING:
        icon_name = f"tray-syncing-{state.frame % SYNC_FRAMES}"
    status = _status_line(state, icon)
    usable = state.has_config and not state.config_error
    idle = state.running is None
    entries = (
        MenuEntry(
            item=MenuItem.SYNC_NOW,
            label="Sync now",
            enabled=usable and idle and not state.is_paused,
        ),
        MenuEntry(item=MenuItem.CHECK, label="Check against destination", enabled=usable and idle),
        MenuEntry(
            item=MenuItem.PAUSE,
            label="Resume" if state.is_paused else "Pause",
            enabled=usable,
        ),
        MenuEntry(item=MenuItem.SETTINGS, label="Settings…", enabled=True),
        MenuEntry(item=MenuItem.FILE_LIST, label="File list…", enabled=usable),
        MenuEntry(item=MenuItem.OPEN_LOG, label="Open log", enabled=True),
        MenuEntry(item=MenuItem.OPEN_SOURCE, label="Open source folder", enabled=usable),
        MenuEntry(
            item=MenuItem.AUTOSTART,
            label="Start at login",
            enabled=state.autostart_supported,
            checkable=True,
            checked=state.autostart_enabled,
        ),
        MenuEntry(item=MenuItem.ABOUT, label="About", enabled=True),
        MenuEntry(item=MenuItem.QUIT, label="Quit", enabled=True),
    )
    return TrayView(
        state=icon,
        icon_name=icon_name,
        tooltip=_tooltip(state, icon, status),
        status_line=status,
        entries=entries,
    )


class TrayIcon(QObject):
    """Displays a TrayView in the system tray; menu choices come out as `action_triggered`."""

    action_triggered = Signal(object)  # MenuItem
    activated = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._icons: dict[str, QIcon] = {}
        self.menu = QMenu()
        self.menu.setObjectName("oeleo-tray-menu")
        self.status_action = self.menu.addAction("")
        self.status_action.setEnabled(False)
        self.menu.addSeparator()
        self.actions: dict[MenuItem, QAction] = {}
        for item in MENU_ORDER:
            action = self.menu.addAction(item.value)
            action.setObjectName(f"action_{item.value}")
            action.triggered.connect(lambda _checked=False, it=item: self.action_triggered.emit(it))
            self.actions[item] = action
            if item in SEPARATOR_AFTER:
                self.menu.addSeparator()
        self.tray = QSystemTrayIcon(self)
        self.tray.setContextMenu(self.menu)
        self.tray.activated.connect(self._on_tray_activated)
        self.view: TrayView | None = None

    def icon(self, name: str) -> QIcon:
        if name not in self._icons:
            path = icon_path(name)
            icon = QIcon(str(path)) if path is not None else QIcon()
            if icon.isNull() and path is not None:
                png = path.with_suffix(".png")  # no SVG image plugin (a trimmed bundle)
                icon = QIcon(str(png)) if png.is_file() else icon
            if icon.isNull():
                log.warning("icon %s not found; using a standard icon", name)
                style = QApplication.style()
                icon = style.standardIcon(QStyle.StandardPixmap.SP_DriveNetIcon)
            self._icons[name] = icon
        return self._icons[name]

    def apply(self, view: TrayView) -> None:
        if self.view is None or view.icon_name != self.view.icon_name:
            self.tray.setIcon(self.icon(view.icon_name))
        self.tray.setToolTip(view.tooltip)
        self.status_action.setText(view.status_line)
        for entry in view.entries:
            action = self.actions[entry.item]
            action.setText(entry.label)
            action.setEnabled(entry.enabled)
            action.setCheckable(entry.checkable)
            action.setChecked(entry.checked)
        self.view = view

    def show(self) -> None:
        self.tray.show()

    def hide(self) -> None:
        self.tray.hide()

    def show_notice(self, notice: Notice) -> None:
        kind = (
            QSystemTrayIcon.MessageIcon.Warning
            if notice.is_error
            else QSystemTrayIcon.MessageIcon.Information
        )
        log.info("notification: %s — %s", notice.title, notice.message)
        self.tray.showMessage(notice.title, notice.message, kind, NOTICE_MS)

    def _on_tray_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.activated.emit()
