"""The tray shows the engine's verdict: green only when the data is safe. Nothing matching the
filters, a changed destination, waiting and failing files each say so, in the icon, the menu's
status line and the tooltip; the schedule the tray runs is visible to `oeleo-gui status`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from oeleo_gui.engine.settings.config import load_settings
from oeleo_gui.engine.status import SafetyState, compute_status
from oeleo_gui.gui.pause_choice import PauseChoice
from oeleo_gui.gui.tray_view import IconState

TIMEOUT = 10_000


def write_env(path: Path, values: dict[str, str]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return path


def test_nothing_matching_needs_attention_instead_of_all_0_copied(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, tmp_path: Path, values: dict[str, str], src: Path, write, judged
) -> None:
    for i in range(3):
        write(src, f"cell_{i}.res", b"data")
    values["OELEO_FILTER_EXTENSION"] = ".csv"  # the instrument writes .res
    app = make_tray_app(write_env(tmp_path / "csv.env", values))
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app.start()
    report = judged(app)
    assert report.matched == 0 and not report.safe
    assert app.view.state is IconState.ATTENTION
    assert app.view.status_line.startswith("No file in the data folder matches the settings")
    assert "All 0" not in app.view.status_line + app.view.tooltip


def test_failing_files_are_named_in_the_tooltip(  # type: ignore[no-untyped-def]
    qtbot,
    make_tray_app,
    tmp_path: Path,
    values: dict[str, str],
    src: Path,
    dst: Path,
    write,
    judged,
) -> None:
    write(src, "ok.res", b"fine")
    write(src, "Clash.res", b"upper")
    write(src, "clash.res", b"lower")  # differs only by case from Clash.res: fails every run
    app = make_tray_app(write_env(tmp_path / "fail.env", values))
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app.start()
    judged(app)
    assert app.view.state is IconState.ERROR
    assert app.view.status_line.startswith("1 file could not be copied (clash.res: ")
    assert "Failing: clash.res: " in app.view.tooltip
    assert "differs only by case" in app.view.tooltip


def test_a_changed_destination_offers_to_compare_and_copy_what_is_missing(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, tmp_path: Path, values: dict[str, str], env_file: Path, src, write, judged
) -> None:
    write(src, "a.res", b"a")
    write(src, "b.res", b"b")
    questions: list[str] = []
    answers = iter([False, True])

    def confirm(question: str) -> bool:
        questions.append(question)
        return next(answers)

    app = make_tray_app(env_file, confirm=confirm)
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app.start()
    assert judged(app).safe

    new_server = tmp_path / "new-server"  # Settings saved with another destination
    new_server.mkdir()
    values["OELEO_BASE_DIR_TO"] = str(new_server)
    moved = write_env(tmp_path / "moved.env", values)
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT) as blocker:
        app._on_settings_saved(moved)
    assert blocker.args[0].copied == ()  # the rows say "copied": a plain run copies nothing
    qtbot.waitUntil(lambda: len(questions) == 1, timeout=TIMEOUT)
    assert "The destination changed" in questions[0] and str(new_server) in questions[0]
    judged(app)
    assert app.view.state is IconState.ATTENTION  # "not now": the icon keeps saying so
    assert app.view.status_line.startswith("The destination changed")
    assert [p.name for p in new_server.iterdir() if p.name != ".oeleo"] == []  # no data yet

    app._offered_destinations.clear()  # the offer comes again with the next start
    with qtbot.waitSignal(app.engine.check_finished, timeout=TIMEOUT) as checked:
        app.load_settings()
    assert sorted(checked.args[0].missing) == ["a.res", "b.res"]
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT) as blocker:
        pass  # the check is followed by a run copying what is missing
    assert sorted(r.rel_path for r in blocker.args[0].copied) == ["a.res", "b.res"]
    assert judged(app).safe
    assert app.view.state is IconState.IDLE
    assert sorted(p.name for p in new_server.iterdir() if p.name != ".oeleo") == ["a.res", "b.res"]


def test_the_trays_schedule_is_seen_by_the_status_command(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, env_file: Path, src: Path, write, judged
) -> None:
    write(src, "a.res", b"a")
    app = make_tray_app(env_file)
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app.start()
    judged(app)
    settings = load_settings(env_file)
    outside = compute_status(settings)  # as `oeleo-gui status` computes it, from the database
    assert outside.safe and outside.next_run is not None
    assert abs((outside.next_run - app.schedule.next_run_at).total_seconds()) < 1  # type: ignore[operator]
    app.pause_for(PauseChoice.HOUR_1)
    judged(app)
    paused = compute_status(settings)
    assert paused.state is SafetyState.PAUSED and not paused.safe
    assert any("paused until" in r for r in paused.reasons)
    app.shutdown()  # the tray quits: nothing copies until somebody starts it again
    after = compute_status(settings)
    assert after.state is SafetyState.ATTENTION and not after.safe
    assert "the tray was stopped at" in after.summary and after.next_run is None
    assert after.checked_at <= datetime.now()


def test_settings_that_cannot_work_take_the_schedule_record_away(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, tmp_path: Path, env_file: Path, src: Path, write, judged
) -> None:
    from oeleo_gui.engine.bookkeeping.meta_keys import META_SCHEDULE
    from oeleo_gui.engine.bookkeeping.snapshot import read_snapshot

    write(src, "a.res", b"a")
    settings = load_settings(env_file)
    app = make_tray_app(env_file)
    with qtbot.waitSignal(app.engine.run_finished, timeout=TIMEOUT):
        app.start()
    judged(app)
    assert META_SCHEDULE in read_snapshot(settings.db_path).meta
    bad = tmp_path / "bad.env"
    bad.write_text("OELEO_FILTER_EXTENSION=.res\n")
    app._on_settings_saved(bad)  # saved with a mistake: no schedule runs any more
    assert app.view.state is IconState.ERROR
    qtbot.waitUntil(
        lambda: META_SCHEDULE not in read_snapshot(settings.db_path).meta, timeout=TIMEOUT
    )
    assert compute_status(settings).next_run is None  # `status` no longer promises a run
