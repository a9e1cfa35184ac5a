"""Pure schedule arithmetic from upstream's OA_* variables; the clock is passed in.

Used by the headless loop (`runner`) and by the tray's QTimer, so both keep the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass

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
