"""Opening the database file without ever losing it: what may be opened, and what a failure means.

- `check_openable(path)` refuses before SQLite touches anything: a folder (OELEO_DB_NAME set to
  `.` or to the data folder) and a read-only database file (SQLite would make its `-wal`/`-shm`
  read-only as well, and they would keep failing after the file is made writable again). It
  repairs such a read-only companion left behind by an earlier run.
- `database_problem(path, exc)` says in words what a SQLite error (or an OSError met while
  opening) means: the disk is full, it is read-only, another program holds it, it is damaged.
- `may_move_aside(path, exc)`: only a real SQLite file that SQLite calls damaged is ever moved
  aside; never a folder, another kind of file, or a database on a full or read-only disk.

Imports sqlite3, peewee and the engine's errors only.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import peewee as pw

from oeleo_gui.engine.errors import BookkeepingError

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")
# SQLite's primary result codes (https://www.sqlite.org/rescode.html)
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = (
    3,
    5,
    6,
    8,
    10,
    11,
    13,
    14,
    26,
)
_FULL_BELOW_BYTES = 64 * 1024


def companions(path: Path) -> list[Path]:
    """The files SQLite keeps beside the database: `-wal`, `-shm` and `-journal`."""
    return [path.with_name(path.name + suffix) for suffix in COMPANION_SUFFIXES]


def is_database_error(exc: BaseException) -> bool:
    """An error from SQLite, directly or as peewee re-raised it."""
    return isinstance(exc, (sqlite3.Error, pw.PeeweeException))


def sqlite_code(exc: BaseException) -> int | None:
    """SQLite's primary result code behind `exc` (peewee keeps the original in `orig`)."""
    for candidate in (exc, getattr(exc, "orig", None), exc.__cause__, exc.__context__):
        code = getattr(candidate, "sqlite_errorcode", None)
        if isinstance(code, int):
            return code & 0xFF
    return None


def _writable(path: Path) -> bool:
    """Whether this account may write `path` (on Windows: the read-only attribute is off)."""
    return os.access(path, os.W_OK)


def _disk_full(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < _FULL_BELOW_BYTES
    except OSError:
        return False


def folder_error(path: Path) -> BookkeepingError:
    return BookkeepingError(
        f"OELEO_DB_NAME names a folder ({path}), not a database file.",
        "Set OELEO_DB_NAME to a file name such as oeleo-file-list.db; the folder was left as it "
        "is.",
    )


def read_only_error(path: Path, what: Path | None = None) -> BookkeepingError:
    where = what or path
    return BookkeepingError(
        f"The database {where} is read-only.",
        "Make it writable for this account (on Windows: Properties, untick Read-only), or set "
        "OELEO_DB_NAME to a file in a folder you can write to. The database is kept as it is; "
        "the next run continues with every code.",
    )


def full_error(path: Path) -> BookkeepingError:
    return BookkeepingError(
        f"The disk of the database {path} is full.",
        "Free some space on that disk. The database is kept as it is; the next run continues "
        "with every code.",
    )


def check_openable(path: Path) -> None:
    """Raise a BookkeepingError for what must not be opened; repair read-only companions."""
    if path.is_dir():
        raise folder_error(path)
    if not path.exists():
        return
    if not _writable(path):
        raise read_only_error(path)
    for extra in companions(path):
        if extra.exists() and not _writable(extra):
            _make_writable_like(extra, path)


def _make_writable_like(extra: Path, database: Path) -> None:
    """A `-wal`/`-shm` SQLite made while the database file was read-only keeps that mode; the
    database is writable now, so give its companion the same mode."""
    try:
        os.chmod(extra, stat.S_IMODE(database.stat().st_mode))
    except OSError as exc:
        log.debug("could not make %s writable: %s", extra, exc)
    if not _writable(extra):
        raise BookkeepingError(
            f"{extra} is read-only (left so while the database was read-only).",
            "Make it writable for this account, or delete it while no oeleo-gui runs; the "
            "database itself is kept as it is.",
        )
    log.info("made %s writable again, like the database", extra.name)


def database_problem(path: Path, exc: BaseException) -> BookkeepingError:
    """What a SQLite error, or an OSError met while opening, means for the technician."""
    code = sqlite_code(exc)
    error_number = exc.errno if isinstance(exc, OSError) else None
    folder = path.parent
    if code in (_BUSY, _LOCKED):
        return BookkeepingError(
            f"The database {path} is locked by another program.",
            "Close other programs that use it and try again.",
        )
    if code == _FULL or error_number in (errno.ENOSPC, errno.EDQUOT) or _disk_full(folder):
        return full_error(path)
    read_only = code in (_READONLY, _PERM) or error_number in (errno.EROFS, errno.EACCES)
    if read_only or not _writable(folder) or (path.exists() and not _writable(path)):
        return read_only_error(path)
    if code in (_CORRUPT, _NOTADB):
        return BookkeepingError(
            f"{path} is not a database oeleo-gui can read, and was left as it is.",
            "Set OELEO_DB_NAME to the database file (oeleo-file-list.db), or to a new name.",
        )
    return BookkeepingError(
        f"The database {path} cannot be used ({exc}).",
        "Check the disk it is on; the database is kept as it is.",
    )


def may_move_aside(path: Path, exc: BaseException) -> bool:
    """True only for a damaged SQLite file on a disk with room: nothing else is moved aside."""
    if sqlite_code(exc) not in (_CORRUPT, _NOTADB) or not path.is_file():
        return False
    return not _disk_full(path.parent) and _looks_like_sqlite(path)


def _looks_like_sqlite(path: Path) -> bool:
    """SQLite's header, or a header wiped to zeros (what a power cut can leave)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError:
        return False
    return head == SQLITE_MAGIC or (len(head) == len(SQLITE_MAGIC) and not any(head))
