"""Writing this instrument's status record to its destination, for the lab overview.

After a sync run the engine calls `publish_if_due`: the `status` verdict is computed, put in a
record (`build_record`: names, counts, times, the source folder and its filters; never a secret)
and written to `<destination>/.oeleo/status/<instrument>.json` through the run's own connector,
as data files are: a temporary name (in the transfer journal, so a crash leaves nothing the next
run does not sweep), verified, then renamed over the record.

It is written when due: the verdict changed, or the record is older than the run interval less a
margin, so a lab manager sees a fresh record at least once per interval. Only then is the record
already at that name read, so that another configuration's is never written over (`ownership`).
When it was last written is kept in the database's meta (`META_LAB_RECORD`). Writing it never
fails a run: a failure is logged once per cause (a WARNING when the cause is new, DEBUG while it
repeats).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from oeleo_gui import __version__
from oeleo_gui.engine.bookkeeping.meta_keys import META_LAB_RECORD
from oeleo_gui.engine.bookkeeping.snapshot import read_snapshot
from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.connectors.base import Connector, temp_name_for
from oeleo_gui.engine.errors import ConfigError, DestinationError, FileError, OeleoError
from oeleo_gui.engine.events import CancelToken, RunSummary
from oeleo_gui.engine.filters import FileFilter
from oeleo_gui.engine.lab.format import (
    LISTED_FILES,
    RECORD_KIND,
    RECORD_MAX_BYTES,
    RECORD_VERSION,
    record_path,
    to_iso,
)
from oeleo_gui.engine.lab.overview import duration_words
from oeleo_gui.engine.lab.ownership import config_key, own_record_path, place_record
from oeleo_gui.engine.run_lock import RunLock
from oeleo_gui.engine.settings.config import Settings
from oeleo_gui.engine.settings.instrument import computer_name
from oeleo_gui.engine.status import FileConcern, SafetyState, StatusReport, compute_status

log = logging.getLogger(__name__)

REFRESH_MARGIN = 0.1
"""A record older than (1 - this) × the interval is written again, even if nothing changed."""
MIN_REFRESH_SECONDS = 60.0
"""Never more often than this when nothing changed (runs can follow each other quickly)."""


def build_record(
    settings: Settings, report: StatusReport, *, stopped: bool, written_at: datetime
) -> dict[str, Any]:
    """The record: what the lab overview shows of this instrument. No secret goes in: only the
    instrument's and computer's names, the verdict, times, the source folder and its filters,
    and where the files go (kind, server, folder; never a password, passphrase or secret)."""

    def concerns(items: tuple[FileConcern, ...]) -> list[dict[str, Any]]:
        return [_concern(c) for c in items[:LISTED_FILES]]

    return {
        "record": RECORD_KIND,
        "version": RECORD_VERSION,
        "instrument": settings.instrument_name,
        "config": config_key(settings),
        "computer": computer_name(),
        "app_version": __version__,
        "written_at": to_iso(written_at),
        "interval_seconds": settings.run_interval_seconds,
        "last_run": to_iso(report.last_run),
        "last_success": to_iso(report.last_success),
        "next_run": to_iso(report.next_run),
        "status": {
            "safe": report.safe,
            "state": str(report.state),
            "stopped": stopped,
            "summary": report.summary,
            "reasons": list(report.reasons),
            "counts": {
                "matched": report.matched,
                "copied": report.copied,
                "waiting": len(report.waiting),
                "live": len(report.live),
                "failed": len(report.failed),
                "locked": report.locked,
                "not_copied": report.not_copied,
            },
            "oldest_unsynced": _concern(report.oldest_unsynced) if report.oldest_unsynced else None,
            "waiting": concerns(report.waiting),
            "failed": concerns(report.failed),
            "live": concerns(report.live),
        },
        "settings": {
            "Source folder": str(settings.source),
            "Files": FileFilter.from_settings(settings).describe(),
            "Subfolders": settings.include_subdirs,
            "Destination": settings.destination_identity,
            "Runs every": duration_words(settings.run_interval_seconds),
        },
    }


def _concern(c: FileConcern) -> dict[str, Any]:
    return {"path": c.path, "reason": c.reason, "since": to_iso(c.since)}


def record_bytes(record: dict[str, Any]) -> bytes:
    """The record as UTF-8 JSON, within the readers' size limit (file lists dropped if need be:
    the counts stay complete)."""
    data = json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8")
    if len(data) > RECORD_MAX_BYTES:
        status = dict(record["status"])
        status.update(waiting=[], failed=[], live=[])
        data = json.dumps({**record, "status": status}, ensure_ascii=False).encode("utf-8")
    return data


def verdict_fingerprint(record: dict[str, Any]) -> str:
    """What a lab manager would see change: the verdict and counts, not the times."""
    status = record["status"]
    seen = {k: status[k] for k in ("safe", "state", "stopped", "summary", "reasons", "counts")}
    seen["instrument"] = record["instrument"]
    text = json.dumps(seen, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def is_stopped(report: StatusReport, last_run_error: str) -> bool:
    """Copying has stopped (the last run stopped, or the setup cannot work), as opposed to
    files failing while the rest is copied: the lab overview's "error" against "behind"."""
    return report.state is SafetyState.ERROR and (bool(last_run_error) or not report.failed)


