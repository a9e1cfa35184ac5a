"""Hashing files on the server with its own `md5sum`, the names passed on standard input.

No file name is ever part of a command line: the command is fixed (`MD5_COMMAND`) and the names
travel NUL-separated on its standard input, so a name with spaces, quotes, `$`, backticks or a
newline reaches `md5sum` exactly as it is, whatever the account's shell. `xargs` splits long
lists into as many `md5sum` runs as the server's argument limit needs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import paramiko

from oeleo_gui.engine.connectors.ssh.remote_command import RemoteCommand
from oeleo_gui.engine.connectors.ssh.sftp_pipe import encode
from oeleo_gui.engine.events import CancelToken

log = logging.getLogger(__name__)

MD5_COMMAND = "xargs -0 -r md5sum --"
# md5sum writes every line on its own, and sshd sends what it reads as it comes: 20 000 files
# came back as 6 000 packets, each decrypted and read by paramiko in Python. `dd` collects the
# lines into 64 KB blocks (the digests are read only once the command ends anyway).
COLLECTED = " | dd ibs=4096 obs=65536 2>/dev/null"
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def parse_md5sum(output: bytes) -> dict[str, str]:
    """{path: md5} from `md5sum` output, undoing GNU's `\\`-escaping of odd names."""
    found = {}
    for line in output.split(b"\n"):
        escaped = line.startswith(b"\\")
        if escaped:
            line = line[1:]
        digest, _, name = line.partition(b" ")
        if len(digest) != 32:
            continue
        name = name[1:] if name[:1] in (b" ", b"*") else name
        if escaped:
            name = name.replace(b"\\\\", b"\0").replace(b"\\n", b"\n").replace(b"\\r", b"\r")
            name = name.replace(b"\0", b"\\")
        found[name.decode("utf-8", "surrogateescape")] = digest.decode("ascii").lower()
    return found


def names_input(paths: Sequence[str]) -> bytes:
    return b"".join(encode(p) + b"\0" for p in paths)


def md5_command(*, per_run: int = 0, collected: bool = True) -> str:
    """The fixed command: `per_run` names per md5sum (0: as many as the server takes), its
    output `collected` into blocks (see `COLLECTED`) where the server can."""
    each = f" -n {per_run}" if per_run else ""
    return MD5_COMMAND.replace(" -r", f" -r{each}") + (COLLECTED if collected else "")


def md5_many(
    transport: paramiko.Transport,
    paths: Sequence[str],
    cancel: CancelToken | None,
    *,
    deadline: float,
    open_timeout: float,
    collected: bool = True,
) -> dict[str, str]:
    """{path: md5} for the paths that exist, computed by the server in one command."""
    command = RemoteCommand(transport, md5_command(collected=collected), open_timeout)
    command.feed(names_input(paths))
    wanted = set(paths)
    out = command.finish(cancel, deadline=deadline).output
    return {p: md5 for p, md5 in parse_md5sum(out).items() if p in wanted}


class HashAsSent:
    """`md5sum` on the server, given each file's name as soon as the file is sent, so the
    server hashes while the next files travel. `per_run` names per md5sum: 1 for big files
    (each is hashed the moment it is complete), more for small ones (fewer processes)."""

    def __init__(
        self,
        transport: paramiko.Transport,
        per_run: int,
        open_timeout: float,
        *,
        collected: bool = True,
    ) -> None:
        self._command = RemoteCommand(
            transport, md5_command(per_run=per_run, collected=collected), open_timeout
        )
        self.per_run = per_run
        self.names: set[str] = set()
        self._waiting: list[str] = []

    def add(self, path: str) -> None:
        self.names.add(path)
        self._waiting.append(path)
        if len(self._waiting) >= self.per_run:  # a whole run for xargs: send it now
            self._command.feed(names_input(self._waiting))
            self._waiting.clear()

    def digests(self, cancel: CancelToken | None, *, deadline: float) -> dict[str, str]:
        if self._waiting:
            self._command.feed(names_input(self._waiting))
        out = self._command.finish(cancel, deadline=deadline).output
        return {p: md5 for p, md5 in parse_md5sum(out).items() if p in self.names}

    def close(self) -> None:
        self._command.close()


def probe(transport: paramiko.Transport, timeout: float) -> bool | None:
    """Does the account run the hashing command? True: with its output collected, False:
    only without (no `dd`, or a shell that reads the redirection otherwise), None: not at all
    (SFTP-only accounts, internal-sftp; servers without `md5sum` or `xargs`)."""
    for collected in (True, False):
        try:
            found = md5_many(
                transport,
                ["/dev/null"],
                None,
                deadline=timeout,
                open_timeout=timeout,
                collected=collected,
            )
        except paramiko.ChannelException as exc:
            log.debug("exec refused: %s", exc)
            return None
        if found.get("/dev/null") == EMPTY_MD5:
            return collected
    return None
