"""tray_view: pure mapping from TrayState to icon, tooltip, status line and menu (no display)."""

from __future__ import annotations

from datetime import datetime

import pytest

from oeleo_gui.engine.events import FileProgress, RunKind
from oeleo_gui.gui.pause_choice import PauseChoice
from oeleo_gui.gui.resources import icon_path
from oeleo_gui.gui.tray_view import (
    SUBMENUS,
    IconState,
    MenuItem,
    TrayState,
    format_count,
    tray_view,
)

NOW = datetime(2026, 11, 24, 14, 30)


def state(**changes: object) -> TrayState:
    base = {
        "now": NOW,
        "has_run": True,
        "files_copied": 1234,
        "last_success": datetime(2026, 11, 24, 14, 2),
        "next_run_at": datetime(2026, 11, 24, 15, 2),
    }
    base.update(changes)
    return TrayState(**base)  # type: ignore[arg-type]


def test_idle_says_all_copied_with_time() -> None:
    view = tray_view(state())
    assert view.state is IconState.IDLE
    assert view.icon_name == "tray-idle"
    assert view.status_line == "All 1\u00a0234 files copied · 14:02"
    assert "Last successful run: 14:02" in view.tooltip
    assert "Files copied: 1\u00a0234" in view.tooltip
    assert "Files waiting: 0" in view.tooltip
    assert "Next run: 15:02" in view.tooltip
    assert "Problem" not in view.tooltip


def test_syncing_shows_progress_and_animates() -> None:
    progress = FileProgress(
        rel_path="a.res",
        bytes_done=5,
        bytes_total=10,
        file_index=3,
        file_count=17,
        run_bytes_done=45,
        run_bytes_total=100,
        files_done=2,
    )
    views = [tray_view(state(running=RunKind.SYNC, progress=progress, frame=f)) for f in range(5)]
    assert views[0].status_line == "Copying 2 of 17 files · 45 %"
    assert [v.icon_name for v in views] == [
        "tray-syncing-0",
        "tray-syncing-1",
        "tray-syncing-2",
        "tray-syncing-3",
        "tray-syncing-0",
    ]
    assert not views[0].enabled[MenuItem.SYNC_NOW]
    assert not views[0].enabled[MenuItem.CHECK]
    assert views[0].enabled[MenuItem.PAUSE]


def test_pending_before_first_run_and_with_waiting_files() -> None:
    assert tray_view(state(has_run=False)).state is IconState.PENDING
    view = tray_view(state(files_waiting=3))
    assert view.state is IconState.PENDING
    assert view.status_line == "3 files waiting · next run 15:02"
    assert "Files waiting: 3" in view.tooltip


def test_error_from_run_and_from_a_file_that_keeps_failing() -> None:
    view = tray_view(state(error="The destination folder /srv/data does not exist."))
    assert view.state is IconState.ERROR
    assert view.status_line.startswith("Not copying: The destination folder")
    assert "Problem: The destination folder /srv/data does not exist." in view.tooltip
    stuck = tray_view(state(files_failing=("bad.res",)))
    assert stuck.state is IconState.ERROR
    assert stuck.status_line == "1 file keep failing"
    assert "bad.res" in stuck.tooltip


def test_paused_turns_pause_into_resume() -> None:
    view = tray_view(state(is_paused=True, next_run_at=None, files_waiting=2))
    assert view.state is IconState.PAUSED
    assert not view.entry(MenuItem.PAUSE).visible
    assert view.entry(MenuItem.RESUME).visible
    assert view.entry(MenuItem.RESUME).label == "Resume"
    assert not view.enabled[MenuItem.SYNC_NOW]
    assert "Next run: paused until you choose Resume" in view.tooltip
    assert view.status_line == "Paused · 2 files waiting"


def test_a_pause_for_a_while_says_until_when() -> None:
    until = datetime(2026, 11, 24, 15, 0)
    view = tray_view(state(is_paused=True, paused_until=until, next_run_at=None))
    assert view.state is IconState.PAUSED
    assert view.status_line == "Paused until 15:00"
    assert "Next run: paused until 15:00, then it resumes by itself" in view.tooltip
    assert view.entry(MenuItem.RESUME).label == "Resume now"
    tomorrow = tray_view(state(is_paused=True, paused_until=datetime(2026, 11, 25, 7, 0)))
    assert tomorrow.status_line == "Paused until 25 Nov 07:00"


