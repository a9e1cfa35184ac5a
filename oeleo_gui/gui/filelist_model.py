"""A table model over the bookkeeping database's `filelist`, fetched in batches.

Sorting and filtering happen in SQL (`FileListStore.page`/`count`), so the view only ever holds
the rows it has scrolled to (`canFetchMore`/`fetchMore`), which keeps 100 000 rows smooth.
Editing the status column writes the code at once (`FileListStore.set_code`); the store's WAL
mode and busy timeout make that safe while a run writes. Imports the store and events only.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee as pw
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from oeleo_gui.engine.bookkeeping.store import FileListStore, FileRow
from oeleo_gui.engine.errors import BookkeepingError
from oeleo_gui.engine.events import FileCode
from oeleo_gui.engine.units import format_size

log = logging.getLogger(__name__)

BATCH_SIZE = 500
ModelIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    sort_key: str  # a `store.SORTABLE_COLUMNS` name


COLUMNS = (
    Column("File", "local_name"),
    Column("Status", "code"),
    Column("Last copied", "last_copied"),
    Column("Size", "size"),
    Column("Checksum (MD5)", "checksum"),
    Column("Destination path", "external_name"),
    Column("Last error", "last_error"),
)
STATUS_COLUMN = 1


def format_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def cell_text(row: FileRow, column: int) -> str:
    """What the table shows for one cell (a pure function, tested without a display)."""
    if column == 0:
        return row.rel_path
    if column == STATUS_COLUMN:
        return row.code.label
    if column == 2:
        return format_time(row.last_copied)
    if column == 3:
        return format_size(row.size)
    if column == 4:
        return row.checksum or ""
    if column == 5:
        return row.external_name or ""
    return row.last_error or ""


class FileListModel(QAbstractTableModel):
    """Rows of `store`, sorted/filtered in SQL, loaded `BATCH_SIZE` at a time."""

    write_failed = Signal(str)  # a sentence for the technician
    codes_changed = Signal(int)  # number of rows written

    def __init__(self, store: FileListStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._rows: list[FileRow] = []
        self._total = 0
        self._order_by = "local_name"
        self._descending = False
        self._text = ""
        self._code: FileCode | None = None
        self.reload()

    # --- loading ---------------------------------------------------------------------------------
    def _page(self, offset: int, limit: int) -> list[FileRow]:
        return self.store.page(
            offset,
            limit,
            order_by=self._order_by,
            descending=self._descending,
            text=self._text,
            code=self._code,
        )

    def reload(self) -> None:
        """Start again from the first batch (after a new sort or filter)."""
        self.beginResetModel()
        self._total = self.store.count(self._text, self._code)
        self._rows = self._page(0, BATCH_SIZE)
        self.endResetModel()

    def refresh(self) -> None:
        """Re-read the rows already shown (after a run), keeping selection and scroll if it can."""
        total = self.store.count(self._text, self._code)
        fresh = self._page(0, max(len(self._rows), BATCH_SIZE))
        same_rows = [r.id for r in fresh[: len(self._rows)]] == [r.id for r in self._rows]
        if same_rows and len(fresh) >= len(self._rows):
            self._total = total
            old_count = len(self._rows)
            self._rows[:old_count] = fresh[:old_count]
            if old_count:
                last = self.index(old_count - 1, len(COLUMNS) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self._total = total
        self._rows = fresh
        self.endResetModel()

    @property
    def total(self) -> int:
        """Rows matching the filter in the database (not only those fetched)."""
        return self._total

    def canFetchMore(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: ModelIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        batch = self._page(len(self._rows), BATCH_SIZE)
        if not batch:
            self._total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(batch) - 1)
        self._rows.extend(batch)
        self.endInsertRows()

    def set_filter(self, text: str = "", code: FileCode | None = None) -> None:
        self._text, self._code = text.strip(), code
        self.reload()

    # --- Qt model API ----------------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        return None

    def row_at(self, row: int) -> FileRow:
        return self._rows[row]

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(row, column)
        if role == Qt.ItemDataRole.EditRole and column == STATUS_COLUMN:
            return int(row.code)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == STATUS_COLUMN:
                return "Double-click to change what the next run does with this file."
            return cell_text(row, column) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == STATUS_COLUMN:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != STATUS_COLUMN:
            return False
        try:
            code = FileCode(int(value))
        except (TypeError, ValueError):
            return False
        return self.set_codes([index.row()], code) > 0

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._order_by = COLUMNS[column].sort_key
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    # --- editing ---------------------------------------------------------------------------------
    def set_codes(self, rows: Sequence[int], code: FileCode) -> int:
        """Write `code` for these rows at once; returns how many were written (0 on failure)."""
        targets = sorted({r for r in rows if 0 <= r < len(self._rows)})
        if not targets:
            return 0
        paths = [self._rows[r].rel_path for r in targets]
        try:
            written = self.store.set_code(paths, code)
        except (pw.OperationalError, sqlite3.OperationalError, BookkeepingError) as exc:
            log.warning("Could not change the code of %d file(s): %s", len(paths), exc)
            self.write_failed.emit(
                "The change could not be saved because the database is busy. Nothing was "
                "changed; try again in a moment."
            )
            return 0
        log.info("Set %d file(s) to %r", written, code.label)
        for r in targets:
            self._rows[r] = self._rows[r]._replace(code=code)
            self.dataChanged.emit(self.index(r, STATUS_COLUMN), self.index(r, STATUS_COLUMN))
        self.codes_changed.emit(written)
        return written
