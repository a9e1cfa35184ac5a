"""The folder destination reads back what it wrote: large files on a second thread during the
copy, small ones after the batch's flush. A corrupted write is caught either way, nothing is
recorded for it, and no temporary file or open descriptor is left behind."""

from __future__ import annotations

import errno
import hashlib
import os
import sys
import threading
from pathlib import Path

import pytest

from oeleo_gui.engine.connectors.base import is_oeleo_path
from oeleo_gui.engine.connectors.local import connector as local_module
from oeleo_gui.engine.connectors.local import durability
from oeleo_gui.engine.connectors.local import readback as readback_module
from oeleo_gui.engine.connectors.local.connector import READBACK_MIN_BYTES, LocalConnector
from oeleo_gui.engine.connectors.local.readback import ReadBackWorker
from oeleo_gui.engine.errors import Cancelled
from oeleo_gui.engine.events import CancelToken
from tests.conftest import write_file

BIG = READBACK_MIN_BYTES * 3 + 12345


def corrupt_nth_write(monkeypatch, n: int) -> None:  # type: ignore[no-untyped-def]
    """Flip one byte of the n-th chunk written, as a failing disk or network redirector might."""
    real = local_module.write_all
    calls = {"count": 0}

    def corrupting(fd: int, data: bytes) -> None:
        calls["count"] += 1
        if calls["count"] == n:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        real(fd, data)

    monkeypatch.setattr(local_module, "write_all", corrupting)


def spy_read_back_starts(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    started: list[str] = []
    real = ReadBackWorker.start

    def start(self: ReadBackWorker, path: str):  # type: ignore[no-untyped-def]
        started.append(Path(path).name)
        return real(self, path)

    monkeypatch.setattr(ReadBackWorker, "start", start)
    return started


def leftovers(folder: Path) -> list[str]:
    """Files at the destination but its `.oeleo/` status record (no data)."""
    return sorted(
        p.name
        for p in folder.rglob("*")
        if p.is_file() and not is_oeleo_path(p.relative_to(folder).as_posix())
    )


@pytest.mark.parametrize(("size", "background"), [(BIG, True), (1000, False)])
def test_a_corrupted_write_is_caught_and_nothing_is_recorded(
    make_engine, src, dst, monkeypatch, size: int, background: bool
) -> None:
    write_file(src, "data.res", os.urandom(size))
    started = spy_read_back_starts(monkeypatch)
    corrupt_nth_write(monkeypatch, 2 if background else 1)
    engine = make_engine()
    summary = engine.sync()
    assert [r.rel_path for r in summary.failed] == ["data.res"]
    assert "differs from the source" in summary.failed[0].reason
    assert leftovers(dst) == []
    row = engine.store.get("data.res")
    assert row is None or row.checksum is None
    assert bool(started) is background  # large files were read back while being copied


def test_a_large_copy_verified_in_the_background_lands_intact(make_engine, src, dst) -> None:
    payload = os.urandom(BIG)
    write_file(src, "run/big.res", payload)
    engine = make_engine(OA_INCLUDE_SUBDIRS="yes", OA_EXTERNAL_SUBDIRS="yes")
    summary = engine.sync()
    assert summary.ok and [r.rel_path for r in summary.copied] == ["run/big.res"]
    assert (dst / "run" / "big.res").read_bytes() == payload


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts /proc/self/fd")
def test_failed_and_cancelled_copies_close_their_read_back_descriptors(src, dst) -> None:
    source = write_file(src, "big.res", os.urandom(BIG))
    connector = LocalConnector(dst)
    before = len(os.listdir("/proc/self/fd"))
    cancel = CancelToken()

    def cancel_half_way(done: int) -> None:
        if done > BIG // 2:
            cancel.cancel()

    for attempt in range(3):
        with pytest.raises(Cancelled):
            connector.upload_temp(
                str(source),
                "big.res",
                temp_rel_path=f".big.res.0000000{attempt}.oeleo-part",
                mtime=0.0,
                progress=cancel_half_way,
                cancel=cancel,
            )
        cancel = CancelToken()
    upload = connector.upload_temp(
        str(source),
        "big.res",
        temp_rel_path=".big.res.0000000a.oeleo-part",
        mtime=0.0,
        progress=lambda done: None,
        cancel=CancelToken(),
    )
    connector.remove(upload.temp_rel_path)  # discarded before anyone verified it
    connector.close()
    assert leftovers(dst) == []
    assert len(os.listdir("/proc/self/fd")) == before


def test_a_failed_background_flush_discards_the_whole_batch(
    make_engine, src, dst, monkeypatch
) -> None:
    """Write-back errors of a flush started during the copy stop the batch before any rename."""
    for i in range(6):
        write_file(src, f"f{i}.res", f"content {i}")
    monkeypatch.setattr(durability, "FLUSH_AHEAD_FILES", 2)
    real_syncfs = durability.syncfs

    def failing_in_background(folder) -> None:  # type: ignore[no-untyped-def]
        if threading.current_thread() is not threading.main_thread():
            raise OSError(errno.EIO, "Input/output error", str(folder))
        real_syncfs(folder)

    monkeypatch.setattr(durability, "syncfs", failing_in_background)
    engine = make_engine()
    summary = engine.sync()
    assert summary.error and not summary.copied
    assert leftovers(dst) == []  # neither final names nor temporary files
    assert all(engine.store.get(f"f{i}.res") is None for i in range(6))
    monkeypatch.setattr(durability, "syncfs", real_syncfs)
    assert len(engine.sync().copied) == 6  # the next run copies them all


@pytest.mark.skipif(not durability.HAS_SYNCFS, reason="background flushes need syncfs")
def test_flush_ahead_reports_a_background_error_once(tmp_path: Path, monkeypatch) -> None:
    calls: list[str] = []

    def fail_first(folder) -> None:  # type: ignore[no-untyped-def]
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(durability, "syncfs", fail_first)
    flusher = durability.FlushAhead(tmp_path)
    for _ in range(durability.FLUSH_AHEAD_FILES):
        flusher.wrote(1)  # never raises, even after the background flush failed
    with pytest.raises(OSError, match="Input/output"):
        flusher.flush()
    flusher.flush()  # the error was reported; this flush runs and succeeds
    flusher.close()
    assert calls[0].startswith("oeleo-flush") and len(calls) == 2


def test_the_source_hash_taken_over_by_the_worker_equals_hashing_inline() -> None:
    worker = ReadBackWorker()
    data = os.urandom(5 * 1024 * 1024 + 999)
    head = hashlib.md5(data[:70_000], usedforsecurity=False)  # what the copy loop hashed itself
    hasher = worker.hasher(head)
    for start in range(70_000, len(data), 65_536):
        hasher.update(data[start : start + 65_536])
        assert len(hasher._in_flight) <= readback_module.MAX_HANDOVERS_IN_FLIGHT
    assert hasher.hexdigest() == hashlib.md5(data, usedforsecurity=False).hexdigest()
    worker.shutdown()
