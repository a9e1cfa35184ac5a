"""The verdict as a record: `SafetyState`, `FileConcern`, `StatusReport` (and its `--json`
shape). Worked out by `status.compute_status`; carried to the tray by a signal, written into the
lab record, printed by `oeleo-gui status`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from oeleo_gui.engine.units import iso_time


class SafetyState(StrEnum):
    """The verdict's state, worst first: what the tray's icon and the lab overview show."""

    ERROR = "error"  # copying stopped, files fail, or the configuration cannot work
    ATTENTION = "attention"  # data is not being kept safe and someone must act
    PAUSED = "paused"
    SYNCING = "syncing"
    PENDING = "pending"  # files wait for a run that is coming
    IDLE = "idle"  # safe


@dataclass(frozen=True, slots=True, kw_only=True)
class FileConcern:
    """A file that is not safe yet, and why."""

    path: str
    reason: str
    since: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusReport:
    """The verdict: `safe` only when `reasons` is empty."""

    safe: bool
    state: SafetyState
    summary: str
    reasons: tuple[str, ...]
    waiting: tuple[FileConcern, ...] = ()
    failed: tuple[FileConcern, ...] = ()
    live: tuple[FileConcern, ...] = ()
    matched: int = 0
    copied: int = 0
    locked: int = 0
    not_copied: int = 0
    oldest_unsynced: FileConcern | None = None
    last_run: datetime | None = None
    last_success: datetime | None = None
    next_run: datetime | None = None
    interval_seconds: float = 0.0
    checked_at: datetime

    def to_json(self) -> dict[str, object]:
        """The `status --json` shape: ISO 8601 times with the UTC offset, plain lists."""

        def concern(c: FileConcern) -> dict[str, object]:
            return {"path": c.path, "reason": c.reason, "since": _iso(c.since)}

        return {
            "safe": self.safe,
            "state": str(self.state),
            "summary": self.summary,
            "reasons": list(self.reasons),
            "waiting": [concern(c) for c in self.waiting],
            "failed": [concern(c) for c in self.failed],
            "live": [concern(c) for c in self.live],
            "matched": self.matched,
            "copied": self.copied,
            "locked": self.locked,
            "not_copied": self.not_copied,
            "oldest_unsynced": concern(self.oldest_unsynced) if self.oldest_unsynced else None,
            "last_run": _iso(self.last_run),
            "last_success": _iso(self.last_success),
            "next_run": _iso(self.next_run),
            "interval_seconds": self.interval_seconds,
            "checked_at": _iso(self.checked_at),
        }


def _iso(value: datetime | None) -> str | None:
    return iso_time(value)
