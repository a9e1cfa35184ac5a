"""An SFTP session with many requests in flight: SSH_FXP packets built and read here.

paramiko's `SFTPClient` waits for the answer to every open, close, setstat and rename, and sends
each request as an SSH packet of its own; over a network, a batch of small files then costs
several round trips per file. `SftpPipe` runs its own `sftp` subsystem channel beside paramiko's:
requests are queued into one buffer and sent together, and answers are read in bulk and handed
back by request number. It speaks SFTP version 3 (what OpenSSH and most servers speak) and only
the requests a batch needs. Failures come back as paramiko does them (`status_error`), so
`errors.translate` reads them the same way. Knows nothing of files, batches or the connector.
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Callable
from dataclasses import dataclass

import paramiko

# Request and answer types, flags and status codes (draft-ietf-secsh-filexfer-02, version 3).
INIT, VERSION = 1, 2
OPEN, CLOSE, READ, WRITE, SETSTAT, FSETSTAT = 3, 4, 5, 6, 9, 10
REMOVE, MKDIR, STAT, RENAME = 13, 14, 17, 18
EXTENDED, EXTENDED_REPLY = 200, 201
STATUS, HANDLE, DATA, ATTRS = 101, 102, 103, 105
OK, EOF, NO_SUCH_FILE, PERMISSION_DENIED = 0, 1, 2, 3
READ_FLAG, WRITE_FLAG, CREATE_FLAG, TRUNCATE_FLAG = 0x01, 0x02, 0x08, 0x10
ATTR_SIZE, ATTR_UIDGID, ATTR_PERMISSIONS, ATTR_TIMES, ATTR_EXTENDED = 1, 2, 4, 8, 0x80000000
POSIX_RENAME = b"posix-rename@openssh.com"
LIMITS = b"limits@openssh.com"

SAFE_WRITE = 32 * 1024  # every server takes requests this big (the draft's minimum)
SEND_AT = 256 * 1024  # queued bytes are sent once this many are waiting
RECEIVE = 1024 * 1024

Handler = Callable[[int, memoryview], None]
"""Called with an answer's type and its body (after the request number)."""


@dataclass(frozen=True, slots=True)
class Attributes:
    """The parts of an SFTP ATTRS block a batch needs."""

    size: int | None
    mode: int | None
    mtime: int | None


def encode(path: str) -> bytes:
    """A path as the server gets it: UTF-8; names that are not valid Unicode keep their bytes."""
    return path.encode("utf-8", "surrogateescape")


def string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def times(mtime: float) -> bytes:
    """An ATTRS block setting access and modification time (SFTP keeps whole, unsigned
    32-bit seconds: a time before 1970 or after 2106 is kept as the nearest it can hold)."""
    seconds = min(max(int(mtime), 0), 0xFFFFFFFF)
    return struct.pack(">III", ATTR_TIMES, seconds, seconds)


NO_ATTRS = struct.pack(">I", 0)


def status_error(code: int, text: str) -> BaseException:
    """The exception paramiko raises for a failure status, so errors read the same."""
    if code == EOF:
        return EOFError(text)
    if code == NO_SUCH_FILE:
        return OSError(errno.ENOENT, text)
    if code == PERMISSION_DENIED:
        return OSError(errno.EACCES, text)
    return OSError(text)


class Reader:
    """Reads SFTP fields from an answer's body, front to back."""

    def __init__(self, body: memoryview) -> None:
        self.body = body
        self.at = 0

    def uint32(self) -> int:
        (value,) = struct.unpack_from(">I", self.body, self.at)
        self.at += 4
        return int(value)

    def uint64(self) -> int:
        (value,) = struct.unpack_from(">Q", self.body, self.at)
        self.at += 8
        return int(value)

    def string(self) -> memoryview:
        length = self.uint32()
        value = self.body[self.at : self.at + length]
        self.at += length
        return value

    def attributes(self) -> Attributes:
        flags = self.uint32()
        size = self.uint64() if flags & ATTR_SIZE else None
        if flags & ATTR_UIDGID:
            self.at += 8
        mode = self.uint32() if flags & ATTR_PERMISSIONS else None
        mtime = None
        if flags & ATTR_TIMES:
            self.at += 4
            mtime = self.uint32()
        if flags & ATTR_EXTENDED:
            for _ in range(self.uint32()):
                self.string()
                self.string()
        return Attributes(size, mode, mtime)


_OK_CODE = struct.pack(">I", OK)


def is_ok(kind: int, body: memoryview) -> bool:
    """A STATUS answer saying OK (checked without decoding it: thousands per batch)."""
    return kind == STATUS and body[:4] == _OK_CODE


def status_of(kind: int, body: memoryview) -> tuple[int, str]:
    """(code, message) of a STATUS answer; any other answer counts as a failure."""
    if kind != STATUS:
        return -1, f"unexpected answer of type {kind}"
    r = Reader(body)
    code = r.uint32()
    text = bytes(r.string()).decode("utf-8", "replace") if r.at < len(body) else ""
    return code, text


