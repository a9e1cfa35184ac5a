"""Fixtures for connector tests: a real OpenSSH server (`sshd`) and SSH connectors on it.

The server is started once per test run from `tests/sshd_server.py` (shared with the SSH
benchmark) and skipped, saying why, only when no `sshd` binary is installed.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from oeleo_gui.engine.connectors.ssh.connector import SshConnector
from oeleo_gui.engine.settings.config import SshSettings
from tests import sshd_server


@pytest.fixture(scope="session")
def sshd() -> Iterator[Any]:
    """A running `sshd_server.SshdServer` on 127.0.0.1 (normal port + SFTP-only port)."""
    binary = sshd_server.sshd_binary()
    if binary is None:
        pytest.skip("no sshd binary: install openssh-server to run the SSH tests")
    server = sshd_server.SshdServer.start(binary)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def ssh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HOME, so the developer's own ~/.ssh/known_hosts never decides a test."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def ssh_settings(sshd: Any, ssh_home: Path) -> Callable[..., SshSettings]:
    """Build SshSettings for the test server: key auth, trusted host key, unless overridden."""

    def make(**overrides: Any) -> SshSettings:
        values: dict[str, Any] = {
            "host": sshd.host,
            "port": sshd.port,
            "username": sshd.user,
            "key_filename": sshd.key_path,
            "known_hosts": sshd.known_hosts,
        }
        values.update(overrides)
        return SshSettings(**values)

    return make


@pytest.fixture
def remote_dir(sshd: Any) -> Path:
    """A fresh destination folder on the server, owned by the server's user."""
    return sshd.remote_dir()


@pytest.fixture
def ssh_connector(
    ssh_settings: Callable[..., SshSettings], remote_dir: Path
) -> Iterator[SshConnector]:
    """A connected SshConnector (key auth) writing into `remote_dir`."""
    connector = SshConnector(ssh_settings(), str(remote_dir), connect_timeout=10)
    connector.connect()
    try:
        yield connector
    finally:
        connector.close()


class CuttingProxy:
    """A 127.0.0.1 TCP proxy in front of sshd that can cut its connections deterministically.

    `arm(n)` makes the proxy drop every open connection once `n` more bytes went from the
    client to the server; `cut` is set when that happened. New connections work afterwards.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.cut = threading.Event()
        self._lock = threading.Lock()
        self._limit: int | None = None
        self._forwarded = 0
        self._open: list[socket.socket] = []
        self.known_hosts: Path | None = None
        self._accepting = threading.Thread(target=self._accept_loop, daemon=True)
        self._accepting.start()

    def arm(self, after_bytes: int) -> None:
        with self._lock:
            self._limit, self._forwarded = after_bytes, 0
            self.cut.clear()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes accept() on Linux
        self.listener.close()
        with self._lock:
            self._drop_all()
        self._accepting.join(timeout=10)

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                _shut(client)
                continue
            with self._lock:
                self._open += [client, server]
            for src, dst, upstream in ((client, server, True), (server, client, False)):
                threading.Thread(target=self._pump, args=(src, dst, upstream), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, upstream: bool) -> None:
        while True:
            try:
                data = src.recv(256 * 1024)
            except OSError:
                data = b""
            if upstream and data:
                with self._lock:
                    if self._limit is not None:
                        self._forwarded += len(data)
                        if self._forwarded >= self._limit:
                            self._limit = None
                            self.cut.set()
                            self._drop_all()
                            return
            if not data:
                break
            try:
                dst.sendall(data)
            except OSError:
                break
        with self._lock:
            for s in (src, dst):
                if s in self._open:
                    self._open.remove(s)
                _shut(s)

    def _drop_all(self) -> None:
        for s in self._open:
            _shut(s)
        self._open.clear()


def _shut(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    s.close()


@pytest.fixture
def ssh_proxy(sshd: Any, tmp_path: Path) -> Iterator[CuttingProxy]:
    """A CuttingProxy to the sshd; `proxy.known_hosts` trusts the server under its port."""
    proxy = CuttingProxy(sshd.port)
    proxy.known_hosts = sshd.write_known_hosts(tmp_path / "proxy_known_hosts", proxy.port)
    try:
        yield proxy
    finally:
        proxy.close()
