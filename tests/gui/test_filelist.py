"""FileListWindow: batches over SQL, sorting and filters, code edits that reach the database and
the next sync, and a table that stays correct while a sync writes rows."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QComboBox

from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.events import FileCode, FileResult, NullReporter, Outcome
from oeleo_gui.engine.settings.config import Settings, settings_from_values
from oeleo_gui.engine.worker import Engine
from oeleo_gui.gui.filelist_model import BATCH_SIZE, COLUMNS, STATUS_COLUMN, cell_text
from oeleo_gui.gui.filelist_window import FileListWindow

BIG = 100_000


def _bulk_insert(db_path: Path, n: int) -> None:
    FileListStore(db_path).close()  # create and migrate the schema
    now = datetime(2024, 5, 1, 12, 0).isoformat(sep=" ")
    rows = (
        (
            f"run{i // 1000:03d}/cell_{i:06d}.res",
            i % 3,
            f"{i:032x}",
            f"/srv/data/run{i // 1000:03d}/cell_{i:06d}.res",
            now,
            i * 10,
            i,
            now,
            "disk full" if i % 997 == 0 else None,
        )
        for i in range(n)
    )
    with sqlite3.connect(db_path) as con:
        con.executemany(
            "INSERT INTO filelist (local_name, code, checksum, external_name, processed_date,"
            " size, mtime_ns, last_copied, last_error) VALUES (?,?,?,?,?,?,?,?,?)",
            rows,
        )
    con.close()


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "files.db"
    _bulk_insert(path, BIG)
    return path


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    path = tmp_path / "small.db"
    _bulk_insert(path, 30)
    return path


def codes_in(db_path: Path) -> dict[str, int]:
    con = sqlite3.connect(db_path)
    try:
        return dict(con.execute("SELECT local_name, code FROM filelist").fetchall())
    finally:
        con.close()


@pytest.fixture
def window(qtbot, small_db: Path) -> Iterator[FileListWindow]:  # type: ignore[no-untyped-def]
    win = FileListWindow(small_db, source_dir=Path("/instrument/data"))
    qtbot.addWidget(win)
    yield win
    win.store.close()


def test_100k_rows_are_fetched_in_batches(qtbot, big_db: Path) -> None:  # type: ignore[no-untyped-def]
    win = FileListWindow(big_db)
    qtbot.addWidget(win)
    model = win.model
    assert model.total == BIG
    assert model.rowCount() == BATCH_SIZE
    assert model.canFetchMore()
    win.view.scrollToBottom()  # the view asks for the next batch itself
    qtbot.waitUntil(lambda: model.rowCount() == 2 * BATCH_SIZE)
    # Sorting is done by SQL over all rows, not over the loaded ones.
    win.view.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    assert model.rowCount() == BATCH_SIZE
    assert model.row_at(0).size == (BIG - 1) * 10
    win.status_filter.setCurrentIndex(win.status_filter.findData(int(FileCode.LOCKED)))
    assert model.total == len(range(2, BIG, 3))
    assert all(model.row_at(r).code is FileCode.LOCKED for r in range(model.rowCount()))
    win.filter_edit.setText("cell_09999")
    win.apply_filter()
    assert {model.row_at(r).rel_path for r in range(model.rowCount())} == {
        "run099/cell_099992.res",
        "run099/cell_099995.res",
        "run099/cell_099998.res",
    }
    assert win.count_label.text() == "3 file(s)"
    win.store.close()


def test_columns_show_words_not_codes(window: FileListWindow) -> None:
    model = window.model
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))] == [
        "File",
        "Status",
        "Last copied",
        "Size",
        "Checksum (MD5)",
        "Destination path",
        "Last error",
    ]
    row = model.row_at(2)
    assert cell_text(row, STATUS_COLUMN) == "locked – never copy"
    assert model.index(2, 2).data() == "2024-05-01 12:00:00"
    assert model.index(0, 6).data() == "disk full"


def test_combo_in_the_cell_writes_at_once(qtbot, window: FileListWindow, small_db: Path) -> None:  # type: ignore[no-untyped-def]
    window.show()
    index = window.model.index(0, STATUS_COLUMN)
    rel_path = window.model.row_at(0).rel_path
    window.view.edit(index)
    combo = window.view.indexWidget(index)
    assert isinstance(combo, QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == [c.label for c in FileCode]
    combo.setCurrentIndex(combo.findData(int(FileCode.LOCKED)))
    combo.activated.emit(combo.currentIndex())
    assert codes_in(small_db)[rel_path] == FileCode.LOCKED
    assert index.data() == "locked – never copy"
    # It survives a restart: a new window on the same database sees it.
    again = FileListWindow(small_db)
    qtbot.addWidget(again)
    assert again.model.row_at(0).code is FileCode.LOCKED
    again.store.close()


def test_context_menu_changes_many_rows(window: FileListWindow, small_db: Path) -> None:
    selection = window.view.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in (0, 1, 4):
        selection.select(window.model.index(row, 0), flags)
    paths = [window.model.row_at(r).rel_path for r in (0, 1, 4)]
    actions = {a.text(): a for a in window.context_menu().actions() if a.text()}
    assert set(actions) == {
        "Lock – never copy (3)",
        "Unlock",
        "Copy again at next run",
        "Open file location",
        "Copy path",
    }
    actions["Lock – never copy (3)"].trigger()
    assert [codes_in(small_db)[p] for p in paths] == [2, 2, 2]
    actions["Copy again at next run"].trigger()
    assert [codes_in(small_db)[p] for p in paths] == [0, 0, 0]
    actions["Lock – never copy (3)"].trigger()
    actions["Unlock"].trigger()  # copied before (has a checksum): copy again only if changed
    assert [codes_in(small_db)[p] for p in paths] == [1, 1, 1]
    actions["Copy path"].trigger()
    assert QApplication.clipboard().text().splitlines() == [
        str(Path("/instrument/data", *p.split("/"))) for p in paths
    ]


# --- with the real engine ------------------------------------------------------------------------
@pytest.fixture
def engine_setup(tmp_path: Path) -> tuple[Settings, Path, Path]:
    source, dest = tmp_path / "src", tmp_path / "dst"
    source.mkdir()
    dest.mkdir()
    for i in range(40):
        (source / f"cell_{i:02d}.res").write_bytes(b"v1 %d" % i)
    values = {
        "OELEO_BASE_DIR_FROM": str(source),
        "OELEO_FILTER_EXTENSION": ".res",
        "OELEO_BASE_DIR_TO": str(dest),
        "OELEO_DB_NAME": str(tmp_path / "files.db"),
        "OELEO_SETTLE_SECONDS": "0",
        "OA_FROM_YEAR": "0",
    }
    settings = settings_from_values(values, tmp_path / ".env")
    return settings, source, dest


def _sync(settings: Settings, reporter: NullReporter | None = None) -> None:
    engine = Engine(settings)
    try:
        summary = engine.sync(reporter)
    finally:
        engine.close()
    assert not summary.error, summary.error


def test_a_lock_set_in_the_table_is_honoured_by_the_next_sync(  # type: ignore[no-untyped-def]
    qtbot, engine_setup: tuple[Settings, Path, Path]
) -> None:
    settings, source, dest = engine_setup
    _sync(settings)
    win = FileListWindow(settings.db_path, source_dir=source)
    qtbot.addWidget(win)
    assert win.model.total == 40
    row = next(
        r for r in range(win.model.rowCount()) if win.model.row_at(r).rel_path == "cell_07.res"
    )
    assert win.model.setData(win.model.index(row, STATUS_COLUMN), int(FileCode.LOCKED))
    again = next(
        r for r in range(win.model.rowCount()) if win.model.row_at(r).rel_path == "cell_08.res"
    )
    assert win.model.setData(win.model.index(again, STATUS_COLUMN), int(FileCode.COPY))
    for name in ("cell_07.res", "cell_09.res"):
        (source / name).write_bytes(b"v2 changed")
    _sync(settings)
    assert (dest / "cell_07.res").read_bytes() == b"v1 7"  # locked: never copied
    assert (dest / "cell_09.res").read_bytes() == b"v2 changed"
    win.refresh()
    assert win.model.row_at(row).code is FileCode.LOCKED
    assert win.model.row_at(again).code is FileCode.COPY_IF_CHANGED  # copied again, as asked
    win.store.close()


class _GateReporter(NullReporter):
    """Holds the run after its first copied file until the test opens the gate."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.gate = threading.Event()

    def on_file_done(self, result: FileResult) -> None:
        if result.outcome is Outcome.COPIED and not self.reached.is_set():
            self.reached.set()
            self.gate.wait(30)


