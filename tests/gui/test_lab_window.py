"""The tray's *Lab overview…*: shown only when other instruments report to the destination, read
off the GUI thread, and the window with the same table (plain text, sortable, details)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication, QLabel

from oeleo_gui.engine.lab.parsing import parse_record
from oeleo_gui.engine.lab.reading import folder_source, read_overview
from oeleo_gui.gui.lab_window import LabWindow, details_text
from tests.engine.lab.conftest import NOW, make_record

TIMEOUT = 10_000
HOSTILE = "<b>Bold</b> <script>alert(1)</script>"


def put(dst: Path, stem: str, record: dict) -> None:  # type: ignore[type-arg]
    folder = dst / ".oeleo" / "status"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.json").write_text(json.dumps(record), encoding="utf-8")


def fresh(name: str, **changes: object) -> dict:  # type: ignore[type-arg]
    """A record written a minute ago (now, not the tests' fixed NOW)."""
    record = make_record(name, **changes)
    record["written_at"] = datetime.now(UTC).isoformat()
    return record


def test_the_window_shows_the_table_as_plain_text_sorted_with_details(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    put(tmp_path, "a", make_record("Safe one"))
    put(tmp_path, "b", make_record(HOSTILE, status_safe=False, status_reasons=["2 files wait"]))
    put(tmp_path, "c", make_record("Quiet", age=5 * 3600))
    (tmp_path / ".oeleo" / "status" / "d.json").write_text('{"record": "oeleo-gui st')
    overview = read_overview([folder_source(tmp_path)], clock=lambda: NOW.timestamp())
    window = LabWindow()
    qtbot.addWidget(window)
    window.show_overview(overview)
    table = window.table
    assert table.rowCount() == 4
    names = [table.item(r, 0).text() for r in range(4)]
    assert names == ["Quiet", "d", HOSTILE, "Safe one"]  # worst first, as read
    assert [table.item(r, 1).text() for r in range(4)] == [
        "silent",
        "unreadable record",
        "behind",
        "safe",
    ]
    assert window.summary.textFormat() is Qt.TextFormat.PlainText
    assert window.summary.text() == (
        "Not all safe: 4 instruments (1 silent, 1 unreadable record, 1 behind, 1 safe)."
    )
    for label in window.findChildren(QLabel):
        assert label.textFormat() is Qt.TextFormat.PlainText

    table.sortItems(0, Qt.SortOrder.AscendingOrder)  # by name, case-insensitive
    assert table.item(0, 0).text() == HOSTILE  # "<" sorts first
    table.sortItems(1, Qt.SortOrder.AscendingOrder)  # by severity, not by the words
    assert [table.item(r, 1).text() for r in range(4)] == [
        "silent",
        "unreadable record",
        "behind",
        "safe",
    ]
    table.selectRow(2)
    assert window.details.toPlainText().startswith(f"{HOSTILE}: behind")
    assert "  • 2 files wait" in window.details.toPlainText()
    window.show_overview(overview)  # a refresh keeps the selection
    assert window.details.toPlainText().startswith(f"{HOSTILE}: behind")


def test_details_name_everything_the_record_says() -> None:
    since = NOW.isoformat()
    row = parse_record(
        "x.json",
        json.dumps(
            make_record(
                "XRD",
                status_safe=False,
                status_reasons=["1 file could not be copied"],
                status_counts={"failed": 1, "waiting": 1, "copied": 3},
                status_failed=[{"path": "scan 7.res", "reason": "refused", "since": since}],
                status_waiting=[{"path": "scan 8.res", "reason": "being written"}],
            )
        ).encode(),
        location="/share/.oeleo/status",
        now=NOW,
    )
    text = details_text(row)
    assert "Not copied: 2 (1 being written or held open, 1 failing)." in text
    assert "Failing (1):\n  • scan 7.res — refused (since " in text
    assert "  • scan 8.res — being written" in text
    assert "Computer: LAB-PC-7" in text and "Status folder: /share/.oeleo/status" in text
    assert "source folder: C:\\data" in text


def test_the_menu_item_appears_only_with_other_instruments_records(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, env_file: Path, src: Path, dst: Path, write
) -> None:
    write(src, "a.res", b"alpha")
    app = make_tray_app(env_file)
    action = app.lab_menu.action
    assert action.text() == "Lab overview…"
    with qtbot.waitSignal(app.lab_menu.reader.loaded, timeout=TIMEOUT) as probed:
        app.start()
    own = [row.name for row in probed.args[0].rows]
    assert own == [app.settings.instrument_name]  # only this instrument's record is there
    assert action not in app.tray.menu.actions()
    assert app.lab_menu.reader.thread is not QThread.currentThread()


def test_with_other_instruments_the_window_opens_with_the_table(  # type: ignore[no-untyped-def]
    qtbot, make_tray_app, env_file: Path, src: Path, dst: Path, write
) -> None:
    write(src, "a.res", b"alpha")
    put(dst, "Microscope", fresh("Microscope"))
    put(dst, "Cycler", fresh("Cycler", status_safe=False, status_reasons=["1 file waits"]))
    app = make_tray_app(env_file)
    with qtbot.waitSignal(app.lab_menu.reader.loaded, timeout=TIMEOUT):
        app.start()
    action = app.lab_menu.action
    assert action.isVisible()
    menu_actions = [a.objectName() for a in app.tray.menu.actions()]
    assert menu_actions.index("action_lab_overview") == menu_actions.index("action_about") - 1
    with qtbot.waitSignal(app.lab_menu.reader.loaded, timeout=TIMEOUT):
        action.trigger()
    window = app.lab_menu.window
    assert window is not None and window.isVisible()
    qtbot.waitUntil(lambda: window.table.rowCount() == 3, timeout=TIMEOUT)
    names = {window.table.item(r, 0).text(): window.table.item(r, 1).text() for r in range(3)}
    assert names == {"Cycler": "behind", "Microscope": "safe", app.settings.instrument_name: "safe"}
    assert QApplication.activeModalWidget() is None
    with qtbot.waitSignal(app.lab_menu.reader.loaded, timeout=TIMEOUT):
        window.refresh_button.click()
    app.shutdown()
    assert not window.isVisible()
    assert app.lab_menu.reader.thread.isFinished()
    app.lab_menu._on_engine_run_finished(None)  # a run's end arriving after quitting
    assert not app.lab_menu.reader.thread.isRunning()


def test_the_window_and_the_command_say_an_age_the_same_way(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A report 26 h old: "26 h ago" in the tray's table and details as in `oeleo-gui lab`."""
    from oeleo_gui.cli.lab_command import table_lines

    put(tmp_path, "sem", make_record("SEM", age=26 * 3600 + 240))
    overview = read_overview([folder_source(tmp_path)], clock=lambda: NOW.timestamp())
    window = LabWindow()
    qtbot.addWidget(window)
    window.show_overview(overview)
    columns = [window.table.horizontalHeaderItem(c).text() for c in range(6)]
    last_success = window.table.item(0, columns.index("Last successful run")).text()
    assert last_success == "26 h ago"
    assert window.table.item(0, columns.index("Not copied")).text() == "0"
    assert window.table.item(0, columns.index("Reason")).text().startswith("No report for 26 h ")
    window.table.selectRow(0)
    assert "(26 h ago)" in window.details.toPlainText()  # when the record was written
    line = table_lines(overview.rows, 200)[1]
    assert " 26 h ago " in line and "No report for 26 h " in line
