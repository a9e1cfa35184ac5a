"""Reading files back over an `SftpPipe` to hash them: how an SFTP-only account (no shell,
so no `md5sum`) verifies what arrived. Opens and reads of many files are on the way at once,
at most `MAX_UNANSWERED` bytes of them, and each file is hashed in order as its data comes in.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from oeleo_gui.engine.connectors.ssh import sftp_pipe as fxp
from oeleo_gui.engine.errors import Cancelled
from oeleo_gui.engine.events import CancelToken

MAX_OPEN = 32
MAX_UNANSWERED = 8 * 1024 * 1024
READ_ONLY = struct.pack(">I", fxp.READ_FLAG)


@dataclass(slots=True)
class _Reading:
    index: int
    size: int  # as stat said: reads go one chunk past it, to see the end
    handle: bytes = b""
    asked: int = 0  # bytes asked for so far
    hashed: int = 0
    end: int | None = None  # where the server said the file ends
    pending: dict[int, bytes] = field(default_factory=dict)  # arrived, not yet hashed
    unanswered: int = 0
    digest: Any = field(default_factory=lambda: hashlib.md5(usedforsecurity=False))
    failed: bool = False


class ReadBack:
    """MD5 digests of remote files, read back; see the module docstring."""

    def __init__(self, pipe: fxp.SftpPipe, cancel: CancelToken | None = None) -> None:
        self.pipe = pipe
        self.cancel = cancel
        self.digests: dict[int, str] = {}
        self._reading: list[_Reading] = []
        self._unanswered = 0

    def run(self, files: Sequence[tuple[bytes, int]]) -> dict[int, str]:
        """{index: md5} for the (path, expected size) that could be read; missing files are
        left out, other failures raised."""
        waiting = list(reversed(list(enumerate(files))))
        failures: list[BaseException] = []
        stopping = False
        while waiting or self._reading or self.pipe.in_flight:
            if not stopping and self.cancel is not None and self.cancel.is_cancelled:
                stopping = True  # ask nothing more; close what is open once answered
                waiting.clear()
                for f in self._reading:
                    f.failed = True
            while waiting and len(self._reading) < MAX_OPEN:
                index, (path, size) = waiting.pop()
                f = _Reading(index, size)
                self._reading.append(f)
                self.pipe.request(
                    fxp.OPEN,
                    fxp.string(path) + READ_ONLY + fxp.NO_ATTRS,
                    lambda k, b, f=f: self._opened(f, k, b, failures),
                )
            self._ask()
            if self.pipe.in_flight:
                self.pipe.answer_some()
            self._reading = [f for f in self._reading if not self._done(f)]
        if stopping:
            raise Cancelled()
        if failures:
            raise failures[0]
        return self.digests

    def _opened(self, f: _Reading, kind: int, body: memoryview, failures: list[Any]) -> None:
        if kind == fxp.HANDLE:
            f.handle = bytes(fxp.Reader(body).string())
            return
        f.failed = True
        code, text = fxp.status_of(kind, body)
        if code != fxp.NO_SUCH_FILE:
            failures.append(fxp.status_error(code, text))

    def _ask(self) -> None:
        chunk = self.pipe.max_read
        for f in self._reading:
            while (
                f.handle
                and not f.failed
                and f.asked <= f.size
                and (f.end is None or f.asked < f.end)
                and self._unanswered < MAX_UNANSWERED
            ):
                self._read(f, f.asked, chunk)
                f.asked += chunk

    def _read(self, f: _Reading, offset: int, length: int) -> None:
        f.unanswered += 1
        self._unanswered += length
        self.pipe.request(
            fxp.READ,
            fxp.string(f.handle) + struct.pack(">QI", offset, length),
            lambda k, b: self._data(f, offset, length, k, b),
        )

    def _data(self, f: _Reading, offset: int, length: int, kind: int, body: memoryview) -> None:
        f.unanswered -= 1
        self._unanswered -= length
        if kind == fxp.DATA:
            data = bytes(fxp.Reader(body).string())
            f.pending[offset] = data
            if 0 < len(data) < length:  # a short read: ask for the rest of the range
                self._read(f, offset + len(data), length - len(data))
        else:
            code, _text = fxp.status_of(kind, body)
            if code == fxp.EOF:
                f.end = offset if f.end is None else min(f.end, offset)
            else:
                f.failed = True
        while f.hashed in f.pending:
            data = f.pending.pop(f.hashed)
            f.digest.update(data)
            f.hashed += len(data)

    def _done(self, f: _Reading) -> bool:
        """Close the file once all its reads are answered; True when nothing is left to do."""
        if not f.handle:
            return f.failed
        if f.unanswered or (not f.failed and f.end is None and f.asked <= f.size):
            return False
        if not f.failed and f.end is not None and f.hashed == f.end:
            self.digests[f.index] = f.digest.hexdigest()
        self.pipe.request(fxp.CLOSE, fxp.string(f.handle), _ignore)
        f.handle = b""
        f.failed = True  # closed: nothing more to do
        return True


def _ignore(kind: int, body: memoryview) -> None:
    """The answer to closing a file only read: nothing to learn from it."""
