"""Sizes, times and durations in words for people; the command line, the windows, the verdict
and the lab overview print them the same way."""

from __future__ import annotations

from datetime import datetime


def format_size(size: int | None, missing: str = "") -> str:
    """`1536` -> `1.5 KB` (binary steps, as file managers show them); `missing` for None."""
    if size is None:
        return missing
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def iso_time(moment: datetime | None) -> str | None:
    """ISO 8601 to the second with the UTC offset, for programs (`--json`, the lab's records):
    a naive time is this computer's local time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.isoformat(timespec="seconds")


def when_text(when: datetime | None, now: datetime) -> str:
    """A time for people: `14:02` today, `28 Nov 14:02` on another day, `never` for None."""
    if when is None:
        return "never"
    if when.date() == now.date():
        return f"{when:%H:%M}"
    return f"{when:%d %b %H:%M}"


def format_duration(seconds: float) -> str:
    """`90` -> `2 min`, `5400` -> `1.5 h`, `200000` -> `2 days`: rounded, for ages and intervals."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    if seconds < 2 * 86400:
        hours = f"{seconds / 3600:.1f}".removesuffix(".0")
        return f"{hours} h"
    return f"{round(seconds / 86400)} days"
