"""Upstream's bookkeeping names: `CODES`, `SimpleDbHandler` and `ChecksumChecker`.

`SimpleDbHandler` owns one `FileListStore` (the engine's database, opened when first needed), so
each handler is its own database: `db_name=":memory:"` is a private in-memory database that lives
as long as the handler, and never a file. Scripts reach the `filelist` table as upstream's did,
through `db_model` (a peewee model: `db_model.select()`, `db_model.filter(code=2)`, `len(...)`),
and `register(f)` / `code` / `update_record(...)` for one file.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path, PurePath
from typing import Any

import peewee as pw

from oeleo_gui.api.errors import MissingSettingError
from oeleo_gui.engine.bookkeeping.store import IN_MEMORY, FileListStore, is_in_memory
from oeleo_gui.engine.errors import ConfigProblem
from oeleo_gui.engine.fileio.hashing import md5_file

CODES = [
    (0, "should-be-copied"),
    (1, "should-be-copied-if-changed"),
    (2, "should-not-be-copied"),
]
"""The `filelist.code` values and their meaning, as upstream's `models.CODES`."""


class ChecksumChecker:
    """What decides that a file changed: its MD5 (the engine computes it while copying)."""

    @staticmethod
    def check(f: str | Path, connector: Any = None, **kwargs: Any) -> dict[str, str]:
        """`{"checksum": <md5 hex>}` of `f`, through `connector.calculate_checksum` if given."""
        if connector is not None and hasattr(connector, "calculate_checksum"):
            return {"checksum": connector.calculate_checksum(f)}
        return {"checksum": md5_file(f)}


class SimpleDbHandler:
    """The `filelist` database in the SQLite file `db_name` (relative to the current folder),
    or in memory for `":memory:"`.

    Rows are keyed by the file's path relative to the source folder (upstream: its bare name);
    `register` takes such a relative path, or a file's bare name when given an absolute path.
    """

    def __init__(self, db_name: str | Path) -> None:
        if db_name is None or not str(db_name).strip():
            raise MissingSettingError(
                [ConfigProblem("OELEO_DB_NAME", None, "a database file name, or ':memory:'")]
            )
        self.db_name = db_name
        self.path = (
            Path(IN_MEMORY) if is_in_memory(db_name) else Path(db_name).expanduser().absolute()
        )
        self.record: pw.Model | None = None
        self._store: FileListStore | None = None

    @property
    def in_memory(self) -> bool:
        return is_in_memory(self.db_name)

    @property
    def store(self) -> FileListStore:
        """The engine's store for this database, opened (created, migrated) when first used."""
        if self._store is None:
            self._store = FileListStore(self.path)
        return self._store

    @property
    def is_open(self) -> bool:
        return self._store is not None

    def initialize_db(self) -> None:
        """Open the database, creating the file and the `filelist` table when missing."""
        _ = self.store

    @property
    def db_model(self) -> type[pw.Model]:
        """The `filelist` table as a peewee model (upstream's `FileList`, plus our columns)."""
        return self.store.models.file

    @property
    def db_instance(self) -> pw.Database:
        return self.store.db

    def close(self) -> None:
        """Close the database; an in-memory one is gone afterwards."""
        if self._store is not None:
            self._store.close()
            self._store = None
        self.record = None

    # --- one file at a time, as upstream's worker did ---------------------------------------------
    def register(self, f: str | PurePath) -> None:
        """Find or create the row of `f` (new rows get code 0) and make it the current `record`."""
        path = PurePath(f)
        key = path.name if path.is_absolute() else path.as_posix()
        self.record, _created = self.db_model.get_or_create(local_name=key)

    def is_changed(self, **checks: Any) -> bool:
        """Would the current record be copied: code 0 yes, code 2 never, else if a check differs."""
        record = self._current()
        if record.code == 0:
            return True
        if record.code >= 2:
            return False
        return any(getattr(record, key) != value for key, value in checks.items())

    def update_record(self, external_name: str | PurePath, code: int = 1, **checks: Any) -> None:
        record = self._current()
        record.checksum = checks.get("checksum")
        record.processed_date = datetime.now()
        record.code = code
        record.external_name = str(external_name)
        record.save()

    @property
    def code(self) -> int:
        return int(self._current().code)

    @code.setter
    def code(self, code: int) -> None:
        if code not in (0, 1, 2):
            raise ValueError(f"code must be 0, 1 or 2 (see CODES), not {code!r}")
        record = self._current()
        record.code = code
        record.save()

    def _current(self) -> pw.Model:
        if self.record is None:
            raise RuntimeError("No current record: call register(file) first.")
        return self.record

    def __repr__(self) -> str:
        return f"SimpleDbHandler(db_name={self.db_name!r})"
