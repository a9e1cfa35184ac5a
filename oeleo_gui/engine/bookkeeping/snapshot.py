"""A read-only look at the bookkeeping database: every row, file state and meta value, and the
last runs, without creating, migrating or writing anything, nor leaving -wal/-shm files behind
(for `status`, `preview`, the tray's verdict). Safe while a run writes (WAL); a missing table
reads as empty, so an upstream or older database can be looked at too.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from oeleo_gui.engine.bookkeeping.rows import (
    FileRow,
    FileStateRow,
    RunRow,
    code_of,
    file_state,
    to_datetime,
)

log = logging.getLogger(__name__)
IN_MEMORY = ":memory:"


def is_in_memory(path: str | Path) -> bool:
    """True for SQLite's `:memory:`: a store's private database, which no one else can read."""
    return str(path) == IN_MEMORY


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    exists: bool
    rows: dict[str, FileRow] = field(default_factory=dict)
    states: dict[str, FileStateRow] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    last_run: RunRow | None = None
    """The last sync run, whatever its outcome."""
    last_success: datetime | None = None
    """When the last sync run finished that was neither stopped nor cancelled."""


@contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection | None]:
    if is_in_memory(path) or not Path(path).is_file():
        yield None
        return
    # Opened for writing but only read (`query_only`): the last connection to close then
    # removes the -wal and -shm files SQLite makes even to read a WAL database. A read-only
    # open would leave them behind, owned by whoever ran `status` (another user's -shm that
    # the tray cannot write keeps every run failing). SQLite itself falls back to reading
    # only when the file is write-protected.
    try:
        con = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=rw", uri=True, timeout=15)
        con.execute("PRAGMA query_only = 1")
    except sqlite3.Error as exc:
        log.warning("could not open %s to read it: %s", path, exc)
        yield None
        return
    try:
        con.row_factory = sqlite3.Row
        yield con
    finally:
        con.close()


def _columns(con: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in con.execute(f"PRAGMA table_info({table})")}  # a fixed table name


_FILE_COLUMNS = (
    "id",
    "local_name",
    "code",
    "checksum",
    "external_name",
    "processed_date",
    "size",
    "mtime_ns",
    "last_copied",
    "last_error",
)


def _file_rows(con: sqlite3.Connection) -> dict[str, FileRow]:
    """Every row, in one query of plain tuples (100 000 of them for a big folder's `status`);
    columns an upstream database lacks read as NULL."""
    columns = _columns(con, "filelist")
    if not columns:
        return {}
    wanted = ", ".join(c if c in columns else "NULL" for c in _FILE_COLUMNS)  # fixed names
    con.row_factory = None
    try:
        cursor = con.execute(f"SELECT {wanted} FROM filelist")  # noqa: S608
        return {
            r[1]: FileRow(
                r[0],
                r[1],
                code_of(r[2]),
                r[3],
                r[4],
                to_datetime(r[5]),
                r[6],
                r[7],
                to_datetime(r[8]),
                r[9],
            )
            for r in cursor
        }
    finally:
        con.row_factory = sqlite3.Row


def _states(con: sqlite3.Connection) -> dict[str, FileStateRow]:
    if not _columns(con, "file_state"):
        return {}
    return {
        r["local_name"]: FileStateRow(
            rel_path=r["local_name"],
            state=file_state(r["state"]),
            reason=r["reason"] or "",
            since=to_datetime(r["since"]),
            waiting_since=to_datetime(r["waiting_since"]),
            live_copied_at=to_datetime(r["live_copied_at"]),
            seen_size=r["seen_size"],
            seen_mtime_ns=r["seen_mtime_ns"],
            failures=r["failures"] or 0,
        )
        for r in con.execute("SELECT * FROM file_state")
    }


def _meta(con: sqlite3.Connection) -> dict[str, str]:
    if not _columns(con, "meta"):
        return {}
    return {r["key"]: r["value"] for r in con.execute("SELECT key, value FROM meta")}


def _run(r: sqlite3.Row) -> RunRow:
    return RunRow(
        kind=r["kind"],
        started_at=to_datetime(r["started_at"]) or datetime.min,
        finished_at=to_datetime(r["finished_at"]) or datetime.min,
        copied=r["copied"],
        unchanged=r["unchanged"],
        waiting=r["waiting"],
        failed=r["failed"],
        bytes_copied=r["bytes_copied"],
        error=r["error"],
        cancelled=bool(r["cancelled"]),
    )


def _runs(con: sqlite3.Connection) -> tuple[RunRow | None, datetime | None]:
    if not _columns(con, "run_history"):
        return None, None
    last = con.execute(
        "SELECT * FROM run_history WHERE kind = 'sync' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    success = con.execute(
        "SELECT finished_at FROM run_history WHERE kind = 'sync' AND error IS NULL"
        " AND NOT cancelled ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return (_run(last) if last else None), (to_datetime(success[0]) if success else None)


def read_rows(path: Path) -> dict[str, FileRow]:
    """Only the filelist rows (for `preview`)."""
    with _read_only(path) as con:
        if con is None:
            return {}
        try:
            return _file_rows(con)
        except sqlite3.Error as exc:
            log.warning("could not read %s: %s", path, exc)
            return {}


def read_snapshot(path: Path) -> Snapshot:
    """Everything the verdict needs; an empty snapshot when there is no readable database."""
    with _read_only(path) as con:
        if con is None:
            return Snapshot(exists=False)
        try:
            last_run, last_success = _runs(con)
            return Snapshot(
                exists=True,
                rows=_file_rows(con),
                states=_states(con),
                meta=_meta(con),
                last_run=last_run,
                last_success=last_success,
            )
        except sqlite3.Error as exc:
            log.warning("could not read %s: %s", path, exc)
            return Snapshot(exists=False)