def test_pause_offers_four_lengths() -> None:
    view = tray_view(state())
    assert view.entry(MenuItem.PAUSE).visible and not view.entry(MenuItem.RESUME).visible
    assert [view.entry(item).label for item in SUBMENUS[MenuItem.PAUSE]] == [
        "For 30 minutes",
        "For 1 hour",
        "Until tomorrow 07:00",
        "Until I resume",
    ]


@pytest.mark.parametrize(
    ("choice", "until"),
    [
        (PauseChoice.MINUTES_30, datetime(2026, 11, 24, 15, 0)),
        (PauseChoice.HOUR_1, datetime(2026, 11, 24, 15, 30)),
        (PauseChoice.TOMORROW, datetime(2026, 11, 25, 7, 0)),
        (PauseChoice.UNTIL_RESUMED, None),
    ],
)
def test_when_a_pause_ends(choice: PauseChoice, until: datetime | None) -> None:
    assert choice.until(NOW) == until


def test_the_run_limit_is_shown_and_reaching_it_needs_attention() -> None:
    running = tray_view(state(run_limit=200, runs_made=12))
    assert running.state is IconState.IDLE
    assert "Run limit: 12 of 200 scheduled runs made" in running.tooltip
    assert "Run limit" not in tray_view(state()).tooltip  # no limit set: nothing to say
    ended = tray_view(state(run_limit=200, runs_made=200, schedule_ended=True, next_run_at=None))
    assert ended.state is IconState.ATTENTION
    assert ended.icon_name == "tray-attention"
    assert ended.status_line == "Not copying: the run limit is reached (200 runs)"
    assert "clear “Maximum runs” in Settings" in ended.tooltip


def test_no_configuration_leaves_only_what_can_help() -> None:
    view = tray_view(TrayState(now=NOW, has_config=False))
    assert view.state is IconState.ERROR
    assert view.status_line == "Not set up yet — choose Settings…"
    enabled = {item for item, on in view.enabled.items() if on}
    assert enabled == {
        MenuItem.SETTINGS,
        MenuItem.OPEN_LOG,
        MenuItem.AUTOSTART,
        MenuItem.ABOUT,
        MenuItem.QUIT,
    }


def test_bad_configuration_shows_the_reason_not_a_traceback() -> None:
    view = tray_view(
        TrayState(now=NOW, config_error="OELEO_BASE_DIR_TO = (not set): required: the folder")
    )
    assert view.state is IconState.ERROR
    assert "Problem: OELEO_BASE_DIR_TO = (not set)" in view.tooltip
    assert "Traceback" not in view.tooltip


def test_menu_order_and_labels() -> None:
    view = tray_view(state())
    assert [e.label for e in view.entries if e.visible] == [
        "Sync now",
        "Check against destination",
        "Pause",
        "For 30 minutes",
        "For 1 hour",
        "Until tomorrow 07:00",
        "Until I resume",
        "Settings…",
        "File list…",
        "Open log",
        "Open source folder",
        "Start at login",
        "About",
        "Quit",
    ]
    assert all(view.enabled.values())
    assert view.entry(MenuItem.AUTOSTART).checkable


def test_schedule_ended_is_said_in_words() -> None:
    view = tray_view(state(next_run_at=None, schedule_ended=True))
    assert "Next run: none scheduled" in view.tooltip


def test_old_times_carry_the_date() -> None:
    view = tray_view(state(last_success=datetime(2026, 11, 20, 9, 5)))
    assert view.status_line.endswith("20 Nov 09:05")


@pytest.mark.parametrize("s", list(IconState))
def test_every_state_has_an_icon_file(s: IconState) -> None:
    names = [f"tray-syncing-{i}" for i in range(4)] if s is IconState.SYNCING else [f"tray-{s}"]
    for name in names:
        assert icon_path(name) is not None, name
        assert icon_path(name, suffix=".png") is not None, name


def test_format_count() -> None:
    assert format_count(0) == "0"
    assert format_count(1234567) == "1\u00a0234\u00a0567"
