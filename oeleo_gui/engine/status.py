"""The one definition of "the data is safe", used by every frontend (tray, `status`, lab record).

Safe means: every file the settings select is at the destination in its current version and
verified (or locked by hand), and the schedule will keep it so. Anything else is a named reason.
The verdict needs no connection: it comes from a scan of the source folder, the bookkeeping
database (read only, see `bookkeeping.snapshot`) and the settings. Per-file states come from
`file_statuses`, which the File list shows.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from oeleo_gui.engine.bookkeeping.meta_keys import META_DESTINATION, META_SCHEDULE
from oeleo_gui.engine.bookkeeping.snapshot import Snapshot, read_snapshot
from oeleo_gui.engine.file_status import FileStatus, FileStatusKind, file_statuses_from
from oeleo_gui.engine.filters import FileFilter
from oeleo_gui.engine.own_files import own_files
from oeleo_gui.engine.processes import process_exists
from oeleo_gui.engine.run_lock import lock_holder
from oeleo_gui.engine.scanner import walk
from oeleo_gui.engine.scheduler import ScheduleInfo
from oeleo_gui.engine.settings.config import Settings
from oeleo_gui.engine.status_report import FileConcern, SafetyState, StatusReport
from oeleo_gui.engine.units import format_size, when_text

__all__ = [
    "FileConcern",
    "SafetyState",
    "StatusReport",
    "compute_status",
    "file_statuses",
]


def file_statuses(
    settings: Settings,
    snapshot: Snapshot | None = None,
    *,
    clock: Callable[[], float] = time.time,
) -> list[FileStatus]:
    """Every file the settings select, and every database row whose file is gone, each with a
    plain state (see `file_status.FileStatusKind`)."""
    snapshot = snapshot if snapshot is not None else read_snapshot(settings.db_path)
    scanned = walk(
        settings.source,
        FileFilter.from_settings(settings),
        recursive=settings.include_subdirs,
        exclude=own_files(settings),  # the .env, the database, the log are never "not copied"
    )
    statuses = file_statuses_from(settings, scanned.files, snapshot, now=clock())
    # What the scan could not see (a folder it cannot list, a name that is not UTF-8) fails
    # as it does in a run: the files there are not safe, and nobody may read "all copied".
    unseen = [
        FileStatus(
            rel_path=what,
            kind=FileStatusKind.FAILED,
            reason=why,
            since=None,
            last_copied=None,
            size=None,
            code=None,
            source_path=str(settings.source / what),
            destination="",
        )
        for what, why in scanned.problems
    ]
    return unseen + statuses


def active_schedule(snapshot: Snapshot, now: datetime) -> ScheduleInfo | None:
    """The schedule record of a tray or loop that still runs; None when nobody runs one."""
    info = ScheduleInfo.from_json(snapshot.meta.get(META_SCHEDULE))
    if info is None:
        return None
    if info.ended:  # stopped on purpose: true until a later run shows someone runs it again
        later = snapshot.last_success is not None and snapshot.last_success > info.updated
        return None if later else info
    if not process_exists(info.pid):
        return None
    if info.paused and info.paused_until is not None and info.paused_until <= now:
        return None  # the pause should have ended; the owner did not say so (asleep, hung)
    return info


class _Verdict:
    """Collects reasons with the state each stands for; the worst state wins."""

    _RANK = (
        SafetyState.ERROR,
        SafetyState.ATTENTION,
        SafetyState.PAUSED,
        SafetyState.PENDING,
    )

    def __init__(self) -> None:
        self.reasons: list[tuple[SafetyState, str]] = []

    def add(self, state: SafetyState, reason: str) -> None:
        self.reasons.append((state, reason))

    def state(self) -> SafetyState:
        for state in self._RANK:
            if any(s is state for s, _ in self.reasons):
                return state
        return SafetyState.IDLE

    def ordered(self) -> tuple[str, ...]:
        rank = {s: i for i, s in enumerate(self._RANK)}
        return tuple(r for _, r in sorted(self.reasons, key=lambda sr: rank[sr[0]]))


def compute_status(
    settings: Settings,
    *,
    snapshot: Snapshot | None = None,
    clock: Callable[[], float] = time.time,
    schedule: ScheduleInfo | None = None,
    running: bool = False,
    config_problem: str = "",
) -> StatusReport:
    """The verdict for these settings now (see the module's doc).

    `schedule` is the caller's own schedule (the tray passes it; otherwise the record of a tray
    or loop that still runs is read from the database); `running` says a run is going now."""
    now = datetime.fromtimestamp(clock())
    interval = settings.run_interval_seconds
    if config_problem:
        return _stopped(config_problem, now, interval)
    try:
        source_ok = settings.source.is_dir()
    except OSError:
        source_ok = False
    if not source_ok:
        return _stopped(
            f"The source folder {settings.source} cannot be found; nothing is being copied.",
            now,
            interval,
        )
    snapshot = snapshot if snapshot is not None else read_snapshot(settings.db_path)
    schedule = schedule or active_schedule(snapshot, now)
    running = running or _copying_elsewhere(settings)
    statuses = file_statuses(settings, snapshot, clock=clock)
    return _judge(settings, statuses, snapshot, schedule, now, running)


def _copying_elsewhere(settings: Settings) -> bool:
    """Another process (the tray, a scheduled `sync`) holds this database's run lock now."""
    holder = lock_holder(settings.db_path)
    return holder is not None and holder != os.getpid()


