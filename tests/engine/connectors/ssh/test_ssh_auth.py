"""SshConnector against a real sshd: logging in, host keys, and what each failure says."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paramiko
import pytest

from oeleo_gui.engine.connectors.ssh import hostkeys
from oeleo_gui.engine.connectors.ssh.connector import SshConnector
from oeleo_gui.engine.connectors.ssh.keys import load_private_key
from oeleo_gui.engine.errors import (
    AuthFailed,
    DestinationMissing,
    DestinationPermissionDenied,
    HostKeyChanged,
    HostKeyUnknown,
    Unreachable,
)
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.settings.config import SshSettings

pytestmark = pytest.mark.sshd

Settings = Callable[..., SshSettings]


def connector(settings: SshSettings, remote: Path | str) -> SshConnector:
    return SshConnector(settings, str(remote), connect_timeout=10)


def ready(settings: SshSettings, remote: Path | str) -> SshConnector:
    c = connector(settings, remote)
    try:
        c.ensure_ready()
    except BaseException:
        c.close()
        raise
    return c


# --- logging in --------
@pytest.mark.parametrize("key", ["key_path", "rsa_key_path", "ecdsa_key_path"])
def test_key_auth_connects_and_checks_the_folder(
    sshd: Any, ssh_settings: Settings, remote_dir: Path, key: str
) -> None:
    c = ready(ssh_settings(key_filename=getattr(sshd, key)), remote_dir)
    try:
        assert c.is_connected
        assert c.capabilities.server_checksums
        assert c.capabilities.keeps_mtime
        assert c.description == f"sftp://{sshd.user}@127.0.0.1:{sshd.port}{remote_dir}"
        assert list(remote_dir.iterdir()) == []  # the write probe was removed
    finally:
        c.close()
    assert not c.is_connected
    c.close()  # twice is fine


def test_encrypted_key_with_passphrase(sshd: Any, ssh_settings: Settings, remote_dir: Path) -> None:
    settings = ssh_settings(
        key_filename=sshd.encrypted_key_path, key_passphrase=sshd.key_passphrase
    )
    ready(settings, remote_dir).close()


def test_password_auth(sshd: Any, ssh_settings: Settings, remote_dir: Path) -> None:
    if sshd.password is None:
        pytest.skip("password login needs the test user oeleotest, which only root can create")
    ready(ssh_settings(key_filename=None, password=sshd.password), remote_dir).close()


def test_secrets_never_reach_the_log(
    sshd: Any, ssh_settings: Settings, remote_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = ssh_settings(
        key_filename=sshd.encrypted_key_path, key_passphrase=sshd.key_passphrase
    )
    ready(settings, remote_dir).close()
    with pytest.raises(AuthFailed):
        ready(ssh_settings(key_filename=None, password="not-the-Secret-123"), remote_dir)
    assert sshd.key_passphrase not in caplog.text
    assert "not-the-Secret-123" not in caplog.text
    assert "PRIVATE KEY" not in caplog.text


# --- failing to log in --------
def test_wrong_password(sshd: Any, ssh_settings: Settings, remote_dir: Path) -> None:
    with pytest.raises(AuthFailed) as info:
        ready(ssh_settings(key_filename=None, password="wrong-password"), remote_dir)
    assert sshd.user in info.value.title
    assert "OELEO_PASSWORD" in info.value.hint


def test_wrong_key(sshd: Any, ssh_settings: Settings, remote_dir: Path) -> None:
    with pytest.raises(AuthFailed) as info:
        ready(ssh_settings(key_filename=sshd.wrong_key_path), remote_dir)
    assert "refused the login" in info.value.title
    assert "authorized_keys" in info.value.hint


def test_passphrase_missing_or_wrong(sshd: Any, ssh_settings: Settings, remote_dir: Path) -> None:
    with pytest.raises(AuthFailed, match="protected by a passphrase") as info:
        ready(ssh_settings(key_filename=sshd.encrypted_key_path), remote_dir)
    assert "OELEO_KEY_PASSPHRASE" in info.value.hint
    with pytest.raises(AuthFailed, match="Wrong passphrase"):
        ready(ssh_settings(key_filename=sshd.encrypted_key_path, key_passphrase="nope"), remote_dir)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d / "missing_key", "Cannot read the SSH key file"),
        (lambda d: d, "Cannot read the SSH key file"),  # a folder
        (lambda d: _write(d / "garbage", b"hello, not a key\n"), "is not a private key file"),
        (
            lambda d: _write(d / "id.pub", b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA x@y\n"),
            "is a public key",
        ),
        (
            lambda d: _write(
                d / "broken",
                b"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
            ),
            "could not be read as a private key",
        ),
    ],
)
def test_unusable_key_file(
    ssh_settings: Settings, remote_dir: Path, tmp_path: Path, make: Any, expected: str
) -> None:
    key = make(tmp_path)
    with pytest.raises(AuthFailed, match=expected) as info:
        ready(ssh_settings(key_filename=key), remote_dir)
    assert "OELEO_KEY_FILENAME" in info.value.hint


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_load_private_key_ignores_a_passphrase_for_a_plain_key(sshd: Any) -> None:
    key = load_private_key(sshd.key_path, "unused passphrase")
    assert key.get_name() == "ssh-ed25519"


# --- reaching the server --------
def test_refused_port(ssh_settings: Settings, remote_dir: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connections are refused
        with pytest.raises(Unreachable, match="connection refused") as info:
            ready(ssh_settings(port=port), remote_dir)
    assert "OELEO_EXTERNAL_HOST" in info.value.hint


def test_unknown_host_name(ssh_settings: Settings, remote_dir: Path) -> None:
    with pytest.raises(Unreachable, match="name is not known"):
        ready(ssh_settings(host="oeleo-test.invalid"), remote_dir)


def test_not_an_ssh_server(ssh_settings: Settings, remote_dir: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        # Accepted by the kernel's backlog, never answered: no SSH banner arrives.
        settings = ssh_settings(port=listener.getsockname()[1])
        c = SshConnector(settings, str(remote_dir), connect_timeout=1)
        with pytest.raises(Unreachable, match="did not answer as an SSH server"):
            c.connect()


def test_missing_remote_folder(ssh_settings: Settings, remote_dir: Path) -> None:
    with pytest.raises(DestinationMissing, match="does not exist") as info:
        ready(ssh_settings(), remote_dir / "nope")
    assert "OELEO_BASE_DIR_TO" in info.value.hint
    c = connector(ssh_settings(), remote_dir / "nope")
    try:
        with pytest.raises(DestinationMissing):
            c.list_files(recursive=True)
    finally:
        c.close()


def test_no_write_permission(sshd: Any, ssh_settings: Settings) -> None:
    if sshd.user == "root":
        pytest.skip("root may write anywhere")
    read_only = sshd.remote_dir(mode=0o555, owned=False)
    with pytest.raises(DestinationPermissionDenied, match="may not write") as info:
        ready(ssh_settings(), read_only)
    assert "OELEO_BASE_DIR_TO" in info.value.hint


# --- host keys --------
def test_unknown_host_key_is_refused_and_nothing_is_sent(
    sshd: Any, ssh_settings: Settings, remote_dir: Path, tmp_path: Path
) -> None:
    src = _write(tmp_path / "data.csv", b"1,2,3\n")
    c = connector(ssh_settings(known_hosts=tmp_path / "empty_known_hosts"), remote_dir)
    with pytest.raises(HostKeyUnknown) as info:
        c.upload_temp(
            str(src), "data.csv", temp_rel_path=".data.csv.0000abcd.oeleo-part", mtime=0,
            progress=lambda n: None, cancel=CancelToken(),
        )  # fmt: skip
    fingerprints = {sshd_fp for _t, sshd_fp in _host_fingerprints(sshd)}
    assert info.value.fingerprint in fingerprints
    assert info.value.fingerprint in info.value.title
    assert info.value.host == f"[127.0.0.1]:{sshd.port}"
    assert "trust-host" in info.value.hint
    assert list(remote_dir.iterdir()) == []
    assert not (tmp_path / "empty_known_hosts").exists()  # nothing was auto-added


def _host_fingerprints(sshd: Any) -> list[tuple[str, str]]:
    from oeleo_gui.engine.connectors.ssh.hostkeys import fingerprint

    return [(t, fingerprint(paramiko.PKey.from_type_string(t, _b64(b)))) for t, b in sshd.host_keys]


def _b64(text: str) -> bytes:
    import base64

    return base64.b64decode(text)


def test_changed_host_key(
    sshd: Any, ssh_settings: Settings, remote_dir: Path, tmp_path: Path
) -> None:
    impostor = paramiko.Ed25519Key.from_private_key_file(str(sshd.wrong_key_path))
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{sshd.port} ssh-ed25519 {impostor.get_base64()}\n")
    with pytest.raises(HostKeyChanged) as info:
        ready(ssh_settings(known_hosts=known), remote_dir)
    assert info.value.known_fingerprint == hostkeys.fingerprint(impostor)
    assert info.value.fingerprint == sshd.host_key_fingerprint
    assert "CHANGED" in info.value.title


def test_known_key_of_a_type_the_server_lacks_counts_as_changed(
    sshd: Any, ssh_settings: Settings, remote_dir: Path, tmp_path: Path
) -> None:
    other = paramiko.ECDSAKey.from_private_key_file(str(sshd.ecdsa_key_path))
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{sshd.port} {other.get_name()} {other.get_base64()}\n")
    with pytest.raises(HostKeyChanged):
        ready(ssh_settings(known_hosts=known), remote_dir)


def test_scan_then_trust_then_connect(
    sshd: Any, ssh_settings: Settings, remote_dir: Path, tmp_path: Path
) -> None:
    known = tmp_path / "config" / "known_hosts"  # the folder does not exist yet
    key_type, fp, key = hostkeys.scan_host_key("127.0.0.1", sshd.port, timeout=10)
    assert (key_type, fp) in _host_fingerprints(sshd)
    assert hostkeys.trust_host_key("127.0.0.1", sshd.port, key, known) == known
    assert known.read_text() == f"[127.0.0.1]:{sshd.port} {key_type} {key.get_base64()}\n"
    hostkeys.trust_host_key("127.0.0.1", sshd.port, key, known)  # idempotent
    assert len(known.read_text().splitlines()) == 1
    ready(ssh_settings(known_hosts=known), remote_dir).close()


def test_trust_refuses_to_replace_a_key_unless_asked(sshd: Any, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("# comment kept\nother.example ssh-ed25519 " + _pub(sshd.key_path) + "\n")
    old = paramiko.Ed25519Key.from_private_key_file(str(sshd.wrong_key_path))
    new = paramiko.Ed25519Key.from_private_key_file(str(sshd.key_path))
    hostkeys.trust_host_key("srv", 2222, old, known)
    with pytest.raises(HostKeyChanged):
        hostkeys.trust_host_key("srv", 2222, new, known)
    hostkeys.trust_host_key("srv", 2222, new, known, replace=True)
    lines = known.read_text().splitlines()
    assert lines[0] == "# comment kept"
    assert lines[-1] == f"[srv]:2222 ssh-ed25519 {new.get_base64()}"
    assert len(lines) == 3
    keys = hostkeys.known_keys_for(
        hostkeys.load_known_hosts(known, include_user_file=False), "[srv]:2222"
    )
    assert keys == {"ssh-ed25519": new}


def _pub(key_path: Path) -> str:
    return key_path.with_name(key_path.name + ".pub").read_text().split()[1]


def test_port_22_uses_the_bare_host_name() -> None:
    assert hostkeys.host_key_name("srv", 22) == "srv"
    assert hostkeys.host_key_name("srv", 2222) == "[srv]:2222"


def test_user_known_hosts_is_trusted_too(
    sshd: Any, ssh_settings: Settings, remote_dir: Path, ssh_home: Path, tmp_path: Path
) -> None:
    sshd.write_known_hosts(ssh_home / ".ssh" / "known_hosts")
    ready(ssh_settings(known_hosts=tmp_path / "app_known_hosts"), remote_dir).close()


def test_scan_host_key_of_a_closed_port() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        with pytest.raises(Unreachable, match="connection refused"):
            hostkeys.scan_host_key("127.0.0.1", s.getsockname()[1], timeout=5)
