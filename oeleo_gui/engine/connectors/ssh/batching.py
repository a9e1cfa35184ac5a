"""Batching for the SSH destination: many files answered in one round trip.

`md5sum` output parsing and argument chunking for the server-side hashing command, and SFTP
requests sent back to back before their answers are read (paramiko has no public API for
that, so the two places that reach into its internals live here, next to each other).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Sequence

import paramiko
from paramiko.sftp import CMD_ATTRS, CMD_STAT
from paramiko.sftp_attr import SFTPAttributes


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


def command_chunks(paths: list[str], budget: int) -> Iterator[list[str]]:
    """Split an argument list so each command stays under `budget` bytes."""
    chunk: list[str] = []
    used = 0
    for p in paths:
        cost = len(shlex.quote(p).encode()) + 1
        if chunk and used + cost > budget:
            yield chunk
            chunk, used = [], 0
        chunk.append(p)
        used += cost
    if chunk:
        yield chunk


def stat_pipelined(sftp: paramiko.SFTPClient, paths: Sequence[str]) -> dict[str, SFTPAttributes]:
    """`stat` of every path that exists: all requests are sent before the first answer is
    read, so a batch costs one round trip instead of one per file. Other errors are raised."""
    answers = _Answers()
    asked = {sftp._async_request(answers, CMD_STAT, path): path for path in paths}
    found: dict[str, SFTPAttributes] = {}
    for number, path in asked.items():
        while number not in answers.received:
            sftp._read_response()  # files the next answer under its request number
        kind, msg = answers.received.pop(number)
        if kind == CMD_ATTRS:
            found[path] = SFTPAttributes._from_msg(msg)
        else:
            try:
                sftp._convert_status(msg)  # raises the server's error for this path
            except FileNotFoundError:
                continue
    return found


class _Answers:
    """Answers to pipelined requests by number, in whatever order the server sends them
    (paramiko calls `_async_response` for each)."""

    def __init__(self) -> None:
        self.received: dict[int, tuple[int, paramiko.Message]] = {}

    def _async_response(self, kind: int, msg: paramiko.Message, number: int) -> None:
        self.received[number] = (kind, msg)


def wait_for_write_acks(f: paramiko.SFTPFile) -> None:
    """Wait for the server's answer to every pipelined write still in flight.

    paramiko checks pipelined write answers only now and then (in `SFTPFile._write`) and drops
    those still pending at `close()`, so a full disk could go unnoticed until `verify`. Reading
    each answer here raises the server's error (e.g. SSH_FX_FAILURE for ENOSPC) at the upload.
    """
    pending = f._reqs  # paramiko internal: request ids of unanswered writes
    while pending:
        f.sftp._read_response(pending.popleft())
