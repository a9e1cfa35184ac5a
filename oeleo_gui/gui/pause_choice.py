"""*Pause* → for 30 minutes / for 1 hour / until tomorrow / until I resume: when each one ends.

Pure (the clock's `now` is passed in), so the menu's labels and the end of a pause are tested
without a display or a wait.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum

TOMORROW_AT = time(7, 0)  # "until tomorrow": the next morning, before a lab's working day


class PauseChoice(StrEnum):
    MINUTES_30 = "30 minutes"
    HOUR_1 = "1 hour"
    TOMORROW = "tomorrow"
    UNTIL_RESUMED = "until resumed"

    @property
    def label(self) -> str:
        return _LABELS[self]

    def until(self, now: datetime) -> datetime | None:
        """When this pause ends by itself; None: only when the technician resumes."""
        if self is PauseChoice.MINUTES_30:
            return now + timedelta(minutes=30)
        if self is PauseChoice.HOUR_1:
            return now + timedelta(hours=1)
        if self is PauseChoice.TOMORROW:
            return datetime.combine(now.date() + timedelta(days=1), TOMORROW_AT, now.tzinfo)
        return None


_LABELS = {
    PauseChoice.MINUTES_30: "For 30 minutes",
    PauseChoice.HOUR_1: "For 1 hour",
    PauseChoice.TOMORROW: f"Until tomorrow {TOMORROW_AT:%H:%M}",
    PauseChoice.UNTIL_RESUMED: "Until I resume",
}
