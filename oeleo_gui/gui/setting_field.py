"""One setting in the settings dialog: its editor (a check box for yes/no variables, a text
box otherwise, hidden for secrets), a Browse button for folders and files, a "Move to the
keyring" box for a secret still written in `.env`, and one message line under it: the reason
when the value is wrong, else a note on how the value was read ("Read as .res, .csv").

The message line is always there, one line high, so rows never move while the technician
types; a message longer than the line loses its middle ("…"), so a path does not hide the
verdict at its end, and is shown whole as its tooltip.
Messages name the field as the technician sees it (`in_field_words`), not the variable.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from oeleo_gui.engine.settings.values import parse_bool
from oeleo_gui.engine.settings.variables import Variable, VarKind

LABELS = {
    "OELEO_DESTINATION_TYPE": "Destination type",
    "OELEO_BASE_DIR_FROM": "Data folder",
    "OELEO_FILTER_EXTENSION": "Extensions",
    "OA_STARTS_WITH": "Names starting with",
    "OELEO_NAME_CONTAINS": "Names containing",
    "OELEO_NAME_NOT_CONTAINS": "Skip names containing",
    "OELEO_EXCLUDE_NAMES": "Never copy these names",
    "OA_INCLUDE_SUBDIRS": "Include subfolders",
    "OA_FROM_YEAR": "Not before: year",
    "OA_FROM_MONTH": "Not before: month",
    "OA_FROM_DAY": "Not before: day",
    "OELEO_NOT_AFTER": "Not after (date)",
    "OELEO_BASE_DIR_TO": "Destination folder",
    "OA_EXTERNAL_SUBDIRS": "Recreate subfolders",
    "OELEO_EXTERNAL_HOST": "Server (host[:port])",
    "OELEO_USERNAME": "User name",
    "OELEO_KEY_FILENAME": "Private key file",
    "OELEO_KEY_PASSPHRASE": "Key passphrase",
    "OELEO_PASSWORD": "Password",
    "OELEO_KNOWN_HOSTS": "Known-hosts file",
    "OELEO_RECONNECT": "Reconnect attempts",
    "OELEO_SHAREPOINT_URL": "Tenant URL",
    "OELEO_SHAREPOINT_SITENAME": "Site name",
    "OELEO_SHAREPOINT_DOC_LIBRARY": "Document library",
    "OELEO_SHAREPOINT_USERNAME": "User name",
    "OELEO_SHAREPOINT_CLIENT_ID": "Client id",
    "OELEO_SHAREPOINT_CLIENT_SECRET": "Client secret",
    "OELEO_SHAREPOINT_CERT_PATH": "Certificate (PEM)",
    "OELEO_SHAREPOINT_CERT_THUMBPRINT": "Certificate thumbprint",
    "OELEO_SHAREPOINT_TENANT": "Tenant",
    "OA_HOURS_SLEEP": "Hours between runs",
    "OA_MAX_RUN_INTERVALS": "Maximum runs",
    "OA_SINGLE_RUN": "Run once and stop",
    "OA_ADD_CHECK": "Check destination first",
    "OELEO_WATCH_FOLDER": "Watch the data folder",
    "OELEO_DB_NAME": "Database file",
    "OELEO_LOG_DIR": "Log folder",
    "OELEO_SETTLE_SECONDS": "Settle time (seconds)",
}

# Where the empty field means something else than the variable's default in the tray.
PLACEHOLDERS = {"OA_MAX_RUN_INTERVALS": "no limit: the tray runs until paused or quit"}
_NEW_FILE_OK = frozenset({"OELEO_DB_NAME", "OELEO_KNOWN_HOSTS"})
_VARIABLE_NAME = re.compile(r"\b(?:OELEO|OA)_[A-Z0-9_]+\b")
ERROR_COLOR = "#b00020"
NOTE_COLOR = "#555555"
WARNING_COLOR = "#9a5b00"


def in_field_words(text: str) -> str:
    """`OELEO_PASSWORD` -> `“Password”`: the field the technician sees in the dialog."""

    def label(match: re.Match[str]) -> str:
        name = match.group(0)
        return f"“{LABELS[name]}”" if name in LABELS else name

    return _VARIABLE_NAME.sub(label, text)


class MessageLine(QLabel):
    """A one-line message that always takes its place, shortened in the middle to the width."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._message = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().height() + 2)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    @property
    def message(self) -> str:
        """The whole message (the label may show it shortened)."""
        return self._message

    def show_message(self, message: str, color: str) -> None:
        self._message = message
        self.setStyleSheet(f"color: {color};")
        self.setToolTip(message)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        width = max(self.width(), 40)
        self.setText(
            self.fontMetrics().elidedText(self._message, Qt.TextElideMode.ElideMiddle, width)
        )


