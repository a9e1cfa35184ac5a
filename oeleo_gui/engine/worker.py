"""The engine's public face: `Engine.sync()`, `Engine.preview()` and `Engine.check()`.

Frontends (CLI, tray, scripting API) build one Engine per configuration and call these from one
thread at a time. Runs never raise for a destination problem or a bad file: the typed
`RunSummary` says what happened. Only a `ConfigError` escapes from the constructor's callers
that ask for `preflight()`.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from oeleo_gui.engine.bookkeeping.meta_keys import META_DESTINATION
from oeleo_gui.engine.bookkeeping.opening import database_problem, is_database_error
from oeleo_gui.engine.bookkeeping.rows import FileStateRow
from oeleo_gui.engine.bookkeeping.snapshot import IN_MEMORY, read_snapshot
from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.checking import compare
from oeleo_gui.engine.connectors import make_connector
from oeleo_gui.engine.connectors.base import Connector
from oeleo_gui.engine.errors import (
    Cancelled,
    ConfigError,
    DestinationError,
    OeleoError,
    RunInProgress,
)
from oeleo_gui.engine.events import (
    CancelToken,
    CheckReport,
    FileResult,
    FileState,
    NullReporter,
    Outcome,
    Reporter,
    RunKind,
    RunStarted,
    RunSummary,
)
from oeleo_gui.engine.filters import FileFilter
from oeleo_gui.engine.lab.record import publish_after_run, publish_now
from oeleo_gui.engine.own_files import own_files
from oeleo_gui.engine.planner import Plan, RowsFor, clean_stats, plan
from oeleo_gui.engine.progress import Progress
from oeleo_gui.engine.run_lock import RunLock
from oeleo_gui.engine.run_results import log_not_copied, summarise, with_state
from oeleo_gui.engine.scanner import LocalFile, walk
from oeleo_gui.engine.settings.config import DestinationKind, Settings, preflight_problems
from oeleo_gui.engine.state_keeping import ended_in_choice, next_states
from oeleo_gui.engine.transfer import BatchCopier, sweep_journal
from oeleo_gui.engine.triage import triage

log = logging.getLogger(__name__)


class Engine:
    """One configuration's engine: its source, destination connector and bookkeeping store."""

    def __init__(
        self,
        settings: Settings,
        *,
        connector: Connector | None = None,
        store: FileListStore | None = None,
        clock: Callable[[], float] = time.time,
        destination_name: Callable[[str], str] | None = None,
        run_lock_wait: float | None = None,
    ) -> None:
        """`destination_name` maps a source file's relative path to its name at the destination
        (the scripting API's `external_name_generator`); by default upstream's naming.
        `run_lock_wait`: seconds a run waits for another process's run on the same database
        before it is skipped (None: `run_lock.DEFAULT_WAIT_SECONDS`)."""
        self.settings = settings
        self.destination_name = destination_name
        self._run_lock_wait = run_lock_wait
        self.filter = FileFilter.from_settings(settings)
        self.own_files = own_files(settings)  # never copied, whatever the filters say
        self._scan_problems: tuple[tuple[str, str], ...] = ()  # of the last scan
        self._connector = connector
        self._store = store
        self._clock = clock
        self._run_states: dict[str, FileStateRow] | None = None  # during a sync run
        self._seen: dict[str, LocalFile] = {}
        for warning in settings.ignored:  # once per configuration, not at every run
            log.warning("%s", warning)

    # --- parts, made when first needed -----------------------------------------------------------
    @property
    def connector(self) -> Connector:
        if self._connector is None:
            self._connector = make_connector(self.settings)
        return self._connector

    @property
    def store(self) -> FileListStore:
        if self._store is None:
            self._store = FileListStore(self.settings.db_path)
        return self._store

    def close(self) -> None:
        if self._connector is not None:
            self._connector.close()
        if self._store is not None:
            self._store.close()
            self._store = None

    def preflight(self) -> None:
        problems = preflight_problems(self.settings)
        if problems:
            raise ConfigError(problems, str(self.settings.env_file or "the environment"))

    def run_lock(self, cancel: CancelToken | None = None) -> RunLock:
        """The lock every sync and check holds: one run per database, across processes (none
        for a private in-memory store: a script's dry run shares it with no one)."""
        private = self._store is not None and self._store.in_memory
        db = Path(IN_MEMORY) if private else self.settings.db_path
        return RunLock(db, wait_seconds=self._run_lock_wait, cancel=cancel)

    def scan(self, cancel: CancelToken | None = None) -> list[LocalFile]:
        scanned = walk(
            self.settings.source,
            self.filter,
            recursive=self.settings.include_subdirs,
            cancel=cancel,
            exclude=self.own_files,
        )
        self._scan_problems = scanned.problems
        return scanned.files

    def _scan_failures(self, reporter: Reporter) -> list[FileResult]:
        """What the last scan could not see (a folder it cannot list, a name that is not
        UTF-8), as failures of the run: the files there are not safe (issue 13, cases 7, 8)."""
        failures = [
            FileResult(rel_path=what, outcome=Outcome.FAILED, reason=why)
            for what, why in self._scan_problems
        ]
        for result in failures:
            log.warning("%s not copied: %s", result.rel_path, result.reason)
            reporter.on_file_done(result)
        return failures

    def _scan_and_plan(
        self,
        clean: Mapping[str, tuple[int, int]],
        rows_for: RowsFor,
        states: Mapping[str, FileStateRow],
        cancel: CancelToken | None = None,
    ) -> Plan:
        """Decide for every source file; unchanged files are counted during the scan.

        When destination names are the relative paths (subfolders mirrored, or none scanned)
        no two files can claim one name, so a file matching its clean row needs no decision.
        Otherwise the planner sees every file, to settle name clashes in a fixed order."""
        settings = self.settings
        mirror = settings.include_subdirs and settings.external_subdirs
        names_unique = self.destination_name is None and (mirror or not settings.include_subdirs)
        scanned = walk(
            settings.source,
            self.filter,
            recursive=settings.include_subdirs,
            cancel=cancel,
            known=clean if names_unique else None,
            exclude=self.own_files,
        )
        self._scan_problems = scanned.problems
        planned = plan(
            scanned.files,
            clean,
            rows_for,
            now=self._clock(),
            settle_seconds=settings.settle_seconds,
            mirror_subdirs=mirror,
            states=states,
            max_wait_seconds=settings.max_wait_seconds,
            destination_name=self.destination_name,
            present=scanned.matched_paths,
        )
        return planned._replace(unchanged=planned.unchanged + scanned.matched)

    # --- sync -----------------------------------------------------------------------------------
    def sync(
        self, reporter: Reporter | None = None, cancel: CancelToken | None = None
    ) -> RunSummary:
        """One run: copy what is new or changed. Never raises for destination or file problems."""
        return self._run(RunKind.SYNC, reporter or NullReporter(), cancel or CancelToken())

    def preview(self, reporter: Reporter | None = None) -> RunSummary:
        """What `sync` would copy and why; copies nothing and writes nothing to the database."""
        return self._run(RunKind.PREVIEW, reporter or NullReporter(), CancelToken())

    def _run(self, kind: RunKind, reporter: Reporter, cancel: CancelToken) -> RunSummary:
        started = datetime.now()
        reporter.on_run_started(
            RunStarted(
                kind=kind,
                started_at=started,
                source=str(self.settings.source),
                destination=self._destination_text(),
            )
        )
        results: list[FileResult] = []
        counts = {"unchanged": 0, "locked": 0, "bytes": 0}
        error: OeleoError | None = None
        cancelled = False
        other_run: int | None = None
        lock = self.run_lock(cancel)
        try:
            self.preflight()
            if kind is RunKind.PREVIEW:
                self._preview(results, counts, reporter)
            else:
                lock.acquire()  # held until the run's states and history are written
                self._sync(results, counts, reporter, cancel)
        except Cancelled:
            cancelled = True
        except RunInProgress as exc:  # not a fault: the other run does the copying
            other_run = exc.pid
            log.info("%s", exc.title)
        except (DestinationError, ConfigError, OeleoError) as exc:
            error = exc
            log.error("%s run stopped: %s", kind, exc)
        except Exception as exc:
            if not is_database_error(exc):
                raise
            # the database's disk filled up or turned read-only mid-run: say so, keep it as is
            error = database_problem(self.settings.db_path, exc)
            log.error("%s run stopped: %s (%s)", kind, error, exc)
        try:
            if kind is RunKind.SYNC and self._run_states is not None:
                complete = error is None and not cancelled
                results = self._keep_states(results, complete=complete)
            summary = summarise(kind, started, results, counts, error, cancelled)
            if other_run is not None:
                summary = replace(summary, other_run_pid=other_run)
            elif kind is RunKind.SYNC and not isinstance(error, ConfigError):
                self._record_run(summary)  # (a configuration problem opens no database)
            if kind is RunKind.SYNC and other_run is None and not cancelled:
                publish_after_run(  # this instrument's record for the lab overview
                    self.settings,
                    summary,
                    error,
                    lambda: self.connector,
                    lambda: self.store,
                    self._clock,
                )
        finally:
            lock.release()
        log.info("%s finished: %s", kind, summary.one_line())
        reporter.on_run_finished(summary)
        return summary

    def _keep_states(self, results: list[FileResult], *, complete: bool) -> list[FileResult]:
        """Remember why files wait or fail (`file_state`), and say since when in the results.

        A complete run saw every file, so the states it did not report end (a run narrowed to
        a script's choice: only within it); a stopped or cancelled run only updates the files
        it reported."""
        previous, self._run_states = self._run_states or {}, None
        now = datetime.fromtimestamp(self._clock())
        kept, ended = next_states(results, previous, self._seen, now)
        if complete and self.filter.selects_part:
            ended |= ended_in_choice(previous, kept, self.filter.name_matcher())
            complete = False
        try:
            store = self.store
            store.save_file_states(kept, remove=ended, replace_all=complete)
            if store.get_meta(META_DESTINATION) is None:
                store.set_meta(META_DESTINATION, self.settings.destination_identity)
        except Exception as exc:  # the copies are recorded; a lost state only delays a live copy
            log.warning("could not record which files wait or fail: %s", exc)
        by_path = {s.rel_path: s for s in kept}
        results = [with_state(r, by_path.get(r.rel_path)) for r in results]
        log_not_copied(results)
        return results

    def _destination_text(self) -> str:
        if self._connector is not None:
            return self._connector.description
        return f"{self.settings.destination_kind}: {self.settings.destination}"

    def _record_run(self, summary: RunSummary) -> None:
        try:
            self.store.record_run(summary)
        except Exception as exc:  # history is nice to have; never let it hide the real outcome
            log.warning("could not record the run in the history: %s", exc)

    def publish_status(self) -> bool:
        """Write this instrument's status record now if it is due (see `lab.record.publish_now`:
        the tray calls this when it pauses, so the lab overview says "paused", not silent)."""
        return publish_now(self.settings, lambda: self.connector, lambda: self.store, self._clock)

    def _sync(
        self,
        results: list[FileResult],
        counts: dict[str, int],
        reporter: Reporter,
        cancel: CancelToken,
    ) -> None:
        store = self.store
        self._run_states = store.file_states()
        planned = self._scan_and_plan(store.clean_stats(), store.rows_for, self._run_states, cancel)
        self._seen = {d.file.rel_path: d.file for d in planned.decisions}
        counts["unchanged"] += planned.unchanged
        results.extend(self._scan_failures(reporter))
        to_copy = triage(
            self.settings.source, planned.decisions, results, counts, store, reporter, cancel
        )
        if not to_copy and not store.journal_entries():
            if self.settings.destination_kind is DestinationKind.LOCAL:
                self.connector.connect()  # one stat: a vanished share is said, not "all copied"
            return  # nothing to copy or sweep: no connection at all (SSH: most of a no-change run)
        connector = self.connector
        connector.connect()
        sweep_journal(store, connector)
        if not to_copy:
            return  # nothing to copy, so no write probe (a file made and deleted) either
        connector.ensure_ready()
        progress = Progress(reporter, len(to_copy), sum(d.file.size for d in to_copy))
        copier = BatchCopier(
            source_root=self.settings.source,
            connector=connector,
            store=store,
            reporter=reporter,
            cancel=cancel,
            progress=progress,
            reconnect_attempts=self.settings.reconnect_attempts,
        )
        try:
            copier.copy_all(to_copy)
        finally:
            results.extend(copier.results)
            counts["bytes"] = copier.bytes_copied
            counts["locked"] += copier.locked_meanwhile

    def _preview(
        self, results: list[FileResult], counts: dict[str, int], reporter: Reporter
    ) -> None:
        snapshot = read_snapshot(self.settings.db_path)
        rows = snapshot.rows
        planned = self._scan_and_plan(
            clean_stats(rows),
            lambda names: {n: rows[n] for n in names if n in rows},
            snapshot.states,
        )
        counts["unchanged"] += planned.unchanged
        decisions = planned.decisions
        results.extend(self._scan_failures(reporter))
        for d in triage(
            self.settings.source, decisions, results, counts, None, reporter, CancelToken()
        ):
            state = snapshot.states.get(d.file.rel_path)
            held = state is not None and state.state is FileState.HELD_OPEN
            result = FileResult(
                rel_path=d.file.rel_path,
                outcome=Outcome.WOULD_COPY,
                reason=f"{d.reason}; {state.reason}" if held and state else d.reason,
                size=d.file.size,
                external_name=d.dest_rel,
            )
            results.append(result)
            reporter.on_file_done(result)

    # --- check ----------------------------------------------------------------------------------
    def check(
        self, *, update_db: bool = False, full: bool = False, cancel: CancelToken | None = None
    ) -> CheckReport:
        """Compare the source with the destination (see `checking.compare`); with `update_db`
        the database then refers to this destination (no longer "changed, not checked").

        Raises `RunInProgress` when another process runs a sync or check on this database."""
        self.preflight()
        cancel = cancel or CancelToken()
        with self.run_lock(cancel):  # it sweeps temporary files and may write codes
            report = compare(
                self.settings,
                self.connector,
                self.store,
                self.scan(cancel),
                update_db=update_db,
                full=full,
                cancel=cancel,
                now=self._clock(),
                destination_name=self.destination_name,
            )
            if update_db:
                self.store.set_meta(META_DESTINATION, self.settings.destination_identity)
        unseen = tuple(self._scan_failures(NullReporter()))  # never "all in sync" past them
        return dataclasses.replace(report, errors=unseen + report.errors) if unseen else report
