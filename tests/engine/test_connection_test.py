"""test_connection on a local destination: plain-word results, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from oeleo_gui.engine.connection_test import (
    ConnectionResult,
    HostKeyInfo,
    test_connection,
    trust_host,
)
from oeleo_gui.engine.errors import HostKeyChanged
from oeleo_gui.engine.settings.config import settings_from_values


def _settings(tmp_path: Path, destination: Path) -> object:
    (tmp_path / "src").mkdir(exist_ok=True)
    values = {
        "OELEO_BASE_DIR_FROM": str(tmp_path / "src"),
        "OELEO_FILTER_EXTENSION": ".csv",
        "OELEO_BASE_DIR_TO": str(destination),
    }
    return settings_from_values(values, tmp_path / ".env")


def test_reachable_and_writable(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    result = test_connection(_settings(tmp_path, dest))  # type: ignore[arg-type]
    assert result == ConnectionResult(
        ok=True, message=f"Reached {dest}: the folder exists and is writable."
    )
    assert list(dest.iterdir()) == []  # the write probe is gone


def test_missing_folder_says_what_to_fix(tmp_path: Path) -> None:
    result = test_connection(_settings(tmp_path, tmp_path / "nope"))  # type: ignore[arg-type]
    assert not result.ok
    assert result.host_key is None
    assert "nope" in result.message
    assert "OELEO_BASE_DIR_TO" in result.message or "create" in result.message.lower()


def test_a_changed_key_is_never_trusted(tmp_path: Path) -> None:
    info = HostKeyInfo(
        host="127.0.0.1",
        port=1,
        key_type="ssh-ed25519",
        fingerprint="SHA256:new",
        known_hosts_file=tmp_path / "known_hosts",
        changed=True,
        known_fingerprint="SHA256:old",
    )
    with pytest.raises(HostKeyChanged):
        trust_host(info)
    assert not (tmp_path / "known_hosts").exists()