def _stopped(reason: str, now: datetime, interval: float) -> StatusReport:
    return StatusReport(
        safe=False,
        state=SafetyState.ERROR,
        summary=reason,
        reasons=(reason,),
        interval_seconds=interval,
        checked_at=now,
    )


def _judge(
    settings: Settings,
    statuses: Sequence[FileStatus],
    snapshot: Snapshot,
    schedule: ScheduleInfo | None,
    now: datetime,
    running: bool,
) -> StatusReport:
    verdict = _Verdict()
    selected = [s for s in statuses if s.kind is not FileStatusKind.GONE]
    by_kind: dict[FileStatusKind, list[FileStatus]] = {}
    for s in selected:
        by_kind.setdefault(s.kind, []).append(s)

    def of(*kinds: FileStatusKind) -> list[FileStatus]:
        return [s for k in kinds for s in by_kind.get(k, [])]

    failed = of(FileStatusKind.FAILED)
    held = of(FileStatusKind.HELD_OPEN)
    waiting = of(FileStatusKind.WAITING)
    live = of(FileStatusKind.LIVE)
    pending = of(FileStatusKind.NOT_COPIED, FileStatusKind.CHANGED, FileStatusKind.MARKED)
    max_wait = timedelta(seconds=settings.max_wait_seconds or settings.run_interval_seconds)
    interval = timedelta(seconds=settings.run_interval_seconds)

    last = snapshot.last_run
    if last is not None and last.error and not running:
        verdict.add(SafetyState.ERROR, f"The last run stopped: {last.error}")
    if failed:
        first = failed[0]
        verdict.add(
            SafetyState.ERROR,
            f"{_files(len(failed))} could not be copied ({first.rel_path}: {first.reason}).",
        )
    if not selected:
        verdict.add(
            SafetyState.ATTENTION,
            f"No file in {settings.source} matches the settings "
            f"({FileFilter.from_settings(settings).describe()}): nothing is being copied.",
        )
    recorded = snapshot.meta.get(META_DESTINATION)
    if recorded and recorded != settings.destination_identity and snapshot.rows:
        verdict.add(
            SafetyState.ATTENTION,
            "The destination changed since the files were copied: compare with the new one "
            "(Check against destination, or `oeleo-gui check --update-db`) to copy what is "
            "missing there.",
        )
    long_held = [s for s in held if s.since is not None and now - s.since > max_wait]
    if long_held:
        first = long_held[0]
        verdict.add(
            SafetyState.ATTENTION,
            f"{first.rel_path} is held open by another program since "
            f"{when_text(first.since, now)}; not copied"
            + (f" (and {_files(len(long_held) - 1)} more)." if len(long_held) > 1 else "."),
        )
    stale_live = [s for s in live if s.since is not None and now - s.since > max_wait + interval]
    if stale_live:
        first = stale_live[0]
        verdict.add(
            SafetyState.ATTENTION,
            f"The live copy of {first.rel_path} is from {when_text(first.since, now)}: older "
            "than the maximum wait plus one run interval.",
        )
    short_held = [s for s in held if s not in long_held]
    if waiting or live or short_held:
        verdict.add(SafetyState.PENDING, _waiting_words(waiting, live, short_held, now))
    if pending:
        verdict.add(
            SafetyState.PENDING,
            f"{_files(len(pending))} new or changed, not copied yet (e.g. {pending[0].rel_path}).",
        )
    _judge_schedule(verdict, settings, snapshot, schedule, now)
    reasons = verdict.ordered()
    copied = of(FileStatusKind.COPIED)
    unsynced = [s for s in failed + held + waiting + live + pending if s.since is not None]
    oldest = min(unsynced, key=lambda s: s.since or now, default=None)
    state = SafetyState.SYNCING if running else verdict.state()
    if reasons:
        summary = reasons[0]
    else:
        size = format_size(_bytes(copied))
        summary = (
            f"All {_files(len(copied))} copied ({size}); "
            f"last run {when_text(snapshot.last_success, now)}."
        )
    return StatusReport(
        safe=not reasons,
        state=state,
        summary=summary,
        reasons=reasons,
        waiting=tuple(_concern(s) for s in waiting + held),
        failed=tuple(_concern(s) for s in failed),
        live=tuple(_concern(s) for s in live),
        matched=len(selected),
        copied=len(copied),
        locked=len(of(FileStatusKind.LOCKED)),
        not_copied=len(pending),
        oldest_unsynced=_concern(oldest) if oldest else None,
        last_run=last.finished_at if last else None,
        last_success=snapshot.last_success,
        next_run=schedule.next_run if schedule and not schedule.paused else None,
        interval_seconds=settings.run_interval_seconds,
        checked_at=now,
    )


