"""One run per database at a time (issue 13, case 6), with real processes holding the lock.

A helper process takes the lock (or runs a real sync paused mid-copy) and says so on its
stdout; it lets go when the test closes its stdin. Nothing sleeps: the test reads the line.
"""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from oeleo_gui.cli import main
from oeleo_gui.engine import run_lock
from oeleo_gui.engine.errors import RunInProgress
from oeleo_gui.engine.run_lock import RunLock, lock_holder, lock_path
from tests.conftest import run_lock_held, write_file

# A stand-in for Windows' msvcrt on this OS: `locking` on byte ranges, as Windows does it,
# made of POSIX record locks (real locks between processes, not a mock of the outcome).
MSVCRT_STAND_IN = textwrap.dedent(
    """
    import errno, fcntl, os, sys, types
    def locking(fd, mode, nbytes):
        offset = os.lseek(fd, 0, os.SEEK_CUR)
        if mode == 1:  # LK_UNLCK
            fcntl.lockf(fd, fcntl.LOCK_UN, nbytes, offset)
            return
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, nbytes, offset)
        except OSError as exc:
            raise PermissionError(errno.EACCES, "Permission denied") from exc
    msvcrt = types.ModuleType("msvcrt")
    msvcrt.LK_UNLCK, msvcrt.LK_NBLCK, msvcrt.locking = 1, 2, locking
    sys.modules["msvcrt"] = msvcrt
    run_lock.IS_WINDOWS = True
    """
)


def holder(db: Path, flavour: str = "posix"):  # type: ignore[no-untyped-def]
    return run_lock_held(db, MSVCRT_STAND_IN) if flavour == "windows" else run_lock_held(db)


def test_a_second_process_is_kept_out_and_gets_in_after_the_first(tmp_path: Path) -> None:
    db = tmp_path / "lab" / "oeleo.db"
    assert lock_holder(db) is None  # no lock file yet: nobody
    with holder(db) as other:
        assert lock_holder(db) == other.pid
        with pytest.raises(RunInProgress) as refused:
            RunLock(db).acquire(0.2)
        assert refused.value.pid == other.pid
        assert f"(pid {other.pid}); this run was skipped" in refused.value.title
    with RunLock(db, wait_seconds=0) as mine:
        assert mine.is_held and lock_holder(db) == os.getpid()
    assert lock_holder(db) is None
    assert lock_path(db).is_file()  # stays: deleting it could let two runs lock two files


def test_a_killed_run_leaves_no_lock_behind(tmp_path: Path) -> None:
    db = tmp_path / "oeleo.db"
    with holder(db) as other:
        os.kill(other.pid, signal.SIGKILL)
        other.wait(timeout=30)
        assert lock_holder(db) is None
        RunLock(db).acquire(0)  # at once, no waiting for a dead process


def test_a_run_in_this_process_counts_as_well(tmp_path: Path) -> None:
    """The tray's engine thread and a check from its window are two runs of one process."""
    db = tmp_path / "oeleo.db"
    with RunLock(db, wait_seconds=0), pytest.raises(RunInProgress):
        RunLock(db, wait_seconds=0).acquire()


def test_the_windows_lock_functions_between_two_processes(tmp_path: Path, monkeypatch) -> None:
    # undone at teardown: the stand-in below replaces both
    monkeypatch.setattr(run_lock, "IS_WINDOWS", run_lock.IS_WINDOWS)
    monkeypatch.setitem(sys.modules, "msvcrt", types.ModuleType("msvcrt"))
    exec(MSVCRT_STAND_IN, {"run_lock": run_lock})  # noqa: S102 (the text the holder runs too)
    assert run_lock.IS_WINDOWS and hasattr(sys.modules["msvcrt"], "locking")
    db = tmp_path / "oeleo.db"
    with holder(db, "windows") as other:
        # the pid is readable although the holder has its byte locked
        assert lock_holder(db) == other.pid
        with pytest.raises(RunInProgress):
            RunLock(db).acquire(0.1)
        fd = os.open(lock_path(db), os.O_RDWR)
        try:  # what is locked is the byte far past the pid, not the pid
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 0)
            fcntl.lockf(fd, fcntl.LOCK_UN, 1, 0)
            with pytest.raises((BlockingIOError, PermissionError)) as busy:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, run_lock.WINDOWS_LOCK_OFFSET)
            assert busy.value.errno in (errno.EAGAIN, errno.EACCES)
        finally:
            os.close(fd)
    with RunLock(db, wait_seconds=0) as mine:  # free again once the holder let go
        assert mine.is_held


