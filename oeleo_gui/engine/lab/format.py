"""The status record each instrument writes for the lab overview: where it lives, its name, its
format marker and size limit, and how its times are written. Shared by the writer (`lab_record`)
and the reader (`lab_overview`), so both sides agree on one definition.

A record is `<destination>/.oeleo/status/<instrument>.json`, one JSON object:
`{"record": RECORD_KIND, "version": 1, "instrument": ..., "computer": ..., "app_version": ...,
"written_at": ..., "interval_seconds": ..., "last_run": ..., "last_success": ..., "next_run": ...,
"status": {"safe", "state", "summary", "reasons", "counts": {...}, "oldest_unsynced",
"waiting", "failed", "live"}, "settings": {...}}`, times as ISO 8601 with their UTC offset.
It never holds a secret: only names, counts, times, the source folder and its filters.
"""

from __future__ import annotations

from datetime import UTC, datetime

from oeleo_gui.engine.connectors.base import STATUS_FOLDER, is_temp_name
from oeleo_gui.engine.units import iso_time

RECORD_KIND = "oeleo-gui status record"
RECORD_VERSION = 1
RECORD_MAX_BYTES = 256 * 1024
"""A larger record is not read ("unreadable record"): a real one is a few kB."""
LISTED_FILES = 50
"""Waiting, failed and live files named in a record; the counts are always complete."""
MAX_TEXT = 500
"""Characters kept of any text read from a record (a reason, a path, a name)."""


def record_file_name(stem: str) -> str:
    return f"{stem}.json"


def record_path(stem: str) -> str:
    """The record's path relative to the destination folder."""
    return f"{STATUS_FOLDER}/{record_file_name(stem)}"


def is_record_name(name: str) -> bool:
    """A record's file name in the status folder (not a temporary file, not anything else)."""
    return name.endswith(".json") and "/" not in name and not is_temp_name(name)


def to_iso(moment: datetime | None) -> str | None:
    """ISO 8601 with the UTC offset (a naive time is this computer's local time)."""
    return iso_time(moment)


def from_iso(value: object) -> datetime | None:
    """A record's time, always timezone-aware; None for null. Raises ValueError otherwise."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("a time must be text")
    moment = datetime.fromisoformat(value)
    return moment.astimezone() if moment.tzinfo is None else moment


def utc_from_timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