class SftpPipe:
    """One `sftp` subsystem channel on which requests are queued, sent together and answered
    out of order. Not thread-safe: one batch at a time uses it."""

    def __init__(self, channel: paramiko.Channel) -> None:
        self.channel = channel
        self.extensions: dict[bytes, bytes] = {}
        self.max_write = SAFE_WRITE
        self.max_read = SAFE_WRITE
        self.max_handles = 0  # 0: the server names no limit
        self._out = bytearray()
        self._in = bytearray()
        self._at = 0  # where the next answer starts in _in
        self._next_id = 1
        self._waiting: dict[int, Handler] = {}

    @classmethod
    def open(cls, transport: paramiko.Transport, timeout: float) -> SftpPipe:
        """Open the channel, agree on version 3 and read the server's limits."""
        channel = transport.open_session(timeout=timeout)
        try:
            channel.settimeout(timeout)
            channel.invoke_subsystem("sftp")
            pipe = cls(channel)
            pipe._start()
        except BaseException:
            channel.close()
            raise
        return pipe

    def _start(self) -> None:
        self._out += struct.pack(">IBI", 5, INIT, 3)
        self.flush()
        kind, body = self._next_packet()
        if kind != VERSION:
            raise paramiko.SFTPError(f"the server answered SFTP init with type {kind}")
        r = Reader(body)
        r.uint32()  # version: 3, or the server would have refused
        while r.at < len(body):
            name = bytes(r.string())
            self.extensions[name] = bytes(r.string())
        if LIMITS in self.extensions:
            self.request(EXTENDED, string(LIMITS), self._on_limits)
            self.wait_all()

    def _on_limits(self, kind: int, body: memoryview) -> None:
        if kind != EXTENDED_REPLY:
            return
        r = Reader(body)
        _packet, read, write, handles = r.uint64(), r.uint64(), r.uint64(), r.uint64()
        self.max_read = max(SAFE_WRITE, min(read, 4 * 1024 * 1024)) if read else SAFE_WRITE
        self.max_write = max(SAFE_WRITE, min(write, 4 * 1024 * 1024)) if write else SAFE_WRITE
        self.max_handles = handles

    @property
    def has_posix_rename(self) -> bool:
        return POSIX_RENAME in self.extensions

    @property
    def in_flight(self) -> int:
        """Requests sent (or queued) and not answered yet."""
        return len(self._waiting)

    def request(self, kind: int, body: bytes, handler: Handler, data: bytes = b"") -> int:
        """Queue a request (`data` follows `body`, for writes); `handler` gets its answer."""
        number = self._next_id
        self._next_id = (number + 1) & 0xFFFFFFFF or 1
        self._out += struct.pack(">IBI", 5 + len(body) + len(data), kind, number)
        self._out += body
        if data:
            self._out += data
        self._waiting[number] = handler
        if len(self._out) >= SEND_AT:
            self.flush()
        return number

    def flush(self) -> None:
        """Send everything queued."""
        if self._out:
            out, self._out = self._out, bytearray()
            self.channel.sendall(memoryview(out))

    def answer_some(self) -> None:
        """Send what is queued, wait for the next answer, then take every answer already
        received; each goes to its request's handler."""
        self.flush()
        self._dispatch(*self._next_packet())
        while (packet := self._buffered_packet()) is not None:
            self._dispatch(*packet)

    def _dispatch(self, kind: int, body: memoryview) -> None:
        number = struct.unpack_from(">I", body)[0]
        handler = self._waiting.pop(number, None)
        if handler is None:
            raise paramiko.SFTPError(f"the server answered request {number}, never sent")
        handler(kind, body[4:])

    def wait_all(self) -> None:
        """Send what is queued and wait until every request has its answer."""
        while self._waiting:
            self.answer_some()

    def _buffered_packet(self) -> tuple[int, memoryview] | None:
        """The next answer if it is complete in what was received, else None."""
        buffer, at = self._in, self._at
        if len(buffer) - at >= 5:
            (length,) = struct.unpack_from(">I", buffer, at)
            end = at + 4 + length
            if len(buffer) >= end:
                packet = bytes(buffer[at + 4 : end])
                self._at = end
                return packet[0], memoryview(packet)[1:]
        if at:  # drop what was read only now, not after every answer
            del buffer[:at]
            self._at = 0
        return None

    def _next_packet(self) -> tuple[int, memoryview]:
        while (packet := self._buffered_packet()) is None:
            data = self.channel.recv(RECEIVE)
            if not data:
                raise EOFError("the SFTP session was closed by the server")
            self._in += data
        return packet

    def close(self) -> None:
        self._waiting.clear()
        self.channel.close()
