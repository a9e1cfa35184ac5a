"""The bookkeeping database: upstream compatibility, migrations, recovery, concurrent edits."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from oeleo_gui.engine.bookkeeping.migrations import LATEST_VERSION
from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.errors import BookkeepingError
from oeleo_gui.engine.events import FileCode
from tests.conftest import write_file

UPSTREAM_SCHEMA = """
CREATE TABLE "filelist" ("id" INTEGER NOT NULL PRIMARY KEY, "processed_date" DATETIME NOT NULL,
  "local_name" VARCHAR(255) NOT NULL, "external_name" VARCHAR(255),
  "checksum" VARCHAR(255), "code" INTEGER NOT NULL);
CREATE UNIQUE INDEX "filelist_local_name" ON "filelist" ("local_name");
"""


def make_upstream_db(path: Path, rows: list[tuple[str, str, str, int]]) -> None:
    """A database exactly as upstream oeleo 0.7 writes it (bare names, MD5, codes)."""
    con = sqlite3.connect(path)
    con.executescript(UPSTREAM_SCHEMA)
    con.executemany(
        "INSERT INTO filelist (processed_date, local_name, external_name, checksum, code) "
        "VALUES ('2022-07-05 15:55:02.521154', ?, ?, ?, ?)",
        rows,
    )
    con.commit()
    con.close()


def test_an_upstream_database_is_migrated_in_place_keeping_every_row(tmp_path: Path) -> None:
    db = tmp_path / "local2pub.db"
    make_upstream_db(
        db,
        [
            ("a.res", r"C:\oeleo\to\a.res", "c976e564825667d7c11ba200457af263", 1),
            ("locked.res", r"C:\oeleo\to\locked.res", None, 2),
        ],
    )
    store = FileListStore(db)
    assert store.migrated_from == 0
    assert (tmp_path / f"local2pub.db.before-v{LATEST_VERSION}.bak").exists()
    row = store.get("a.res")
    assert row is not None and row.code is FileCode.COPY_IF_CHANGED and row.is_legacy
    assert row.checksum == "c976e564825667d7c11ba200457af263"
    assert store.get("locked.res").code is FileCode.LOCKED  # type: ignore[union-attr]
    store.close()
    version = sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0]
    assert version == LATEST_VERSION
    assert FileListStore(db).migrated_from == LATEST_VERSION  # reopening migrates nothing


def test_upstream_rows_are_adopted_without_copying_unchanged_files(
    make_engine, src, dst, tmp_path
) -> None:
    import hashlib

    write_file(src, "top.res", "top content")
    write_file(src, "run1/deep.res", "deep content")
    write_file(src, "changed.res", "new content")
    md5 = {
        n: hashlib.md5(c.encode()).hexdigest()
        for n, c in [
            ("top.res", "top content"),
            ("deep.res", "deep content"),
            ("changed.res", "old"),
        ]
    }
    make_upstream_db(tmp_path / "oeleo.db", [(n, f"to/{n}", h, 1) for n, h in md5.items()])
    engine = make_engine(OA_INCLUDE_SUBDIRS="yes")
    summary = engine.sync()
    assert [r.rel_path for r in summary.copied] == ["changed.res"]
    assert summary.unchanged == 2
    rows = {r.rel_path: r for r in engine.store.rows()}
    assert set(rows) == {"top.res", "run1/deep.res", "changed.res"}
    assert rows["run1/deep.res"].size == len("deep content")


def test_a_deleted_database_is_recreated_empty(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "x.db"
    with FileListStore(db) as store:
        store.set_code(["a.res"], FileCode.LOCKED)
    db.unlink()
    with FileListStore(db) as store:
        assert store.count() == 0 and store.recovered_from is None


def damage(db: Path) -> None:
    """Keep SQLite's header, overwrite the rest of the first page (the schema) with garbage."""
    with FileListStore(db) as store:
        store.set_code(["a.res"], FileCode.LOCKED)
    with open(db, "r+b") as fh:
        fh.seek(100)
        fh.write(b"\x00garbage" * 300)


def test_a_corrupt_database_is_moved_aside_with_a_new_one_made(tmp_path: Path, caplog) -> None:
    db = tmp_path / "x.db"
    damage(db)
    store = FileListStore(db)
    assert store.recovered_from is not None
    assert store.recovered_from.read_bytes()[100:108] == b"\x00garbage"
    assert store.count() == 0
    assert "moved to" in caplog.text


