"""SettingsDialog while the technician types: how extensions were read, the live count of matching
files, rows that stay put, no keyring on the PC, and Cancel while a server never answers."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest
from dotenv import dotenv_values
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QLineEdit

from oeleo_gui.gui.match_count import MatchCount
from oeleo_gui.gui.settings_dialog import SettingsDialog

TIMEOUT = 10_000


class DictKeyring(keyring.backend.KeyringBackend):
    """A keyring in a dict; `refuse=True` behaves like a PC without any usable keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.refuse = False

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.refuse:
            raise keyring.errors.NoKeyringError("No recommended backend was available.")
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


@pytest.fixture(autouse=True)
def dict_keyring() -> Iterator[DictKeyring]:
    previous = keyring.get_keyring()
    backend = DictKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def data(tmp_path: Path, write) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path / "data"
    for name in ("a.res", "b.res", "c.res", "d.csv", "e.csv", "notes.txt"):
        write(folder, name, name)
    write(folder, "sub/f.res", "deeper")
    (tmp_path / "backup").mkdir()
    return folder


@pytest.fixture
def env_file(tmp_path: Path, data: Path) -> Path:
    path = tmp_path / ".env"
    path.write_text(
        f"OELEO_BASE_DIR_FROM={data}\nOELEO_FILTER_EXTENSION=.res\n"
        f"OELEO_BASE_DIR_TO={tmp_path / 'backup'}\nOA_FROM_YEAR=2000\n"
    )
    return path


def make_dialog(qtbot, env_file: Path) -> SettingsDialog:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(env_file)
    qtbot.addWidget(dialog)
    return dialog


def line_edit(dialog: SettingsDialog, name: str) -> QLineEdit:
    editor = dialog.fields[name].editor
    assert isinstance(editor, QLineEdit)
    return editor


def note(dialog: SettingsDialog, name: str) -> str:
    return dialog.fields[name].reason.message


