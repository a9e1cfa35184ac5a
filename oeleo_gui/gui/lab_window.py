"""The lab overview in a window: the same table as `oeleo-gui lab` and the web page, for a lab
manager who runs oeleo-gui on their own PC (the tray's *Lab overview…*).

The window only displays: the overview is read off the GUI thread (`lab_menu.LabReader`) and
handed to `show_overview`. Every value from a status record is shown as plain text (table items,
a plain-text details pane, labels forced to plain text), never interpreted as markup.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from oeleo_gui.engine.lab.overview import (
    FileNote,
    InstrumentRow,
    LabOverview,
    Verdict,
    ago,
    duration_words,
)

COLUMNS = (
    ("name", "Instrument"),
    ("verdict", "Verdict"),
    ("last_success", "Last successful run"),
    ("not_copied", "Not copied"),
    ("oldest_unsynced", "Oldest unsynced"),
    ("reason", "Reason"),
)
AUTO_REFRESH_MS = 60_000
# Background and text colours per verdict, as on the web page; the words carry the meaning.
COLOURS = {
    Verdict.SAFE: ("#d8f3dc", "#0b5d1e"),
    Verdict.BEHIND: ("#fff0bf", "#5c4300"),
    Verdict.ERROR: ("#fbd4d4", "#8a1010"),
    Verdict.SILENT: ("#e6e1f7", "#3b2a7a"),
    Verdict.UNREADABLE: ("#ececec", "#333333"),
}
KEY_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


class _SortableItem(QTableWidgetItem):
    """Sorts by a value of its own (severity, a time, a number) instead of its words."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(SORT_ROLE), other.data(SORT_ROLE)
        if mine is None or theirs is None:
            return super().__lt__(other)
        return bool(mine < theirs)


def sort_values(row: InstrumentRow) -> dict[str, object]:
    """What each column sorts by: the verdict by severity, times by age, counts as numbers."""
    oldest = row.oldest_unsynced.since if row.oldest_unsynced else None
    return {
        "name": row.name.casefold(),
        "verdict": row.verdict.severity,
        "last_success": row.last_success.timestamp() if row.last_success else float("-inf"),
        "not_copied": row.files_not_copied,
        "oldest_unsynced": oldest.timestamp() if oldest else float("inf"),
        "reason": row.reason.casefold(),
    }


def details_text(row: InstrumentRow) -> str:
    """Everything the record says about one instrument, as plain text."""

    def when(moment: datetime | None) -> str:
        return f"{moment.astimezone():%Y-%m-%d %H:%M}" if moment is not None else "never"

    def files(notes: tuple[FileNote, ...]) -> list[str]:
        lines = []
        for note in notes:
            since = f" (since {when(note.since)})" if note.since else ""
            lines.append(f"  • {note.path}" + (f" — {note.reason}" if note.reason else "") + since)
        return lines or ["  none"]

    counts = row.counts
    lines = [f"{row.name}: {row.verdict.label}", "", "Why:"]
    lines += [f"  • {reason}" for reason in (row.reasons or (row.reason,))]
    lines += ["", f"{row.not_copied_text}."]
    waiting = counts.get("waiting", 0) + counts.get("live", 0)
    lines += ["", f"Being written, held open or live ({waiting}):", *files(row.waiting + row.live)]
    lines += ["", f"Failing ({counts.get('failed', 0)}):", *files(row.failed)]
    lines += [
        "",
        f"Computer: {row.computer or '—'}   oeleo-gui {row.app_version or '—'}",
        f"Record written: {when(row.written_at)} ({ago(row.written_at, row.checked_at)})   "
        f"runs every {duration_words(row.interval_seconds)}",
        f"Last run: {when(row.last_run)}   last successful run: {when(row.last_success)}   "
        f"next run: {when(row.next_run) if row.next_run else 'none scheduled'}",
        f"Files matched / copied / locked: {counts.get('matched', 0)} / "
        f"{counts.get('copied', 0)} / {counts.get('locked', 0)}",
        f"Status folder: {row.location}",
    ]
    lines += [f"{label}: {value}" for label, value in row.settings]
    return "\n".join(lines)