def _judge_schedule(
    verdict: _Verdict,
    settings: Settings,
    snapshot: Snapshot,
    schedule: ScheduleInfo | None,
    now: datetime,
) -> None:
    interval = timedelta(seconds=settings.run_interval_seconds)
    if schedule is not None and schedule.paused:
        until = (
            f"until {when_text(schedule.paused_until, now)}"
            if schedule.paused_until
            else "until you resume"
        )
        verdict.add(SafetyState.PAUSED, f"Copying is paused {until}.")
        return
    if schedule is not None and schedule.limit_reached:
        verdict.add(
            SafetyState.ATTENTION,
            f"No run is scheduled: the run limit ({schedule.run_limit} runs, "
            "OA_MAX_RUN_INTERVALS) was reached. Sync now, or restart oeleo-gui.",
        )
        return
    if schedule is not None and schedule.ended:
        who = "the tray" if schedule.kind == "tray" else "the scheduled loop"
        verdict.add(
            SafetyState.ATTENTION,
            f"No run is scheduled: {who} was stopped at {when_text(schedule.updated, now)}. "
            "Start oeleo-gui again.",
        )
        return
    last_ok = snapshot.last_success
    if last_ok is None:
        if snapshot.last_run is None:
            verdict.add(SafetyState.PENDING, "No run has finished yet.")
        return
    if now - last_ok > 2 * interval:
        verdict.add(
            SafetyState.ATTENTION,
            f"No successful run since {when_text(last_ok, now)} (runs are due every "
            f"{_duration(interval)}): check that oeleo-gui is running.",
        )


def _waiting_words(
    waiting: Sequence[FileStatus],
    live: Sequence[FileStatus],
    held: Sequence[FileStatus],
    now: datetime,
) -> str:
    parts = []
    if waiting or live:
        parts.append(f"{_files(len(waiting) + len(live))} being written")
    if live:
        latest = max((s.since for s in live if s.since), default=None)
        if latest is not None:
            parts.append(f"last live copy {when_text(latest, now)}")
    if held:
        parts.append(f"{_files(len(held))} held open by another program")
    first = (list(waiting) + list(live) + list(held))[0]
    return " · ".join(parts) + f" (e.g. {first.rel_path})."


def _concern(s: FileStatus) -> FileConcern:
    return FileConcern(path=s.rel_path, reason=s.reason, since=s.since)


def _files(n: int) -> str:
    return f"{n} file{'' if n == 1 else 's'}"


def _bytes(statuses: Sequence[FileStatus]) -> int:
    return sum(s.size or 0 for s in statuses)


def _duration(delta: timedelta) -> str:
    minutes = delta.total_seconds() / 60
    if minutes < 120:
        return f"{minutes:.0f} minutes"
    return f"{minutes / 60:.1f} hours"
