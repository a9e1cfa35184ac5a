"""Test connection against the real test sshd: an unknown host key is shown, then trusted only
after the technician accepts it (engine level and through the settings dialog)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest

from oeleo_gui.engine.connection_test import HostKeyInfo, test_connection
from oeleo_gui.engine.settings.config import settings_from_values
from oeleo_gui.gui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.sshd


class _NoKeyring(keyring.backend.KeyringBackend):
    """An empty keyring, so no test reads the real one."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("read-only test keyring")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.PasswordDeleteError(username)


@pytest.fixture(autouse=True)
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(_NoKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def ssh_env(sshd: Any, ssh_home: Path, tmp_path: Path) -> Path:
    """A .env for the test server whose known-hosts file does not trust it yet."""
    (tmp_path / "data").mkdir()
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# test server\n"
        f"OELEO_BASE_DIR_FROM={tmp_path / 'data'}\n"
        "OELEO_FILTER_EXTENSION=.csv\n"
        "OELEO_DESTINATION_TYPE=ssh\n"
        f"OELEO_EXTERNAL_HOST={sshd.host}:{sshd.port}\n"
        f"OELEO_USERNAME={sshd.user}\n"
        f"OELEO_KEY_FILENAME={sshd.key_path}\n"
        f"OELEO_KNOWN_HOSTS={tmp_path / 'app' / 'known_hosts'}\n"
        f"OELEO_BASE_DIR_TO={sshd.remote_dir()}\n"
    )
    return env_file


def _known_hosts(env_file: Path) -> Path:
    return env_file.parent / "app" / "known_hosts"


def test_unknown_host_key_shows_the_servers_fingerprint(sshd: Any, ssh_env: Path) -> None:
    from dotenv import dotenv_values

    values = {k: v for k, v in dotenv_values(ssh_env).items() if v}
    result = test_connection(settings_from_values(values, ssh_env))
    assert not result.ok
    assert isinstance(result.host_key, HostKeyInfo)
    assert not result.host_key.changed
    assert result.host_key.fingerprint in {
        sshd.host_key_fingerprint,
        *(_fp(b64) for _t, b64 in sshd.host_keys),
    }
    assert result.host_key.fingerprint in result.message
    assert not _known_hosts(ssh_env).exists()


def _fp(b64: str) -> str:
    import base64
    import hashlib

    digest = hashlib.sha256(base64.b64decode(b64)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def test_dialog_stores_the_key_only_after_acceptance(qtbot, sshd: Any, ssh_env: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(ssh_env)
    qtbot.addWidget(dialog)
    asked: list[HostKeyInfo] = []

    def refuse(info: HostKeyInfo) -> bool:
        asked.append(info)
        return False

    dialog.ask_trust_host_key = refuse  # type: ignore[method-assign]
    with qtbot.waitSignal(dialog.connection_tested, timeout=20_000) as blocker:
        dialog.test_button.click()
    assert not blocker.args[0].ok
    assert len(asked) == 1
    shown = asked[0].fingerprint
    assert shown in dialog.status.text()
    assert "not trusted" in dialog.status.text()
    assert not _known_hosts(ssh_env).exists()
    assert dialog.test_button.isEnabled()

    def accept(info: HostKeyInfo) -> bool:
        asked.append(info)
        return True

    dialog.ask_trust_host_key = accept  # type: ignore[method-assign]
    with qtbot.waitSignal(
        dialog.connection_tested, timeout=20_000, check_params_cb=lambda r: r.ok
    ) as blocker:
        dialog.test_button.click()
    assert asked[-1].fingerprint == shown
    assert "writable" in dialog.status.text()
    trusted = _known_hosts(ssh_env).read_text()
    assert f"[{sshd.host}]:{sshd.port} {asked[-1].key_type} " in trusted

    # Trusted now: a third test connects without asking.
    with qtbot.waitSignal(dialog.connection_tested, timeout=20_000) as blocker:
        dialog.test_button.click()
    assert blocker.args[0].ok
    assert len(asked) == 2


def test_changed_host_key_is_a_warning_never_a_question(qtbot, sshd: Any, ssh_env: Path) -> None:  # type: ignore[no-untyped-def]
    known = _known_hosts(ssh_env)
    known.parent.mkdir(parents=True)
    # A different ed25519 key recorded for the server: someone "changed" it.
    other = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    known.write_text(f"[{sshd.host}]:{sshd.port} ssh-ed25519 {other}\n")
    dialog = SettingsDialog(ssh_env)
    qtbot.addWidget(dialog)

    def must_not_ask(info: HostKeyInfo) -> bool:
        raise AssertionError("a changed key must never be offered for trust")

    dialog.ask_trust_host_key = must_not_ask  # type: ignore[method-assign]
    with qtbot.waitSignal(dialog.connection_tested, timeout=20_000) as blocker:
        dialog.test_button.click()
    result = blocker.args[0]
    assert not result.ok
    assert result.host_key is not None
    assert result.host_key.changed
    assert "CHANGED" in dialog.status.text()
    assert dialog.status.text().startswith("⚠")
    assert known.read_text() == f"[{sshd.host}]:{sshd.port} ssh-ed25519 {other}\n"
