"""Sync runs against real folders and a real SQLite file: codes, incremental, atomic, verified."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from oeleo_gui.engine import progress as progress_module
from oeleo_gui.engine import triage as triage_module
from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.connectors.base import is_oeleo_path, is_temp_name
from oeleo_gui.engine.connectors.local import os_details as local_os
from oeleo_gui.engine.connectors.local.connector import LocalConnector
from oeleo_gui.engine.errors import ConnectionLost
from oeleo_gui.engine.events import (
    CancelToken,
    FileCode,
    FileProgress,
    FileResult,
    NullReporter,
    Outcome,
)
from tests.conftest import write_file


def files_in(folder: Path) -> dict[str, bytes]:
    """The data files at a destination (its `.oeleo/` status record is no data)."""
    return {
        rel: p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not is_oeleo_path(rel := p.relative_to(folder).as_posix())
    }


def test_first_run_copies_verified_with_mtime_and_records_md5(make_engine, src, dst) -> None:
    write_file(src, "a.res", "alpha")
    write_file(src, "måling 1 µ.res", "beta")
    write_file(src, "ignored.txt", "gamma")
    engine = make_engine()
    summary = engine.sync()
    assert summary.ok and sorted(r.rel_path for r in summary.copied) == ["a.res", "måling 1 µ.res"]
    assert files_in(dst) == {"a.res": b"alpha", "måling 1 µ.res": b"beta"}
    assert (dst / "a.res").stat().st_mtime_ns == (src / "a.res").stat().st_mtime_ns
    row = engine.store.get("a.res")
    assert row is not None and row.code is FileCode.COPY_IF_CHANGED
    assert row.checksum == "2c1743a391305fbf367df8e4f069f9f9"  # md5("alpha")
    assert row.external_name == str(dst / "a.res") and row.size == 5


def test_the_log_names_every_copied_file_with_its_checksum(make_engine, src, dst, caplog) -> None:
    write_file(src, "a.res", "alpha")
    write_file(src, "sub/b.res", "beta")
    caplog.set_level(logging.INFO, logger="oeleo_gui")
    assert len(make_engine(OA_INCLUDE_SUBDIRS="yes").sync().copied) == 2
    batch = [r.getMessage() for r in caplog.records if r.getMessage().startswith("copied")]
    assert len(batch) == 1  # one record per batch, one line per file
    lines = batch[0].splitlines()
    assert lines[0] == "copied 2 files:"
    assert f"  a.res -> {dst / 'a.res'} (5 bytes, md5 2c1743a391305fbf367df8e4f069f9f9)" in lines
    assert any(line.startswith("  sub/b.res -> ") for line in lines)


def test_progress_is_throttled_and_every_file_is_reported_done(
    make_engine, src, monkeypatch
) -> None:
    for i in range(50):
        write_file(src, f"f{i:02d}.res", f"content {i}")
    monkeypatch.setattr(
        progress_module, "PROGRESS_INTERVAL", 1e9
    )  # only what is forced gets through

    class Recorder(NullReporter):
        def __init__(self) -> None:
            self.progress: list[FileProgress] = []
            self.done: list[str] = []

        def on_progress(self, event: FileProgress) -> None:
            self.progress.append(event)

        def on_file_done(self, result: FileResult) -> None:
            self.done.append(result.rel_path)

    recorder = Recorder()
    assert len(make_engine().sync(recorder).copied) == 50
    # The first file's start and the last file's end are never throttled away.
    assert [(e.files_done, e.file_count, e.percent) for e in recorder.progress] == [
        (0, 50, 0),
        (50, 50, 100),
    ]
    assert sorted(recorder.done) == [f"f{i:02d}.res" for i in range(50)]


def test_unchanged_files_are_not_read_on_the_next_run(make_engine, src, monkeypatch) -> None:
    for i in range(5):
        write_file(src, f"f{i}.res", f"content {i}")
    engine = make_engine()
    assert len(engine.sync().copied) == 5

    def must_not_read(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("an unchanged file was read")

    monkeypatch.setattr(triage_module, "md5_file", must_not_read)
    monkeypatch.setattr(LocalConnector, "upload_temp", must_not_read)
    monkeypatch.setattr(LocalConnector, "ensure_ready", must_not_read)  # not even a write probe
    summary = engine.sync()
    assert summary.ok and summary.unchanged == 5 and not summary.copied


def test_code_1_copies_only_when_content_changed(make_engine, src, dst) -> None:
    write_file(src, "a.res", "one")
    write_file(src, "b.res", "two")
    engine = make_engine()
    engine.sync()
    write_file(src, "a.res", "ONE", mtime=time.time() - 3600)  # same size, new content
    write_file(src, "b.res", "two", mtime=time.time() - 3600)  # touched only
    summary = engine.sync()
    assert [r.rel_path for r in summary.copied] == ["a.res"]
    assert summary.unchanged == 1
    assert (dst / "a.res").read_bytes() == b"ONE"
    b = engine.store.get("b.res")
    assert b is not None and b.mtime_ns == (src / "b.res").stat().st_mtime_ns


def test_code_0_always_copies_and_code_2_never(make_engine, src, dst) -> None:
    write_file(src, "again.res", "x")
    write_file(src, "locked.res", "y")
    engine = make_engine()
    engine.store.set_code(["locked.res"], FileCode.LOCKED)
    first = engine.sync()
    assert [r.rel_path for r in first.copied] == ["again.res"] and first.locked == 1
    assert not (dst / "locked.res").exists()
    engine.store.set_code(["again.res"], FileCode.COPY)
    second = engine.sync()
    assert [r.rel_path for r in second.copied] == ["again.res"]
    assert engine.store.get("locked.res").code is FileCode.LOCKED  # type: ignore[union-attr]


def test_subfolders_with_clashing_names_are_two_rows(make_engine, src, dst) -> None:
    write_file(src, "run1/a.res", "first")
    write_file(src, "run2/a.res", "second")
    mirrored = make_engine(OA_INCLUDE_SUBDIRS="yes", OA_EXTERNAL_SUBDIRS="yes")
    assert len(mirrored.sync().copied) == 2
    assert files_in(dst) == {"run1/a.res": b"first", "run2/a.res": b"second"}
    assert {r.rel_path for r in mirrored.store.rows()} == {"run1/a.res", "run2/a.res"}


def test_flattened_destination_reports_a_name_clash(make_engine, src, dst, tmp_path) -> None:
    write_file(src, "run1/a.res", "first")
    write_file(src, "run2/a.res", "second")
    engine = make_engine(OA_INCLUDE_SUBDIRS="yes", OELEO_DB_NAME=str(tmp_path / "flat.db"))
    summary = engine.sync()
    assert [r.rel_path for r in summary.copied] == ["run1/a.res"]
    assert [r.rel_path for r in summary.failed] == ["run2/a.res"]
    assert "OA_EXTERNAL_SUBDIRS" in summary.failed[0].reason
    assert files_in(dst) == {"a.res": b"first"}


def test_a_flattened_name_stays_with_the_file_already_copied_under_it(
    make_engine, src, dst, tmp_path
) -> None:
    write_file(src, "run2/a.res", "second")
    engine = make_engine(OA_INCLUDE_SUBDIRS="yes", OELEO_DB_NAME=str(tmp_path / "flat.db"))
    assert [r.rel_path for r in engine.sync().copied] == ["run2/a.res"]
    write_file(src, "run1/a.res", "first")  # sorts first, but a.res is taken
    summary = engine.sync()
    assert summary.unchanged == 1 and not summary.copied
    assert [r.rel_path for r in summary.failed] == ["run1/a.res"]
    assert "same destination name as run2/a.res" in summary.failed[0].reason
    assert files_in(dst) == {"a.res": b"second"}


def test_a_file_still_being_written_waits_for_the_settle_time(make_engine, src, dst) -> None:
    write_file(src, "fresh.res", "partial", mtime=None)
    engine = make_engine(OELEO_SETTLE_SECONDS="30")
    summary = engine.sync()
    assert [r.rel_path for r in summary.settling] == ["fresh.res"] and not summary.copied
    assert not (dst / "fresh.res").exists() and engine.store.get("fresh.res") is None
    later = make_engine(OELEO_SETTLE_SECONDS="30")
    later._clock = lambda: time.time() + 31
    assert [r.rel_path for r in later.sync().copied] == ["fresh.res"]


class GateConnector(LocalConnector):
    """A real local destination whose uploads call `on_chunk` after each chunk is written."""

    def __init__(self, root: Path, on_chunk) -> None:  # type: ignore[no-untyped-def]
        super().__init__(root)
        self.on_chunk = on_chunk

    def upload_temp(self, source, rel_path, *, temp_rel_path, mtime, progress, cancel):  # type: ignore[no-untyped-def]
        def progress_and_gate(done: int) -> None:
            progress(done)
            self.on_chunk(source, self._path(temp_rel_path), done)

        return super().upload_temp(
            source,
            rel_path,
            temp_rel_path=temp_rel_path,
            mtime=mtime,
            progress=progress_and_gate,
            cancel=cancel,
        )


def test_a_file_the_instrument_holds_open_waits_for_the_next_run(
    make_engine, src, dst, monkeypatch
) -> None:
    held = write_file(src, "running.res", "the instrument is still writing")
    write_file(src, "done.res", "finished")
    real_open = os.open

    def instrument_holds(path, flags, *args):  # type: ignore[no-untyped-def]
        if str(path) == str(held):  # what Windows raises while another program has it open
            exc = PermissionError(errno.EACCES, "The process cannot access the file", str(path))
            exc.winerror = 32  # type: ignore[attr-defined]
            raise exc
        return real_open(path, flags, *args)

    monkeypatch.setattr(local_os.os, "open", instrument_holds)
    engine = make_engine()
    summary = engine.sync()
    assert summary.ok and [r.rel_path for r in summary.copied] == ["done.res"]
    assert [r.rel_path for r in summary.busy] == ["running.res"]
    assert "held open by another program since" in summary.busy[0].reason
    assert summary.busy[0].since is not None
    assert engine.store.get("running.res") is None and files_in(dst) == {"done.res": b"finished"}
    monkeypatch.setattr(local_os.os, "open", real_open)  # the instrument let go of it
    assert [r.rel_path for r in engine.sync().copied] == ["running.res"]


def test_a_file_changed_during_copy_is_discarded_and_retried_later(make_engine, src, dst) -> None:
    path = write_file(src, "big.res", os.urandom(3 * 1024 * 1024))

    def grow(source: str, temp: Path, done: int) -> None:
        if done == 1024 * 1024:
            with open(path, "ab") as fh:
                fh.write(b"more data from the instrument")

    engine = make_engine(connector=GateConnector(dst, grow))
    summary = engine.sync()
    assert not summary.copied and [r.rel_path for r in summary.settling] == ["big.res"]
    assert files_in(dst) == {} and engine.store.get("big.res") is None


def test_an_interrupted_copy_leaves_no_final_file_and_no_row(make_engine, src, dst) -> None:
    write_file(src, "a.res", os.urandom(2 * 1024 * 1024 + 7))

    def fail(source: Path, temp: Path, done: int) -> None:
        assert temp.exists() and is_temp_name(temp.name)
        raise OSError(errno.EIO, "I/O error")

    engine = make_engine(connector=GateConnector(dst, fail))
    summary = engine.sync()
    assert [r.rel_path for r in summary.failed] == ["a.res"]
    assert files_in(dst) == {}
    row = engine.store.get("a.res")
    assert row is None or row.checksum is None


def test_cancel_mid_copy_removes_the_temp_file_and_records_nothing(make_engine, src, dst) -> None:
    write_file(src, "a.res", "small one")
    write_file(src, "b.res", os.urandom(4 * 1024 * 1024))
    cancel = CancelToken()

    def cancel_on_b(source: Path, temp: Path, done: int) -> None:
        if os.path.basename(source) == "b.res":
            cancel.cancel()

    engine = make_engine(connector=GateConnector(dst, cancel_on_b))
    summary = engine.sync(NullReporter(), cancel)
    assert summary.cancelled
    assert files_in(dst) == {"a.res": b"small one"}
    assert engine.store.get("a.res") is not None and engine.store.get("b.res") is None
    assert engine.store.journal_entries() == []


def test_a_foreign_destination_file_is_moved_aside_never_lost(make_engine, src, dst) -> None:
    write_file(src, "data.res", "ours")
    (dst / "data.res").write_bytes(b"someone else's file")
    write_file(src, "same.res", "identical")
    (dst / "same.res").write_bytes(b"identical")
    summary = make_engine().sync()
    by_name = {r.rel_path: r for r in summary.copied}
    aside = by_name["data.res"].moved_aside
    assert aside.startswith("data.oeleo-aside-") and aside.endswith(".res")
    assert (dst / aside).read_bytes() == b"someone else's file"
    assert (dst / "data.res").read_bytes() == b"ours"
    assert by_name["same.res"].moved_aside == ""


def test_an_aside_name_already_taken_gets_a_number_and_the_run_goes_on(
    make_engine, src, dst
) -> None:
    """Moved aside twice within one second (a file turned into a folder and back): the second
    name must not stop the run, and nothing already set aside is touched."""
    from datetime import datetime, timedelta

    from oeleo_gui.engine.moving_aside import aside_name

    write_file(src, "x.res", "ours")
    (dst / "x.res").write_bytes(b"someone else's file")
    start = datetime.now()
    taken = {aside_name("x.res", start + timedelta(seconds=s)) for s in range(-1, 30)}
    for name in taken:
        (dst / name).write_bytes(b"kept earlier")
    summary = make_engine().sync()
    assert summary.ok and [r.rel_path for r in summary.copied] == ["x.res"]
    aside = summary.copied[0].moved_aside
    assert aside not in taken and aside.endswith("-2.res")
    assert (dst / aside).read_bytes() == b"someone else's file"
    assert all((dst / name).read_bytes() == b"kept earlier" for name in taken)
    assert (dst / "x.res").read_bytes() == b"ours"


def test_foreign_files_in_subfolders_are_kept_and_new_folders_are_not_searched(
    make_engine, src, dst, monkeypatch
) -> None:
    write_file(src, "old/data.res", "ours")
    (dst / "old").mkdir()
    (dst / "old" / "data.res").write_bytes(b"someone else's file")
    for i in range(3):
        write_file(src, f"new/f{i}.res", f"new {i}")
    write_file(src, "new/deeper/still/g.res", "deep")
    looked_up: list[str] = []
    real_stat = LocalConnector.stat

    def stat(self: LocalConnector, rel_path: str):  # type: ignore[no-untyped-def]
        looked_up.append(rel_path)
        return real_stat(self, rel_path)

    monkeypatch.setattr(LocalConnector, "stat", stat)
    summary = make_engine(OA_INCLUDE_SUBDIRS="yes", OA_EXTERNAL_SUBDIRS="yes").sync()
    assert summary.ok and len(summary.copied) == 5
    assert (dst / "new" / "deeper" / "still" / "g.res").read_bytes() == b"deep"
    aside = {r.rel_path: r.moved_aside for r in summary.copied}["old/data.res"]
    assert (dst / aside).read_bytes() == b"someone else's file"
    assert looked_up == ["old/data.res"]  # the folder this run created holds nothing foreign


def test_a_destination_subfolder_removed_between_runs_is_made_again(make_engine, src, dst) -> None:
    write_file(src, "run1/a.res", "alpha")
    engine = make_engine(OA_INCLUDE_SUBDIRS="yes", OA_EXTERNAL_SUBDIRS="yes")
    assert len(engine.sync().copied) == 1
    (dst / "run1" / "a.res").unlink()
    (dst / "run1").rmdir()  # someone tidied the server while the tray kept running
    write_file(src, "run1/b.res", "beta")
    summary = engine.sync()
    assert summary.ok and [r.rel_path for r in summary.copied] == ["run1/b.res"]
    assert (dst / "run1" / "b.res").read_bytes() == b"beta"


def test_oeleos_own_previous_copy_is_replaced_without_a_trace(make_engine, src, dst) -> None:
    write_file(src, "a.res", "v1")
    engine = make_engine()
    engine.sync()
    write_file(src, "a.res", "version 2", mtime=time.time() - 100)
    summary = engine.sync()
    assert summary.copied[0].moved_aside == ""
    assert files_in(dst) == {"a.res": b"version 2"}


def test_leftover_temp_files_from_a_crash_are_swept(make_engine, src, dst) -> None:
    write_file(src, "a.res", "x")
    engine = make_engine()
    leftover = dst / ".a.res.0123abcd.oeleo-part"
    leftover.write_bytes(b"half")
    engine.store.journal_add([(leftover.name, "a.res")])
    assert engine.sync().ok
    assert files_in(dst) == {"a.res": b"x"} and engine.store.journal_entries() == []


def test_a_destination_that_is_gone_stops_the_run_with_one_error(
    make_engine, src, tmp_path
) -> None:
    write_file(src, "a.res", "x")
    engine = make_engine(OELEO_BASE_DIR_TO=str(tmp_path / "not mounted"))
    summary = engine.sync()
    assert not summary.ok and "does not exist" in summary.error
    assert "OELEO_BASE_DIR_TO" in summary.error_hint and not summary.copied


def test_a_destination_that_vanishes_mid_run_is_reported_and_never_made_again(
    make_engine, src, dst
) -> None:
    write_file(src, "a/first.res", "x")
    write_file(src, "b/second.res", "y")

    def unmount(source: str, temp: Path, done: int) -> None:
        if os.path.basename(source) == "first.res":
            shutil.rmtree(dst)  # the share went away while the first file was being copied

    engine = make_engine(
        connector=GateConnector(dst, unmount), OA_INCLUDE_SUBDIRS="yes", OA_EXTERNAL_SUBDIRS="yes"
    )
    summary = engine.sync()
    assert not summary.ok and "no longer reachable" in summary.error
    assert not summary.copied and engine.store.get("b/second.res") is None
    assert not dst.exists()  # not made again on the local disk


def test_a_missing_source_folder_is_a_config_error_in_the_summary(make_engine, tmp_path) -> None:
    engine = make_engine(OELEO_BASE_DIR_FROM=str(tmp_path / "nowhere"))
    summary = engine.sync()
    assert "OELEO_BASE_DIR_FROM" in summary.error


@contextlib.contextmanager
def mounted_tmpfs(mount: Path, options: str) -> Iterator[Path]:
    """A small tmpfs of our own at `mount` (skips the test where mounting is not allowed)."""
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs ({options}) here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    with mounted_tmpfs(tmp_path / "tiny", "size=1m") as mount:
        yield mount


def test_a_full_destination_stops_cleanly_and_keeps_earlier_files(
    make_engine, src, tiny_disk
) -> None:
    write_file(src, "a_small.res", "fits")
    write_file(src, "b_big.res", os.urandom(2 * 1024 * 1024))
    engine = make_engine(OELEO_BASE_DIR_TO=str(tiny_disk))
    summary = engine.sync()
    assert "full" in summary.error
    assert files_in(tiny_disk) == {"a_small.res": b"fits"}
    assert engine.store.get("b_big.res") is None
    assert engine.store.get("a_small.res") is not None


@pytest.fixture
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    with mounted_tmpfs(tmp_path / "read only", "ro,size=1m") as mount:
        yield mount


def test_a_read_only_destination_stops_the_run_with_one_clear_error(
    make_engine, src, read_only_disk
) -> None:
    write_file(src, "a.res", "x")
    write_file(src, "b.res", "y")
    engine = make_engine(OELEO_BASE_DIR_TO=str(read_only_disk))
    summary = engine.sync()
    assert not summary.ok and summary.error.endswith("is read-only.")
    assert "OELEO_BASE_DIR_TO" in summary.error_hint
    assert not summary.copied and not summary.failed and engine.store.get("a.res") is None


def test_a_destination_without_write_permission_says_so(make_engine, src, dst, monkeypatch) -> None:
    write_file(src, "a.res", "x")
    real_open = os.open

    def no_write_access(path, flags, *args):  # type: ignore[no-untyped-def]
        if str(path).startswith(str(dst)) and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(local_os.os, "open", no_write_access)  # root ignores chmod
    summary = make_engine().sync()
    assert summary.error == f"No permission to write in {dst}."
    assert "write access" in summary.error_hint and not summary.copied


class DroppingConnector(LocalConnector):
    """Loses the 'connection' once, mid-upload, like a network share that blinks."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.dropped = threading.Event()
        self.reconnects = 0

    def upload_temp(self, source, rel_path, *, temp_rel_path, mtime, progress, cancel):  # type: ignore[no-untyped-def]
        if os.path.basename(source) == "b.res" and not self.dropped.is_set():
            self.dropped.set()
            self.remove(temp_rel_path)
            raise ConnectionLost("The connection to the share dropped.", "")
        return super().upload_temp(
            source,
            rel_path,
            temp_rel_path=temp_rel_path,
            mtime=mtime,
            progress=progress,
            cancel=cancel,
        )

    def reconnect(self) -> None:
        self.reconnects += 1
        super().reconnect()


