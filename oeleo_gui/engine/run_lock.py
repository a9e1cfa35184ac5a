"""One run per database at a time, across processes: an OS file lock beside the database.

A sync or a check holds `<database>.lock` locked for as long as it runs (`fcntl.flock` on
Linux and macOS, `msvcrt.locking` on Windows) and writes its pid into it. The OS drops the lock
when that process ends, however it ends (kill -9, a power cut), so a crash never blocks the next
run. The file itself stays where it is: deleting it could let two runs lock two different files.

Without this, a second run (the tray and a scheduled `oeleo-gui sync`) swept the first one's
temporary files as leftovers of a crash. Imports only the stdlib, `events` and `errors`.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from oeleo_gui.engine.errors import BookkeepingError, Cancelled, RunInProgress
from oeleo_gui.engine.events import CancelToken

log = logging.getLogger(__name__)

LOCK_SUFFIX = ".lock"
DEFAULT_WAIT_SECONDS = 5.0
"""How long a run waits for another one before it is skipped (read at each acquire)."""
POLL_SECONDS = 0.1
# Windows locks byte ranges and refuses reads inside a locked range, so the lock is one byte far
# past the pid text (locking beyond the end of a file is allowed and does not grow it).
WINDOWS_LOCK_OFFSET = 1 << 30
_PID_BYTES = 32
IN_MEMORY = ":memory:"  # SQLite's name for a private in-memory database
IS_WINDOWS = sys.platform == "win32"
"""Which OS lock is used; tests switch it to run the Windows functions here."""


def lock_path(db_path: Path) -> Path:
    """`<folder>/oeleo-file-list.db` -> `<folder>/oeleo-file-list.db.lock`."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + LOCK_SUFFIX)


# --- the OS pieces: small functions, each testable on its own -------------------------------------
def posix_try_lock(fd: int, *, shared: bool = False) -> bool:
    """Lock the whole file without waiting; False when another open file holds the lock."""
    import fcntl

    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def posix_unlock(fd: int) -> None:
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


def _msvcrt() -> Any:
    import msvcrt  # Windows only; tests put a stand-in into sys.modules

    return msvcrt


def windows_try_lock(fd: int, *, shared: bool = False) -> bool:
    """Lock one byte at `WINDOWS_LOCK_OFFSET` without waiting (Windows has no shared lock)."""
    msvcrt = _msvcrt()
    os.lseek(fd, WINDOWS_LOCK_OFFSET, os.SEEK_SET)
    try:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError as exc:
        # ERROR_LOCK_VIOLATION comes back as EACCES (or EDEADLOCK after LK_LOCK's retries)
        if exc.errno in (errno.EACCES, errno.EDEADLK, getattr(errno, "EDEADLOCK", errno.EDEADLK)):
            return False
        raise
    return True


def windows_unlock(fd: int) -> None:
    msvcrt = _msvcrt()
    os.lseek(fd, WINDOWS_LOCK_OFFSET, os.SEEK_SET)
    msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def try_lock(fd: int, *, shared: bool = False) -> bool:
    if IS_WINDOWS:
        return windows_try_lock(fd, shared=shared)
    return posix_try_lock(fd, shared=shared)


def unlock(fd: int) -> None:
    if IS_WINDOWS:
        windows_unlock(fd)
    else:
        posix_unlock(fd)


def _read_pid(fd: int) -> int:
    """The pid written by the holder; 0 when it has not written it yet."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, _PID_BYTES).decode("ascii", errors="replace").strip()
    except OSError:
        return 0
    return int(text) if text.isdigit() else 0


def _write_pid(fd: int) -> None:
    try:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode("ascii"))
    except OSError as exc:  # a full disk: the lock holds all the same, only the pid is unknown
        log.debug("could not write the pid into the run lock: %s", exc)


def _open_lock_file(path: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise _lock_file_error(path, exc) from exc


def _lock_file_error(path: Path, exc: OSError) -> BookkeepingError:
    folder = path.parent
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return BookkeepingError(
            f"The disk of the database folder {folder} is full.",
            "Free some space there; the database is kept as it is and the next run continues.",
        )
    if exc.errno == errno.EROFS or isinstance(exc, PermissionError):
        return BookkeepingError(
            f"The database folder {folder} is read-only (cannot write {path.name} there).",
            "Make that folder writable for this account, or set OELEO_DB_NAME to a file in a "
            "folder you can write to.",
        )
    return BookkeepingError(
        f"Cannot use the run lock {path} ({exc.strerror or exc}).",
        "Check the folder of OELEO_DB_NAME.",
    )


class RunLock:
    """`with RunLock(db_path):` one sync or check at a time for this database, across processes.

    `acquire` waits up to `wait_seconds` (default `DEFAULT_WAIT_SECONDS`) for another run to end,
    then raises `RunInProgress(pid)`; a cancel while waiting raises `Cancelled`.
    """

    def __init__(
        self,
        db_path: Path,
        *,
        wait_seconds: float | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        # SQLite's private in-memory database (the scripting API's) is no one else's: no lock
        self.path: Path | None = None if str(db_path) == IN_MEMORY else lock_path(db_path)
        self.wait_seconds = wait_seconds
        self.cancel = cancel
        self._fd: int | None = None

    @property
    def is_held(self) -> bool:
        return self._fd is not None

    def acquire(self, wait_seconds: float | None = None) -> None:
        if self._fd is not None:
            raise RuntimeError("this run lock is held already")
        if self.path is None:
            return
        wait = wait_seconds if wait_seconds is not None else self.wait_seconds
        wait = DEFAULT_WAIT_SECONDS if wait is None else wait
        fd = _open_lock_file(self.path)
        try:
            self._wait_for(fd, time.monotonic() + wait)
        except BaseException:
            os.close(fd)
            raise
        _write_pid(fd)
        self._fd = fd

    def _wait_for(self, fd: int, deadline: float) -> None:
        pause = self.cancel.wait if self.cancel is not None else threading.Event().wait
        while not try_lock(fd):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RunInProgress(_read_pid(fd))
            if pause(min(POLL_SECONDS, remaining)):  # True only when cancelled
                raise Cancelled()

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def lock_holder(db_path: Path) -> int | None:
    """The pid of the process running a sync or check on this database now, None when nobody is.

    0 when a run holds the lock but has not written its pid yet (a moment after it started). A
    process's own run counts too: the lock is per open file, not per process.
    """
    if str(db_path) == IN_MEMORY:
        return None
    path = lock_path(db_path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.debug("cannot open %s: %s", path, exc)
        return None
    try:
        if try_lock(fd, shared=True):
            unlock(fd)
            return None
        return _read_pid(fd)
    finally:
        os.close(fd)
