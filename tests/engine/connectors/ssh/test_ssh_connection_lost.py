"""A connection cut in the middle of an upload, by a loopback proxy in front of sshd."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from oeleo_gui.engine.connectors.base import temp_name_for
from oeleo_gui.engine.connectors.ssh.connector import SshConnector
from oeleo_gui.engine.errors import ConnectionLost
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.settings.config import SshSettings

pytestmark = pytest.mark.sshd


def test_cut_mid_upload_raises_connection_lost_then_reconnect_works(
    ssh_settings: Callable[..., SshSettings], remote_dir: Path, ssh_proxy: Any, tmp_path: Path
) -> None:
    data = os.urandom(16 * 1024 * 1024)
    source = tmp_path / "big.res"
    source.write_bytes(data)
    settings = ssh_settings(port=ssh_proxy.port, known_hosts=ssh_proxy.known_hosts)
    c = SshConnector(settings, str(remote_dir), connect_timeout=10)
    try:
        c.ensure_ready()
        sent: list[int] = []

        def upload() -> None:
            up = c.upload_temp(
                str(source),
                "big.res",
                temp_rel_path=temp_name_for("big.res"),
                mtime=1.0,
                progress=sent.append,
                cancel=CancelToken(),
            )
            assert c.verify([up]) == {}
            c.commit(up)

        ssh_proxy.arm(after_bytes=4 * 1024 * 1024)
        with pytest.raises(ConnectionLost) as info:
            upload()
        assert ssh_proxy.cut.wait(10)
        assert 0 < sent[-1] < len(data)
        assert "lost" in info.value.title
        assert not (remote_dir / "big.res").exists()
        assert not c.is_connected
        with pytest.raises(ConnectionLost):
            c.stat("big.res")

        c.reconnect()
        assert list(remote_dir.iterdir()) == []  # the partial temporary file went on reconnect
        upload()
        assert (remote_dir / "big.res").read_bytes() == data
    finally:
        c.close()