def publish_if_due(
    settings: Settings,
    connector: Connector | Callable[[], Connector],
    store: FileListStore,
    *,
    clock: Callable[[], float] = time.time,
    force: bool = False,
    quiet_run: bool = False,
) -> bool:
    """Write the record if due (see the module's doc); True when it was written. Never raises
    for a problem of its own: it is logged once per cause.

    `connector` may be a function making it, so a run that writes no record never builds one
    (paramiko's import alone is most of an SSH run where nothing changed). A `quiet_run` (it
    copied nothing, and files wait or fail as when the record was last written) cannot have
    changed the verdict: the record is then due only by its age, which is known without
    computing the verdict again over every file."""
    now = clock()
    previous = _last_written(store)
    try:
        state_key = _states_key(store)
        if quiet_run and not force and _quiet_and_fresh(previous, state_key, now, settings):
            return False
        snapshot = read_snapshot(settings.db_path)
        report = compute_status(settings, snapshot=snapshot, clock=clock)
        last = snapshot.last_run
        if report.last_run is None and last is not None:  # a stopped verdict names no times
            report = dataclasses.replace(
                report, last_run=last.finished_at, last_success=snapshot.last_success
            )
        last_error = last.error if last is not None else ""
        record = build_record(
            settings,
            report,
            stopped=is_stopped(report, last_error),
            written_at=datetime.fromtimestamp(now).astimezone(),  # its own day: see `dated`
        )
        fingerprint = verdict_fingerprint(record)
        primary = record_path(settings.instrument_file_stem)
        where = settings.destination_identity
        if not force and not _is_due(previous, fingerprint, primary, where, now, settings):
            return False
        destination = connector() if callable(connector) else connector
        destination.connect()
        target = place_record(destination, settings, now)
        write_record(destination, store, target, record_bytes(record), mtime=now)
        _after_placing(destination, settings, previous, target, primary)
    except Exception as exc:  # the run's outcome stands whatever happens here
        _log_once(store, previous, exc)
        return False
    _remember(
        store,
        {
            "at": now,
            "fingerprint": fingerprint,
            "primary": primary,
            "path": target,
            "where": where,
            "states": state_key,
        },
    )
    log.debug("status record written to %s", destination.external_name(target))
    return True


def publish_now(
    settings: Settings,
    connector: Callable[[], Connector],
    store: Callable[[], FileListStore],
    clock: Callable[[], float] = time.time,
) -> bool:
    """Write the record now if it is due (the tray pauses: the overview says "paused", not
    silent). Skipped while another run holds the database: that run writes it."""
    try:
        with RunLock(settings.db_path, wait_seconds=0):
            return publish_if_due(settings, connector, store(), clock=clock)
    except OeleoError as exc:  # RunInProgress, or a database that cannot be opened now
        log.debug("status record not written now: %s", exc)
        return False


def publish_after_run(
    settings: Settings,
    summary: RunSummary,
    error: OeleoError | None,
    connector: Callable[[], Connector],
    store: Callable[[], FileListStore],
    clock: Callable[[], float] = time.time,
) -> None:
    """After a sync run, when due: not to a destination that stopped the run (it cannot take
    it), nor for a configuration problem before any database exists (none is made for it)."""
    if isinstance(error, DestinationError):
        return
    if isinstance(error, ConfigError) and not settings.db_path.is_file():
        return
    try:
        database = store()
    except Exception as exc:
        log.debug("no status record without a database: %s", exc)
        return
    quiet = error is None and not (summary.copied or summary.live or summary.failed)
    publish_if_due(settings, connector, database, clock=clock, quiet_run=quiet)


