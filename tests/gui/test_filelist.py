"""FileListWindow as a status view, against a real engine, real folders and a real database:
every selected file (copied or not) in a plain state with why, full paths, "needs attention" in
one click, codes that reach the database and the next run, loading off the GUI thread."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QComboBox

from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.events import FileCode
from oeleo_gui.engine.file_status import FileStatusKind
from oeleo_gui.engine.settings.config import Settings, settings_from_values
from oeleo_gui.engine.worker import Engine
from oeleo_gui.gui.filelist_model import CODE_COLUMN, COLUMNS, STATUS_COLUMN, cell_text
from oeleo_gui.gui.filelist_window import FileListWindow

TIMEOUT = 10_000
OLD = time.time() - 3 * 86400


def write(path: Path, data: str, *, mtime: float | None = OLD) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def sync(settings: Settings) -> None:
    engine = Engine(settings)
    try:
        engine.sync()
    finally:
        engine.close()


@pytest.fixture
def lab(tmp_path: Path) -> tuple[Settings, Path, Path]:
    """A source where every state occurs: copied, live copy, waiting, failing, locked, new."""
    src, dst = tmp_path / "instrument", tmp_path / "server"
    dst.mkdir()
    write(src / "copied.res", "done")
    write(src / "live.res", "first lines\n", mtime=None)
    write(src / "locked.res", "not for the server")
    write(src / "sub" / "deep.res", "deep")
    write(src / "Clash.res", "upper")
    write(src / "clash.res", "lower")  # differs only by case from Clash.res: fails every run
    values = {
        "OELEO_BASE_DIR_FROM": str(src),
        "OELEO_BASE_DIR_TO": str(dst),
        "OELEO_FILTER_EXTENSION": ".res",
        "OELEO_DB_NAME": str(tmp_path / "files.db"),
        "OELEO_LOG_DIR": str(tmp_path / "logs"),
        "OELEO_SETTLE_SECONDS": "3600",
        "OELEO_MAX_WAIT_SECONDS": "0.001",
        "OA_FROM_YEAR": "2000",
        "OA_INCLUDE_SUBDIRS": "true",
        "OA_EXTERNAL_SUBDIRS": "true",
    }
    settings = settings_from_values(values, tmp_path / ".env")
    with FileListStore(settings.db_path) as store:
        store.set_code(["locked.res"], FileCode.LOCKED)
    sync(settings)  # copied.res copied; live.res first seen: waiting
    with (src / "live.res").open("a") as f:
        f.write("more lines\n")  # still changing after the maximum wait: a live copy
    write(src / "growing.res", "being written", mtime=None)
    sync(settings)
    write(src / "new.res", "arrived after the last run")
    return settings, src, dst


@pytest.fixture
def window(qtbot, lab: tuple[Settings, Path, Path]) -> Iterator[FileListWindow]:  # type: ignore[no-untyped-def]
    win = FileListWindow(lab[0])
    qtbot.addWidget(win)
    qtbot.waitSignal(win.loaded, timeout=TIMEOUT).wait()
    yield win
    win.close()


def rows_by_path(win: FileListWindow) -> dict[str, int]:
    return {win.model.status_at(r).rel_path: r for r in range(win.model.rowCount())}


def status_of(win: FileListWindow, rel_path: str) -> str:
    return win.model.index(rows_by_path(win)[rel_path], STATUS_COLUMN).data()


def select(win: FileListWindow, *rel_paths: str) -> None:
    win.view.clearSelection()
    rows = rows_by_path(win)
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for path in rel_paths:
        win.view.selectionModel().select(win.model.index(rows[path], 0), flags)


def test_every_selected_file_is_listed_with_its_state_and_why(window: FileListWindow) -> None:
    assert sorted(rows_by_path(window)) == [
        "Clash.res",
        "clash.res",
        "copied.res",
        "growing.res",
        "live.res",
        "locked.res",
        "new.res",
        "sub/deep.res",
    ]
    now = datetime.now()
    assert status_of(window, "copied.res") == f"Copied ✓ {now:%H:%M}"
    assert status_of(window, "live.res") == f"Live copy {now:%H:%M} — still being written"
    assert status_of(window, "growing.res").startswith("Waiting: still being written — modified ")
    assert status_of(window, "sub/deep.res") == f"Copied ✓ {now:%H:%M}"
    assert status_of(window, "clash.res").startswith("Failed: ")
    assert "differs only by case from Clash.res" in status_of(window, "clash.res")
    assert status_of(window, "locked.res") == "Locked – never copy"
    assert status_of(window, "new.res") == "Not copied yet"  # never copied, still listed
    assert window.summary.text() == (
        "8 files · 3 copied · 1 failing · 1 being written · 1 with a live copy · "
        "1 not copied yet · 1 locked"
    )
    assert [c.title for c in COLUMNS][:2] == ["File", "Status"]  # the why needs no scrolling


def test_needs_attention_in_one_click(qtbot, window: FileListWindow) -> None:  # type: ignore[no-untyped-def]
    assert window.attention_button.text() == "Needs attention (4)"
    window.attention_button.click()
    assert sorted(rows_by_path(window)) == ["clash.res", "growing.res", "live.res", "new.res"]
    assert window.count_label.text() == "4 of 8"
    window.view.sortByColumn(STATUS_COLUMN, Qt.SortOrder.AscendingOrder)
    assert window.model.status_at(0).kind is FileStatusKind.FAILED  # the most urgent first
    window.attention_button.click()
    assert window.model.rowCount() == 8


def test_full_paths_are_shown_copied_and_opened(  # type: ignore[no-untyped-def]
    qtbot, window: FileListWindow, lab: tuple[Settings, Path, Path]
) -> None:
    _settings, src, dst = lab
    select(window, "sub/deep.res")
    assert window.details.text() == (
        f"Source: {src / 'sub' / 'deep.res'}\nDestination: {dst / 'sub' / 'deep.res'}"
    )
    row = rows_by_path(window)["sub/deep.res"]
    assert window.model.index(row, 6).data() == str(src / "sub" / "deep.res")
    actions = {a.text(): a for a in window.context_menu().actions() if a.text()}
    actions["Copy path"].trigger()
    assert QApplication.clipboard().text() == str(src / "sub" / "deep.res")
    actions["Copy destination path"].trigger()
    assert QApplication.clipboard().text() == str(dst / "sub" / "deep.res")

    class Opener(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.urls: list[QUrl] = []

        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            self.urls.append(url)

    opener = Opener()
    QDesktopServices.setUrlHandler("file", opener, "open")
    try:
        actions["Open file location"].trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in opener.urls] == [str(src / "sub")]


def test_codes_stay_editable_and_reach_the_next_run(  # type: ignore[no-untyped-def]
    qtbot, window: FileListWindow, lab: tuple[Settings, Path, Path]
) -> None:
    settings, _src, dst = lab
    select(window, "new.res", "copied.res")
    actions = {a.text(): a for a in window.context_menu().actions() if a.text()}
    assert set(actions) == {
        "Lock – never copy (2)",
        "Unlock",
        "Copy again at next run",
        "Open file location",
        "Copy path",
        "Copy destination path",
    }
    with qtbot.waitSignal(window.loaded, timeout=TIMEOUT):
        actions["Lock – never copy (2)"].trigger()
    assert status_of(window, "new.res") == "Locked – never copy"
    with FileListStore(settings.db_path) as store:
        assert store.get("new.res").code is FileCode.LOCKED  # type: ignore[union-attr]
    select(window, "new.res")
    with qtbot.waitSignal(window.loaded, timeout=TIMEOUT):
        window.unlock_selected()  # never copied: copied at the next run
    assert status_of(window, "new.res") == "Marked to copy"

    window.show()  # the Code cell's combo box, as a technician uses it
    index = window.model.index(rows_by_path(window)["locked.res"], CODE_COLUMN)
    window.view.edit(index)
    combo = window.view.indexWidget(index)
    assert isinstance(combo, QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == [c.label for c in FileCode]
    with qtbot.waitSignal(window.loaded, timeout=TIMEOUT):
        combo.setCurrentIndex(combo.findData(int(FileCode.COPY)))
        combo.activated.emit(combo.currentIndex())
    sync(settings)
    assert (dst / "locked.res").read_text() == "not for the server"
    assert (dst / "new.res").exists()
    with qtbot.waitSignal(window.loaded, timeout=TIMEOUT):
        window.refresh()  # as the tray does after a run
    assert status_of(window, "locked.res").startswith("Copied ✓")
    assert window.model.index(rows_by_path(window)["locked.res"], CODE_COLUMN).data() == (
        "copy if changed"
    )


def test_loading_happens_off_the_gui_thread_and_keeps_the_selection(  # type: ignore[no-untyped-def]
    qtbot, lab: tuple[Settings, Path, Path]
) -> None:
    settings, src, _dst = lab
    for i in range(300):
        write(src / "many" / f"cell_{i:03d}.res", f"{i}")
    win = FileListWindow(settings)
    qtbot.addWidget(win)
    assert win.model.total == 0  # the constructor returned before anything was read
    assert win.count_label.text() == "Loading…"
    job = win.job
    assert job is not None and job.thread is not threading.current_thread()
    qtbot.waitSignal(win.loaded, timeout=TIMEOUT).wait()
    assert win.model.total == 308
    select(win, "many/cell_150.res")
    win.view.setCurrentIndex(win.model.index(rows_by_path(win)["many/cell_150.res"], 0))
    write(src / "many" / "cell_000a.res", "one more, sorted before the selected row")
    with qtbot.waitSignal(win.loaded, timeout=TIMEOUT):
        win.refresh()
    assert [s.rel_path for s in win.selected_statuses()] == ["many/cell_150.res"]
    win.close()


def test_cells_are_plain_words() -> None:
    from oeleo_gui.engine.file_status import FileStatus

    now = datetime(2026, 11, 24, 14, 30)
    held = FileStatus(
        rel_path="a.res",
        kind=FileStatusKind.HELD_OPEN,
        reason="held open by another program since 13:10",
        since=datetime(2026, 11, 24, 13, 10),
        last_copied=None,
        size=2048,
        code=None,
        source_path="C:\\Data\\a.res",
        destination="\\\\server\\lab\\a.res",
    )
    assert cell_text(held, STATUS_COLUMN, now) == "Held open since 13:10"
    assert cell_text(held, 4, now) == "2.0 KB"
    assert cell_text(held, CODE_COLUMN, now) == ""  # no row in the database yet
