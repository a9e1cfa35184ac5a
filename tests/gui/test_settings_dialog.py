"""SettingsDialog: round-trips a hand-written .env, blocks Save on bad input, keeps secrets safe."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest
from dotenv import dotenv_values
from PySide6.QtWidgets import QCheckBox, QLineEdit

from oeleo_gui.engine.connection_test import ConnectionResult
from oeleo_gui.engine.settings.config import load_settings
from oeleo_gui.engine.settings.secret_store import SERVICE_NAME
from oeleo_gui.gui.settings_dialog import SettingsDialog


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives in a dict, so no test touches the real one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def folders(tmp_path: Path) -> Path:
    for name in ("data", "backup", "logs"):
        (tmp_path / name).mkdir()
    return tmp_path


def hand_written(folders: Path) -> str:
    return (
        "# oeleo settings for the Arbin PC -- edited by hand\n"
        "\n"
        f"OELEO_BASE_DIR_FROM={folders / 'data'}   # where the tester writes\n"
        "export OELEO_FILTER_EXTENSION=.res;.csv\n"
        "\n"
        "  # something only the technician knows\n"
        "SOME_OTHER_TOOL=keep me\n"
        f"OELEO_BASE_DIR_TO='{folders / 'backup'}'\n"
        "OA_INCLUDE_SUBDIRS=yes\n"
        "OA_HOURS_SLEEP = 0.5\n"
        "UNRELATED_FLAG\n"
        "OELEO_LOG_DIR=logs\n"
    )


@pytest.fixture
def env_file(folders: Path) -> Path:
    path = folders / ".env"
    path.write_text(hand_written(folders))
    return path


def make_dialog(qtbot, env_file: Path) -> SettingsDialog:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(env_file)
    qtbot.addWidget(dialog)
    return dialog


def line_edit(dialog: SettingsDialog, name: str) -> QLineEdit:
    editor = dialog.fields[name].editor
    assert isinstance(editor, QLineEdit)
    return editor


def test_open_and_save_unchanged_is_byte_identical(qtbot, env_file: Path) -> None:  # type: ignore[no-untyped-def]
    before = env_file.read_bytes()
    dialog = make_dialog(qtbot, env_file)
    assert dialog.save_button.isEnabled()
    with qtbot.waitSignal(dialog.settings_saved) as blocker:
        assert dialog.save()
    assert blocker.args == [env_file]
    assert env_file.read_bytes() == before


def test_one_change_changes_one_line(qtbot, env_file: Path, folders: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = make_dialog(qtbot, env_file)
    qtbot.keyClicks(line_edit(dialog, "OA_HOURS_SLEEP"), "5")  # 0.5 -> 0.55
    checkbox = dialog.fields["OA_INCLUDE_SUBDIRS"].editor
    assert isinstance(checkbox, QCheckBox)
    assert checkbox.isChecked()
    assert dialog.save()
    expected = hand_written(folders).replace("OA_HOURS_SLEEP = 0.5", "OA_HOURS_SLEEP = 0.55")
    assert env_file.read_text() == expected
    assert env_file.with_name(".env.bak").read_text() == hand_written(folders)


def test_a_misspelt_setting_is_shown_and_kept(qtbot, env_file: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = make_dialog(qtbot, env_file)
    assert not dialog.ignored_note.isVisibleTo(dialog)  # SOME_OTHER_TOOL is not ours: no note
    with env_file.open("a") as env:
        env.write("OA_MAX_RUNS=5\n")
    dialog = make_dialog(qtbot, env_file)
    assert dialog.ignored_note.isVisibleTo(dialog)
    assert "OA_MAX_RUNS is not a setting" in dialog.ignored_note.text()
    assert "Did you mean OA_MAX_RUN_INTERVALS?" in dialog.ignored_note.text()
    assert dialog.save()
    assert "OA_MAX_RUNS=5" in env_file.read_text()  # the technician's line stays as it was


def test_checkbox_writes_a_plain_word(qtbot, env_file: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = make_dialog(qtbot, env_file)
    dialog.fields["OA_INCLUDE_SUBDIRS"].editor.click()
    dialog.fields["OELEO_WATCH_FOLDER"].editor.click()
    assert dialog.save()
    values = dotenv_values(env_file)
    assert values["OA_INCLUDE_SUBDIRS"] == "false"
    assert values["OELEO_WATCH_FOLDER"] == "true"
    assert values["SOME_OTHER_TOOL"] == "keep me"


@pytest.mark.parametrize(
    ("name", "typed", "reason"),
    [
        ("OELEO_BASE_DIR_FROM", "no/such/folder", "does not exist"),
        ("OELEO_NOT_AFTER", "31.12.2024", "Not a date"),
        ("OA_HOURS_SLEEP", "half an hour", "Not a number"),
        ("OELEO_FILTER_EXTENSION", ";", "List extensions"),
    ],
)
def test_invalid_input_blocks_save_and_shows_why(  # type: ignore[no-untyped-def]
    qtbot, env_file: Path, name: str, typed: str, reason: str
) -> None:
    before = env_file.read_bytes()
    dialog = make_dialog(qtbot, env_file)
    dialog.show()
    editor = line_edit(dialog, name)
    original = editor.text()
    editor.clear()
    qtbot.keyClicks(editor, typed)
    field = dialog.fields[name]
    qtbot.waitUntil(lambda: not dialog.save_button.isEnabled())
    assert reason in field.reason_text
    assert reason in field.reason.message
    assert field.reason.text().endswith(field.reason.message[-5:])  # shortened in the middle
    assert not dialog.save()
    assert env_file.read_bytes() == before
    editor.setText(original)  # the reason goes away again when fixed
    qtbot.waitUntil(dialog.save_button.isEnabled)
    assert field.reason_text == ""


def test_ssh_fields_are_checked_as_typed(qtbot, env_file: Path, folders: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = make_dialog(qtbot, env_file)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("ssh"))
    assert dialog.kind_pages.currentIndex() == 1
    qtbot.keyClicks(line_edit(dialog, "OELEO_EXTERNAL_HOST"), "server:port")
    not_a_key = folders / "notes.txt"
    not_a_key.write_text("hello\n")
    line_edit(dialog, "OELEO_KEY_FILENAME").setText(str(not_a_key))
    qtbot.waitUntil(lambda: not dialog.save_button.isEnabled())
    reasons = dialog.validate()
    assert reasons["OELEO_EXTERNAL_HOST"].startswith("Not a host or host:port")
    assert reasons["OELEO_KEY_FILENAME"].startswith("Not a private key")
    assert reasons["OELEO_USERNAME"].startswith("Required")


def test_password_in_env_can_move_to_keyring(  # type: ignore[no-untyped-def]
    qtbot, env_file: Path, memory_keyring: MemoryKeyring, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cret-Pass-in-env"
    with env_file.open("a") as f:
        f.write(
            "OELEO_EXTERNAL_HOST=server.lab:2222\nOELEO_USERNAME=lab\n"
            f"OELEO_PASSWORD={secret}\nOELEO_DESTINATION_TYPE=ssh\n"
        )
    caplog.set_level(logging.DEBUG)
    dialog = make_dialog(qtbot, env_file)
    password = line_edit(dialog, "OELEO_PASSWORD")
    assert password.echoMode() == QLineEdit.EchoMode.Password
    assert "plain text" in dialog.secret_note.text()
    move = dialog.fields["OELEO_PASSWORD"].move_to_keyring
    assert move is not None
    move.setChecked(True)
    assert dialog.save()
    assert "OELEO_PASSWORD" not in env_file.read_text()
    assert memory_keyring.entries == {(SERVICE_NAME, "OELEO_PASSWORD:lab@server.lab:2222"): secret}
    assert secret not in caplog.text
    # Opened again, the password comes from the keyring and the engine still finds it.
    again = make_dialog(qtbot, env_file)
    assert line_edit(again, "OELEO_PASSWORD").text() == secret
    assert again.fields["OELEO_PASSWORD"].move_to_keyring is None


def test_new_secret_goes_to_keyring_not_env(  # type: ignore[no-untyped-def]
    qtbot, env_file: Path, memory_keyring: MemoryKeyring, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    dialog = make_dialog(qtbot, env_file)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("ssh"))
    qtbot.keyClicks(line_edit(dialog, "OELEO_EXTERNAL_HOST"), "10.0.0.5")
    qtbot.keyClicks(line_edit(dialog, "OELEO_USERNAME"), "arbin")
    qtbot.keyClicks(line_edit(dialog, "OELEO_PASSWORD"), "typed-Secret-42")
    assert dialog.save(), dialog.validate()
    text = env_file.read_text()
    assert "typed-Secret-42" not in text
    assert "OELEO_DESTINATION_TYPE=ssh\n" in text
    assert memory_keyring.entries[(SERVICE_NAME, "OELEO_PASSWORD:arbin@10.0.0.5:22")] == (
        "typed-Secret-42"
    )
    assert "typed-Secret-42" not in caplog.text


def test_test_connection_runs_in_background(qtbot, env_file: Path, folders: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = make_dialog(qtbot, env_file)
    with qtbot.waitSignal(dialog.connection_tested, timeout=10_000) as blocker:
        dialog.test_button.click()
        assert not dialog.test_button.isEnabled()  # returned at once: the test runs elsewhere
    result = blocker.args[0]
    assert isinstance(result, ConnectionResult)
    assert result.ok, result.message
    assert "writable" in dialog.status.text()
    assert dialog.test_button.isEnabled()

    line_edit(dialog, "OELEO_BASE_DIR_TO").setText(str(folders / "gone"))
    with qtbot.waitSignal(dialog.connection_tested, timeout=10_000) as blocker:
        dialog.test_button.click()
    assert not blocker.args[0].ok
    assert "gone" in dialog.status.text()

    line_edit(dialog, "OELEO_FILTER_EXTENSION").clear()
    with qtbot.assertNotEmitted(dialog.connection_tested):
        dialog.test_button.click()  # a settings problem is reported without a thread
    assert "Fix these settings first" in dialog.status.text()
    assert "“Extensions”" in dialog.status.text()  # the field's name, not the variable's
    assert "OELEO_FILTER_EXTENSION" not in dialog.status.text()


def test_missing_env_file_is_created(qtbot, folders: Path) -> None:  # type: ignore[no-untyped-def]
    env_file = folders / "new" / ".env"
    dialog = make_dialog(qtbot, env_file)
    assert not dialog.save_button.isEnabled()
    line_edit(dialog, "OELEO_BASE_DIR_FROM").setText(str(folders / "data"))
    line_edit(dialog, "OELEO_FILTER_EXTENSION").setText(".csv")
    line_edit(dialog, "OELEO_BASE_DIR_TO").setText(str(folders / "backup"))
    qtbot.waitUntil(dialog.save_button.isEnabled)
    assert dialog.save()
    assert dotenv_values(env_file) == {
        "OELEO_BASE_DIR_FROM": str(folders / "data"),
        "OELEO_FILTER_EXTENSION": ".csv",
        "OELEO_BASE_DIR_TO": str(folders / "backup"),
    }


def test_a_utf16_env_opens_shows_its_values_and_stays_utf16(qtbot, folders: Path) -> None:  # type: ignore[no-untyped-def]
    """Notepad's "Unicode": the dialog reads it as the engine does and saves it back as it was."""
    env_file = folders / ".env"
    text = hand_written(folders).replace("\n", "\r\n")
    env_file.write_bytes(text.encode("utf-16"))  # with its BOM, as Notepad writes it
    dialog = make_dialog(qtbot, env_file)
    assert not dialog.read_note.isVisibleTo(dialog)
    assert line_edit(dialog, "OELEO_BASE_DIR_FROM").text() == str(folders / "data")
    assert line_edit(dialog, "OA_HOURS_SLEEP").text() == "0.5"
    assert dialog.save_button.isEnabled()
    qtbot.keyClicks(line_edit(dialog, "OA_HOURS_SLEEP"), "5")  # 0.5 -> 0.55
    assert dialog.save()
    data = env_file.read_bytes()
    assert data.startswith(b"\xff\xfe")  # still UTF-16 with its BOM
    expected = text.replace("OA_HOURS_SLEEP = 0.5", "OA_HOURS_SLEEP = 0.55")
    assert data.decode("utf-16") == expected
    settings = load_settings(env_file, environ={})  # the engine reads what was saved
    assert settings.run_interval_seconds == pytest.approx(0.55 * 3600)
    assert settings.source == folders / "data"


def test_an_ansi_env_opens_says_to_save_it_as_utf8_and_is_never_overwritten(  # type: ignore[no-untyped-def]
    qtbot, folders: Path
) -> None:
    env_file = folders / ".env"
    original = (hand_written(folders) + "OELEO_INSTRUMENT_NAME=Prüfstand Süd\n").encode("cp1252")
    env_file.write_bytes(original)
    dialog = make_dialog(qtbot, env_file)
    dialog.show()
    note = dialog.read_note.text()
    assert dialog.read_note.isVisible()
    assert str(env_file) in note
    assert "line 13" in note  # the line with ü
    assert "Encoding to UTF-8" in note
    assert "Nothing in the file was changed." in note
    assert not dialog.save_button.isEnabled()
    assert not dialog.tabs.isEnabled()  # nothing can be typed into a form that cannot be saved
    assert not dialog.save()
    assert env_file.read_bytes() == original
    assert not env_file.with_name(".env.bak").exists()
