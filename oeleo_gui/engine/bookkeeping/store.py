"""FileListStore: the one way into the bookkeeping database, for the engine, the CLI and the GUI.

One store is one SQLite file with its own peewee database object (no global proxy). WAL mode and
a busy timeout let the GUI read and edit codes while a run writes. A deleted database is made
anew; a damaged SQLite file is moved aside (`<name>.corrupt-<timestamp>`) and a new one made,
with `recovered_from` telling the frontends what happened; anything else that stops it from
opening (a folder, a full or read-only disk) is a `BookkeepingError` and the file is left as it
is (see `opening`). The path `:memory:` (SQLite's name for it) opens a private in-memory
database instead, for scripts (`oeleo_gui.api`): it is never a file.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

import peewee as pw

from oeleo_gui.engine.bookkeeping.migrations import migrate_database
from oeleo_gui.engine.bookkeeping.models import make_models
from oeleo_gui.engine.bookkeeping.opening import (
    check_openable,
    database_problem,
    may_move_aside,
)
from oeleo_gui.engine.bookkeeping.rows import FileRow, code_of, to_datetime
from oeleo_gui.engine.bookkeeping.run_state import RunStateTables
from oeleo_gui.engine.bookkeeping.snapshot import IN_MEMORY, is_in_memory, read_rows
from oeleo_gui.engine.errors import BookkeepingError
from oeleo_gui.engine.events import FileCode

log = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 15_000
_IN_CHUNK = 500  # names per `IN (...)` query, well under SQLite's variable limit
SORTABLE_COLUMNS = (
    "local_name",
    "code",
    "processed_date",
    "last_copied",
    "checksum",
    "external_name",
    "size",
    "last_error",
)


class FileListStore(RunStateTables):
    """Open (create, migrate or recover) the database at `path`, or in memory for `:memory:`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.in_memory = is_in_memory(path)
        self.recovered_from: Path | None = None
        self.migrated_from: int | None = None
        if self.in_memory:
            self._open_in_memory()
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BookkeepingError(
                f"Cannot create the folder for the database {self.path} ({exc.strerror}).",
                "Set OELEO_DB_NAME to a file in a folder you can write to.",
            ) from exc
        # Nothing is opened that must not be (a folder, a read-only file), and nothing but a
        # damaged SQLite file is moved aside: a full or read-only disk keeps the database, and
        # with it the technicians' codes (issue 13, cases 1 and 5).
        check_openable(self.path)
        try:
            self._open()
        except (pw.PeeweeException, sqlite3.Error, OSError) as exc:
            if not may_move_aside(self.path, exc):
                self._close_quietly()
                raise database_problem(self.path, exc) from exc
            self._move_corrupt_aside(exc)
            self._open()

    # --- opening --------------------------------------------------------------------------------
    def _open(self) -> None:
        self.db = pw.SqliteDatabase(
            str(self.path),
            pragmas={
                "journal_mode": "wal",
                "busy_timeout": BUSY_TIMEOUT_MS,
                "synchronous": "normal",
                "foreign_keys": 1,
            },
            timeout=BUSY_TIMEOUT_MS / 1000,
        )
        self.models = make_models(self.db)
        self.db.connect(reuse_if_open=True)
        self.db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
        self.migrated_from = migrate_database(self.db, self.models, self.path)

    def _open_in_memory(self) -> None:
        # One connection shared by every thread: a per-thread connection (peewee's default)
        # would see another, empty database in a second thread.
        self.db = pw.SqliteDatabase(
            IN_MEMORY, pragmas={"foreign_keys": 1}, thread_safe=False, check_same_thread=False
        )
        self.models = make_models(self.db)
        self.db.connect()
        self.migrated_from = migrate_database(self.db, self.models, None)

    def _close_quietly(self) -> None:
        db = getattr(self, "db", None)
        try:
            if db is not None:
                db.close()
        except Exception:  # the handle of a corrupt file may refuse even to close
            log.debug("closing the database that failed to open failed", exc_info=True)

    def _move_corrupt_aside(self, exc: Exception) -> None:
        self._close_quietly()
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        self.path.replace(aside)
        for suffix in ("-wal", "-shm"):
            extra = self.path.with_name(self.path.name + suffix)
            if extra.exists():
                extra.replace(aside.with_name(aside.name + suffix))
        self.recovered_from = aside
        log.error(
            "The database %s could not be read (%s). It was moved to %s and a new, empty one was "
            "made: files will be compared again (copied files are not lost; run `check "
            "--update-db` to rebuild the list).",
            self.path,
            exc,
            aside.name,
        )

    def close(self) -> None:
        if not self.db.is_closed():
            self.db.close()

    def __enter__(self) -> FileListStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def read_only_rows(path: Path) -> dict[str, FileRow]:
        """The rows of a database without creating, migrating or writing it (for `preview`).

        Another store's in-memory database cannot be reached: `:memory:` reads as empty."""
        return read_rows(path)

    # --- reading --------------------------------------------------------------------------------
    def _row(self, rec: pw.Model) -> FileRow:
        return FileRow(
            id=rec.id,
            rel_path=rec.local_name,
            code=code_of(rec.code),
            checksum=rec.checksum,
            external_name=rec.external_name,
            processed_date=to_datetime(rec.processed_date),
            size=rec.size,
            mtime_ns=rec.mtime_ns,
            last_copied=to_datetime(rec.last_copied),
            last_error=rec.last_error,
        )

    def get(self, rel_path: str) -> FileRow | None:
        F = self.models.file
        rec = F.get_or_none(F.local_name == rel_path)
        return self._row(rec) if rec else None

    _SELECT_LIGHT = (
        "SELECT id, local_name, code, checksum, external_name, size, mtime_ns, last_error"
        " FROM filelist"
    )

    @staticmethod
    def _light_row(r: Sequence) -> FileRow:  # type: ignore[type-arg]
        return FileRow(r[0], r[1], code_of(r[2]), r[3], r[4], None, r[5], r[6], None, r[7])

    def all_rows(self) -> dict[str, FileRow]:
        """Every row keyed by relative path (for `check`): one query, no model objects."""
        cursor = self.db.execute_sql(self._SELECT_LIGHT)
        return {r[1]: self._light_row(r) for r in cursor}

    def clean_stats(self) -> dict[str, tuple[int, int]]:
        """(size, mtime_ns) of the rows a file can be unchanged against, without being read.

        Those are code 1 rows with a checksum and a recorded stat (see `planner.clean_stats`)."""
        cursor = self.db.execute_sql(
            "SELECT local_name, size, mtime_ns FROM filelist WHERE code = 1"
            " AND checksum <> '' AND size IS NOT NULL AND mtime_ns IS NOT NULL"
        )
        return {name: (size, mtime_ns) for name, size, mtime_ns in cursor}

    def rows_for(self, rel_paths: Collection[str]) -> dict[str, FileRow]:
        """The rows of these relative paths (or upstream bare names), in a few queries."""
        names = list(rel_paths)
        found: dict[str, FileRow] = {}
        for start in range(0, len(names), _IN_CHUNK):
            chunk = names[start : start + _IN_CHUNK]
            placeholders = ", ".join("?" * len(chunk))  # only "?"s: the names are parameters
            cursor = self.db.execute_sql(
                f"{self._SELECT_LIGHT} WHERE local_name IN ({placeholders})",
                chunk,
            )
            found.update((r[1], self._light_row(r)) for r in cursor)
        return found

    def rows(self, code: FileCode | None = None) -> Iterator[FileRow]:
        F = self.models.file
        query = F.select().order_by(F.local_name)
        if code is not None:
            query = query.where(F.code == int(code))
        for rec in query.iterator():
            yield self._row(rec)

    def _filtered(self, text: str, code: FileCode | None) -> pw.ModelSelect:
        F = self.models.file
        query = F.select()
        if text:
            query = query.where(F.local_name.contains(text) | F.external_name.contains(text))
        if code is not None:
            query = query.where(F.code == int(code))
        return query

    def count(self, text: str = "", code: FileCode | None = None) -> int:
        return self._filtered(text, code).count()

    def page(
        self,
        offset: int,
        limit: int,
        *,
        order_by: str = "local_name",
        descending: bool = False,
        text: str = "",
        code: FileCode | None = None,
    ) -> list[FileRow]:
        """One page of rows for table views: sorted and filtered in SQL, never all at once."""
        if order_by not in SORTABLE_COLUMNS:
            raise ValueError(f"cannot sort by {order_by!r}")
        F = self.models.file
        column = getattr(F, order_by)
        order = [column.desc() if descending else column.asc(), F.id]
        query = self._filtered(text, code).order_by(*order).offset(offset).limit(limit)
        return [self._row(rec) for rec in query]

    def code_counts(self) -> dict[FileCode, int]:
        F = self.models.file
        counts = {code: 0 for code in FileCode}
        for code, n in F.select(F.code, pw.fn.COUNT(F.id)).group_by(F.code).tuples():
            counts[code_of(code)] += n
        return counts

    # --- writing --------------------------------------------------------------------------------
    def record_copies(self, copies: Sequence[tuple[str, str, str, int, int]]) -> None:
        """Record verified copies: (rel_path, external_name, md5, size, mtime_ns), code 1.

        A row a technician locked (code 2) while the copy ran keeps its lock. One upsert
        statement for the whole batch, as this runs for every copied file."""
        if not copies:
            return
        now = datetime.now().isoformat(" ")
        with self.db.atomic():
            self.db.cursor().executemany(
                "INSERT INTO filelist (processed_date, local_name, external_name, checksum, code,"
                " size, mtime_ns, last_copied, last_error) VALUES (?, ?, ?, ?, 1, ?, ?, ?, NULL)"
                " ON CONFLICT(local_name) DO UPDATE SET processed_date = excluded.processed_date,"
                " external_name = excluded.external_name, checksum = excluded.checksum,"
                " size = excluded.size, mtime_ns = excluded.mtime_ns,"
                " last_copied = excluded.last_copied, last_error = NULL,"
                " code = CASE WHEN filelist.code = 2 THEN 2 ELSE 1 END",
                [(now, rel, ext, md5, size, mtime, now) for rel, ext, md5, size, mtime in copies],
            )

    def record_unchanged(self, rel_path: str, size: int, mtime_ns: int) -> None:
        """The content matched the recorded checksum: remember the new stat to skip the hash."""
        F = self.models.file
        F.update(size=size, mtime_ns=mtime_ns, last_error=None).where(
            F.local_name == rel_path
        ).execute()

    def record_errors(self, errors: Iterable[tuple[str, str]]) -> None:
        F = self.models.file
        with self.db.atomic():
            for rel_path, message in errors:
                F.update(last_error=message[:1000]).where(F.local_name == rel_path).execute()

    def adopt_legacy(self, legacy_name: str, rel_path: str, size: int, mtime_ns: int) -> None:
        """Re-key an upstream row (bare name) to the file's relative path."""
        F = self.models.file
        F.update(local_name=rel_path, size=size, mtime_ns=mtime_ns).where(
            F.local_name == legacy_name
        ).execute()

    # Copies moved aside at the destination (issue 13, cases 2 and 13): the rows follow them,
    # so they keep pointing at what is really there.
    def copies_at(self, external_name: str, separator: str) -> list[tuple[str, str]]:
        """(rel_path, external_name) of the rows whose copy is `external_name`, or inside it
        when it is a folder; compared without (ASCII) case, as Windows shares do."""
        cursor = self.db.execute_sql(
            "SELECT local_name, external_name FROM filelist WHERE external_name = ? COLLATE"
            " NOCASE OR substr(external_name, 1, ?) = ? COLLATE NOCASE",
            (external_name, len(external_name) + len(separator), external_name + separator),
        )
        return [(r[0], r[1]) for r in cursor]

    def move_copies(self, moves: Sequence[tuple[str, str]]) -> None:
        """Record new external names: (rel_path, external_name)."""
        with self.db.atomic():
            self.db.cursor().executemany(
                "UPDATE filelist SET external_name = ? WHERE local_name = ?",
                [(external, rel) for rel, external in moves],
            )

    def set_code(self, rel_paths: Iterable[str], code: FileCode) -> int:
        """Set the code of these files; rows are made for files not seen yet (to lock early)."""
        F = self.models.file
        n = 0
        with self.db.atomic():
            for rel_path in rel_paths:
                if not F.update(code=int(code)).where(F.local_name == rel_path).execute():
                    F.create(local_name=rel_path, code=int(code))
                n += 1
        return n

    def record_check(
        self, results: Sequence[tuple[str, FileCode, str | None, str, int, int]]
    ) -> None:
        """`check --update-db`: (rel_path, code, md5, external_name, size, mtime_ns); locks stay."""
        F = self.models.file
        now = datetime.now()
        with self.db.atomic():
            for rel_path, code, md5, external_name, size, mtime_ns in results:
                rec = F.get_or_none(F.local_name == rel_path)
                if rec is None:
                    F.create(
                        local_name=rel_path,
                        code=int(code),
                        checksum=md5,
                        size=size,
                        mtime_ns=mtime_ns,
                        external_name=external_name,
                        processed_date=now,
                    )
                elif rec.code != FileCode.LOCKED:
                    F.update(
                        code=int(code),
                        checksum=md5 or rec.checksum,
                        size=size,
                        mtime_ns=mtime_ns,
                        external_name=external_name,
                        processed_date=now,
                    ).where(F.id == rec.id).execute()