def test_a_database_whose_header_a_power_cut_wiped_is_moved_aside_too(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    db.write_bytes(bytes(8192))
    with FileListStore(db) as store:
        assert store.recovered_from is not None and store.recovered_from.read_bytes() == bytes(8192)


def test_a_file_that_was_never_a_database_is_left_alone(tmp_path: Path) -> None:
    """OELEO_DB_NAME pointing at a data file by mistake: say so, rename nothing."""
    db = tmp_path / "results.csv"
    db.write_bytes(b"time;voltage\n0;3.2\n" * 200)
    with pytest.raises(BookkeepingError) as refused:
        FileListStore(db)
    assert "is not a database oeleo-gui can read, and was left as it is" in refused.value.title
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]
    assert db.read_bytes().startswith(b"time;voltage")


def test_paging_sorting_and_filtering_happen_in_sql(tmp_path: Path) -> None:
    with FileListStore(tmp_path / "x.db") as store:
        store.record_copies(
            [(f"f{i:03d}.res", f"/to/f{i:03d}.res", f"{i:032x}", i, i) for i in range(250)]
        )
        store.set_code(["f007.res", "f100.res"], FileCode.LOCKED)
        assert store.count() == 250 and store.count(code=FileCode.LOCKED) == 2
        page = store.page(0, 10, order_by="size", descending=True)
        assert [r.rel_path for r in page][:2] == ["f249.res", "f248.res"]
        assert [r.rel_path for r in store.page(0, 5, text="f10")] == [
            f"f10{i}.res" for i in range(5)
        ]
        assert store.code_counts()[FileCode.LOCKED] == 2


def test_a_lock_set_while_a_run_records_copies_survives(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    engine_side = FileListStore(db)
    gui_side = FileListStore(db)
    engine_side.record_copies([("a.res", "/to/a.res", "0" * 32, 1, 1)])
    writer_done = threading.Event()

    def writer() -> None:
        for i in range(200):
            engine_side.record_copies([(f"bulk{i}.res", "/to", "1" * 32, 1, 1)])
        writer_done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    gui_side.set_code(["a.res"], FileCode.LOCKED)
    thread.join(timeout=30)
    assert writer_done.is_set()
    engine_side.record_copies([("a.res", "/to/a.res", "2" * 32, 2, 2)])
    assert gui_side.get("a.res").code is FileCode.LOCKED  # type: ignore[union-attr]
    assert gui_side.count() == 201


def test_preview_reads_without_creating_or_migrating(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    assert FileListStore.read_only_rows(missing) == {} and not missing.exists()
    upstream = tmp_path / "up.db"
    make_upstream_db(upstream, [("a.res", "x", "f" * 32, 1)])
    rows = FileListStore.read_only_rows(upstream)
    assert rows["a.res"].code is FileCode.COPY_IF_CHANGED
    assert sqlite3.connect(upstream).execute("PRAGMA user_version").fetchone()[0] == 0


def test_only_clean_rows_let_a_file_pass_as_unchanged_unread(tmp_path: Path) -> None:
    db = tmp_path / "mixed.db"
    make_upstream_db(db, [("legacy.res", "", "c976e564825667d7c11ba200457af263", 1)])
    with FileListStore(db) as store:
        copies = [(f"f{i}.res", f"/dst/f{i}.res", f"{i:032x}", 10 + i, 1000 + i) for i in range(4)]
        store.record_copies(copies)
        store.set_code(["f1.res"], FileCode.COPY)
        store.set_code(["f2.res"], FileCode.LOCKED)
        store.set_code(["new.res"], FileCode.LOCKED)  # locked before it was ever seen
        clean = store.clean_stats()
        assert clean == {"f0.res": (10, 1000), "f3.res": (13, 1003)}
        # the rows of everything else load by name, in chunks, including more than one chunk
        names = [f"missing{i}.res" for i in range(1200)] + ["f1.res", "legacy.res", "new.res"]
        rows = store.rows_for(names)
        assert set(rows) == {"f1.res", "legacy.res", "new.res"}
        assert rows["f1.res"].code is FileCode.COPY and rows["legacy.res"].is_legacy
        assert rows["new.res"].code is FileCode.LOCKED and rows["new.res"].checksum is None


def test_a_read_only_look_leaves_no_wal_or_shm_files_behind(tmp_path: Path) -> None:
    """`status` reads the database every minute, maybe as another user: files SQLite makes to
    read a WAL database must not stay behind (owned by that user, they would block the tray)."""
    from oeleo_gui.engine.bookkeeping.snapshot import read_snapshot

    db = tmp_path / "x.db"
    with FileListStore(db) as store:
        store.record_copies([("a.res", "/to/a.res", "0" * 32, 1, 1)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]
    snapshot = read_snapshot(db)
    assert set(snapshot.rows) == {"a.res"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]
    assert FileListStore.read_only_rows(db)["a.res"].checksum == "0" * 32
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]