class SettingField(QWidget):
    """One variable: its editor, an optional Browse button, and the reason shown beside it."""

    edited = Signal()

    def __init__(self, variable: Variable, original: str | None, parent: QWidget) -> None:
        super().__init__(parent)
        self.variable = variable
        self.original = original  # the raw value in .env (None: not in the file)
        self.in_env = original is not None
        self.browse: QPushButton | None = None
        self.move_to_keyring: QCheckBox | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        layout.addLayout(row)
        kind = variable.kind
        if kind is VarKind.BOOL:
            self.editor: QWidget = QCheckBox(self)
            self.editor.setChecked(self._bool(original))
            self.editor.toggled.connect(self.edited)
        else:
            self.editor = QLineEdit(original or "", self)
            self.editor.setPlaceholderText(PLACEHOLDERS.get(variable.name, variable.default))
            self.editor.textChanged.connect(self.edited)
            if kind is VarKind.SECRET:
                self.editor.setEchoMode(QLineEdit.EchoMode.Password)
                self.editor.setPlaceholderText("stored in the system keyring")
        self.editor.setObjectName(variable.name)
        self.editor.setToolTip(f"{variable.description}\n({variable.name})")
        row.addWidget(self.editor, 1)
        if kind in (VarKind.FOLDER, VarKind.FILE) or variable.name == "OELEO_BASE_DIR_TO":
            self.browse = QPushButton("Browse…", self)
            self.browse.clicked.connect(self._on_browse_clicked)
            row.addWidget(self.browse)
        if kind is VarKind.SECRET and self.in_env:
            self.move_to_keyring = QCheckBox("Move to the keyring", self)
            self.move_to_keyring.setToolTip(
                "Store this secret in the system keyring and remove it from the .env file."
            )
            row.addWidget(self.move_to_keyring)
        self.reason = MessageLine(self)
        self.reason.setObjectName(f"{variable.name}_reason")
        layout.addWidget(self.reason)
        self._reason = ""
        self._note = ("", False)

    def _bool(self, raw: str | None) -> bool:
        try:
            return parse_bool(raw or self.variable.default or "false")
        except ValueError:
            return False

    def text(self) -> str:
        """The value as it would be written: an untouched checkbox keeps the file's word."""
        if isinstance(self.editor, QCheckBox):
            if self.editor.isChecked() == self._bool(self.original):
                return self.original or ""
            return "true" if self.editor.isChecked() else "false"
        return self.editor.text() if isinstance(self.editor, QLineEdit) else ""

    def set_text(self, value: str) -> None:
        if isinstance(self.editor, QLineEdit):
            self.editor.setText(value)

    @property
    def reason_text(self) -> str:
        """What is wrong with the value ("" when nothing is)."""
        return self._reason

    def set_reason(self, reason: str | None) -> None:
        self._reason = in_field_words(reason or "")
        self._show()

    def set_note(self, note: str, *, warning: bool = False) -> None:
        """How the value was read, or what it selects; shown while there is no reason."""
        self._note = (in_field_words(note), warning)
        self._show()

    def _show(self) -> None:
        if self._reason:
            self.reason.show_message(self._reason, ERROR_COLOR)
        else:
            note, warning = self._note
            self.reason.show_message(note, WARNING_COLOR if warning else NOTE_COLOR)

    @Slot()
    def _on_browse_clicked(self) -> None:
        current = self.text().strip()
        name = self.variable.name
        title = LABELS.get(name, name)
        if self.variable.kind is VarKind.FILE and name in _NEW_FILE_OK:
            chosen, _ = QFileDialog.getSaveFileName(
                self, title, current, options=QFileDialog.Option.DontConfirmOverwrite
            )
        elif self.variable.kind is VarKind.FILE:
            start = current or str(Path.home() / ".ssh")
            chosen, _ = QFileDialog.getOpenFileName(self, title, start)
        else:
            chosen = QFileDialog.getExistingDirectory(self, title, current)
        if chosen:
            self.set_text(str(Path(chosen)))