def _states_key(store: FileListStore) -> str:
    """What the verdict's per-file reasons stand on: which files wait or fail, and why."""
    states = sorted((s.rel_path, str(s.state), s.reason) for s in store.file_states().values())
    return hashlib.sha256(json.dumps(states).encode()).hexdigest()


def _quiet_and_fresh(
    previous: dict[str, Any], state_key: str, now: float, settings: Settings
) -> bool:
    written = previous.get("at")
    if previous.get("states") != state_key or not isinstance(written, (int, float)):
        return False
    if previous.get("where") != settings.destination_identity:
        return False
    refresh = max(settings.run_interval_seconds * (1 - REFRESH_MARGIN), MIN_REFRESH_SECONDS)
    return 0 <= now - written < refresh


def write_record(
    connector: Connector, store: FileListStore, target: str, data: bytes, *, mtime: float
) -> None:
    """Temporary name (journalled) → verify → rename over `target`, from a local temporary file
    (the connector is connected)."""
    fd, local = tempfile.mkstemp(prefix="oeleo-status-", suffix=".json")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        temp = temp_name_for(target)
        store.journal_add([(temp, target)])  # a crash from here on: the next run sweeps it
        try:
            upload = connector.upload_temp(
                local,
                target,
                temp_rel_path=temp,
                mtime=mtime,
                progress=lambda _sent: None,
                cancel=CancelToken(),
            )
        except BaseException:
            store.journal_remove([temp])  # upload_temp removed what it had written
            raise
        try:
            problem = connector.verify([upload]).get(temp)
            if problem:
                raise FileError(f"The status record did not arrive intact: {problem}.", "")
            connector.commit(upload)
        except BaseException:
            with contextlib.suppress(Exception):
                connector.remove(temp)
            raise
        store.journal_remove([temp])
    finally:
        with contextlib.suppress(OSError):
            os.unlink(local)


def _after_placing(
    connector: Connector,
    settings: Settings,
    previous: dict[str, Any],
    target: str,
    primary: str,
) -> None:
    """Say once that the name is shared; remove this configuration's own-name record once its
    name is free again (else it would turn silent beside the fresh one)."""
    before = (
        previous.get("path") if previous.get("where") == settings.destination_identity else None
    )
    if target == before:
        return
    if target != primary:
        log.warning(
            "Another configuration writes its status record for the lab overview as %s too "
            "(two configurations share the instrument name %r). This one's is written as %s. "
            "Set OELEO_INSTRUMENT_NAME in each one's .env to tell them apart.",
            primary,
            settings.instrument_name,
            target,
        )
    elif before == own_record_path(settings.instrument_file_stem, config_key(settings)):
        with contextlib.suppress(Exception):
            connector.remove(before)


def _is_due(
    previous: dict[str, Any],
    fingerprint: str,
    primary: str,
    where: str,
    now: float,
    settings: Settings,
) -> bool:
    written_as = previous.get("primary", previous.get("path"))
    if (previous.get("fingerprint"), written_as, previous.get("where")) != (
        fingerprint,
        primary,
        where,
    ):
        return True
    written = previous.get("at")
    if not isinstance(written, (int, float)):
        return True
    refresh = max(settings.run_interval_seconds * (1 - REFRESH_MARGIN), MIN_REFRESH_SECONDS)
    return now - written >= refresh or now < written  # a clock set back: write again


def _last_written(store: FileListStore) -> dict[str, Any]:
    try:
        value = json.loads(store.get_meta(META_LAB_RECORD) or "{}")
    except Exception as exc:  # a database problem is the run's business, not the record's
        log.debug("could not read when the status record was last written: %s", exc)
        return {}
    return value if isinstance(value, dict) else {}


def _remember(store: FileListStore, value: dict[str, Any]) -> None:
    try:
        store.set_meta(META_LAB_RECORD, json.dumps(value))
    except Exception as exc:
        log.debug("could not note when the status record was written: %s", exc)


def _log_once(store: FileListStore, previous: dict[str, Any], exc: BaseException) -> None:
    """A WARNING the first time a cause appears, DEBUG while it stays the same."""
    cause = exc.title if isinstance(exc, OeleoError) else f"{type(exc).__name__}: {exc}"
    cause = " ".join(cause.split())
    if previous.get("failed") == cause:
        log.debug("the status record for the lab overview still cannot be written: %s", cause)
        return
    log.warning("could not write the status record for the lab overview: %s", cause)
    _remember(store, {**previous, "failed": cause})