def test_waiting_ends_at_once_when_the_run_is_cancelled(tmp_path: Path) -> None:
    from oeleo_gui.engine.errors import Cancelled
    from oeleo_gui.engine.events import CancelToken

    db = tmp_path / "oeleo.db"
    cancel = CancelToken()
    cancel.cancel()
    with holder(db), pytest.raises(Cancelled):
        RunLock(db, wait_seconds=600, cancel=cancel).acquire()


# --- two real runs --------------------------------------------------------------------------------
PAUSED_SYNC = """
import sys
from pathlib import Path
from oeleo_gui.engine.connectors.local.connector import LocalConnector
from oeleo_gui.engine.settings.config import load_settings
from oeleo_gui.engine.worker import Engine

class PausedAfterUpload(LocalConnector):
    def verify(self, uploads, cancel=None):
        if not uploads[0].rel_path.startswith(".oeleo/"):  # the data, not the status record
            print("uploaded", flush=True)  # the temporary file is at the destination now
            sys.stdin.readline()
        return super().verify(uploads, cancel)

settings = load_settings(Path(sys.argv[1]))
engine = Engine(settings, connector=PausedAfterUpload(settings.destination))
summary = engine.sync()
engine.close()
print("done", len(summary.copied), len(summary.failed), repr(summary.error), flush=True)
"""


@pytest.fixture
def lab(tmp_path: Path, monkeypatch) -> Path:
    (tmp_path / "raw").mkdir()
    (tmp_path / "pub").mkdir()
    write_file(tmp_path / "raw", "run1.res", b"r" * 4000)
    (tmp_path / ".env").write_text(
        "OELEO_BASE_DIR_FROM=raw\nOELEO_BASE_DIR_TO=pub\nOELEO_FILTER_EXTENSION=.res\n"
        "OELEO_DB_NAME=lab.db\nOELEO_LOG_DIR=logs\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(run_lock, "DEFAULT_WAIT_SECONDS", 0.3)
    return tmp_path


def test_a_second_run_is_skipped_while_the_first_copies_and_loses_it_nothing(
    lab: Path, capsys
) -> None:
    first = subprocess.Popen(
        [sys.executable, "-c", PAUSED_SYNC, str(lab / ".env")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout is not None and first.stdout.readline().strip() == "uploaded"
        temps = [p.name for p in (lab / "pub").iterdir() if p.name != ".oeleo"]  # + status
        assert len(temps) == 1 and temps[0].endswith(".oeleo-part")
        assert main(["--env", str(lab / ".env"), "sync"]) == 3
        out = capsys.readouterr().out
        assert f"another oeleo-gui run is copying (pid {first.pid}); this run was skipped" in (
            out.lower()
        )
        assert main(["--env", str(lab / ".env"), "check"]) == 3
        assert f"(pid {first.pid}); this run was skipped" in capsys.readouterr().err
        # the second run swept nothing: the first run's temporary file is still there
        assert [p.name for p in (lab / "pub").iterdir() if p.name != ".oeleo"] == temps
        assert first.stdin is not None
        first.stdin.write("go on\n")
        first.stdin.close()
        assert first.stdout.readline().split() == ["done", "1", "0", "''"]
    finally:
        if first.poll() is None:
            first.kill()
        first.wait(timeout=30)
    assert (lab / "pub" / "run1.res").read_bytes() == b"r" * 4000
    assert main(["--env", str(lab / ".env"), "sync"]) == 0
    assert "0 copied, 1 unchanged" in capsys.readouterr().out


def test_a_skipped_run_is_not_recorded_as_a_run(lab: Path, capsys) -> None:
    from oeleo_gui.engine.bookkeeping.store import FileListStore

    with holder(lab / "lab.db") as other:
        assert main(["--env", str(lab / ".env"), "sync", "--json"]) == 3
        import json

        summary = json.loads(capsys.readouterr().out)
        assert summary["other_run_pid"] == other.pid and summary["copied"] == []
    with FileListStore(lab / "lab.db") as store:
        assert store.recent_runs() == []
