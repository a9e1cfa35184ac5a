"""Requests about many paths at once over an `SftpPipe`: stat, make folders, rename, remove.

Every request of a call is sent before the first answer is read, so a batch costs about one
round trip whatever its size. Paths are bytes as the server gets them (`sftp_pipe.encode`).
Failures come back as the exceptions paramiko raises (`sftp_pipe.status_error`), per path.
"""

from __future__ import annotations

import errno
import logging
import stat
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath

from oeleo_gui.engine.connectors.ssh import sftp_pipe as fxp

log = logging.getLogger(__name__)


def stat_many(pipe: fxp.SftpPipe, paths: Sequence[bytes]) -> dict[int, fxp.Attributes]:
    """{index: attributes} of the paths that exist. Any failure but "no such file" is raised
    (the first one, once every answer is in)."""
    found: dict[int, fxp.Attributes] = {}
    failures: list[BaseException] = []

    def answered(index: int, kind: int, body: memoryview) -> None:
        if kind == fxp.ATTRS:
            found[index] = fxp.Reader(body).attributes()
            return
        code, text = fxp.status_of(kind, body)
        if code != fxp.NO_SUCH_FILE:
            failures.append(fxp.status_error(code, text))

    for index, path in enumerate(paths):
        pipe.request(fxp.STAT, fxp.string(path), lambda k, b, i=index: answered(i, k, b))
    pipe.wait_all()
    if failures:
        raise failures[0]
    return found


def make_folders(
    pipe: fxp.SftpPipe, root: PurePosixPath, folders: Sequence[str], made: set[str]
) -> dict[str, OSError]:
    """`mkdir -p` of folders relative to `root` (which exists), parents first, in two round
    trips: every missing level is made, then whatever could not be made is looked at.
    Returns {folder: why} for the asked-for folders that are not folders afterwards; adds the
    levels this call made (new, empty folders) to `made`."""
    levels: set[str] = set()
    for folder in folders:
        parts = PurePosixPath(folder).parts
        levels.update("/".join(parts[: n + 1]) for n in range(len(parts)))
    ordered = sorted(levels, key=lambda p: (p.count("/"), p))
    refused: dict[str, OSError] = {}

    def answered(level: str, kind: int, body: memoryview) -> None:
        code, text = fxp.status_of(kind, body)
        if code == fxp.OK:
            made.add(level)
        else:
            error = fxp.status_error(code, text)
            refused[level] = error if isinstance(error, OSError) else OSError(text)

    for level in ordered:
        pipe.request(
            fxp.MKDIR,
            fxp.string(fxp.encode(str(root / level))) + fxp.NO_ATTRS,
            lambda k, b, level=level: answered(level, k, b),
        )
    pipe.wait_all()
    if not refused:
        return {}
    # Refused: most often because the folder exists already. Is it a folder?
    doubtful = sorted(refused)
    found = stat_many(pipe, [fxp.encode(str(root / level)) for level in doubtful])
    problems: dict[str, OSError] = {}
    for i, level in enumerate(doubtful):
        attrs = found.get(i)
        if attrs is None:
            problems[level] = refused[level]
        elif not stat.S_ISDIR(attrs.mode or 0):
            problems[level] = NotADirectoryError(errno.ENOTDIR, "a file is in the way", level)
    return {
        folder: problems[level]
        for folder in folders
        for level in _levels(folder)
        if level in problems
    }


def _levels(folder: str) -> list[str]:
    parts = PurePosixPath(folder).parts
    return ["/".join(parts[: n + 1]) for n in range(len(parts))]


def rename_many(
    pipe: fxp.SftpPipe,
    pairs: Sequence[tuple[bytes, bytes]],
    on_renamed: Callable[[int], None],
    times: dict[int, float] | None = None,
) -> dict[int, BaseException]:
    """Rename each (old, new) over whatever `new` is; `on_renamed(index)` for each done.
    `times` gives some of them a new modification time first ({index: mtime}; a server
    refusing it only costs the time, logged).

    With OpenSSH's posix-rename the replacement is atomic; a server without it gets a
    remove of `new` then a plain rename, sent back to back (the server keeps the order).
    Returns {index: failure} for the renames that did not happen."""
    failures: dict[int, BaseException] = {}

    def timed(index: int, kind: int, body: memoryview) -> None:
        if not fxp.is_ok(kind, body):
            text = fxp.status_of(kind, body)[1]
            log.warning("the modification time of %r was not kept: %s", pairs[index][1], text)

    def renamed(index: int, kind: int, body: memoryview) -> None:
        if fxp.is_ok(kind, body):
            on_renamed(index)
        else:
            failures[index] = fxp.status_error(*fxp.status_of(kind, body))

    posix = pipe.has_posix_rename
    for index, (old, new) in enumerate(pairs):
        if times is not None and index in times:
            body = fxp.string(old) + fxp.times(times[index])
            pipe.request(fxp.SETSTAT, body, lambda k, b, i=index: timed(i, k, b))
        answer = lambda k, b, i=index: renamed(i, k, b)  # noqa: E731
        if posix:
            body = fxp.string(fxp.POSIX_RENAME) + fxp.string(old) + fxp.string(new)
            pipe.request(fxp.EXTENDED, body, answer)
        else:
            pipe.request(fxp.REMOVE, fxp.string(new), _ignore)
            pipe.request(fxp.RENAME, fxp.string(old) + fxp.string(new), answer)
    pipe.wait_all()
    return failures


def remove_many(pipe: fxp.SftpPipe, paths: Sequence[bytes]) -> dict[int, BaseException]:
    """Remove files; a missing one is not a failure. Returns {index: failure}."""
    failures: dict[int, BaseException] = {}

    def removed(index: int, kind: int, body: memoryview) -> None:
        code, text = fxp.status_of(kind, body)
        if code not in (fxp.OK, fxp.NO_SUCH_FILE):
            failures[index] = fxp.status_error(code, text)

    for index, path in enumerate(paths):
        pipe.request(fxp.REMOVE, fxp.string(path), lambda k, b, i=index: removed(i, k, b))
    pipe.wait_all()
    return failures


def _ignore(kind: int, body: memoryview) -> None:
    """An answer nobody needs (the remove before a plain rename: the file may not exist)."""
