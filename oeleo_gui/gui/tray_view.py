"""The tray's pure view: `tray_view(state)` maps a `TrayState` to a `TrayView`.

`TrayState` is everything the icon depends on: above all the engine's verdict (`StatusReport`,
the one definition of "the data is safe"), plus what only the tray knows at once (a run going,
a pause, the run limit, an error the verdict has not seen yet). `tray_view` maps it to the icon
name, the tooltip, the menu's status line and each item's label, enabled state and visibility.
Green (idle) only when the verdict says safe. No Qt here: it is tested without a display, and
`tray.TrayIcon` only displays what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from oeleo_gui.engine.events import FileProgress, RunKind
from oeleo_gui.engine.status import FileConcern, SafetyState, StatusReport
from oeleo_gui.gui.pause_choice import PauseChoice

SYNC_FRAMES = 4


class IconState(StrEnum):
    IDLE = "idle"  # everything copied
    SYNCING = "syncing"
    PENDING = "pending"  # files waiting: paused, offline, or the next run is not due yet
    ERROR = "error"  # the last run stopped, a file keeps failing, or the configuration is bad
    PAUSED = "paused"
    ATTENTION = "attention"  # no copying until someone acts (e.g. the run limit is reached)

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    IconState.IDLE: "all files copied",
    IconState.SYNCING: "copying",
    IconState.PENDING: "files waiting",
    IconState.ERROR: "problem",
    IconState.PAUSED: "paused",
    IconState.ATTENTION: "needs attention",
}


class MenuItem(StrEnum):
    SYNC_NOW = "sync_now"
    CHECK = "check"
    PAUSE = "pause"  # a submenu: PAUSE_CHOICES
    PAUSE_30_MINUTES = "pause_30_minutes"
    PAUSE_1_HOUR = "pause_1_hour"
    PAUSE_TOMORROW = "pause_tomorrow"
    PAUSE_UNTIL_RESUMED = "pause_until_resumed"
    RESUME = "resume"
    SETTINGS = "settings"
    FILE_LIST = "file_list"
    OPEN_LOG = "open_log"
    OPEN_SOURCE = "open_source"
    AUTOSTART = "autostart"
    ABOUT = "about"
    QUIT = "quit"


PAUSE_CHOICES = {
    MenuItem.PAUSE_30_MINUTES: PauseChoice.MINUTES_30,
    MenuItem.PAUSE_1_HOUR: PauseChoice.HOUR_1,
    MenuItem.PAUSE_TOMORROW: PauseChoice.TOMORROW,
    MenuItem.PAUSE_UNTIL_RESUMED: PauseChoice.UNTIL_RESUMED,
}
SUBMENUS = {MenuItem.PAUSE: tuple(PAUSE_CHOICES)}
MENU_ORDER = tuple(i for i in MenuItem if i not in PAUSE_CHOICES)  # the top level
SEPARATOR_AFTER = frozenset({MenuItem.RESUME, MenuItem.OPEN_SOURCE, MenuItem.AUTOSTART})


@dataclass(frozen=True, slots=True, kw_only=True)
class TrayState:
    """Everything the tray shows. Built by the app in the GUI thread from the engine's signals."""

    now: datetime
    has_config: bool = True
    config_error: str = ""
    report: StatusReport | None = None  # the verdict, computed after every run and change
    verdict_due: bool = False  # a newer verdict is being worked out (e.g. after a run)
    source_folder: str = ""  # the data folder, named so in the verdict's sentences
    is_paused: bool = False
    paused_until: datetime | None = None  # a pause that ends by itself
    running: RunKind | None = None
    progress: FileProgress | None = None
    next_run_at: datetime | None = None
    error: str = ""  # the last run's error, one line (shown before the verdict comes)
    elsewhere: str = ""  # the last run was skipped: another process is copying (one line)
    schedule_ended: bool = False  # the run limit is reached: no run is scheduled
    run_limit: int = 0  # scheduled runs made at most (0: until paused or quit)
    runs_made: int = 0
    destination_changed: bool = False  # the copied rows are of another destination
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
    visible: bool = True


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


_BY_SAFETY = {
    SafetyState.IDLE: IconState.IDLE,
    SafetyState.PENDING: IconState.PENDING,
    SafetyState.SYNCING: IconState.SYNCING,
    SafetyState.PAUSED: IconState.PAUSED,
    SafetyState.ATTENTION: IconState.ATTENTION,
    SafetyState.ERROR: IconState.ERROR,
}
_WORST_FIRST = (
    IconState.ERROR,
    IconState.ATTENTION,
    IconState.PAUSED,
    IconState.SYNCING,
    IconState.PENDING,
    IconState.IDLE,
)


