"""The tray while another process copies with the same database: *syncing elsewhere*, no error."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from oeleo_gui.engine.settings.config import Settings
from oeleo_gui.engine.status import SafetyState
from oeleo_gui.engine.worker import Engine
from oeleo_gui.gui.tray_view import IconState, TrayState, tray_view

TIMEOUT = 10_000


def quick_to_skip(settings: Settings) -> Engine:
    return Engine(settings, run_lock_wait=0.2)


def test_a_run_skipped_for_another_process_shows_syncing_elsewhere(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, hold_run_lock, env_file: Path, values, src: Path, dst: Path, write, judged
) -> None:
    write(src, "a.res", b"data")
    app = make_tray_app(env_file, engine_factory=quick_to_skip)
    notices: list[object] = []
    app.notified.connect(notices.append)
    with hold_run_lock(Path(values["OELEO_DB_NAME"])) as other:
        with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT) as finished:
            app.start()
        assert finished.args[0].other_run_pid == other.pid
        assert app.view.state is IconState.SYNCING
        assert app.view.status_line == (
            f"Syncing elsewhere: another oeleo-gui run is copying (pid {other.pid})"
        )
        assert "Problem" not in app.view.tooltip and not notices
        assert not (dst / "a.res").exists()
        assert judged(app).state is SafetyState.SYNCING  # the verdict sees the other run too
        assert app.view.state is IconState.SYNCING
        with qtbot.waitSignal(app.engine.failed, timeout=TIMEOUT) as failed:
            assert app.engine.request_check(app.settings)
        assert failed.args[0].other_run_pid == other.pid
        assert app.view.state is IconState.SYNCING and not notices
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        assert app.engine.request_sync(app.settings)
    assert judged(app).safe
    assert app.view.state is IconState.IDLE and (dst / "a.res").read_bytes() == b"data"


def test_syncing_elsewhere_is_not_a_problem_in_the_view() -> None:
    now = datetime(2026, 11, 24, 15, 0)
    view = tray_view(TrayState(now=now, elsewhere="another run is copying"))
    assert view.state is IconState.SYNCING
    assert view.status_line == "Syncing elsewhere: another run is copying"
    assert "Problem" not in view.tooltip
