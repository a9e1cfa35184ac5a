"""What the engine remembers about its runs, beside the `filelist` rows: the transfer journal
(temporary names to sweep after a crash), the run history, each waiting/live/held/failed file's
state, and a few `meta` values. A mixin of `FileListStore`, which provides `db` and `models`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import peewee as pw

from oeleo_gui.engine.bookkeeping.models import Models
from oeleo_gui.engine.bookkeeping.rows import FileStateRow, RunRow, file_state, to_datetime
from oeleo_gui.engine.events import RunSummary


class RunStateTables:
    db: pw.SqliteDatabase
    models: Models

    # --- transfer journal -----------------------------------------------------------------------
    def journal_add(self, entries: Sequence[tuple[str, str]]) -> None:
        """Remember temporary names (temp_name, destination) before the uploads start."""
        now = datetime.now().isoformat(" ")
        with self.db.atomic():
            self.db.cursor().executemany(
                "INSERT OR IGNORE INTO transfer_journal (temp_name, destination, started_at)"
                " VALUES (?, ?, ?)",
                [(temp, dest, now) for temp, dest in entries],
            )

    def journal_remove(self, temp_names: Sequence[str]) -> None:
        if temp_names:
            with self.db.atomic():
                self.db.cursor().executemany(
                    "DELETE FROM transfer_journal WHERE temp_name = ?", [(t,) for t in temp_names]
                )

    def journal_entries(self) -> list[tuple[str, str]]:
        J = self.models.journal
        return list(J.select(J.temp_name, J.destination).tuples())

    # --- run history ----------------------------------------------------------------------------
    def record_run(self, summary: RunSummary) -> None:
        self.models.run.create(
            kind=str(summary.kind),
            started_at=summary.started_at,
            finished_at=summary.finished_at,
            copied=len(summary.copied),
            unchanged=summary.unchanged,
            waiting=summary.waiting,
            failed=len(summary.failed),
            bytes_copied=summary.bytes_copied,
            error=summary.error or None,
            cancelled=summary.cancelled,
        )

    def recent_runs(self, limit: int = 20) -> list[RunRow]:
        R = self.models.run
        return [
            RunRow(
                kind=r.kind,
                started_at=to_datetime(r.started_at) or datetime.min,
                finished_at=to_datetime(r.finished_at) or datetime.min,
                copied=r.copied,
                unchanged=r.unchanged,
                waiting=r.waiting,
                failed=r.failed,
                bytes_copied=r.bytes_copied,
                error=r.error,
                cancelled=r.cancelled,
            )
            for r in R.select().order_by(R.id.desc()).limit(limit)
        ]

    def last_successful_run(self) -> datetime | None:
        R = self.models.run
        rec = (
            R.select()
            .where(R.error.is_null(), R.failed == 0, R.cancelled == False, R.kind == "sync")  # noqa: E712
            .order_by(R.id.desc())
            .first()
        )
        return to_datetime(rec.finished_at) if rec else None

    # --- per-file states --------------------------------------------------------------------------
    def file_states(self) -> dict[str, FileStateRow]:
        S = self.models.state
        return {
            r.local_name: FileStateRow(
                rel_path=r.local_name,
                state=file_state(r.state),
                reason=r.reason or "",
                since=to_datetime(r.since),
                waiting_since=to_datetime(r.waiting_since),
                live_copied_at=to_datetime(r.live_copied_at),
                seen_size=r.seen_size,
                seen_mtime_ns=r.seen_mtime_ns,
                failures=r.failures or 0,
            )
            for r in S.select()
        }

    def save_file_states(
        self,
        rows: Sequence[FileStateRow],
        *,
        remove: Collection[str] = (),
        replace_all: bool = False,
    ) -> None:
        """Upsert these states; drop those of `remove` (copied now), or with `replace_all` every
        state not given (a complete run has seen every file)."""
        now = datetime.now()
        S = self.models.state
        with self.db.atomic():
            if replace_all:
                S.delete().execute()
            elif remove:
                names = list(remove)
                for start in range(0, len(names), 500):
                    S.delete().where(S.local_name.in_(names[start : start + 500])).execute()
            for row in rows:
                values = {
                    "state": str(row.state),
                    "reason": row.reason[:1000],
                    "since": row.since,
                    "waiting_since": row.waiting_since,
                    "live_copied_at": row.live_copied_at,
                    "seen_size": row.seen_size,
                    "seen_mtime_ns": row.seen_mtime_ns,
                    "failures": row.failures,
                    "updated_at": now,
                }
                S.insert(local_name=row.rel_path, **values).on_conflict(
                    conflict_target=[S.local_name], update=values
                ).execute()

    # --- meta ------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        M = self.models.meta
        rec = M.get_or_none(M.key == key)
        return rec.value if rec is not None else None

    def set_meta(self, key: str, value: str | None) -> None:
        """Set (or, with None, delete) one meta value."""
        M = self.models.meta
        if value is None:
            M.delete().where(M.key == key).execute()
        else:
            M.insert(key=key, value=value).on_conflict(
                conflict_target=[M.key], update={M.value: value}
            ).execute()