def test_table_stays_correct_while_a_sync_writes(  # type: ignore[no-untyped-def]
    qtbot, engine_setup: tuple[Settings, Path, Path]
) -> None:
    settings, source, _dest = engine_setup
    FileListStore(settings.db_path).set_code(["cell_39.res"], FileCode.COPY)  # a row exists
    win = FileListWindow(settings.db_path, source_dir=source)
    qtbot.addWidget(win)
    assert win.model.total == 1
    reporter = _GateReporter()
    run = threading.Thread(target=_sync, args=(settings, reporter), daemon=True)
    run.start()
    try:
        qtbot.waitUntil(reporter.reached.is_set, timeout=20_000)
        # Mid-run: the GUI reads and writes without "database is locked".
        win.refresh()
        assert win.model.rowCount() == win.model.total
        win.view.selectRow(0)
        assert win.set_selected_codes(FileCode.LOCKED) == 1
        assert win.message.text() == "1 file(s) set to “locked – never copy”."
    finally:
        reporter.gate.set()
    qtbot.waitUntil(lambda: not run.is_alive(), timeout=30_000)
    win.refresh()
    assert win.model.total == 40
    assert win.model.rowCount() == 40
    codes = {win.model.row_at(r).rel_path: win.model.row_at(r).code for r in range(40)}
    assert codes.pop("cell_39.res") is FileCode.LOCKED  # the lock set mid-run survived
    assert set(codes.values()) == {FileCode.COPY_IF_CHANGED}
    win.store.close()
