"""`read_small_file` over SFTP against the real sshd, and a connector rooted at `.oeleo/status`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.null
import pytest

from oeleo_gui.engine.connectors import make_connector
from oeleo_gui.engine.connectors.base import STATUS_FOLDER
from oeleo_gui.engine.connectors.ssh.connector import SshConnector
from oeleo_gui.engine.errors import FileError
from oeleo_gui.engine.settings.config import settings_from_values

pytestmark = pytest.mark.sshd


@pytest.fixture(autouse=True)
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.null.Keyring())
    yield
    keyring.set_keyring(previous)


def test_reads_small_files_over_sftp(ssh_connector: SshConnector, remote_dir: Path) -> None:
    (remote_dir / "sub").mkdir()
    (remote_dir / "sub" / "a.json").write_bytes(b'{"a": "\xc3\xa5"}')
    assert ssh_connector.read_small_file("sub/a.json", 100) == b'{"a": "\xc3\xa5"}'
    assert ssh_connector.read_small_file("sub/missing.json", 100) is None


def test_an_oversized_file_is_refused_without_reading_it_all(
    ssh_connector: SshConnector, remote_dir: Path
) -> None:
    (remote_dir / "big.json").write_bytes(os.urandom(3 * 1024 * 1024))
    with pytest.raises(FileError, match=r"big\.json in sftp://.* is larger than 1024 bytes"):
        ssh_connector.read_small_file("big.json", 1024)
    assert ssh_connector.is_connected  # a refused file is no lost connection


def test_make_connector_roots_at_the_status_folder_over_ssh(
    sshd: Any, ssh_home: Path, remote_dir: Path, tmp_path: Path
) -> None:
    status = remote_dir / ".oeleo" / "status"
    status.mkdir(parents=True)
    (status / "Cycler 1.json").write_text('{"x": 1}')
    (remote_dir / "data.res").write_text("data")
    settings = settings_from_values(
        {
            "OELEO_BASE_DIR_FROM": str(tmp_path),
            "OELEO_FILTER_EXTENSION": ".res",
            "OELEO_BASE_DIR_TO": str(remote_dir),
            "OELEO_EXTERNAL_HOST": f"{sshd.host}:{sshd.port}",
            "OELEO_USERNAME": sshd.user,
            "OELEO_KEY_FILENAME": str(sshd.key_path),
            "OELEO_KNOWN_HOSTS": str(sshd.known_hosts),
        }
    )
    connector = make_connector(settings, subfolder=STATUS_FOLDER)
    try:
        connector.connect()
        assert sorted(connector.list_files(recursive=False)) == ["Cycler 1.json"]
        assert connector.read_small_file("Cycler 1.json", 100) == b'{"x": 1}'
    finally:
        connector.close()
