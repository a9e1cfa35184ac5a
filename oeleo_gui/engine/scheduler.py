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

    def has_more_runs(self, runs_done: int) -> bool:
        if self.single_run:
            return runs_done < 1
        return self.max_runs == 0 or runs_done < self.max_runs

    def next_run_at(self, last_started: float | None, now: float) -> float:
        """When the next run is due: at once if none ran yet or a run was missed (e.g. sleep)."""
        if last_started is None:
            return now
        return max(now, last_started + self.interval_seconds)
