"""Peewee models, built per database so two stores in one process never share state.

`filelist` keeps upstream oeleo's columns and meanings; the columns after `code` come from
migrations. Only `store.py` and `migrations.py` use these classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import peewee as pw


def _now() -> datetime:
    return datetime.now()


@dataclass(frozen=True, slots=True)
class Models:
    file: type[pw.Model]
    run: type[pw.Model]
    journal: type[pw.Model]
    state: type[pw.Model]
    meta: type[pw.Model]

    @property
    def all(self) -> list[type[pw.Model]]:
        return [self.file, self.run, self.journal, self.state, self.meta]


def upstream_filelist(db: pw.Database) -> type[pw.Model]:
    """The table exactly as upstream oeleo creates it (schema version 0)."""

    class UpstreamFileList(pw.Model):
        processed_date = pw.DateTimeField(default=_now)
        local_name = pw.CharField(unique=True)
        external_name = pw.CharField(null=True)
        checksum = pw.CharField(null=True)
        code = pw.SmallIntegerField(default=0)

        class Meta:
            database = db
            table_name = "filelist"

    return UpstreamFileList


def make_models(db: pw.Database) -> Models:
    class FileList(pw.Model):
        processed_date = pw.DateTimeField(default=_now)
        local_name = pw.CharField(unique=True)  # path relative to the source folder, POSIX style
        external_name = pw.CharField(null=True)
        checksum = pw.CharField(null=True)  # MD5 hex of the content last copied
        code = pw.SmallIntegerField(default=0)
        size = pw.BigIntegerField(null=True)
        mtime_ns = pw.BigIntegerField(null=True)
        last_copied = pw.DateTimeField(null=True)
        last_error = pw.TextField(null=True)

        class Meta:
            database = db
            table_name = "filelist"

    class RunHistory(pw.Model):
        kind = pw.CharField()
        started_at = pw.DateTimeField()
        finished_at = pw.DateTimeField()
        copied = pw.IntegerField(default=0)
        unchanged = pw.IntegerField(default=0)
        waiting = pw.IntegerField(default=0)
        failed = pw.IntegerField(default=0)
        bytes_copied = pw.BigIntegerField(default=0)
        error = pw.TextField(null=True)
        cancelled = pw.BooleanField(default=False)

        class Meta:
            database = db
            table_name = "run_history"

    class TransferJournal(pw.Model):
        """Temporary destination names written before an upload starts, removed after it ends."""

        temp_name = pw.CharField(unique=True)
        destination = pw.CharField()
        started_at = pw.DateTimeField(default=_now)

        class Meta:
            database = db
            table_name = "transfer_journal"

    class FileStateModel(pw.Model):
        """Why a selected file is not at the destination (waiting, live, held open, failed)."""

        local_name = pw.CharField(unique=True)  # the filelist key
        state = pw.CharField()
        reason = pw.TextField(default="")
        since = pw.DateTimeField(null=True)
        waiting_since = pw.DateTimeField(null=True)
        live_copied_at = pw.DateTimeField(null=True)
        seen_size = pw.BigIntegerField(null=True)
        seen_mtime_ns = pw.BigIntegerField(null=True)
        failures = pw.IntegerField(default=0)
        updated_at = pw.DateTimeField(default=_now)

        class Meta:
            database = db
            table_name = "file_state"

    class MetaModel(pw.Model):
        """Small engine-written state: the destination the rows refer to, the schedule."""

        key = pw.CharField(primary_key=True)
        value = pw.TextField(null=True)

        class Meta:
            database = db
            table_name = "meta"

    return Models(
        file=FileList,
        run=RunHistory,
        journal=TransferJournal,
        state=FileStateModel,
        meta=MetaModel,
    )
