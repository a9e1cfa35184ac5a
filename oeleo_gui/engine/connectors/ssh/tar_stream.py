"""Many small files sent as one `tar` stream, straight into their temporary names.

Over SFTP every file costs an open, a write, a time and a close, each answered by the server;
for thousands of small files that work, not the network, is what limits. Where the account has
a shell and `tar`, a batch's small files travel instead as one archive that the server's `tar`
unpacks, at the speed of a stream.

No file name is ever on a command line: the command is fixed (`tar -x -o -f -`, from `/` for an
absolute destination, from the home folder otherwise) and the names travel inside the archive,
as ustar headers with the name's exact bytes (a pax `path` record only for a name too long for
ustar). Every member is the file's temporary name, with mode 0644 and the source's modification
time (whole seconds, as SFTP keeps them). The files count as sent only when `tar` exited
cleanly; if it did not, the caller removes what it may have written and sends the files over
SFTP, which says precisely what is wrong.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import paramiko

from oeleo_gui.engine.connectors.ssh.remote_command import CommandEnded, RemoteCommand
from oeleo_gui.engine.connectors.ssh.sftp_pipe import encode
from oeleo_gui.engine.connectors.ssh.uploads import Outgoing
from oeleo_gui.engine.errors import Cancelled, FileError
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.fileio.source_files import open_source

SMALL_FILE = 1024 * 1024  # files up to this size go in the stream (read whole)
CHUNK_FILES = 500  # members per archive: the server hashes one chunk while the next travels
SEND_AT = 256 * 1024
BLOCK = 512


class TarFailed(Exception):
    """`tar` on the server did not exit cleanly (missing, or it could not write)."""


@dataclass(frozen=True, slots=True)
class Sent:
    index: int
    size: int
    md5: str


def command_for(remote_paths: Sequence[str]) -> str:
    """The fixed command that unpacks members named as `member_name` names them."""
    absolute = all(p.startswith("/") for p in remote_paths)
    return "tar -x -o -f - -C /" if absolute else "tar -x -o -f -"


def member_name(remote_path: str) -> bytes:
    """The name in the archive: relative to `/` (absolute paths) or to the home folder."""
    return encode(remote_path.lstrip("/"))


def fits(mtime: float) -> bool:
    """A modification time a ustar header holds (the others go over SFTP)."""
    return 0 <= mtime < 8**11


def usable(remote_paths: Sequence[str]) -> bool:
    """tar refuses (or rewrites) names with `..` and mixes of absolute and relative paths."""
    starts = {p.startswith("/") for p in remote_paths}
    return len(starts) <= 1 and not any("/../" in f"/{p}/" for p in remote_paths)


def _octal(value: int, width: int) -> bytes:
    return b"%0*o\0" % (width - 1, value)


def _template() -> bytes:
    """A ustar header's fixed fields: mode 0644, owner 0, a regular file, the checksum field
    counted as spaces."""
    block = bytearray(BLOCK)
    block[100:108] = b"0000644\0"
    block[108:116] = block[116:124] = b"0000000\0"
    block[148:156] = b" " * 8
    block[156:157] = b"0"
    block[257:265] = b"ustar\x0000"
    return bytes(block)


_TEMPLATE = _template()
_TEMPLATE_SUM = sum(_TEMPLATE)


def header(name: bytes, size: int, mtime: int) -> bytes:
    """A ustar header for a regular file (a pax header first when the name does not fit)."""
    prefix, rest = b"", name
    if len(name) > 100:
        cut = name.rfind(b"/", 0, 156)
        if cut > 0 and len(name) - cut - 1 <= 100:
            prefix, rest = name[:cut], name[cut + 1 :]
        else:
            return _pax_path(name) + header(name[-100:], size, mtime)
    size_field, time_field = _octal(size, 12), _octal(mtime, 12)
    block = bytearray(_TEMPLATE)
    block[0 : len(rest)] = rest
    block[124:136] = size_field
    block[136:148] = time_field
    block[345 : 345 + len(prefix)] = prefix
    # The checksum of the whole block, from the parts that differ from the template.
    checksum = _TEMPLATE_SUM + sum(rest) + sum(prefix) + sum(size_field) + sum(time_field)
    block[148:156] = b"%06o\0 " % checksum
    return bytes(block)


def _pax_path(name: bytes) -> bytes:
    record = b" path=" + name + b"\n"
    length = len(record) + 1
    while len(str(length).encode()) + len(record) != length:
        length = len(str(length).encode()) + len(record)
    data = str(length).encode() + record
    block = bytearray(header(b"././@PaxHeader", len(data), 0))
    block[156:157] = b"x"
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block) + data + bytes(-len(data) % BLOCK)


class TarSender:
    """Sends `(index, file)` pairs as archives of `CHUNK_FILES` members, each to a `tar` of
    its own: while one chunk travels, the `tar` behind it finishes, and its files are reported
    sent (`on_sent`) once that `tar` exited cleanly, so the server can hash them meanwhile.

    A source that cannot be read goes to `on_failed` and is left out. `run` raises TarFailed,
    Cancelled, or the connection's error; `reported` then says which files were sent."""

    def __init__(
        self,
        transport: paramiko.Transport,
        *,
        on_progress: Callable[[int, int], None],
        on_sent: Callable[[int, int, str], None],
        on_failed: Callable[[int, FileError], None],
        cancel: CancelToken,
        open_timeout: float,
        deadline: float,
    ) -> None:
        self.transport = transport
        self.on_progress = on_progress
        self.on_sent = on_sent
        self.on_failed = on_failed
        self.cancel = cancel
        self.open_timeout = open_timeout
        self.deadline = deadline
        self.reported: set[int] = set()
        self._unpacking: list[tuple[RemoteCommand, list[Sent]]] = []

    def run(self, files: Sequence[tuple[int, Outgoing]]) -> None:
        command_line = command_for([f.remote for _, f in files])
        try:
            for start in range(0, len(files), CHUNK_FILES):
                command = RemoteCommand(self.transport, command_line, self.open_timeout)
                self._unpacking.append((command, []))
                self._stream(command, files[start : start + CHUNK_FILES])
                while len(self._unpacking) > 1:  # the one behind has had a chunk's time
                    self._settle()
            while self._unpacking:
                self._settle()
        except Cancelled:
            for command, _sent in self._unpacking:
                command.abandon(self.open_timeout)  # no tar writes after the cleanup
            raise
        except BaseException:
            for command, _sent in self._unpacking:
                command.close()
            raise

    def _stream(self, command: RemoteCommand, files: Sequence[tuple[int, Outgoing]]) -> None:
        try:
            self._feed(command, files)
        except CommandEnded as exc:  # tar is missing, or gave up at once
            raise TarFailed(str(exc)) from exc

    def _feed(self, command: RemoteCommand, files: Sequence[tuple[int, Outgoing]]) -> None:
        sent = self._unpacking[-1][1]
        buffer = bytearray()
        for index, item in files:
            self.cancel.raise_if_cancelled()
            try:
                data = _read_whole(item.source)
            except FileError as exc:
                self.on_failed(index, exc)
                continue
            buffer += header(member_name(item.remote), len(data), int(item.mtime))
            buffer += data
            buffer += bytes(-len(data) % BLOCK)
            digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
            sent.append(Sent(index, len(data), digest))
            self.on_progress(index, len(data))
            if len(buffer) >= SEND_AT:
                command.feed(memoryview(buffer))
                buffer = bytearray()
        buffer += bytes(2 * BLOCK)  # the end of the archive
        command.feed(memoryview(buffer))
        command.channel.shutdown_write()

    def _settle(self) -> None:
        """Wait for the oldest `tar`; report its files once it exited cleanly."""
        command, sent = self._unpacking[0]
        finished = command.finish(self.cancel, deadline=self.deadline)
        self._unpacking.pop(0)
        if finished.status != 0:
            raise TarFailed(f"tar exited with {finished.status}: {finished.errors[-500:]}")
        for s in sent:
            self.reported.add(s.index)
            self.on_sent(s.index, s.size, s.md5)


def _read_whole(source: str) -> bytes:
    fd = open_source(source)  # SourceBusy when the instrument holds it
    try:
        parts = []
        while chunk := os.read(fd, SMALL_FILE + 1):
            parts.append(chunk)
        return b"".join(parts)
    except OSError as exc:
        raise FileError(f"Cannot read {source}: {exc.strerror or exc}.", "Check the file.") from exc
    finally:
        os.close(fd)
