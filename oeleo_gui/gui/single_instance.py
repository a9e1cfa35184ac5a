"""One tray instance per configuration: a QLockFile, plus a QLocalServer to wake the first one.

The key is derived from the resolved `.env` path, so two configurations may run side by side. A
second launch fails to take the lock, sends "show" to the running instance's server, and exits.
A lock left by a crashed process is stale (its PID no longer runs) and QLockFile takes it over;
the server's leftover socket is removed before listening again.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QDir, QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

SHOW_MESSAGE = b"show\n"
CONNECT_TIMEOUT_MS = 1_000


def instance_key(env_file: Path | None) -> str:
    """A short, filesystem- and socket-safe name for this configuration."""
    text = str(env_file.resolve()) if env_file is not None else "<no configuration>"
    return "oeleo-gui-" + hashlib.sha256(text.encode()).hexdigest()[:16]


class SingleInstance(QObject):
    """`acquire()` → True for the first instance; `activation_requested` when another one starts."""

    activation_requested = Signal()

    def __init__(
        self, key: str, lock_dir: Path | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.key = key
        folder = lock_dir or Path(QDir.tempPath())
        self.lock_path = folder / f"{key}.lock"
        self._lock = QLockFile(str(self.lock_path))
        # Held for the app's lifetime: never stale by age, only when its process is gone.
        self._lock.setStaleLockTime(0)
        self._server: QLocalServer | None = None
        self._connections: list[QLocalSocket] = []

    def acquire(self) -> bool:
        """Take the lock and start listening; False when another live instance holds it."""
        if not self._lock.tryLock(0):
            if self._lock.error() == QLockFile.LockError.LockFailedError:
                return False
            log.warning("cannot create the lock file %s; continuing without", self.lock_path)
        QLocalServer.removeServer(self.key)  # a socket file left behind by a crash
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_server_new_connection)
        if not self._server.listen(self.key):
            log.warning("cannot listen on %s: %s", self.key, self._server.errorString())
        return True

    def notify_running(self) -> bool:
        """From a second instance: ask the running one to show itself. True if it answered."""
        socket = QLocalSocket()
        socket.connectToServer(self.key)
        if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
            log.info("the running instance did not answer: %s", socket.errorString())
            return False
        socket.write(SHOW_MESSAGE)
        socket.flush()
        # flush() may already have sent everything, and then waitForBytesWritten says False.
        done = socket.bytesToWrite() == 0 or socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
        socket.disconnectFromServer()
        return bool(done)

    def release(self) -> None:
        for conn in self._connections:
            conn.readyRead.disconnect(self._on_connection_ready_read)
            conn.abort()
        self._connections.clear()
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._lock.isLocked():
            self._lock.unlock()

    def _on_server_new_connection(self) -> None:
        if self._server is None:
            return
        while self._server.hasPendingConnections():
            conn = self._server.nextPendingConnection()
            self._connections.append(conn)
            conn.readyRead.connect(self._on_connection_ready_read)

    def _on_connection_ready_read(self) -> None:
        # No lambdas holding sockets: they outlive the server and crash at teardown.
        for conn in [c for c in self._connections if c.bytesAvailable()]:
            data = bytes(conn.readAll().data())
            self._connections.remove(conn)
            conn.readyRead.disconnect(self._on_connection_ready_read)
            conn.disconnectFromServer()
            conn.deleteLater()
            if data.startswith(SHOW_MESSAGE.strip()):
                log.info("another launch asked this instance to show itself")
                self.activation_requested.emit()
