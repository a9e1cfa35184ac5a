"""The settings dialog: every OELEO_*/OA_* variable of `.env`, checked as it is typed.

Fields are built from `variables.VARIABLES` (group → tab, kind → widget); the reasons beside them
come from `engine.field_checks` and the file is written by `engine.envfile.save_env`, so no rule
lives here. Under the Extensions field the dialog says how they were read, under the data
folder how many files the Source fields select (`match_count`, counted in the background).
Passwords and client secrets go to the OS keyring (`engine.secret_store`); one already in `.env`
keeps working there until the technician ticks "Move to the keyring"; without a usable keyring
the technician may keep it in `.env` instead (`ask_keep_in_env`). "Test connection" runs
`engine.connection_test` as a `BackgroundJob`: Cancel abandons it and never waits for it. An
unknown SSH host key is shown with its fingerprint and stored only when the technician says so
(`ask_trust_host_key`), a changed one only as a warning. Imports engine modules only; never
bookkeeping or connectors.

The file is read as the engine reads it (`envfile.read_env_values`: UTF-8, or UTF-16 with its
BOM, which `save_env` keeps). A file that cannot be read (saved as "ANSI", no permission) still
opens the dialog: it says which file and what to do, and the form stays empty and disabled, so
nothing can be saved over the file's content.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from oeleo_gui.engine.connection_test import HostKeyInfo
from oeleo_gui.engine.errors import ConfigError
from oeleo_gui.engine.settings.config import (
    DestinationKind,
    destination_kind,
    settings_from_values,
)
from oeleo_gui.engine.settings.envfile import save_env
from oeleo_gui.engine.settings.field_checks import check_values
from oeleo_gui.engine.settings.values import normalise_extensions
from oeleo_gui.engine.settings.variables import (
    OWNED_PREFIXES,
    VARIABLES,
    Variable,
    VarKind,
    ignored_variables,
)
from oeleo_gui.gui.connection_tester import ConnectionTester, TestStatus
from oeleo_gui.gui.match_count import SOURCE_NAMES, MatchCount, MatchCounter
from oeleo_gui.gui.secret_fields import SaveCancelled, SecretFields
from oeleo_gui.gui.setting_field import LABELS, SettingField, in_field_words
from oeleo_gui.gui.settings_file import read_file_values

log = logging.getLogger(__name__)

VALIDATION_DELAY_MS = 150
DESTINATION_CHOICES = (
    (DestinationKind.LOCAL, "Folder (this PC or a network share)"),
    (DestinationKind.SSH, "SSH server"),
    (DestinationKind.SHAREPOINT, "SharePoint"),
)
TABS = (
    ("Source", ("Source",)),
    ("Destination", ("Destination",)),
    ("Schedule", ("Schedule",)),
    ("Advanced", ("Advanced",)),
)


def extensions_note(value: str) -> str:
    """How the Extensions field was read, in words ("" when it is empty)."""
    extensions = normalise_extensions(value)
    if not extensions:
        return ""
    if extensions == ("*",):
        return "Read as: every file."
    return f"Read as {len(extensions)} extension{'s' if len(extensions) > 1 else ''}: " + (
        ", ".join(extensions)
    )


class SettingsDialog(QDialog):
    """Edits the `.env` at `env_file`; emits `settings_saved(Path)` after a successful save."""

    settings_saved = Signal(object)  # Path of the .env written
    connection_tested = Signal(object)  # ConnectionResult, after it is shown

    def __init__(self, env_file: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env_file = Path(env_file)
        self.setWindowTitle("oeleo-gui settings")
        self.setMinimumWidth(680)
        raw, self.read_problem = read_file_values(self.env_file)
        self._file_values: dict[str, str | None] = {
            k: v for k, v in raw.items() if k.startswith(OWNED_PREFIXES)
        }
        self.fields: dict[str, SettingField] = {}
        self._validation_timer = QTimer(self)
        self._validation_timer.setSingleShot(True)
        self._validation_timer.setInterval(VALIDATION_DELAY_MS)
        self._validation_timer.timeout.connect(self.validate)
        self.tester = ConnectionTester(lambda info: self.ask_trust_host_key(info), self)
        self.tester.status_changed.connect(self._on_tester_status_changed)
        self.tester.tested.connect(self.connection_tested)
        self.tester.finished.connect(lambda: self.test_button.setEnabled(True))
        self.match_counter = MatchCounter(self.env_file, self)
        self.match_counter.counted.connect(self._on_match_counter_counted)
        self._build()
        self.secrets = SecretFields(self.fields, lambda name: self.ask_keep_in_env(name))
        self.secrets.load(self.values())
        self._on_kind_changed()
        self.validate()
        if not self.read_problem:
            self.match_counter.request(self.values())

    # --- building --------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        where = QLabel(f"Settings file: {self.env_file}", self)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        self.read_note = QLabel(self.read_problem, self)
        self.read_note.setObjectName("read_problem")
        self.read_note.setTextFormat(Qt.TextFormat.PlainText)
        self.read_note.setWordWrap(True)
        self.read_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.read_note.setStyleSheet("color: #b00020; font-weight: bold;")
        self.read_note.setVisible(bool(self.read_problem))
        layout.addWidget(self.read_note)
        self.secret_note = QLabel(self)
        self.secret_note.setWordWrap(True)
        layout.addWidget(self.secret_note)
        ignored = ignored_variables({k: v or "" for k, v in self._file_values.items()})
        self.ignored_note = QLabel("\n".join(ignored), self)  # typos in a hand-written .env
        self.ignored_note.setWordWrap(True)
        self.ignored_note.setVisible(bool(ignored))
        layout.addWidget(self.ignored_note)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs)
        for title, groups in TABS:
            page = QWidget(self.tabs)
            page_layout = QVBoxLayout(page)
            if title == "Destination":
                self._build_destination(page, page_layout)
            else:
                form = QFormLayout()
                page_layout.addLayout(form)
                for variable in VARIABLES:
                    if variable.group in groups:
                        self._add_field(form, variable, page)
            page_layout.addStretch(1)
            self.tabs.addTab(page, title)
        self.status = QLabel(self)
        self.status.setObjectName("connection_status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(self)
        self.test_button = buttons.addButton(
            "Test connection", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.save_button = buttons.addButton(QDialogButtonBox.StandardButton.Save)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.test_button.clicked.connect(self.test_connection)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if self.read_problem:  # an empty form must never be saved over the file's content
            self.tabs.setEnabled(False)
            self.test_button.setEnabled(False)
        in_env = [f.variable.name for f in self.fields.values() if f.move_to_keyring is not None]
        self.secret_note.setVisible(bool(in_env))
        if in_env:
            self.secret_note.setText(
                in_field_words(
                    f"{', '.join(in_env)} is stored in the .env file as plain text. It keeps "
                    "working; tick “Move to the keyring” beside it to store it in the system "
                    "keyring instead."
                )
            )

    def _add_field(self, form: QFormLayout, variable: Variable, parent: QWidget) -> SettingField:
        field = SettingField(variable, self._file_values.get(variable.name), parent)
        field.edited.connect(self._validation_timer.start)
        label = QLabel(LABELS.get(variable.name, variable.name), parent)
        label.setToolTip(variable.description)
        form.addRow(label, field)
        self.fields[variable.name] = field
        return field

    def _build_destination(self, page: QWidget, page_layout: QVBoxLayout) -> None:
        form = QFormLayout()
        page_layout.addLayout(form)
        self.kind_combo = QComboBox(page)
        self.kind_combo.setObjectName("OELEO_DESTINATION_TYPE")
        for kind, label in DESTINATION_CHOICES:
            self.kind_combo.addItem(label, kind)
        self._original_kind_text = self._file_values.get("OELEO_DESTINATION_TYPE") or ""
        guessed = destination_kind({k: v or "" for k, v in self._file_values.items()})
        self._loaded_kind = guessed
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(guessed))
        self.kind_combo.currentIndexChanged.connect(self._on_kind_changed)
        form.addRow(QLabel("Destination type", page), self.kind_combo)
        for variable in VARIABLES:
            if variable.group == "Destination" and variable.name != "OELEO_DESTINATION_TYPE":
                self._add_field(form, variable, page)
        self.kind_pages = QStackedWidget(page)
        local_page = QLabel(
            "Files are copied into the destination folder above (a folder on this PC or a "
            "network share such as \\\\server\\share\\data).",
            page,
        )
        local_page.setWordWrap(True)
        self.kind_pages.addWidget(local_page)
        for group in ("SSH", "SharePoint"):
            box = QGroupBox(f"{group} connection", page)
            box_form = QFormLayout(box)
            for variable in VARIABLES:
                if variable.group == group:
                    self._add_field(box_form, variable, box)
            self.kind_pages.addWidget(box)
        page_layout.addWidget(self.kind_pages)

    # --- state -----------------------------------------------------------------------------------
    def destination(self) -> DestinationKind:
        return DestinationKind(self.kind_combo.currentData())

    def _kind_text(self) -> str:
        """The type as written: left empty when the file left it empty and it was not changed."""
        if not self._original_kind_text and self.destination() is self._loaded_kind:
            return ""
        return str(self.destination())

    def values(self) -> dict[str, str]:
        """Every field's value as the engine would read it (the destination type explicit)."""
        values = {name: field.text() for name, field in self.fields.items()}
        if hasattr(self, "kind_combo"):
            values["OELEO_DESTINATION_TYPE"] = str(self.destination())
        return values

    @Slot()
    def _on_kind_changed(self) -> None:
        kind = self.destination()
        self.kind_pages.setCurrentIndex([k for k, _ in DESTINATION_CHOICES].index(kind))
        browse = self.fields["OELEO_BASE_DIR_TO"].browse
        if browse is not None:
            browse.setVisible(kind is DestinationKind.LOCAL)
        self._validation_timer.start()

    @Slot()
    def validate(self) -> dict[str, str]:
        """Show every field's reason; Save is enabled only when there is none. Returns them."""
        self._validation_timer.stop()
        if self.read_problem:  # the form is empty: its reasons would only distract
            self.save_button.setEnabled(False)
            return {}
        values = self.values()
        reasons = check_values(values, env_file=self.env_file)
        for name, field in self.fields.items():
            field.set_reason(reasons.get(name))
        self.fields["OELEO_FILTER_EXTENSION"].set_note(
            extensions_note(values.get("OELEO_FILTER_EXTENSION", ""))
        )
        if any(name in reasons for name in SOURCE_NAMES):
            self.fields["OELEO_BASE_DIR_FROM"].set_note(
                "How many files match is shown once the fields below are right."
            )
        self.match_counter.request(values)
        self.save_button.setEnabled(not reasons)
        return reasons

    @Slot(object)
    def _on_match_counter_counted(self, result: MatchCount) -> None:
        self.fields["OELEO_BASE_DIR_FROM"].set_note(result.text, warning=result.is_warning)

    # --- saving ----------------------------------------------------------------------------------
    def updates(self) -> dict[str, str | None]:
        """What `save_env` must change in `.env` (secrets bound for the keyring are left out)."""
        updates: dict[str, str | None] = {}
        candidates = {name: field.text() for name, field in self.fields.items()}
        candidates["OELEO_DESTINATION_TYPE"] = self._kind_text()
        for name, value in candidates.items():
            field = self.fields.get(name)
            old = self._file_values.get(name)
            if field is not None and field.variable.kind is VarKind.SECRET:
                if field.move_to_keyring is not None and field.move_to_keyring.isChecked():
                    updates[name] = None
                elif field.in_env and value != old:
                    updates[name] = value
                continue
            if (old is None and value == "") or value == old:
                continue
            updates[name] = value
        return updates

    def ask_keep_in_env(self, name: str) -> bool:
        """No keyring would store this secret: keep it in `.env`? (a method, so tests answer it)"""
        label = LABELS.get(name, name)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "oeleo-gui",
            f"The system keyring on this PC cannot store the {label.lower()}.\n\n"
            f"Keep it in the settings file instead? It is then written as plain text in "
            f"{self.env_file}: anyone who can open that file can read it.",
            parent=self,
        )
        keep = box.addButton("Keep it in the settings file", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Do not save", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.exec()
        return box.clickedButton() is keep

    @Slot()
    def save(self) -> bool:
        """Check, store secrets in the keyring, write `.env`; True when saved."""
        if self.read_problem or self.validate():
            return False
        values = self.values()
        try:
            kept = self.secrets.store(values, self.env_file)
        except SaveCancelled:
            self._show_status(False, "Not saved: nothing was changed.")
            return False
        try:
            save_env(self.env_file, {**self.updates(), **kept})
        except (OSError, RuntimeError, ValueError) as exc:
            log.error("Could not save the settings to %s: %s", self.env_file, type(exc).__name__)
            self.show_error("The settings could not be saved.", str(exc))
            return False
        self.settings_saved.emit(self.env_file)
        self.accept()
        return True

    def show_error(self, title: str, detail: str) -> None:
        """Tell the technician why saving failed (a method, so tests can replace it)."""
        QMessageBox.warning(self, "oeleo-gui", f"{title}\n\n{detail}")

    # --- test connection -------------------------------------------------------------------------
    @Slot()
    def test_connection(self) -> None:
        """Test the destination of the settings as typed, in the background."""
        if self.read_problem:
            return
        values = {k: v for k, v in self.values().items() if v.strip()}
        try:
            settings = settings_from_values(values, self.env_file)
        except ConfigError as exc:
            lines = "; ".join(f"{p.key}: {p.expected}" for p in exc.problems)
            self._show_status(False, in_field_words(f"Fix these settings first: {lines}."))
            return
        self.test_button.setEnabled(False)
        self.tester.start(settings)

    @Slot(object)
    def _on_tester_status_changed(self, status: TestStatus) -> None:
        self._show_status(status.ok, status.message, warning=status.warning)

    def ask_trust_host_key(self, info: HostKeyInfo) -> bool:
        """Ask whether to trust an unknown host key (a method, so tests can answer it)."""
        answer = QMessageBox.question(
            self,
            "Trust this SSH server?",
            f"The server {info.host}:{info.port} is not known yet.\n\n"
            f"Its {info.key_type} host key has the fingerprint\n{info.fingerprint}\n\n"
            "Trust it only if this is the fingerprint the server's administrator gave you. "
            f"It will be stored in {info.known_hosts_file}.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _show_status(self, ok: bool | None, message: str, *, warning: bool = False) -> None:
        color = {True: "#1b5e20", False: "#b00020", None: "palette(text)"}[ok]
        weight = "bold" if warning else "normal"
        self.status.setStyleSheet(f"color: {color}; font-weight: {weight};")
        self.status.setText(("⚠ " if warning else "") + message)

    # --- closing ---------------------------------------------------------------------------------
    def done(self, result: int) -> None:
        self.tester.abandon()  # never wait for a server that does not answer
        self.match_counter.stop()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.tester.abandon()
        self.match_counter.stop()
        super().closeEvent(event)
