"""TrayApp against a real local destination: icon states through whole runs, menu actions."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.connectors.local.connector import LocalConnector
from oeleo_gui.engine.settings.config import Settings
from oeleo_gui.engine.status import SafetyState
from oeleo_gui.engine.worker import Engine
from oeleo_gui.gui.notifier import Notice
from oeleo_gui.gui.tray_actions import QUIT_QUESTION, question_box
from oeleo_gui.gui.tray_view import IconState, TrayView

TIMEOUT = 10_000


def record_states(app) -> list[IconState]:  # type: ignore[no-untyped-def]
    states: list[IconState] = []

    def on_view(view: TrayView) -> None:
        if not states or states[-1] is not view.state:
            states.append(view.state)

    app.view_changed.connect(on_view)
    return states


def record_notices(app) -> list[Notice]:  # type: ignore[no-untyped-def]
    notices: list[Notice] = []
    app.notified.connect(notices.append)
    return notices


def no_row(settings: Settings, rel_path: str) -> bool:
    with FileListStore(settings.db_path) as store:
        return store.get(rel_path) is None


def test_whole_run_goes_pending_syncing_idle(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, gated_factory, gate, env_file: Path, src: Path, dst: Path, write, judged
) -> None:
    write(src, "a.res", b"a" * 5000)
    app = make_tray_app(env_file, engine_factory=gated_factory)
    states = record_states(app)
    app.start()
    qtbot.waitUntil(gate.entered.is_set, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: app.view.state is IconState.SYNCING, timeout=TIMEOUT)
    assert app.view.status_line.startswith(("Copying 0 of 1 file · ", "Looking for new files"))
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        gate.open()
    assert app.view.state is not IconState.IDLE  # not before the verdict says so
    assert judged(app).safe
    assert app.view.state is IconState.IDLE
    assert states == [IconState.PENDING, IconState.SYNCING, IconState.PENDING, IconState.IDLE]
    assert app.view.status_line.startswith("All 1 file copied · ")
    assert "Next run: " in app.view.tooltip
    assert app.schedule.next_run_at is not None
    assert (dst / "a.res").read_bytes() == b"a" * 5000


def test_settling_file_is_pending(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, tmp_path: Path, values: dict[str, str], src: Path, write, judged
) -> None:
    values["OELEO_SETTLE_SECONDS"] = "3600"
    env = tmp_path / "settle.env"
    env.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    write(src, "new.res", b"still being written", mtime=None)
    app = make_tray_app(env)
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app.start()
    judged(app)
    assert app.view.state is IconState.PENDING
    assert app.view.status_line == "1 file being written (e.g. new.res)"
    assert "Waiting: new.res: modified " in app.view.tooltip


def test_sync_now_cuts_the_wait_short(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, env_file: Path, src: Path, dst: Path, write, judged
) -> None:
    app = make_tray_app(env_file)
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app.start()
    first_due = app.schedule.next_run_at
    assert first_due is not None and first_due > datetime.now() + timedelta(minutes=50)
    write(src, "later.res", b"new data")
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT) as blocker:
        app.sync_now_action()
    assert [r.rel_path for r in blocker.args[0].copied] == ["later.res"]
    judged(app)
    assert app.view.state is IconState.IDLE
    assert app.schedule.next_run_at is not None  # re-armed for a full interval
    assert app.schedule.runs_made == 1  # Sync now does not count towards OA_MAX_RUN_INTERVALS


def test_sync_now_while_copying_is_refused_visibly(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, gated_factory, gate, env_file: Path, src: Path, write
) -> None:
    write(src, "a.res", b"a")
    app = make_tray_app(env_file, engine_factory=gated_factory)
    notices = record_notices(app)
    app.start()
    qtbot.waitUntil(gate.entered.is_set, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: app.view.state is IconState.SYNCING, timeout=TIMEOUT)
    assert not app.view.enabled[next(iter(app.view.enabled))]  # Sync now is greyed out
    app.sync_now_action()
    assert [n.title for n in notices] == ["Already copying"]
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        gate.open()
    assert gate.uploads_started == ["a.res"]


def test_pause_mid_copy_leaves_nothing_half_done_and_resume_finishes(  # type: ignore[no-untyped-def]
    qtbot,
    make_tray_app,
    gated_factory,
    gate,
    env_file: Path,
    settings,
    src: Path,
    dst: Path,
    write,
    judged,
) -> None:
    write(src, "big.res", b"x" * (3 * 1024 * 1024))
    app = make_tray_app(env_file, engine_factory=gated_factory)
    app.start()
    qtbot.waitUntil(gate.entered.is_set, timeout=TIMEOUT)
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT) as blocker:
        app.pause_action()
    assert blocker.args[0].cancelled
    assert app.view.state is IconState.PAUSED
    assert app.view.status_line.startswith("Paused")
    assert app.schedule.next_run_at is None
    assert list(dst.iterdir()) == []
    assert no_row(settings, "big.res")

    gate.open()
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT) as blocker:
        app.pause_action()  # Resume runs at once
    assert [r.rel_path for r in blocker.args[0].copied] == ["big.res"]
    judged(app)
    assert app.view.state is IconState.IDLE


def test_quit_mid_copy_asks_then_cancels_cleanly(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, gated_factory, gate, env_file: Path, settings, src: Path, dst: Path, write
) -> None:
    write(src, "big.res", b"x" * (3 * 1024 * 1024))
    questions: list[str] = []
    quits: list[bool] = []
    answers = iter([False, True])

    def confirm(question: str) -> bool:
        questions.append(question)
        return next(answers)

    app = make_tray_app(
        env_file, engine_factory=gated_factory, confirm=confirm, quit_app=lambda: quits.append(True)
    )
    app.start()
    qtbot.waitUntil(gate.entered.is_set, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: app.is_copying, timeout=TIMEOUT)  # the first progress arrived
    app.quit_action()  # "No": keeps copying
    assert app.engine.is_busy and not quits
    app.quit_action()  # "Yes"
    assert len(questions) == 2 and "Quit anyway?" in questions[0]
    assert quits == [True]
    assert app.engine.thread.isFinished()
    assert list(dst.iterdir()) == []
    assert no_row(settings, "big.res")


def test_quit_when_idle_does_not_ask(qtbot, make_tray_app, env_file: Path) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []
    app = make_tray_app(env_file, confirm=lambda q: asked.append(q) or True, quit_app=lambda: None)
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app.start()
    app.quit_action()
    assert asked == []
    assert app.engine.thread.isFinished()


class SlowToConnect(LocalConnector):
    """A destination that takes its time to answer: the run is busy but copies nothing yet."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.entered = threading.Event()
        self.release = threading.Event()

    def connect(self) -> None:
        self.entered.set()
        self.release.wait(TIMEOUT / 1000)
        super().connect()


