"""`db_name=":memory:"`: each worker its own in-memory database, never a file named `:memory:`."""

from __future__ import annotations

import os
from pathlib import Path

from oeleo_gui.api import simple_worker
from tests.api.conftest import files_in, put

SAME_TIME = 1_700_000_000  # same name, content and modification time in both folders


def two_labs(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    folders = [tmp_path / name for name in ("lab A", "share A", "lab B", "share B")]
    for folder in folders:
        folder.mkdir()
    for lab in (folders[0], folders[2]):
        put(lab, "calibration.res", "identical in both labs", mtime=SAME_TIME)
    put(folders[2], "only_in_b.res", "b's own")
    return folders[0], folders[1], folders[2], folders[3]


def test_two_workers_in_one_process_each_copy_their_own_files(
    workdir: Path, tmp_path: Path
) -> None:
    lab_a, share_a, lab_b, share_b = two_labs(tmp_path)
    a = simple_worker(lab_a, share_a, db_name=":memory:", extension=".res")
    b = simple_worker(lab_b, share_b, db_name=":memory:", extension=".res")
    for worker in (a, b):
        worker.connect_to_db()
    a.filter_local()
    b.filter_local()
    first_a, first_b = a.run(), b.run()
    assert [r.rel_path for r in first_a.copied] == ["calibration.res"]
    assert sorted(r.rel_path for r in first_b.copied) == ["calibration.res", "only_in_b.res"]
    assert files_in(share_a) == {"calibration.res": b"identical in both labs"}
    assert files_in(share_b) == {
        "calibration.res": b"identical in both labs",
        "only_in_b.res": b"b's own",
    }
    # each remembers what it copied: a second run copies nothing
    again_a, again_b = a.run(), b.run()
    assert (again_a.copied, again_a.unchanged) == ((), 1)
    assert (again_b.copied, again_b.unchanged) == ((), 2)
    assert [r.local_name for r in b.bookkeeper.db_model.select()] == [
        "calibration.res",
        "only_in_b.res",
    ]
    assert len(a.bookkeeper.db_model) == 1
    a.close()
    b.close()
    assert os.listdir(workdir) == []  # no `:memory:` file, no -wal or -shm beside it


def test_a_later_worker_starts_with_an_empty_memory(workdir: Path, src: Path, dst: Path) -> None:
    first = simple_worker(src, dst, db_name=":memory:", extension=".res")
    first.connect_to_db()
    first.filter_local()
    assert len(first.run().copied) == 2
    first.close()
    for f in dst.glob("*.res"):
        f.unlink()  # the server lost them: a fresh worker (a new process, say) copies again
    later = simple_worker(src, dst, db_name=":memory:", extension=".res")
    later.connect_to_db()
    later.filter_local()
    assert sorted(r.rel_path for r in later.run().copied) == ["cell_01.res", "cell_02.res"]
    assert os.listdir(workdir) == []
