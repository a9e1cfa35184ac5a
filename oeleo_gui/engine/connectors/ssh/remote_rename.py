"""Renaming a whole batch into place with one command on the server.

Over SFTP each rename is a request and an answer, and OpenSSH's sftp-server writes every answer
on its own, so 2000 renames come back as about 2000 SSH packets, each decrypted and read by
paramiko in Python: measured, a fifth of a small-file copy's CPU, and it holds the GIL while the
next batch is being sent. Where the account runs `perl` (essential on Debian and Ubuntu, present
on most Unix servers), the pairs travel NUL-separated on the standard input of a fixed command
and one line per pair comes back, buffered into a few packets. Perl's `rename` is rename(2): a
file already there is replaced atomically, as with posix-rename. No name is ever on the command
line. Without perl the caller renames over SFTP (`bulk.rename_many`).
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Sequence

import paramiko

from oeleo_gui.engine.connectors.ssh.remote_command import CommandEnded, RemoteCommand

# One line per pair, in order: "<index> 0" when renamed, else "<index> <errno> <message>".
# Fixed text, in single quotes for the account's shell; it holds no `'` and no `!`.
_SCRIPT = (
    'local $/ = "\\0"; my $n = 0; '
    "while (defined(my $old = <STDIN>)) { "
    "my $new = <STDIN>; last unless defined $new; chop $old; chop $new; "
    'if (rename $old, $new) { print "$n 0\\n" } '
    'else { printf "%d %d %s\\n", $n, $^E + 0, $^E } '
    "$n++ }"
)
RENAME_COMMAND = f"perl -e '{_SCRIPT}'"

# errno numbers that are the same on Linux, the BSDs and macOS (the server's, not ours).
_SERVER_ERRNO = {
    1: errno.EPERM,
    2: errno.ENOENT,
    13: errno.EACCES,
    20: errno.ENOTDIR,
    21: errno.EISDIR,
    28: errno.ENOSPC,
    30: errno.EROFS,
}


class NoRenameCommand(Exception):
    """The server did not run the command (no perl): nothing was renamed by it."""


def rename_input(pairs: Sequence[tuple[bytes, bytes]]) -> bytes:
    return b"".join(old + b"\0" + new + b"\0" for old, new in pairs)


def parse_answers(output: bytes, count: int) -> tuple[list[int], dict[int, OSError]]:
    """(renamed indexes, {index: why not}) from the command's lines; an index without a line
    is in neither (the command stopped before it)."""
    renamed: list[int] = []
    refused: dict[int, OSError] = {}
    for line in output.split(b"\n"):
        number, _, rest = line.partition(b" ")
        code, _, text = rest.partition(b" ")
        if not number.isdigit() or not code.isdigit() or int(number) >= count:
            continue
        index, value = int(number), int(code)
        if value == 0:
            renamed.append(index)
        else:
            message = text.decode("utf-8", "replace") or f"error {value}"
            refused[index] = OSError(_SERVER_ERRNO.get(value), message)
    return renamed, refused


def rename_many(
    transport: paramiko.Transport,
    pairs: Sequence[tuple[bytes, bytes]],
    on_renamed: Callable[[int], None],
    *,
    open_timeout: float,
    deadline: float,
) -> dict[int, BaseException]:
    """Rename each (old, new) over whatever `new` is; `on_renamed(index)` for each done.
    Returns {index: failure} for the others. NoRenameCommand when the command did not run at
    all (no answer, a failing exit): the caller then renames over SFTP."""
    if not pairs:
        return {}
    command = RemoteCommand(transport, RENAME_COMMAND, open_timeout)
    try:
        command.feed(rename_input(pairs))
    except CommandEnded as exc:  # perl is missing, or stopped at once
        raise NoRenameCommand(str(exc)) from exc
    finished = command.finish(None, deadline=deadline)
    renamed, refused = parse_answers(finished.output, len(pairs))
    if not renamed and not refused:
        raise NoRenameCommand(f"exit {finished.status}: {finished.errors[-300:]}")
    for index in renamed:
        on_renamed(index)
    failures: dict[int, BaseException] = dict(refused)
    answered = set(renamed) | set(refused)
    for index in range(len(pairs)):
        if index not in answered:  # it may or may not have been renamed: not recorded
            failures[index] = OSError(f"the server's rename stopped ({finished.errors[-200:]})")
    return failures
