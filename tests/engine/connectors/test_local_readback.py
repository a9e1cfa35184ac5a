"""The folder destination reads back what it wrote: large files on a second thread during the
copy, small ones after the batch's flush. A corrupted write is caught either way, nothing is
recorded for it, and no temporary file or open descriptor is left behind."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from oeleo_gui.engine.connectors import local as local_module
from oeleo_gui.engine.connectors.local import READBACK_MIN_BYTES, LocalConnector
from oeleo_gui.engine.connectors.readback import ReadBackWorker
from oeleo_gui.engine.errors import Cancelled
from oeleo_gui.engine.events import CancelToken
from tests.conftest import write_file

BIG = READBACK_MIN_BYTES * 3 + 12345


def corrupt_nth_write(monkeypatch, n: int) -> None:  # type: ignore[no-untyped-def]
    """Flip one byte of the n-th chunk written, as a failing disk or network redirector might."""
    real = local_module._write_all
    calls = {"count": 0}

    def corrupting(fd: int, data: bytes) -> None:
        calls["count"] += 1
        if calls["count"] == n:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        real(fd, data)

    monkeypatch.setattr(local_module, "_write_all", corrupting)


def spy_read_back_starts(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    started: list[str] = []
    real = ReadBackWorker.start

    def start(self: ReadBackWorker, path: str):  # type: ignore[no-untyped-def]
        started.append(Path(path).name)
        return real(self, path)

    monkeypatch.setattr(ReadBackWorker, "start", start)
    return started


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


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
                source,
                "big.res",
                temp_rel_path=f".big.res.0000000{attempt}.oeleo-part",
                mtime=0.0,
                progress=cancel_half_way,
                cancel=cancel,
            )
        cancel = CancelToken()
    upload = connector.upload_temp(
        source,
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
