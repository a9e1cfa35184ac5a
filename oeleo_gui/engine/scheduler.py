"""Pure schedule arithmetic from upstream's OA_* variables; the clock is passed in.

Used by the headless loop (`runner`) and by the tray's QTimer, so both keep the same rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from oeleo_gui.engine.settings.config import Settings


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    interval_seconds: float
    max_runs: int  # 0 = no limit
    single_run: bool
    check_first: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> Schedule:
        return cls(
            interval_seconds=max(settings.run_interval_seconds, 1.0),
            max_runs=settings.max_run_intervals,
            single_run=settings.single_run,
            check_first=settings.add_check,
        )

    @classmethod
    def for_tray(cls, settings: Settings) -> Schedule:
        """The tray runs until paused or quit: OA_MAX_RUN_INTERVALS counts only when it was set.

        Upstream's default limit (200 runs) suits a headless loop restarted by a scheduled
        task; a tray that silently stopped copying after four days would not."""
        schedule = cls.from_settings(settings)
        if settings.max_run_intervals_set:
            return schedule
        return cls(
            interval_seconds=schedule.interval_seconds,
            max_runs=0,
            single_run=schedule.single_run,
            check_first=schedule.check_first,
        )

    @property
    def run_limit(self) -> int:
        """How many scheduled runs are made at most (0: no limit)."""
        return 1 if self.single_run else self.max_runs

    def has_more_runs(self, runs_done: int) -> bool:
        if self.single_run:
            return runs_done < 1
        return self.max_runs == 0 or runs_done < self.max_runs

    def next_run_at(self, last_started: float | None, now: float) -> float:
        """When the next run is due: at once if none ran yet or a run was missed (e.g. sleep)."""
        if last_started is None:
            return now
        return max(now, last_started + self.interval_seconds)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleInfo:
    """What whoever runs the schedule (the tray, `sync --loop`) tells the `status` verdict,
    through the database's meta table (`META_SCHEDULE`): whether runs will keep coming."""

    pid: int
    kind: str  # "tray" or "loop"
    updated: datetime
    next_run: datetime | None = None
    paused: bool = False
    paused_until: datetime | None = None  # None while paused: until the technician resumes
    run_limit: int = 0  # 0: no limit
    runs_made: int = 0
    limit_reached: bool = False
    ended: bool = False
    """Its owner stopped running the schedule (quit, Ctrl+C, or the run limit): no run comes
    until somebody starts one, which `status` says until a later run succeeds."""

    def to_json(self) -> str:
        def when(value: datetime | None) -> str | None:
            return value.isoformat() if value else None  # to the microsecond: runs compare to it

        return json.dumps(
            {
                "pid": self.pid,
                "kind": self.kind,
                "updated": when(self.updated),
                "next_run": when(self.next_run),
                "paused": self.paused,
                "paused_until": when(self.paused_until),
                "run_limit": self.run_limit,
                "runs_made": self.runs_made,
                "limit_reached": self.limit_reached,
                "ended": self.ended,
            }
        )

    @classmethod
    def from_json(cls, text: str | None) -> ScheduleInfo | None:
        """The record, or None for a missing or unreadable one."""
        if not text:
            return None
        try:
            data = json.loads(text)

            def when(key: str) -> datetime | None:
                value = data.get(key)
                return datetime.fromisoformat(value) if value else None

            return cls(
                pid=int(data["pid"]),
                kind=str(data.get("kind", "")),
                updated=when("updated") or datetime.min,
                next_run=when("next_run"),
                paused=bool(data.get("paused", False)),
                paused_until=when("paused_until"),
                run_limit=int(data.get("run_limit", 0)),
                runs_made=int(data.get("runs_made", 0)),
                limit_reached=bool(data.get("limit_reached", False)),
                ended=bool(data.get("ended", False)),
            )
        except (ValueError, KeyError, TypeError):
            return None
