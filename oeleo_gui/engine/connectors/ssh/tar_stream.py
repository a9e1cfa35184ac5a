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

from oeleo_gui.engine.connectors.ssh.remote_command import RemoteCommand
from oeleo_gui.engine.connectors.ssh.sftp_pipe import encode
from oeleo_gui.engine.connectors.ssh.uploads import Outgoing
from oeleo_gui.engine.errors import Cancelled, FileError
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.fileio.source_files import open_source

SMALL_FILE = 1024 * 1024  # files up to this size go in the stream (read whole)
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


def header(name: bytes, size: int, mtime: int) -> bytes:
    """A ustar header for a regular file (a pax header first when the name does not fit)."""
    prefix, rest = b"", name
    if len(name) > 100:
        cut = name.rfind(b"/", 0, 156)
        if cut > 0 and len(name) - cut - 1 <= 100:
            prefix, rest = name[:cut], name[cut + 1 :]
        else:
            return _pax_path(name) + header(name[-100:], size, mtime)
    block = bytearray(BLOCK)
    block[0 : len(rest)] = rest
    block[100:108] = b"0000644\0"
    block[108:116] = block[116:124] = b"0000000\0"
    block[124:136] = _octal(size, 12)
    block[136:148] = _octal(mtime, 12)
    block[148:156] = b" " * 8
    block[156:157] = b"0"
    block[257:265] = b"ustar\x0000"
    block[345 : 345 + len(prefix)] = prefix
    block[148:156] = b"%06o\0 " % sum(block)
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


def send_as_tar(
    transport: paramiko.Transport,
    files: Sequence[tuple[int, Outgoing]],
    *,
    on_progress: Callable[[int, int], None],
    on_failed: Callable[[int, FileError], None],
    cancel: CancelToken,
    open_timeout: float,
    deadline: float,
) -> list[Sent]:
    """Send `(index, file)` pairs as one archive; what was sent once `tar` exited cleanly.

    A source that cannot be read goes to `on_failed` and is left out. Raises TarFailed,
    Cancelled, or the connection's error; the caller then removes the temporary names."""
    command = RemoteCommand(transport, command_for([f.remote for _, f in files]), open_timeout)
    sent: list[Sent] = []
    try:
        buffer = bytearray()
        for index, item in files:
            cancel.raise_if_cancelled()
            try:
                data = _read_whole(item.source)
            except FileError as exc:
                on_failed(index, exc)
                continue
            on_progress(index, 0)
            buffer += header(member_name(item.remote), len(data), int(item.mtime))
            buffer += data
            buffer += bytes(-len(data) % BLOCK)
            digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
            sent.append(Sent(index, len(data), digest))
            on_progress(index, len(data))
            if len(buffer) >= SEND_AT:
                command.feed(memoryview(buffer))
                buffer = bytearray()
        buffer += bytes(2 * BLOCK)  # the end of the archive
        command.feed(memoryview(buffer))
        finished = command.finish(cancel, deadline=deadline)
    except Cancelled:
        command.abandon(open_timeout)  # tar stops at the cut-off input before cleanup
        raise
    except BaseException:
        command.close()
        raise
    if finished.status != 0:
        raise TarFailed(f"tar exited with {finished.status}: {finished.errors[-500:]}")
    return sent


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
