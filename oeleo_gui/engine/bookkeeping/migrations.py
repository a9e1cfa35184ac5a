"""Versioned schema migrations keyed by `PRAGMA user_version`.

Version 0 is upstream oeleo's `filelist` table. Each step runs in one transaction and sets the
new version; the database file is copied aside before an existing database is migrated. Steps
only add; they never drop a column or a row (the codes are technicians' decisions).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import peewee as pw

from oeleo_gui.engine.bookkeeping.models import Models, upstream_filelist

log = logging.getLogger(__name__)


def _v1_file_columns(db: pw.Database, models: Models) -> None:
    from playhouse.migrate import SqliteMigrator, migrate  # only old databases need it

    m = SqliteMigrator(db)
    existing = {c.name for c in db.get_columns("filelist")}
    ops = [
        m.add_column("filelist", name, field)
        for name, field in (
            ("size", pw.BigIntegerField(null=True)),
            ("mtime_ns", pw.BigIntegerField(null=True)),
            ("last_copied", pw.DateTimeField(null=True)),
            ("last_error", pw.TextField(null=True)),
        )
        if name not in existing
    ]
    migrate(*ops)


def _v2_run_history(db: pw.Database, models: Models) -> None:
    db.create_tables([models.run], safe=True)


def _v3_transfer_journal(db: pw.Database, models: Models) -> None:
    db.create_tables([models.journal], safe=True)


def _v4_file_state_and_meta(db: pw.Database, models: Models) -> None:
    db.create_tables([models.state, models.meta], safe=True)


STEPS: tuple[Callable[[pw.Database, Models], None], ...] = (
    _v1_file_columns,
    _v2_run_history,
    _v3_transfer_journal,
    _v4_file_state_and_meta,
)
LATEST_VERSION = len(STEPS)


def user_version(db: pw.Database) -> int:
    return int(db.execute_sql("PRAGMA user_version").fetchone()[0])


def migrate_database(db: pw.Database, models: Models, path: Path | None) -> int:
    """Bring the database to LATEST_VERSION; returns the version it had before."""
    had_table = db.table_exists("filelist")
    if not had_table:
        db.create_tables([upstream_filelist(db)])
    start = user_version(db)
    if start > LATEST_VERSION:
        log.warning(
            "database %s is newer (v%d) than this program (v%d)", path, start, LATEST_VERSION
        )
        return start
    if had_table and start < LATEST_VERSION and path is not None and path.exists():
        backup = path.with_name(f"{path.name}.before-v{LATEST_VERSION}.bak")
        if not backup.exists():
            db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copy2(path, backup)
            log.info("copied %s to %s before migrating it", path.name, backup.name)
    for version in range(start, LATEST_VERSION):
        with db.atomic():
            STEPS[version](db, models)
            db.execute_sql(f"PRAGMA user_version = {version + 1}")
        log.info("database migrated to schema v%d", version + 1)
    return start
