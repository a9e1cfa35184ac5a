"""The tray's schedule: it runs until paused or quit, a pause for a while ends by itself, and a
run limit counts only when it was asked for (then reaching it needs attention)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from oeleo_gui.engine.events import RunSummary
from oeleo_gui.gui.pause_choice import PauseChoice
from oeleo_gui.gui.tray_view import IconState, MenuItem

TIMEOUT = 10_000


class FakeClock:
    """A wall clock the test moves forward; Qt's own timers still count real time."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 14, 30)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def write_env(path: Path, values: dict[str, str]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return path


def test_a_pause_for_30_minutes_resumes_by_itself(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, env_file: Path, src: Path, dst: Path, write, judged
) -> None:
    clock = FakeClock()
    app = make_tray_app(env_file, clock=clock, schedule_check_ms=20)
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app.start()
    app._on_tray_action_triggered(MenuItem.PAUSE_30_MINUTES)  # as the menu does
    assert app.view.state is IconState.PAUSED
    assert app.schedule.paused_until == datetime(2026, 11, 24, 15, 0)
    assert app.view.status_line == "Paused until 15:00"
    assert "paused until 15:00, then it resumes by itself" in app.view.tooltip
    assert app.schedule.next_run_at is None
    write(src, "while-paused.res", b"new data")

    clock.advance(minutes=29)
    with qtbot.assertNotEmitted(app.schedule.pause_ended, wait=100):
        pass  # the wall-clock check ran a few times: not yet
    assert app.view.state is IconState.PAUSED

    summaries: list[RunSummary] = []
    app.engine.run_finished.connect(summaries.append)
    with qtbot.waitSignal(app.schedule.pause_ended, timeout=TIMEOUT):
        clock.advance(minutes=2)
    qtbot.waitUntil(lambda: len(summaries) == 1, timeout=TIMEOUT)  # resumed with a run
    assert [r.rel_path for r in summaries[0].copied] == ["while-paused.res"]
    judged(app)
    assert app.view.state is IconState.IDLE
    assert not app.state.is_paused and app.state.paused_until is None
    assert (dst / "while-paused.res").exists()


def test_until_i_resume_waits_for_resume(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, env_file: Path, src: Path, dst: Path, write, judged
) -> None:
    write(src, "a.res", b"a")
    clock = FakeClock()
    app = make_tray_app(env_file, clock=clock, schedule_check_ms=20)
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app.start()
    app.pause_for(PauseChoice.UNTIL_RESUMED)
    records = dst / ".oeleo" / "status"  # the lab overview hears "paused", not silence

    def record_says_paused() -> bool:
        found = list(records.glob("*.json"))
        return bool(found) and json.loads(found[0].read_text())["status"]["state"] == "paused"

    qtbot.waitUntil(record_says_paused, timeout=TIMEOUT)
    clock.advance(days=3)
    with qtbot.assertNotEmitted(app.schedule.pause_ended, wait=100):
        pass
    assert app.view.state is IconState.PAUSED
    assert app.view.entry(MenuItem.RESUME).visible
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app._on_tray_action_triggered(MenuItem.RESUME)
    judged(app)
    assert app.view.state is IconState.IDLE, app.view.tooltip


def test_without_a_run_limit_in_env_the_tray_never_stops(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, tmp_path: Path, values: dict[str, str]
) -> None:
    del values["OA_MAX_RUN_INTERVALS"]  # upstream's default (200) is for the headless loop
    app = make_tray_app(write_env(tmp_path / "no-limit.env", values))
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app.start()
    assert app.settings is not None and app.settings.max_run_intervals == 200
    assert app.schedule.run_limit == 0
    assert app.schedule.next_run_at is not None and not app.schedule.has_ended
    assert "Run limit" not in app.view.tooltip


def test_a_run_limit_set_in_env_is_shown_and_reaching_it_needs_attention(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, tmp_path: Path, values: dict[str, str], src: Path, write
) -> None:
    values["OA_MAX_RUN_INTERVALS"] = "1"
    write(src, "a.res", b"a")
    app = make_tray_app(write_env(tmp_path / "limit.env", values))
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app.start()
    assert app.schedule.has_ended and app.schedule.next_run_at is None
    assert app.view.state is IconState.ATTENTION
    assert app.view.icon_name == "tray-attention"
    assert app.view.status_line == "Not copying: the run limit is reached (1 runs)"
    assert "Run limit: 1 of 1 scheduled runs made" in app.view.tooltip
    assert "clear “Maximum runs” in Settings" in app.view.tooltip
    assert app.view.enabled[MenuItem.SYNC_NOW]  # a run by hand still works