def icon_state(state: TrayState) -> IconState:
    if not state.has_config or state.config_error:
        return IconState.ERROR
    if state.running is not None or state.elsewhere:
        return IconState.SYNCING
    if state.is_paused:
        return IconState.PAUSED
    if state.error:
        return IconState.ERROR
    report = state.report
    if report is None or state.verdict_due:
        verdict = IconState.PENDING  # not worked out yet: never green by default
    elif report.safe:
        verdict = IconState.IDLE
    else:
        verdict = _BY_SAFETY[report.state]
        verdict = IconState.PENDING if verdict is IconState.IDLE else verdict
    if state.schedule_ended or state.destination_changed:
        return min(verdict, IconState.ATTENTION, key=_WORST_FIRST.index)
    return verdict


def _files(n: int) -> str:
    return f"{format_count(n)} file{'' if n == 1 else 's'}"


def _short(text: str, limit: int = 70) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _unsafe_files(report: StatusReport | None) -> int:
    if report is None:
        return 0
    return len(report.waiting) + len(report.live) + len(report.failed) + report.not_copied


def _status_line(state: TrayState, icon: IconState) -> str:
    report = state.report
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
        return f"Copying {p.files_text()}"
    if icon is IconState.PAUSED:
        unsafe = _unsafe_files(report)
        waiting = f" · {_files(unsafe)} not copied yet" if unsafe else ""
        until = state.paused_until
        return ("Paused" if until is None else f"Paused until {format_time(until, state.now)}") + (
            waiting
        )
    if state.error:
        return "Not copying: " + _short(state.error, 55)
    if state.schedule_ended:
        return f"Not copying: the run limit is reached ({state.run_limit} runs)"
    if state.destination_changed:
        return "The destination changed: compare with it (Check against destination)"
    if report is None or (state.verdict_due and icon is IconState.PENDING):
        return "Looking at the files…"
    if report.safe:
        return f"All {_files(report.copied)} copied · {format_time(report.last_success, state.now)}"
    return _short(_plain(report.reasons[0], state).rstrip("."), 90)


def _plain(text: str, state: TrayState) -> str:
    """The verdict's sentence with the data folder's path said in words (a tray line is short)."""
    folder = state.source_folder
    return text.replace(folder, "the data folder") if folder else text


def _concern_line(kind: str, c: FileConcern) -> str:
    return _short(f"{kind} {c.path}: {c.reason}", 110)


def _tooltip(state: TrayState, icon: IconState, status: str) -> str:
    # Windows shows only the first 127 characters of a tray tooltip: what matters comes first.
    lines = [f"oeleo-gui — {icon.label}", status]
    report = state.report
    if report is not None and state.has_config and not state.config_error:
        concerns = [_concern_line("Failing:", c) for c in report.failed[:2]]
        concerns += [_concern_line("Waiting:", c) for c in (report.waiting + report.live)[:2]]
        lines += concerns[:3]
        lines += [f"• {_short(_plain(r, state), 110)}" for r in report.reasons[1:3]]
        lines.append(f"Last successful run: {format_time(report.last_success, state.now)}")
        lines.append(
            f"Files copied: {format_count(report.copied)} of {format_count(report.matched)}"
            + (f" ({format_count(report.locked)} locked)" if report.locked else "")
        )
    if state.has_config and not state.config_error:
        if state.is_paused and state.paused_until is not None:
            until = format_time(state.paused_until, state.now)
            lines.append(f"Next run: paused until {until}, then it resumes by itself")
        elif state.is_paused:
            lines.append("Next run: paused until you choose Resume")
        elif state.next_run_at is not None:
            lines.append(f"Next run: {format_time(state.next_run_at, state.now)}")
        elif state.schedule_ended:
            lines.append(
                "Next run: none scheduled. Use Sync now, or clear “Maximum runs” in Settings "
                "to keep copying."
            )
        elif state.running is None:
            lines.append("Next run: not scheduled")
        if state.run_limit:
            lines.append(f"Run limit: {state.runs_made} of {state.run_limit} scheduled runs made")
    problem = state.config_error or state.error
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
        MenuEntry(item=MenuItem.PAUSE, label="Pause", enabled=usable, visible=not state.is_paused),
        *(
            MenuEntry(item=item, label=choice.label, enabled=usable)
            for item, choice in PAUSE_CHOICES.items()
        ),
        MenuEntry(
            item=MenuItem.RESUME,
            label="Resume now" if state.paused_until is not None else "Resume",
            enabled=usable,
            visible=state.is_paused,
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