def test_a_run_that_copies_nothing_yet_is_not_a_copy_in_progress(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, env_file: Path, dst: Path
) -> None:
    slow = SlowToConnect(dst)
    app = make_tray_app(env_file, engine_factory=lambda s: Engine(s, connector=slow))
    app.start()
    qtbot.waitUntil(slow.entered.is_set, timeout=TIMEOUT)
    assert app.engine.is_busy and not app.is_copying  # so Quit would not ask
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        slow.release.set()
    assert not app.is_copying


def test_the_quit_question_defaults_to_no(qtbot) -> None:  # type: ignore[no-untyped-def]
    box = question_box(QUIT_QUESTION)
    qtbot.addWidget(box)
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
    assert box.escapeButton() is box.button(QMessageBox.StandardButton.No)


def test_failing_destination_turns_error_and_recovers(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, env_file: Path, src: Path, dst: Path, write, judged
) -> None:
    write(src, "a.res", b"a")
    dst.rmdir()
    app = make_tray_app(env_file)
    notices = record_notices(app)
    states = record_states(app)
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app.start()
    assert app.view.state is IconState.ERROR
    assert "does not exist" in app.view.tooltip
    assert [n.title for n in notices] == ["Copying stopped"]

    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app.sync_now_action()  # the same problem again: no second message
    assert len(notices) == 1

    assert judged(app).state is SafetyState.ERROR  # the verdict says so too
    dst.mkdir()
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app.sync_now_action()
    judged(app)
    assert app.view.state is IconState.IDLE
    assert [n.title for n in notices] == ["Copying stopped", "Copying works again"]
    assert states[-4:] == [
        IconState.ERROR,
        IconState.SYNCING,
        IconState.PENDING,
        IconState.IDLE,
    ], states
    assert (dst / "a.res").exists()


def test_first_start_without_configuration_opens_settings(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, monkeypatch
) -> None:
    from oeleo_gui.gui.tray_app import TrayApp

    opened: list[bool] = []
    monkeypatch.setattr(TrayApp, "settings_action", lambda self: opened.append(True))
    app = make_tray_app(None)
    app.start()
    qtbot.waitUntil(lambda: opened == [True], timeout=TIMEOUT)
    assert app.view.state is IconState.ERROR
    assert app.view.status_line == "Not set up yet — choose Settings…"


def test_bad_configuration_shows_error_with_reason(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, tmp_path: Path
) -> None:
    env = tmp_path / "bad.env"
    env.write_text("OELEO_FILTER_EXTENSION=.res\nOELEO_BASE_DIR_FROM=/nowhere\n")
    app = make_tray_app(env)
    app.start()
    assert app.view.state is IconState.ERROR
    assert "Problem: OELEO_BASE_DIR_TO is not set: the destination folder" in app.view.tooltip
    assert not app.engine.is_busy


def test_settings_saved_restarts_the_schedule(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, tmp_path: Path, env_file: Path, src: Path, write, judged
) -> None:
    bad = tmp_path / "bad.env"
    bad.write_text("OELEO_FILTER_EXTENSION=.res\n")
    write(src, "a.res", b"a")
    app = make_tray_app(bad)
    app.start()
    assert app.view.state is IconState.ERROR
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app._on_settings_saved(env_file)
    assert app.env_file == env_file
    judged(app)
    assert app.view.state is IconState.IDLE


def test_watch_folder_runs_after_new_files_settle(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, tmp_path: Path, values: dict[str, str], src: Path, write
) -> None:
    values["OELEO_WATCH_FOLDER"] = "true"
    env = tmp_path / "watch.env"
    env.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    app = make_tray_app(env)
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app.start()
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT) as blocker:
        write(src, "fresh.res", b"new")
    assert [r.rel_path for r in blocker.args[0].copied] == ["fresh.res"]


def test_add_check_runs_before_the_first_sync_and_single_run_ends_schedule(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, tmp_path: Path, values: dict[str, str], src: Path, write
) -> None:
    values.update(OA_ADD_CHECK="true", OA_SINGLE_RUN="true")
    env = tmp_path / "check.env"
    env.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    write(src, "a.res", b"a")
    app = make_tray_app(env)
    with qtbot.waitSignals(
        [app.engine.check_finished, app.engine.run_finished], order="strict", timeout=TIMEOUT
    ):
        app.start()
    assert app.schedule.has_ended
    assert app.schedule.next_run_at is None
    assert "Next run: none scheduled" in app.view.tooltip
