"""`check` compares both sides (and can rebuild codes); `preview` explains and touches nothing."""

from __future__ import annotations

import time
from pathlib import Path

from oeleo_gui.engine.events import FileCode, Outcome
from tests.conftest import write_file


def test_check_reports_present_out_of_sync_and_missing(make_engine, src, dst) -> None:
    write_file(src, "same.res", "same")
    write_file(src, "different.res", "local")
    write_file(src, "samesize.res", "abcd")
    write_file(src, "missing.res", "m")
    (dst / "same.res").write_bytes(b"same")
    (dst / "different.res").write_bytes(b"remote version")
    (dst / "samesize.res").write_bytes(b"abce")
    (dst / "extra.res").write_bytes(b"only there")
    report = make_engine().check()
    assert report.local_files == 4
    assert set(report.present) == {"same.res", "different.res", "samesize.res"}
    assert report.in_sync == ("same.res",)
    assert report.out_of_sync == ("different.res", "samesize.res")
    assert report.missing == ("missing.res",)
    assert not report.db_updated


def test_check_update_db_writes_codes_and_keeps_locks(make_engine, src, dst) -> None:
    write_file(src, "same.res", "same")
    write_file(src, "missing.res", "m")
    write_file(src, "locked.res", "l")
    (dst / "same.res").write_bytes(b"same")
    engine = make_engine()
    engine.store.set_code(["locked.res"], FileCode.LOCKED)
    engine.check(update_db=True)
    codes = {r.rel_path: r.code for r in engine.store.rows()}
    assert codes == {
        "same.res": FileCode.COPY_IF_CHANGED,
        "missing.res": FileCode.COPY,
        "locked.res": FileCode.LOCKED,
    }
    summary = engine.sync()
    assert [r.rel_path for r in summary.copied] == ["missing.res"] and summary.unchanged == 1


def test_check_sweeps_stale_temporary_files(make_engine, src, dst) -> None:
    stale = dst / ".x.res.deadbeef.oeleo-part"
    stale.write_bytes(b"half")
    old = time.time() - 7200
    import os

    os.utime(stale, (old, old))
    report = make_engine().check()
    assert report.swept_temp_files == 1 and not stale.exists()


def test_preview_says_what_and_why_and_touches_nothing(
    make_engine, src, dst, tmp_path: Path
) -> None:
    write_file(src, "new.res", "n")
    write_file(src, "fresh.res", "f", mtime=None)
    engine = make_engine()
    summary = engine.preview()
    assert [(r.rel_path, r.outcome, r.reason) for r in summary.would_copy] == [
        ("new.res", Outcome.WOULD_COPY, "new file")
    ]
    assert [r.rel_path for r in summary.settling] == ["fresh.res"]
    assert list(dst.iterdir()) == [] and not (tmp_path / "oeleo.db").exists()
