"""The log viewer: the last runs' rotating log (`oeleo.log.3` … `oeleo.log`), newest at the bottom.

It reads the files itself (never a logging handler), follows new lines while open with a
`QTimer` that reads only the bytes appended since the last look (a rotation starts it over),
filters by level, and opens the log folder. What it shows is what `logsetup` wrote, where
secrets are already masked. Imports engine.paths only.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QTimer, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QShowEvent, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from oeleo_gui.engine.settings.paths import LOG_FILE_NAME

log = logging.getLogger(__name__)

POLL_MS = 500
MAX_LINES = 50_000
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_LEVEL_RE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:,\d+)? (DEBUG|INFO|WARNING|ERROR|CRITICAL)\b"
)


@dataclass(frozen=True, slots=True)
class LogLine:
    text: str
    level: int  # logging.INFO…; continuation lines (tracebacks) take their record's level


def log_files(log_dir: Path) -> list[Path]:
    """`oeleo.log.N` … `oeleo.log.1`, `oeleo.log`: oldest first."""
    rotated = []
    for path in log_dir.glob(LOG_FILE_NAME + ".*"):
        suffix = path.name.removeprefix(LOG_FILE_NAME + ".")
        if suffix.isdigit():
            rotated.append((int(suffix), path))
    current = log_dir / LOG_FILE_NAME
    files = [p for _n, p in sorted(rotated, reverse=True)]
    return [*files, current] if current.is_file() else files


def parse_lines(text: str, previous_level: int = logging.INFO) -> list[LogLine]:
    """Lines with their level (a pure function, tested without a display)."""
    out = []
    level = previous_level
    for line in text.splitlines():
        match = _LEVEL_RE.match(line)
        if match:
            level = logging.getLevelName(match.group(1))
        out.append(LogLine(line, level))
    return out


class LogViewer(QWidget):
    """Shows the logs in `log_dir` and follows `oeleo.log` while open."""

    def __init__(self, log_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log_dir = Path(log_dir)
        self.setWindowTitle("oeleo-gui – log")
        self.resize(900, 500)
        self._lines: list[LogLine] = []
        self._offset = 0  # bytes of oeleo.log already read
        self._partial = b""  # an unfinished last line
        self._file_id: tuple[int, int] | None = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        layout.addLayout(bar)
        bar.addWidget(QLabel("Show:", self))
        self.level_combo = QComboBox(self)
        for label, level in (
            ("Everything", logging.DEBUG),
            ("Information and above", logging.INFO),
            ("Warnings and errors", logging.WARNING),
            ("Errors only", logging.ERROR),
        ):
            self.level_combo.addItem(label, level)
        self.level_combo.setCurrentIndex(1)
        self.level_combo.currentIndexChanged.connect(self._render)
        bar.addWidget(self.level_combo)
        bar.addStretch(1)
        self.where = QLabel(str(self.log_dir), self)
        bar.addWidget(self.where)
        self.open_button = QPushButton("Open log folder", self)
        self.open_button.clicked.connect(self.open_folder)
        bar.addWidget(self.open_button)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setMaximumBlockCount(MAX_LINES)
        font = self.text.font()
        font.setFamily("monospace")
        font.setStyleHint(font.StyleHint.Monospace)
        self.text.setFont(font)
        layout.addWidget(self.text, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.reload()
        self.timer.start()

    def min_level(self) -> int:
        return int(self.level_combo.currentData())

    def plain_text(self) -> str:
        return self.text.toPlainText()

    # --- reading ---------------------------------------------------------------------------------
    def _current(self) -> Path:
        return self.log_dir / LOG_FILE_NAME

    def _identity(self) -> tuple[int, int] | None:
        try:
            st = self._current().stat()
        except OSError:
            return None
        return (st.st_dev, st.st_ino)

    @Slot()
    def reload(self) -> None:
        """Read every log file again, oldest first."""
        lines: list[LogLine] = []
        for path in log_files(self.log_dir):
            try:
                data = path.read_bytes()
            except OSError as exc:
                log.debug("cannot read %s: %s", path, exc)
                continue
            previous = lines[-1].level if lines else logging.INFO
            if path == self._current():
                self._offset = len(data)
                data, self._partial = _split_complete(data)
            lines += parse_lines(data.decode("utf-8", errors="replace"), previous)
        if not self._current().is_file():
            self._offset, self._partial = 0, b""
        self._file_id = self._identity()
        self._lines = lines[-MAX_LINES:]
        self._render()

    @Slot()
    def poll(self) -> None:
        """Append what was written since the last look; start over after a rotation."""
        path = self._current()
        try:
            size = path.stat().st_size
        except OSError:
            return
        if self._identity() != self._file_id or size < self._offset:
            self.reload()
            return
        if size == self._offset:
            return
        try:
            with path.open("rb") as f:
                f.seek(self._offset)
                data = f.read(size - self._offset)
        except OSError as exc:
            log.debug("cannot read %s: %s", path, exc)
            return
        self._offset += len(data)
        complete, self._partial = _split_complete(self._partial + data)
        if not complete:
            return
        previous = self._lines[-1].level if self._lines else logging.INFO
        new = parse_lines(complete.decode("utf-8", errors="replace"), previous)
        self._lines += new
        if len(self._lines) > MAX_LINES:
            self._lines = self._lines[-MAX_LINES:]
        self._append([line.text for line in new if line.level >= self.min_level()])

    # --- showing ---------------------------------------------------------------------------------
    @Slot()
    def _render(self) -> None:
        level = self.min_level()
        self.text.setPlainText("\n".join(ln.text for ln in self._lines if ln.level >= level))
        self._scroll_to_newest()

    def _scroll_to_newest(self) -> None:
        """Newest line at the bottom, lines shown from their start."""
        self.text.moveCursor(QTextCursor.MoveOperation.End)
        self.text.moveCursor(QTextCursor.MoveOperation.StartOfLine)
        self.text.verticalScrollBar().setValue(self.text.verticalScrollBar().maximum())
        self.text.horizontalScrollBar().setValue(0)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._scroll_to_newest()  # the ranges are known only once the widget is laid out

    def _append(self, texts: list[str]) -> None:
        if not texts:
            return
        bar = self.text.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 2
        self.text.appendPlainText("\n".join(texts))
        if at_bottom:  # follow only when the technician is not reading further up
            bar.setValue(bar.maximum())

    @Slot()
    def open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_dir)))


def _split_complete(data: bytes) -> tuple[bytes, bytes]:
    """(whole lines, unfinished rest)."""
    cut = data.rfind(b"\n")
    if cut < 0:
        return b"", data
    return data[: cut + 1], data[cut + 1 :]
