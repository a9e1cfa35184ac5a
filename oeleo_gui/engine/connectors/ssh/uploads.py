"""Sending a batch of files to temporary names over an `SftpPipe`, many requests in flight.

Up to `MAX_OPEN` files are open at the server at once: their opens travel together, each file's
writes follow as soon as its handle arrives, then its modification time (set on the handle, so
the rename keeps it) and its close. A file counts as sent only when the server has confirmed
every write, the time and the close. Large files stream in the largest requests the server
accepts with `MAX_UNANSWERED` bytes on the way (never more in memory). The MD5 is computed as
the bytes are read, on this thread: hashing on a second one cost a fifth more CPU and time on
loopback (the GIL handed back and forth for every chunk), and one thread hashes and sends
about 250 MB/s, more than a lab network carries.

A failure of one file (its source unreadable, the server refusing that name) is reported for
that file and the others go on; a failure that concerns the destination (a full disk, no
permission) or a cancel stops the batch: what is still open is closed and the temporary files
not yet reported sent are removed before the error is raised. When the connection drops, those
names are left in `unfinished` for the caller to remove after reconnecting.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from oeleo_gui.engine.connectors.ssh import sftp_pipe as fxp
from oeleo_gui.engine.connectors.ssh.errors import Phase
from oeleo_gui.engine.errors import Cancelled, DestinationError, FileError, OeleoError
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.fileio.source_files import open_source

MAX_OPEN = 256  # files open at the server at once (its own limit, when lower, wins)
MAX_UNANSWERED = 8 * 1024 * 1024  # bytes written and not yet confirmed by the server
MAX_REQUESTS = 4096  # requests on the way, whatever their size
OPEN_FLAGS = struct.pack(">I", fxp.WRITE_FLAG | fxp.CREATE_FLAG | fxp.TRUNCATE_FLAG)

Translate = Callable[[BaseException, int, Phase], OeleoError]
"""The engine error for a file's failure (file index, phase): a FileError for that file
alone, or a DestinationError that stops the batch."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One file of a batch: the local source and the remote temporary path."""

    source: str
    remote: str
    mtime: float


@dataclass(slots=True)
class _File:
    index: int
    remote: bytes
    mtime: float
    fd: int
    digest: Any = field(default_factory=lambda: hashlib.md5(usedforsecurity=False))
    handle: bytes = b""
    sent: int = 0
    unanswered: int = 0
    read_all: bool = False
    closing: bool = False
    failure: OeleoError | None = None


