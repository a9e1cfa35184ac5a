"""The File list window: every file the settings select and whether it is safe, in words.

A `QTableView` over `FileStatusModel`: each file's plain state and why (Copied ✓ at 14:02,
Waiting: still being written, Live copy, Held open since, Failed: the reason, Locked – never
copy, Not copied yet), its full source and destination paths, and its code. The list is loaded
in the background (`BackgroundJob` running `engine.status.file_statuses`: a scan and a read-only
look at the database), so 100 000 files never freeze the window, and it loads even while a run
copies. "Needs attention" shows in one click what is not safe. The context menu locks, unlocks
or copies again many rows at once, opens the file's folder and copies full paths. Imports the
engine's public modules only; codes are written through its own `FileListStore` (WAL).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.events import FileCode
from oeleo_gui.engine.file_status import FileStatus, FileStatusKind
from oeleo_gui.engine.settings.config import Settings
from oeleo_gui.engine.status import file_statuses
from oeleo_gui.gui.background import BackgroundJob, collector_held_off
from oeleo_gui.gui.filelist_model import CODE_COLUMN, KIND_ORDER, FileStatusModel, summary_text
from oeleo_gui.gui.tray_view import format_count

log = logging.getLogger(__name__)

FILTER_DELAY_MS = 250
ModelIndex = QModelIndex | QPersistentModelIndex
ALL, ATTENTION = "all", "attention"
COLUMN_WIDTHS = (260, 420, 90, 110, 70, 120, 360, 360)


class CodeDelegate(QStyledItemDelegate):
    """A combo box of the three codes in the Code cell; a choice is written at once."""

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: ModelIndex
    ) -> QWidget:
        combo = QComboBox(parent)
        for code in FileCode:
            combo.addItem(code.label, int(code))
        combo.activated.connect(lambda _i, c=combo: self._commit(c))
        return combo

    def _commit(self, combo: QComboBox) -> None:
        self.commitData.emit(combo)
        self.closeEditor.emit(combo, QStyledItemDelegate.EndEditHint.NoHint)

    def setEditorData(self, editor: QWidget, index: ModelIndex) -> None:
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(index.data(Qt.ItemDataRole.EditRole))))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: ModelIndex) -> None:
        current = index.data(Qt.ItemDataRole.EditRole)
        if isinstance(editor, QComboBox) and editor.currentData() != current:
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


def load_statuses(settings: Settings) -> list[FileStatus]:
    with collector_held_off():  # no GUI pauses for full collections while it builds the list
        return file_statuses(settings)


class FileListWindow(QWidget):
    """The files `settings` select, with their states; codes editable."""

    loaded = Signal()  # a (re)load is shown

    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("oeleo-gui – files")
        self.resize(1100, 600)
        self.settings = settings
        self._store: FileListStore | None = None
        self.model = FileStatusModel(self._open_store, self, clock=clock)
        self.model.write_failed.connect(self._on_model_write_failed)
        self.model.codes_changed.connect(lambda _n: self.refresh())
        self.job: BackgroundJob[list[FileStatus] | Exception] | None = None
        self._load_again = False
        self._build()
        self.refresh()

    def _open_store(self) -> FileListStore:
        if self._store is None:
            self._store = FileListStore(self.settings.db_path)
        return self._store

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        layout.addLayout(bar)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter by file or destination name…")
        self.filter_edit.setClearButtonEnabled(True)
        self.show_filter = QComboBox(self)
        self.show_filter.addItem("Every file", ALL)
        self.show_filter.addItem("Needs attention", ATTENTION)
        for kind in KIND_ORDER:
            self.show_filter.addItem(kind.label, str(kind))
        self.attention_button = QPushButton("Needs attention", self)
        self.attention_button.setCheckable(True)
        self.attention_button.setToolTip("Only the files that are not safely copied yet")
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.filter_edit.textChanged.connect(self._filter_timer.start)
        self.show_filter.currentIndexChanged.connect(self._on_show_filter_changed)
        self.attention_button.toggled.connect(self._on_attention_button_toggled)
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.attention_button)
        bar.addWidget(self.show_filter)
        self.count_label = QLabel(self)
        bar.addWidget(self.count_label)
        self.summary = QLabel(self)
        self.summary.setObjectName("filelist_summary")
        layout.addWidget(self.summary)

        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(CODE_COLUMN, CodeDelegate(self.view))
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate(COLUMN_WIDTHS):
            self.view.setColumnWidth(column, width)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_view_context_menu_requested)
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        layout.addWidget(self.view, 1)
        self.details = QLabel(self)  # the selected file's full paths, whatever the scrolling
        self.details.setObjectName("filelist_details")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        self.message = QLabel(self)
        self.message.setObjectName("filelist_message")
        layout.addWidget(self.message)

    # --- loading ---------------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        """Load the statuses again in the background (after a run, after a code change)."""
        if self.job is not None and self.job.is_pending:
            self._load_again = True  # the running load may predate what changed
            return
        settings = self.settings
        self.count_label.setText("Loading…" if not self.model.total else self.count_label.text())
        self.job = BackgroundJob(
            lambda: load_statuses(settings),
            self._on_job_done,
            on_error=lambda exc: exc,
            name="filelist-load",
        ).start()

    def _on_job_done(self, result: list[FileStatus] | Exception) -> None:
        if self._load_again:
            self._load_again = False
            QTimer.singleShot(0, self.refresh)
        if isinstance(result, Exception):
            self._say(f"The file list could not be read: {result}", error=True)
            return
        keep = {s.rel_path for s in self.selected_statuses()}
        current = self.view.currentIndex()
        current_path = self.model.status_at(current.row()).rel_path if current.isValid() else None
        scroll = self.view.verticalScrollBar().value()
        self.model.set_statuses(result)
        self._reselect(keep, current_path)
        self.view.verticalScrollBar().setValue(scroll)
        self._update_counts()
        self.loaded.emit()

    def _reselect(self, rel_paths: set[str], current: str | None) -> None:
        if not rel_paths:
            return
        selection = QItemSelection()
        for row in range(self.model.rowCount()):
            if self.model.status_at(row).rel_path in rel_paths:
                selection.select(self.model.index(row, 0), self.model.index(row, 0))
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        self.view.selectionModel().select(selection, flags)
        row = self.model.row_of(current) if current else None
        if row is not None:
            self.view.selectionModel().setCurrentIndex(
                self.model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )

    # --- filtering -------------------------------------------------------------------------------
    @Slot()
    def apply_filter(self) -> None:
        self._filter_timer.stop()
        choice = self.show_filter.currentData()
        kind = None if choice in (ALL, ATTENTION) else FileStatusKind(choice)
        self.model.set_filter(
            self.filter_edit.text(), attention_only=choice == ATTENTION, kind=kind
        )
        self._update_counts()

    @Slot(bool)
    def _on_attention_button_toggled(self, checked: bool) -> None:
        wanted = ATTENTION if checked else ALL
        if self.show_filter.currentData() != wanted:
            self.show_filter.setCurrentIndex(self.show_filter.findData(wanted))

    @Slot()
    def _on_show_filter_changed(self) -> None:
        self.attention_button.blockSignals(True)
        self.attention_button.setChecked(self.show_filter.currentData() == ATTENTION)
        self.attention_button.blockSignals(False)
        self.apply_filter()

    def _update_counts(self) -> None:
        total, shown = self.model.total, self.model.rowCount()
        self.count_label.setText(
            f"{format_count(shown)} of {format_count(total)}" if shown != total else ""
        )
        attention = self.model.attention_count()
        self.attention_button.setText(f"Needs attention ({format_count(attention)})")
        self.summary.setText(summary_text(self.model.counts()))

    # --- selection and actions -------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.view.selectionModel().selectedRows()})

    def selected_statuses(self) -> list[FileStatus]:
        return [self.model.status_at(r) for r in self.selected_rows()]

    @Slot()
    def _on_selection_changed(self) -> None:
        chosen = self.selected_statuses()
        if len(chosen) != 1:
            self.details.setText(f"{len(chosen)} files selected" if chosen else "")
            return
        s = chosen[0]
        self.details.setText(f"Source: {s.source_path}\nDestination: {s.destination}")

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)

    @Slot(str)
    def _on_model_write_failed(self, message: str) -> None:
        self._say(message, error=True)

    def set_selected_codes(self, code: FileCode) -> int:
        written = self.model.set_codes(self.selected_rows(), code)
        if written:
            self._say(f"{written} file(s) set to “{code.label}”.")
        return written

    def unlock_selected(self) -> int:
        """Unlock: files copied before are copied again only if changed; others are copied."""
        rows = self.selected_rows()
        copied = [r for r in rows if self.model.status_at(r).last_copied is not None]
        never = [r for r in rows if self.model.status_at(r).last_copied is None]
        written = self.model.set_codes(copied, FileCode.COPY_IF_CHANGED)
        written += self.model.set_codes(never, FileCode.COPY)
        if written:
            self._say(f"{written} file(s) unlocked.")
        return written

    def selected_paths(self) -> list[str]:
        """The selected files' full paths on this PC."""
        return [s.source_path for s in self.selected_statuses()]

    def copy_paths(self) -> None:
        QGuiApplication.clipboard().setText("\n".join(self.selected_paths()))

    def copy_destination_paths(self) -> None:
        QGuiApplication.clipboard().setText(
            "\n".join(s.destination for s in self.selected_statuses())
        )

    def location_to_open(self) -> Path | None:
        """The folder of the first selected file (its nearest folder that still exists)."""
        paths = self.selected_paths()
        if not paths:
            return None
        folder = Path(paths[0]).parent
        while not folder.is_dir() and folder != folder.parent:
            folder = folder.parent
        return folder

    def open_location(self) -> bool:
        folder = self.location_to_open()
        return folder is not None and QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    @Slot(object)
    def _on_view_context_menu_requested(self, pos: object) -> None:
        if not self.selected_rows():
            return
        menu = self.context_menu()
        menu.exec(self.view.viewport().mapToGlobal(pos))  # type: ignore[arg-type]

    def context_menu(self) -> QMenu:
        """The row menu (a method, so tests can trigger its actions without a popup)."""
        menu = QMenu(self)
        n = len(self.selected_rows())
        lock = QAction(f"Lock – never copy ({n})", menu)
        lock.triggered.connect(lambda: self.set_selected_codes(FileCode.LOCKED))
        unlock = QAction("Unlock", menu)
        unlock.triggered.connect(self.unlock_selected)
        again = QAction("Copy again at next run", menu)
        again.triggered.connect(lambda: self.set_selected_codes(FileCode.COPY))
        open_location = QAction("Open file location", menu)
        open_location.triggered.connect(self.open_location)
        copy_path = QAction("Copy path", menu)
        copy_path.triggered.connect(self.copy_paths)
        copy_destination = QAction("Copy destination path", menu)
        copy_destination.triggered.connect(self.copy_destination_paths)
        for action in (lock, unlock, again):
            menu.addAction(action)
        menu.addSeparator()
        for action in (open_location, copy_path, copy_destination):
            menu.addAction(action)
        return menu

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.job is not None:
            self.job.abandon()
        if self._store is not None:
            self._store.close()
            self._store = None
        super().closeEvent(event)