def test_a_dropped_connection_is_reconnected_and_the_file_retried(
    make_engine, src, dst, monkeypatch
) -> None:
    for name in ("a.res", "b.res", "c.res"):
        write_file(src, name, name)
    connector = DroppingConnector(dst)
    engine = make_engine(connector=connector)
    monkeypatch.setattr(
        CancelToken, "wait", lambda self, timeout: False
    )  # no backoff wait in tests
    summary = engine.sync()
    assert summary.ok and len(summary.copied) == 3 and connector.reconnects == 1
    assert files_in(dst) == {"a.res": b"a.res", "b.res": b"b.res", "c.res": b"c.res"}
    # The cut-off upload's temporary name stays journalled until the next run sweeps it.
    assert len(engine.store.journal_entries()) == 1
    assert engine.sync().ok and engine.store.journal_entries() == []


def test_a_corrupt_database_is_moved_aside_and_the_run_goes_on(make_engine, src, tmp_path) -> None:
    db = tmp_path / "oeleo.db"
    with FileListStore(db) as store:  # a real database, whose schema page is then damaged
        store.set_code(["z.res"], FileCode.LOCKED)
    with open(db, "r+b") as fh:
        fh.seek(100)
        fh.write(b"cut by a power failure" * 100)
    write_file(src, "a.res", "x")
    engine = make_engine()
    assert engine.sync().ok
    assert engine.store.recovered_from is not None and engine.store.recovered_from.exists()
    assert FileListStore(db).get("a.res") is not None


def test_run_history_is_kept(make_engine, src) -> None:
    write_file(src, "a.res", "x")
    engine = make_engine()
    engine.sync()
    runs = engine.store.recent_runs()
    assert runs[0].copied == 1 and engine.store.last_successful_run() is not None
    assert Outcome.COPIED.value == "copied"