def test_extensions_say_how_they_were_read(qtbot, env_file: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = make_dialog(qtbot, env_file)
    assert note(dialog, "OELEO_FILTER_EXTENSION") == "Read as 1 extension: .res"
    extensions = line_edit(dialog, "OELEO_FILTER_EXTENSION")
    extensions.setText(".RES;csv;.res")
    qtbot.waitUntil(lambda: "2 extensions" in note(dialog, "OELEO_FILTER_EXTENSION"))
    assert note(dialog, "OELEO_FILTER_EXTENSION") == "Read as 2 extensions: .res, .csv"
    extensions.setText("*")
    qtbot.waitUntil(lambda: note(dialog, "OELEO_FILTER_EXTENSION") == "Read as: every file.")
    for typed in (".res, .csv", "res csv", "res,csv", ".res;.csv"):  # as technicians type them
        extensions.setText(typed)
        qtbot.waitUntil(
            lambda: note(dialog, "OELEO_FILTER_EXTENSION") == "Read as 2 extensions: .res, .csv"
        )
        qtbot.waitUntil(lambda: dialog.save_button.isEnabled())


def test_the_count_of_matching_files_follows_the_typing(  # type: ignore[no-untyped-def]
    qtbot, env_file: Path
) -> None:
    dialog = make_dialog(qtbot, env_file)
    counts: list[MatchCount] = []
    dialog.match_counter.counted.connect(counts.append)
    qtbot.waitUntil(lambda: note(dialog, "OELEO_BASE_DIR_FROM") != "", timeout=TIMEOUT)
    assert note(dialog, "OELEO_BASE_DIR_FROM") == "3 files in this folder match."
    job = dialog.match_counter.job
    assert job is not None and job.thread is not threading.current_thread()

    extensions = line_edit(dialog, "OELEO_FILTER_EXTENSION")
    extensions.clear()
    qtbot.keyClicks(extensions, ".xyz")  # four edits in a row: counted once, when typing stops
    qtbot.waitUntil(lambda: len(counts) >= 2, timeout=TIMEOUT)
    assert [c.count for c in counts] == [3, 0]
    assert note(dialog, "OELEO_BASE_DIR_FROM").startswith("No file in this folder matches")
    assert counts[-1].is_warning

    extensions.setText(".res, .csv")  # a comma and a blank separate them too
    dialog.fields["OA_INCLUDE_SUBDIRS"].editor.click()
    qtbot.waitUntil(lambda: counts[-1].count == 6, timeout=TIMEOUT)
    assert note(dialog, "OELEO_BASE_DIR_FROM") == (
        "6 files in this folder and its subfolders match."
    )
    line_edit(dialog, "OELEO_NOT_AFTER").setText("31.12.2024")  # another Source field is wrong
    qtbot.waitUntil(
        lambda: "once the fields below are right" in note(dialog, "OELEO_BASE_DIR_FROM")
    )


def test_an_empty_run_limit_says_what_it_means_for_the_tray(qtbot, env_file: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = make_dialog(qtbot, env_file)
    limit = line_edit(dialog, "OA_MAX_RUN_INTERVALS")
    assert limit.text() == ""
    assert limit.placeholderText() == "no limit: the tray runs until paused or quit"


def test_rows_do_not_move_while_typing(qtbot, env_file: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = make_dialog(qtbot, env_file)
    dialog.show()
    qtbot.waitExposed(dialog)
    below = line_edit(dialog, "OA_STARTS_WITH")
    source = line_edit(dialog, "OELEO_BASE_DIR_FROM")

    def positions() -> tuple[int, int, int]:
        return (
            below.mapTo(dialog, below.rect().topLeft()).y(),
            dialog.save_button.mapTo(dialog, dialog.save_button.rect().topLeft()).y(),
            dialog.height(),
        )

    before = positions()
    source.setText(source.text() + "-no-such-folder-with-a-long-name-that-would-wrap-" * 3)
    qtbot.waitUntil(lambda: dialog.fields["OELEO_BASE_DIR_FROM"].reason_text != "")
    assert positions() == before
    line_edit(dialog, "OELEO_FILTER_EXTENSION").setText(";")
    qtbot.waitUntil(lambda: dialog.fields["OELEO_FILTER_EXTENSION"].reason_text != "")
    assert positions() == before


def test_without_a_keyring_the_password_may_stay_in_env(  # type: ignore[no-untyped-def]
    qtbot, env_file: Path, dict_keyring: DictKeyring, caplog: pytest.LogCaptureFixture
) -> None:
    dict_keyring.refuse = True
    caplog.set_level(logging.DEBUG)
    before = env_file.read_bytes()
    dialog = make_dialog(qtbot, env_file)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("ssh"))
    line_edit(dialog, "OELEO_EXTERNAL_HOST").setText("10.0.0.5")
    line_edit(dialog, "OELEO_USERNAME").setText("arbin")
    line_edit(dialog, "OELEO_PASSWORD").setText("typed-Secret-42")
    asked: list[str] = []

    def refuse(name: str) -> bool:
        asked.append(name)
        return False

    dialog.ask_keep_in_env = refuse  # type: ignore[method-assign]
    assert not dialog.save()
    assert asked == ["OELEO_PASSWORD"]
    assert env_file.read_bytes() == before  # "Do not save": nothing changed
    assert "Not saved" in dialog.status.text()

    dialog.ask_keep_in_env = lambda name: True  # type: ignore[method-assign]
    assert dialog.save()
    saved = dotenv_values(env_file)
    assert saved["OELEO_PASSWORD"] == "typed-Secret-42"
    assert saved["OELEO_DESTINATION_TYPE"] == "ssh"
    assert dict_keyring.entries == {}
    assert "OELEO_PASSWORD is kept in" in caplog.text
    assert "typed-Secret-42" not in caplog.text


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never says a word (a hung SSH server)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = threading.Event()
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(conn)
            self.accepted.set()

    def close(self) -> None:
        for conn in self.connections:
            conn.close()
        with contextlib.suppress(OSError):  # already closed
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        self.listener.close()
        self._thread.join(5)
        assert not self._thread.is_alive()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def test_cancel_while_a_server_never_answers_does_not_freeze(  # type: ignore[no-untyped-def]
    qtbot, env_file: Path, silent_server: SilentServer
) -> None:
    dialog = make_dialog(qtbot, env_file)
    dialog.show()
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("ssh"))
    line_edit(dialog, "OELEO_EXTERNAL_HOST").setText(f"127.0.0.1:{silent_server.port}")
    line_edit(dialog, "OELEO_USERNAME").setText("lab")
    line_edit(dialog, "OELEO_PASSWORD").setText("pw")
    dialog.test_button.click()
    assert dialog.status.text() == "Testing the connection…"
    qtbot.waitUntil(silent_server.accepted.is_set, timeout=TIMEOUT)
    job = dialog.tester.job
    assert job is not None and job.is_running  # the server holds it: no answer is coming

    with qtbot.assertNotEmitted(dialog.connection_tested):
        dialog.reject()  # Cancel: returns at once, the test is abandoned, not joined
        assert not dialog.isVisible()
        assert job.is_running and job.is_abandoned
        ticked = QTimer(dialog)
        ticked.setSingleShot(True)
        with qtbot.waitSignal(ticked.timeout, timeout=2_000):  # the event loop runs on
            ticked.start(0)
        silent_server.close()  # the hung server goes away: the thread ends by itself ...
        job.thread.join(TIMEOUT / 1000)
        assert not job.thread.is_alive()
        QCoreApplication.processEvents()  # the result was posted before the thread ended
    assert dialog.test_button.isEnabled()
