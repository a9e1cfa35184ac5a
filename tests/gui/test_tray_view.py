"""tray_view: pure mapping from TrayState to icon, tooltip, status line and menu (no display)."""

from __future__ import annotations

from datetime import datetime

import pytest

from oeleo_gui.engine.events import FileProgress, RunKind
from oeleo_gui.engine.status import FileConcern, SafetyState, StatusReport
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


def report(**changes: object) -> StatusReport:
    """The engine's verdict as `compute_status` gives it (safe unless told otherwise)."""
    base: dict[str, object] = {
        "safe": True,
        "state": SafetyState.IDLE,
        "summary": "All 1 234 files copied (2.0 GB); last run 14:02.",
        "reasons": (),
        "matched": 1236,
        "copied": 1234,
        "locked": 2,
        "last_success": datetime(2026, 11, 24, 14, 2),
        "checked_at": NOW,
    }
    base.update(changes)
    if base["reasons"] and "safe" not in changes:
        base["safe"] = False
    return StatusReport(**base)  # type: ignore[arg-type]


def state(**changes: object) -> TrayState:
    base = {
        "now": NOW,
        "report": report(),
        "next_run_at": datetime(2026, 11, 24, 15, 2),
    }
    base.update(changes)
    return TrayState(**base)  # type: ignore[arg-type]


WAITING = report(
    state=SafetyState.PENDING,
    reasons=(
        "2 files being written · last live copy 14:02 (e.g. cycler_7.res).",
        "1 file new or changed, not copied yet (e.g. export.csv).",
    ),
    waiting=(
        FileConcern(
            path="cycler_3.res",
            reason="modified 5 s ago; waiting until it is 30 s old",
            since=datetime(2026, 11, 24, 14, 29),
        ),
    ),
    live=(
        FileConcern(
            path="cycler_7.res",
            reason="live copy at 14:02; still being written",
            since=datetime(2026, 11, 24, 14, 2),
        ),
    ),
    not_copied=1,
)
FAILING = report(
    state=SafetyState.ERROR,
    reasons=("1 file could not be copied (bad.res: Could not write bad.res: File exists.).",),
    failed=(
        FileConcern(
            path="bad.res",
            reason="Could not write bad.res: File exists.",
            since=datetime(2026, 11, 24, 9, 0),
        ),
    ),
)


def test_idle_says_all_copied_with_time() -> None:
    view = tray_view(state())
    assert view.state is IconState.IDLE
    assert view.icon_name == "tray-idle"
    assert view.status_line == "All 1\u00a0234 files copied · 14:02"
    assert "Last successful run: 14:02" in view.tooltip
    assert "Files copied: 1\u00a0234 of 1\u00a0236 (2 locked)" in view.tooltip
    assert "Next run: 15:02" in view.tooltip
    assert "Problem" not in view.tooltip


def test_green_only_when_the_verdict_says_safe() -> None:
    assert tray_view(state(report=None)).state is IconState.PENDING  # not worked out yet
    # A verdict that is not safe is never green, whatever its state says.
    odd = report(state=SafetyState.IDLE, reasons=("No run has finished yet.",))
    assert tray_view(state(report=odd)).state is IconState.PENDING
    for safety, icon in [
        (SafetyState.PENDING, IconState.PENDING),
        (SafetyState.ATTENTION, IconState.ATTENTION),
        (SafetyState.ERROR, IconState.ERROR),
        (SafetyState.PAUSED, IconState.PAUSED),
    ]:
        unsafe = report(state=safety, reasons=("Something is not copied.",))
        assert tray_view(state(report=unsafe)).state is icon


def test_nothing_matching_needs_attention_not_all_0_files_copied() -> None:
    nothing = report(
        state=SafetyState.ATTENTION,
        reasons=("No file in C:\\Data matches the settings (names ending in .res, .csv).",),
        matched=0,
        copied=0,
    )
    view = tray_view(state(report=nothing))
    assert view.state is IconState.ATTENTION
    assert view.status_line.startswith("No file in C:\\Data matches the settings")
    assert "All 0" not in view.status_line + view.tooltip
    named = tray_view(state(report=nothing, source_folder="C:\\Data"))
    assert named.status_line == (
        "No file in the data folder matches the settings (names ending in .res, .csv)"
    )


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


def test_waiting_files_are_named_with_why() -> None:
    view = tray_view(state(report=WAITING))
    assert view.state is IconState.PENDING
    assert view.status_line == "2 files being written · last live copy 14:02 (e.g. cycler_7.res)"
    lines = view.tooltip.splitlines()
    assert lines[1] == view.status_line
    assert lines[2] == "Waiting: cycler_3.res: modified 5 s ago; waiting until it is 30 s old"
    assert lines[3] == "Waiting: cycler_7.res: live copy at 14:02; still being written"
    assert "• 1 file new or changed, not copied yet (e.g. export.csv)." in view.tooltip
    assert len("\n".join(lines[:2])) < 127  # Windows cuts a tray tooltip after 127 characters


def test_error_from_run_and_from_a_file_that_keeps_failing() -> None:
    view = tray_view(state(error="The destination folder /srv/data does not exist."))
    assert view.state is IconState.ERROR
    assert view.status_line.startswith("Not copying: The destination folder")
    assert "Problem: The destination folder /srv/data does not exist." in view.tooltip
    stuck = tray_view(state(report=FAILING))
    assert stuck.state is IconState.ERROR
    assert stuck.status_line.startswith("1 file could not be copied (bad.res: Could not")
    assert "Failing: bad.res: Could not write bad.res: File exists." in stuck.tooltip


def test_a_changed_destination_needs_attention_until_compared() -> None:
    view = tray_view(state(destination_changed=True))
    assert view.state is IconState.ATTENTION
    assert view.status_line == (
        "The destination changed: compare with it (Check against destination)"
    )
    assert view.enabled[MenuItem.CHECK]
    assert tray_view(state(destination_changed=True, report=FAILING)).state is IconState.ERROR


def test_paused_turns_pause_into_resume() -> None:
    view = tray_view(state(is_paused=True, next_run_at=None, report=WAITING))
    assert view.state is IconState.PAUSED
    assert not view.entry(MenuItem.PAUSE).visible
    assert view.entry(MenuItem.RESUME).visible
    assert view.entry(MenuItem.RESUME).label == "Resume"
    assert not view.enabled[MenuItem.SYNC_NOW]
    assert "Next run: paused until you choose Resume" in view.tooltip
    assert view.status_line == "Paused · 3 files not copied yet"
    assert "Waiting: cycler_3.res" in view.tooltip  # what waits is still named


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
    view = tray_view(state(report=report(last_success=datetime(2026, 11, 20, 9, 5))))
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