def summary_text(overview: LabOverview) -> str:
    if not overview.rows:
        return "No instrument has written a status record yet."
    counts: dict[str, int] = {}
    for row in overview.rows:
        counts[row.verdict.label] = counts.get(row.verdict.label, 0) + 1
    parts = ", ".join(f"{n} {label}" for label, n in counts.items())
    head = "All safe" if overview.all_safe else "Not all safe"
    return f"{head}: {len(overview.rows)} instruments ({parts})."


class LabWindow(QWidget):
    """The table, a details pane for the selected instrument, and Refresh."""

    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Lab overview — oeleo-gui")
        self.resize(1000, 560)
        self.rows: dict[str, InstrumentRow] = {}
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.summary = _plain_label(self, "Reading the status records…")
        font = QFont(self.summary.font())
        font.setBold(True)
        self.summary.setFont(font)
        top.addWidget(self.summary, 1)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.clicked.connect(self.refresh_requested.emit)
        top.addWidget(self.refresh_button)
        layout.addLayout(top)
        self.checked = _plain_label(self, "")
        layout.addWidget(self.checked)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.table = QTableWidget(0, len(COLUMNS), splitter)
        self.table.setObjectName("lab_table")
        self.table.setHorizontalHeaderLabels([title for _, title in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setSortIndicator(1, Qt.SortOrder.AscendingOrder)  # worst first, as read
        self.table.itemSelectionChanged.connect(self._on_table_item_selection_changed)
        self.details = QPlainTextEdit(splitter)
        self.details.setObjectName("lab_details")
        self.details.setReadOnly(True)
        self.details.setPlaceholderText("Choose an instrument for its details.")
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self.problems = _plain_label(self, "")
        self.problems.setStyleSheet("color: #8a1010")
        self.problems.setVisible(False)
        layout.addWidget(self.problems)
        self._timer = QTimer(self)
        self._timer.setInterval(AUTO_REFRESH_MS)
        self._timer.timeout.connect(self.refresh_requested.emit)

    def showEvent(self, event: object) -> None:
        self._timer.start()
        super().showEvent(event)  # type: ignore[arg-type]

    def hideEvent(self, event: object) -> None:
        self._timer.stop()
        super().hideEvent(event)  # type: ignore[arg-type]

    def show_overview(self, overview: LabOverview) -> None:
        """Show a freshly read overview, keeping the selected instrument selected."""
        selected = self.selected_key()
        self.rows = {f"{row.location}\0{row.key}": row for row in overview.rows}
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(overview.rows))
        for r, (key, row) in enumerate(self.rows.items()):
            cells, values = row.cells(), sort_values(row)
            background, foreground = COLOURS[row.verdict]
            for c, (column, _) in enumerate(COLUMNS):
                item = _SortableItem(cells[column])
                item.setData(KEY_ROLE, key)
                item.setData(SORT_ROLE, values[column])
                if column == "verdict":
                    item.setBackground(QBrush(QColor(background)))
                    item.setForeground(QBrush(QColor(foreground)))
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                if column == "not_copied":
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(r, c, item)
        self.table.setSortingEnabled(True)
        self.summary.setText(summary_text(overview))
        self.checked.setText(
            f"Checked {overview.checked_at.astimezone():%Y-%m-%d %H:%M:%S} · "
            + " · ".join(overview.locations)
        )
        self.problems.setText("\n".join(f"Could not read: {p}" for p in overview.problems))
        self.problems.setVisible(bool(overview.problems))
        self.select(selected)

    def selected_key(self) -> str | None:
        items = self.table.selectedItems()
        return str(items[0].data(KEY_ROLE)) if items else None

    def select(self, key: str | None) -> None:
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if key is not None and item is not None and item.data(KEY_ROLE) == key:
                self.table.selectRow(r)
                return
        self.details.setPlainText("")

    def _on_table_item_selection_changed(self) -> None:
        key = self.selected_key()
        row = self.rows.get(key) if key else None
        self.details.setPlainText(details_text(row) if row is not None else "")


def _plain_label(parent: QWidget, text: str) -> QLabel:
    """A label that never reads its text as markup (Qt guesses rich text otherwise)."""
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
