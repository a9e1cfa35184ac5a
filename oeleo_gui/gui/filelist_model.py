"""The File list's table: every file the settings select, in a plain state, with why.

`FileStatusModel` shows the engine's `FileStatus` records (`engine.status.file_statuses`: each
selected file, copied or not, and the database rows of files no longer selected), loaded in the
background by the window. Filtering (text, "needs attention", one state) and sorting happen on
the list in memory: the view only draws what is visible, so 100 000 rows stay smooth. The words
come from pure functions (`status_text`, `cell_text`), tested without a display. A code change
is written at once through `FileListStore.set_code` (WAL: safe while a run writes), and the row
shows it before the next load says what it means.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
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
from PySide6.QtGui import QColor

from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.errors import BookkeepingError
from oeleo_gui.engine.events import FileCode
from oeleo_gui.engine.file_status import FileStatus, FileStatusKind
from oeleo_gui.engine.units import format_size, when_text
from oeleo_gui.gui.tray_view import format_count

log = logging.getLogger(__name__)

ModelIndex = QModelIndex | QPersistentModelIndex

# Most urgent first: the order of "sort by status" and of the state filter's choices.
KIND_ORDER = (
    FileStatusKind.FAILED,
    FileStatusKind.HELD_OPEN,
    FileStatusKind.WAITING,
    FileStatusKind.LIVE,
    FileStatusKind.NOT_COPIED,
    FileStatusKind.CHANGED,
    FileStatusKind.MARKED,
    FileStatusKind.COPIED,
    FileStatusKind.LOCKED,
    FileStatusKind.GONE,
)
_RANK = {k: i for i, k in enumerate(KIND_ORDER)}
_COLORS = {
    FileStatusKind.FAILED: "#c62828",
    FileStatusKind.HELD_OPEN: "#ef6c00",
    FileStatusKind.WAITING: "#f9a825",
    FileStatusKind.LIVE: "#f9a825",
    FileStatusKind.NOT_COPIED: "#1565c0",
    FileStatusKind.CHANGED: "#1565c0",
    FileStatusKind.MARKED: "#1565c0",
    FileStatusKind.COPIED: "#2e7d32",
    FileStatusKind.LOCKED: "#757575",
    FileStatusKind.GONE: "#bdbdbd",
}


def needs_attention(status: FileStatus) -> bool:
    """Not at the destination in its current version, and not locked by hand."""
    return not status.kind.is_safe


def status_text(s: FileStatus, now: datetime) -> str:
    """The plain state, and why when the state alone does not say it."""
    kind = s.kind
    if kind is FileStatusKind.COPIED:
        return f"Copied ✓ {when_text(s.last_copied, now)}" if s.last_copied else "Copied ✓"
    if kind is FileStatusKind.FAILED:
        return f"Failed: {s.reason}"
    if kind is FileStatusKind.LIVE:
        return f"Live copy {when_text(s.since, now)} — still being written"
    if kind is FileStatusKind.HELD_OPEN:
        held = f"Held open since {when_text(s.since, now)}"
        return held if not s.reason or s.reason.startswith("held open") else f"{held} — {s.reason}"
    if kind in (FileStatusKind.WAITING, FileStatusKind.GONE) and s.reason:
        return f"{kind.label} — {s.reason}"
    return kind.label


def summary_text(counts: dict[FileStatusKind, int]) -> str:
    """'1 234 files · 1 230 copied · 2 being written · 1 failing · …' (only what is there)."""
    selected = sum(n for k, n in counts.items() if k is not FileStatusKind.GONE)
    parts = [f"{format_count(selected)} file{'' if selected == 1 else 's'}"]
    words = (
        (FileStatusKind.COPIED, "copied"),
        (FileStatusKind.FAILED, "failing"),
        (FileStatusKind.HELD_OPEN, "held open"),
        (FileStatusKind.WAITING, "being written"),
        (FileStatusKind.LIVE, "with a live copy"),
        (FileStatusKind.NOT_COPIED, "not copied yet"),
        (FileStatusKind.CHANGED, "changed"),
        (FileStatusKind.MARKED, "to copy again"),
        (FileStatusKind.LOCKED, "locked"),
    )
    parts += [f"{format_count(counts[k])} {word}" for k, word in words if counts.get(k)]
    if counts.get(FileStatusKind.GONE):
        parts.append(f"and {format_count(counts[FileStatusKind.GONE])} no longer in the source")
    return " · ".join(parts)


def _code_text(s: FileStatus) -> str:
    return s.code.label if s.code is not None else ""


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    text: Callable[[FileStatus, datetime], str]
    sort_key: Callable[[FileStatus], Any]


COLUMNS = (
    Column("File", lambda s, _n: s.rel_path, lambda s: s.rel_path.lower()),
    Column("Status", status_text, lambda s: (_RANK[s.kind], s.rel_path.lower())),
    Column(
        "Since",
        lambda s, n: when_text(s.since, n) if s.since else "",
        lambda s: s.since or datetime.max,
    ),
    Column(
        "Last copied",
        lambda s, n: when_text(s.last_copied, n) if s.last_copied else "",
        lambda s: s.last_copied or datetime.min,
    ),
    Column("Size", lambda s, _n: format_size(s.size), lambda s: s.size or 0),
    Column("Code", lambda s, _n: _code_text(s), lambda s: -1 if s.code is None else int(s.code)),
    Column("Source path", lambda s, _n: s.source_path, lambda s: s.source_path.lower()),
    Column("Destination path", lambda s, _n: s.destination, lambda s: s.destination.lower()),
)
STATUS_COLUMN = 1
SIZE_COLUMN = 4
CODE_COLUMN = 5


def cell_text(s: FileStatus, column: int, now: datetime) -> str:
    """What the table shows for one cell (a pure function, tested without a display)."""
    return COLUMNS[column].text(s, now)


class FileStatusModel(QAbstractTableModel):
    """The loaded statuses, filtered and sorted in memory; codes editable in the Code column."""

    write_failed = Signal(str)  # a sentence for the technician
    codes_changed = Signal(int)  # number of rows written

    def __init__(
        self,
        store: Callable[[], FileListStore],
        parent: QObject | None = None,
        *,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._clock = clock
        self._now = clock()
        self._all: list[FileStatus] = []
        self._counts: dict[FileStatusKind, int] | None = None
        self._shown: list[FileStatus] = []
        self._text = ""
        self._attention_only = False
        self._kind: FileStatusKind | None = None
        self._sort_column = 0
        self._descending = False

    # --- contents --------------------------------------------------------------------------------
    def set_statuses(self, statuses: Sequence[FileStatus]) -> None:
        """Show a freshly loaded list (filter and sort kept)."""
        self.beginResetModel()
        self._now = self._clock()
        self._all = list(statuses)
        self._counts = None
        self._apply()
        self.endResetModel()

    def set_filter(
        self,
        text: str = "",
        *,
        attention_only: bool = False,
        kind: FileStatusKind | None = None,
    ) -> None:
        self.beginResetModel()
        self._text = text.strip().lower()
        self._attention_only = attention_only
        self._kind = kind
        self._apply()
        self.endResetModel()

    def _apply(self) -> None:
        rows = self._all
        if self._attention_only:
            rows = [s for s in rows if needs_attention(s)]
        if self._kind is not None:
            rows = [s for s in rows if s.kind is self._kind]
        if self._text:
            text = self._text
            rows = [s for s in rows if text in s.rel_path.lower() or text in s.destination.lower()]
        key = COLUMNS[self._sort_column].sort_key
        self._shown = sorted(rows, key=key, reverse=self._descending)

    @property
    def total(self) -> int:
        """Every loaded file, before filtering."""
        return len(self._all)

    def counts(self) -> dict[FileStatusKind, int]:
        """How many loaded files are in each state (counted once per load or change)."""
        if self._counts is None:
            counted = Counter(s.kind for s in self._all)
            self._counts = {k: counted.get(k, 0) for k in FileStatusKind}
        return self._counts

    def attention_count(self) -> int:
        return sum(n for k, n in self.counts().items() if not k.is_safe)

    def status_at(self, row: int) -> FileStatus:
        return self._shown[row]

    def row_of(self, rel_path: str) -> int | None:
        return next((i for i, s in enumerate(self._shown) if s.rel_path == rel_path), None)

    # --- Qt model API ----------------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._shown):
            return None
        s = self._shown[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(s, column, self._now)
        if role == Qt.ItemDataRole.EditRole and column == CODE_COLUMN:
            return int(s.code) if s.code is not None else int(FileCode.COPY)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == CODE_COLUMN:
                return "Double-click to change what the next run does with this file."
            return cell_text(s, column, self._now) or None
        if role == Qt.ItemDataRole.DecorationRole and column == STATUS_COLUMN:
            return QColor(_COLORS[s.kind])
        if role == Qt.ItemDataRole.TextAlignmentRole and column == SIZE_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return s
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == CODE_COLUMN:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != CODE_COLUMN:
            return False
        try:
            code = FileCode(int(value))
        except (TypeError, ValueError):
            return False
        return self.set_codes([index.row()], code) > 0

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self._sort_column = column
        self._descending = order == Qt.SortOrder.DescendingOrder
        self._apply()
        self.layoutChanged.emit()

    # --- editing ---------------------------------------------------------------------------------
    def set_codes(self, rows: Sequence[int], code: FileCode) -> int:
        """Write `code` for these rows at once; returns how many were written (0 on failure)."""
        targets = sorted({r for r in rows if 0 <= r < len(self._shown)})
        if not targets:
            return 0
        paths = [self._shown[r].rel_path for r in targets]
        try:
            written = self._store().set_code(paths, code)
        except (pw.OperationalError, sqlite3.OperationalError, BookkeepingError) as exc:
            log.warning("Could not change the code of %d file(s): %s", len(paths), exc)
            self.write_failed.emit(
                "The change could not be saved because the database is busy. Nothing was "
                "changed; try again in a moment."
            )
            return 0
        log.info("Set %d file(s) to %r", written, code.label)
        changed = {self._shown[r].rel_path: self._with_code(self._shown[r], code) for r in targets}
        self._all = [changed.get(s.rel_path, s) for s in self._all]
        self._counts = None
        for r in targets:
            self._shown[r] = changed[self._shown[r].rel_path]
        last = len(COLUMNS) - 1
        self.dataChanged.emit(self.index(targets[0], 0), self.index(targets[-1], last))
        self.codes_changed.emit(written)
        return written

    @staticmethod
    def _with_code(s: FileStatus, code: FileCode) -> FileStatus:
        """The row as it reads until the next load says what the new code means."""
        if code is FileCode.LOCKED:
            return replace(
                s, code=code, kind=FileStatusKind.LOCKED, reason="locked by hand", since=None
            )
        if s.kind is FileStatusKind.LOCKED:
            kind = FileStatusKind.MARKED if code is FileCode.COPY else FileStatusKind.CHANGED
            return replace(s, code=code, kind=kind, reason="unlocked")
        if code is FileCode.COPY and s.kind is FileStatusKind.COPIED:
            return replace(s, code=code, kind=FileStatusKind.MARKED, reason="copy again")
        return replace(s, code=code)
