"""The file-list window: every file the app knows, its status, and the technician's codes.

A `QTableView` over `FileListModel` (batches from SQL, no widget per row), a filter box (text and
status), a combo box in the Status cell (`StatusDelegate`) and a context menu to lock, unlock or
copy again many rows at once, open the file's folder or copy paths. The window opens its own
`FileListStore` connection (WAL), so it reads and edits safely while a run writes; `refresh()`
re-reads the rows after a run. Imports filelist_model and engine records only.
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    QUrl,
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
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.events import FileCode
from oeleo_gui.gui.filelist_model import STATUS_COLUMN, FileListModel

log = logging.getLogger(__name__)

FILTER_DELAY_MS = 250
ModelIndex = QModelIndex | QPersistentModelIndex


class StatusDelegate(QStyledItemDelegate):
    """A combo box of the three codes in the Status cell; a choice is written at once."""

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


class FileListWindow(QWidget):
    """Shows and edits the bookkeeping database at `db_path`."""

    def __init__(
        self, db_path: Path, source_dir: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("oeleo-gui – files")
        self.resize(1000, 600)
        self.source_dir = source_dir
        self.store = FileListStore(db_path)
        self.model = FileListModel(self.store, self)
        self.model.write_failed.connect(self._on_model_write_failed)
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        self._build()
        self._update_count()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        layout.addLayout(bar)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter by file or destination name…")
        self.filter_edit.setClearButtonEnabled(True)
        self.status_filter = QComboBox(self)
        self.status_filter.addItem("Any status", None)
        for code in FileCode:
            self.status_filter.addItem(code.label, int(code))
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.filter_edit.textChanged.connect(self._filter_timer.start)
        self.status_filter.currentIndexChanged.connect(self.apply_filter)
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.status_filter)
        self.count_label = QLabel(self)
        bar.addWidget(self.count_label)

        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(STATUS_COLUMN, StatusDelegate(self.view))
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
        for column, width in enumerate((320, 150, 140, 80, 240, 320)):
            self.view.setColumnWidth(column, width)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_view_context_menu_requested)
        layout.addWidget(self.view, 1)
        self.message = QLabel(self)
        self.message.setObjectName("filelist_message")
        layout.addWidget(self.message)

    # --- filtering and refreshing ----------------------------------------------------------------
    @Slot()
    def apply_filter(self) -> None:
        self._filter_timer.stop()
        data = self.status_filter.currentData()
        self.model.set_filter(self.filter_edit.text(), None if data is None else FileCode(data))

    @Slot()
    def refresh(self) -> None:
        """Re-read the rows (called when a run finishes)."""
        self.model.refresh()
        self._update_count()

    @Slot()
    def _update_count(self) -> None:
        self.count_label.setText(f"{self.model.total:,} file(s)")

    @Slot(str)
    def _on_model_write_failed(self, message: str) -> None:
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(message)

    # --- selection and actions -------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.view.selectionModel().selectedRows()})

    def set_selected_codes(self, code: FileCode) -> int:
        written = self.model.set_codes(self.selected_rows(), code)
        if written:
            self.message.setStyleSheet("")
            self.message.setText(f"{written} file(s) set to “{code.label}”.")
        return written

    def unlock_selected(self) -> int:
        """Unlock: files copied before are copied again only if changed; others are copied."""
        rows = self.selected_rows()
        copied = [r for r in rows if self.model.row_at(r).checksum]
        never = [r for r in rows if not self.model.row_at(r).checksum]
        written = self.model.set_codes(copied, FileCode.COPY_IF_CHANGED)
        written += self.model.set_codes(never, FileCode.COPY)
        if written:
            self.message.setStyleSheet("")
            self.message.setText(f"{written} file(s) unlocked.")
        return written

    def selected_paths(self) -> list[str]:
        """Full local paths when the source folder is known, else the relative paths."""
        rel_paths = [self.model.row_at(r).rel_path for r in self.selected_rows()]
        if self.source_dir is None:
            return rel_paths
        return [str(self.source_dir.joinpath(*PurePosixPath(p).parts)) for p in rel_paths]

    def copy_paths(self) -> None:
        QGuiApplication.clipboard().setText("\n".join(self.selected_paths()))

    def open_location(self) -> None:
        paths = self.selected_paths()
        if not paths or self.source_dir is None:
            return
        folder = Path(paths[0]).parent
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

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
        open_location.setEnabled(self.source_dir is not None)
        open_location.triggered.connect(self.open_location)
        copy_path = QAction("Copy path", menu)
        copy_path.triggered.connect(self.copy_paths)
        for action in (lock, unlock, again):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(open_location)
        menu.addAction(copy_path)
        return menu

    def closeEvent(self, event: QCloseEvent) -> None:
        self.store.close()
        super().closeEvent(event)
