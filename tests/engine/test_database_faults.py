"""The database's own disk, full or read-only, and OELEO_DB_NAME naming a folder (issue 13, cases
1 and 5): each gets its own message, the database is kept as it is, and the next run after the
fix goes on with every technician's code. Real tmpfs mounts; a read-only file is made to count
for root by dropping the capabilities that let root ignore it."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from oeleo_gui.cli import main
from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.connectors.local.connector import LocalConnector
from oeleo_gui.engine.errors import BookkeepingError
from oeleo_gui.engine.events import FileCode
from tests.conftest import mounted_tmpfs, unprivileged_or_skip, write_file


def fill(disk: Path) -> Path:
    """Write until the disk is full."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096) == 4096:
            pass
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
    finally:
        os.close(fd)
    assert shutil.disk_usage(disk).free < 4096
    return filler


@pytest.fixture
def lab(tmp_path: Path, monkeypatch) -> Path:
    for name in ("raw", "pub"):
        (tmp_path / name).mkdir()
    write_file(tmp_path / "raw", "locked.res", "never copy me")
    write_file(tmp_path / "raw", "first.res", "first")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def make_env(lab: Path, db: Path) -> Path:
    env = lab / ".env"
    env.write_text(
        "OELEO_BASE_DIR_FROM=raw\nOELEO_BASE_DIR_TO=pub\nOELEO_FILTER_EXTENSION=.res\n"
        f"OELEO_DB_NAME={db}\nOELEO_LOG_DIR=logs\n"
    )
    return env


def first_run_with_a_lock(lab: Path, env: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A database that holds a technician's lock, and a new file to copy next."""
    assert main(["--env", str(env), "lock", "raw/locked.res"]) == 0
    assert main(["--env", str(env), "sync"]) == 0
    assert not (lab / "pub" / "locked.res").exists()
    write_file(lab / "raw", "second.res", "second")
    capsys.readouterr()


def codes(db: Path) -> dict[str, FileCode]:
    with FileListStore(db) as store:
        return {r.rel_path: r.code for r in store.rows()}


def no_corrupt_copies(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if ".corrupt-" in p.name]


# --- 5: full --------------------------------------------------------------------------------------
def test_a_full_disk_under_the_database_keeps_it_and_every_code(lab: Path, capsys) -> None:
    with mounted_tmpfs(lab / "db disk", "size=1m") as disk:
        env = make_env(lab, disk / "lab.db")
        first_run_with_a_lock(lab, env, capsys)
        filler = fill(disk)
        assert main(["--env", str(env), "sync"]) == 1
        out = capsys.readouterr()
        assert f"The disk of the database {disk / 'lab.db'} is full." in out.out
        assert "Free some space" in out.out and "Unexpected" not in out.err
        assert no_corrupt_copies(disk) and not (lab / "pub" / "second.res").exists()
        filler.unlink()
        assert main(["--env", str(env), "sync"]) == 0
        assert (lab / "pub" / "second.res").read_text() == "second"
        assert not (lab / "pub" / "locked.res").exists()  # the lock held
        assert codes(disk / "lab.db")["locked.res"] is FileCode.LOCKED
        assert no_corrupt_copies(disk)


class FillsTheDatabaseDisk(LocalConnector):
    """A destination whose upload fills the database's disk meanwhile (another program)."""

    def __init__(self, root: Path, disk: Path) -> None:
        super().__init__(root)
        self.disk = disk

    def upload_temp(self, source, rel_path, **kwargs):  # type: ignore[no-untyped-def]
        upload = super().upload_temp(source, rel_path, **kwargs)
        if not (self.disk / "filler").exists():
            fill(self.disk)
        return upload


def test_a_database_disk_that_fills_up_mid_run_stops_the_run_in_words(
    make_engine, src, dst, tmp_path
) -> None:
    with mounted_tmpfs(tmp_path / "db disk", "size=4m") as disk:
        for i in range(50):
            write_file(src, f"file {i:03d} {'x' * 80}.res", f"{i}")
        engine = make_engine(FillsTheDatabaseDisk(dst, disk), OELEO_DB_NAME=str(disk / "oeleo.db"))
        engine.store.set_code(["file 000 " + "x" * 80 + ".res"], FileCode.LOCKED)
        summary = engine.sync()  # raises nothing
        assert summary.error == f"The disk of the database {disk / 'oeleo.db'} is full."
        engine.close()
        (disk / "filler").unlink()
        again = make_engine(OELEO_DB_NAME=str(disk / "oeleo.db")).sync()
        assert again.ok and again.locked == 1
        assert codes(disk / "oeleo.db")["file 000 " + "x" * 80 + ".res"] is FileCode.LOCKED
        assert no_corrupt_copies(disk)


# --- 5: read-only ---------------------------------------------------------------------------------
def test_a_read_only_disk_under_the_database_says_so_and_continues_after(lab: Path, capsys) -> None:
    with mounted_tmpfs(lab / "db disk", "size=1m") as disk:
        env = make_env(lab, disk / "lab.db")
        first_run_with_a_lock(lab, env, capsys)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        assert main(["--env", str(env), "sync"]) == 1
        out = capsys.readouterr()
        assert "is read-only" in out.out and str(disk) in out.out
        assert "Unexpected" not in out.err and not (lab / "pub" / "second.res").exists()
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        assert main(["--env", str(env), "sync"]) == 0
        assert (lab / "pub" / "second.res").exists() and not (lab / "pub" / "locked.res").exists()
        assert codes(disk / "lab.db")["locked.res"] is FileCode.LOCKED
        assert no_corrupt_copies(disk)


def cli(*argv: str, as_: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*as_, sys.executable, "-m", "oeleo_gui", *argv],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )


def test_a_read_only_database_file_says_so_and_leaves_nothing_read_only(lab: Path, capsys) -> None:
    unprivileged = unprivileged_or_skip(lab)
    db = lab / "lab.db"
    env = make_env(lab, db)
    first_run_with_a_lock(lab, env, capsys)
    db.chmod(0o444)  # the Windows read-only attribute, or chmod 444
    done = cli("--env", str(env), "sync", as_=unprivileged)
    assert done.returncode == 1, done.stderr
    assert f"The database {db} is read-only." in done.stdout
    assert "Unexpected" not in done.stderr and "Traceback" not in done.stderr
    assert not db.with_name("lab.db-shm").exists() and not db.with_name("lab.db-wal").exists()
    db.chmod(0o644)
    done = cli("--env", str(env), "sync", as_=unprivileged)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (lab / "pub" / "second.res").exists() and not (lab / "pub" / "locked.res").exists()
    assert codes(db)["locked.res"] is FileCode.LOCKED


def test_a_read_only_shm_left_by_an_earlier_run_does_not_keep_failing(lab: Path, capsys) -> None:
    unprivileged = unprivileged_or_skip(lab)
    db = lab / "lab.db"
    env = make_env(lab, db)
    first_run_with_a_lock(lab, env, capsys)
    for suffix, size in (("-shm", 32768), ("-wal", 0)):  # as SQLite made them for a 444 database
        companion = db.with_name(db.name + suffix)
        companion.write_bytes(bytes(size))
        companion.chmod(0o444)
    done = cli("--env", str(env), "sync", as_=unprivileged)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (lab / "pub" / "second.res").exists() and not (lab / "pub" / "locked.res").exists()
    assert codes(db)["locked.res"] is FileCode.LOCKED and no_corrupt_copies(lab)


# --- 1: a folder is never opened, never renamed ---------------------------------------------------
def test_a_folder_given_as_the_database_is_never_opened_nor_moved(make_engine, src) -> None:
    write_file(src, "a.res", "x")
    engine = make_engine(OELEO_DB_NAME=str(src))
    summary = engine.sync()
    assert "OELEO_DB_NAME" in summary.error and src.is_dir()
    assert [p.name for p in src.iterdir()] == ["a.res"]
    assert not [p for p in src.parent.iterdir() if ".corrupt-" in p.name]
    with pytest.raises(BookkeepingError) as refused:
        FileListStore(src)
    assert "names a folder" in refused.value.title and src.is_dir()