class BatchSender:
    """Sends one batch; see the module docstring. Callbacks get each file's index:
    `on_progress(i, bytes_sent)`, `on_sent(i, size, md5)`, `on_failed(i, FileError)`."""

    def __init__(
        self,
        pipe: fxp.SftpPipe,
        *,
        translate: Translate,
        on_progress: Callable[[int, int], None],
        on_sent: Callable[[int, int, str], None],
        on_failed: Callable[[int, FileError], None],
        cancel: CancelToken,
    ) -> None:
        self.pipe = pipe
        self.translate = translate
        self.on_progress = on_progress
        self.on_sent = on_sent
        self.on_failed = on_failed
        self.cancel = cancel
        self.unfinished: set[str] = set()
        """Remote temporary names made and not reported sent: what a dropped connection leaves."""
        self._ready: deque[_File] = deque()  # have a handle and data still to send
        self._open: dict[int, _File] = {}
        self._unanswered_bytes = 0
        self._stop: OeleoError | None = None

    def run(self, files: Sequence[Outgoing]) -> None:
        waiting = deque(enumerate(files))
        max_open = min(MAX_OPEN, self.pipe.max_handles or MAX_OPEN)
        try:
            while (waiting or self._open) and self._stop is None:
                if self.cancel.is_cancelled:
                    self._stop = Cancelled()
                    break
                while waiting and len(self._open) < max_open and self._has_room():
                    self._start(*waiting.popleft())
                self._feed()
                if self.pipe.in_flight:
                    self.pipe.answer_some()
            if self._stop is not None:
                self._wind_down()
                raise self._stop
        finally:
            for f in self._open.values():
                self._close_source(f)

    def _has_room(self) -> bool:
        return self._unanswered_bytes < MAX_UNANSWERED and self.pipe.in_flight < MAX_REQUESTS

    # --- one file's requests -------------------------------------------------------------------
    def _start(self, index: int, item: Outgoing) -> None:
        try:
            fd = open_source(item.source)  # SourceBusy when the instrument holds it
        except FileError as exc:
            self.on_failed(index, exc)
            return
        f = _File(index, fxp.encode(item.remote), item.mtime, fd)
        self._open[index] = f
        self.unfinished.add(item.remote)
        self.on_progress(index, 0)
        self.pipe.request(
            fxp.OPEN,
            fxp.string(f.remote) + OPEN_FLAGS + fxp.NO_ATTRS,
            lambda kind, body: self._opened(f, kind, body),
        )

    def _opened(self, f: _File, kind: int, body: memoryview) -> None:
        if kind == fxp.HANDLE:
            f.handle = bytes(fxp.Reader(body).string())
            if f.failure is None:
                self._ready.append(f)
            else:  # the batch stopped while the open was on its way
                self._finish_requests(f)
            return
        self._close_source(f)
        f.closing = True  # nothing to close at the server: the file was not made
        self._failed(f, "write", *fxp.status_of(kind, body))
        self._settle(f)

    def _feed(self) -> None:
        """Send data for files with a handle, oldest first, while there is room."""
        max_write = self.pipe.max_write
        while self._ready and self._has_room() and self._stop is None:
            f = self._ready[0]
            if f.failure is not None:
                self._ready.popleft()
                self._finish_requests(f)
                continue
            try:
                chunk = _read(f.fd, max_write)
            except FileError as exc:
                f.failure = exc
                continue
            if not chunk:
                self._ready.popleft()
                self._finish_requests(f)
                continue
            f.digest.update(chunk)
            self._write(f, chunk)
            self.on_progress(f.index, f.sent)
            if self.cancel.is_cancelled:
                return

    def _write(self, f: _File, chunk: bytes) -> None:
        offset, size = f.sent, len(chunk)
        f.sent += size
        f.unanswered += 1
        self._unanswered_bytes += size
        self.pipe.request(
            fxp.WRITE,
            fxp.string(f.handle) + struct.pack(">QI", offset, size),
            lambda kind, body: self._written(f, size, kind, body),
            chunk,
        )

    def _written(self, f: _File, size: int, kind: int, body: memoryview) -> None:
        self._unanswered_bytes -= size
        f.unanswered -= 1
        if not fxp.is_ok(kind, body):
            self._failed(f, "write", *fxp.status_of(kind, body))
        self._settle(f)

    def _finish_requests(self, f: _File) -> None:
        """All data is on the way (or the file failed): set the time, close the handle."""
        self._close_source(f)
        f.closing = True
        if f.failure is None:
            f.unanswered += 1
            self.pipe.request(
                fxp.FSETSTAT,
                fxp.string(f.handle) + fxp.times(f.mtime),
                lambda kind, body: self._answered(f, "other", kind, body),
            )
        f.unanswered += 1
        self.pipe.request(
            fxp.CLOSE,
            fxp.string(f.handle),
            lambda kind, body: self._answered(f, "write", kind, body),
        )

    def _answered(self, f: _File, phase: Phase, kind: int, body: memoryview) -> None:
        f.unanswered -= 1
        if not fxp.is_ok(kind, body):
            self._failed(f, phase, *fxp.status_of(kind, body))
        self._settle(f)

    def _failed(self, f: _File, phase: Phase, code: int, text: str) -> None:
        if f.failure is not None:
            return
        error = self.translate(fxp.status_error(code, text), f.index, phase)
        f.failure = error
        if isinstance(error, DestinationError) and self._stop is None:
            self._stop = error

    def _settle(self, f: _File) -> None:
        """Report a file once every answer about it is in."""
        if not f.closing or f.unanswered:
            return
        del self._open[f.index]
        remote = f.remote.decode("utf-8", "surrogateescape")
        if f.failure is None:
            self.unfinished.discard(remote)
            self.on_sent(f.index, f.sent, f.digest.hexdigest())
            return
        if f.handle:
            self._remove(remote)
        else:  # the server did not make it
            self.unfinished.discard(remote)
        if isinstance(f.failure, FileError):
            self.on_failed(f.index, f.failure)

    def _remove(self, remote: str) -> None:
        def removed(kind: int, body: memoryview) -> None:
            if fxp.status_of(kind, body)[0] in (fxp.OK, fxp.NO_SUCH_FILE):
                self.unfinished.discard(remote)

        self.pipe.request(fxp.REMOVE, fxp.string(fxp.encode(remote)), removed)

    # --- stopping ------------------------------------------------------------------------------
    def _wind_down(self) -> None:
        """After a cancel or a destination error: close what is open, wait for every answer,
        then remove the temporary files not reported sent."""
        for f in list(self._open.values()):
            if f.failure is None:
                f.failure = self._stop
            if f.handle and not f.closing:
                self._finish_requests(f)
            elif not f.handle:
                self._close_source(f)
        self.pipe.wait_all()
        for remote in sorted(self.unfinished):
            self._remove(remote)
        self.pipe.wait_all()

    @staticmethod
    def _close_source(f: _File) -> None:
        if f.fd >= 0:
            os.close(f.fd)
            f.fd = -1


def _read(fd: int, size: int) -> bytes:
    try:
        return os.read(fd, size)
    except OSError as exc:
        raise FileError(f"Cannot read a source file: {exc.strerror or exc}.", "") from exc
