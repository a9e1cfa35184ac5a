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

from oeleo_gui.engine.connectors.ssh.sftp_pipe import encode
from oeleo_gui.engine.events import CancelToken

log = logging.getLogger(__name__)

MD5_COMMAND = "xargs -0 -r md5sum --"
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"
POLL = 1.0  # seconds between looks at the cancel token while a command runs


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


def run_command(
    transport: paramiko.Transport,
    command: str,
    stdin: bytes,
    cancel: CancelToken | None,
    *,
    deadline: float,
    open_timeout: float,
) -> tuple[int, bytes]:
    """Run a fixed command on the server with `stdin`; (exit status, standard output).

    Raises TimeoutError when it runs longer than `deadline` seconds, Cancelled when cancelled."""
    chan = transport.open_session(timeout=open_timeout)
    try:
        chan.settimeout(POLL)
        chan.exec_command(command)
        if stdin:
            chan.sendall(stdin)
        chan.shutdown_write()
        out, waited = bytearray(), 0.0
        while True:
            try:
                data = chan.recv(1024 * 1024)
            except TimeoutError:
                waited += POLL
                if cancel is not None:
                    cancel.raise_if_cancelled()
                if waited > deadline:
                    raise
                continue
            if not data:
                break
            out += data
        while chan.recv_stderr_ready():
            text = chan.recv_stderr(65536).decode("utf-8", "replace").strip()
            log.debug("%s: %s", command.split()[0], text)
        return chan.recv_exit_status(), bytes(out)
    finally:
        chan.close()


def md5_many(
    transport: paramiko.Transport,
    paths: Sequence[str],
    cancel: CancelToken | None,
    *,
    deadline: float,
    open_timeout: float,
) -> dict[str, str]:
    """{path: md5} for the paths that exist, computed by the server in one command."""
    names = b"".join(encode(p) + b"\0" for p in paths)
    _status, out = run_command(
        transport, MD5_COMMAND, names, cancel, deadline=deadline, open_timeout=open_timeout
    )
    wanted = set(paths)
    return {p: md5 for p, md5 in parse_md5sum(out).items() if p in wanted}


def can_hash(transport: paramiko.Transport, timeout: float) -> bool:
    """Does the account run `MD5_COMMAND`? Not SFTP-only accounts (internal-sftp), nor
    servers without `md5sum` or `xargs`."""
    try:
        found = md5_many(transport, ["/dev/null"], None, deadline=timeout, open_timeout=timeout)
    except paramiko.ChannelException as exc:
        log.debug("exec refused: %s", exc)
        return False
    return found.get("/dev/null") == EMPTY_MD5
