"""Turning one status record's bytes into an `InstrumentRow`, trusting nothing in them.

A record that is not UTF-8 JSON, was cut off, has the wrong shape, NaN for a number, or text
where a time belongs becomes an "unreadable record" row saying why, never an exception. Text is
cut to `MAX_TEXT` and lists to `LISTED_FILES`, so one odd record cannot swamp a page.

The instrument wrote its reasons with times of its day bare ("last run 08:09"); read on another
day, they get the record's date (`dated`), or a day-old record would seem to speak of today.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime

from oeleo_gui.engine.lab.format import LISTED_FILES, MAX_TEXT, RECORD_KIND, from_iso
from oeleo_gui.engine.lab.overview import COUNTS, FileNote, InstrumentRow, Verdict, classify

# A bare `HH:MM`, not already after a day and month ("04 May 08:09", as the instrument writes
# times of other days) and not part of a longer number or time.
_BARE_TIME = re.compile(r"(?<![\d:.])(?<!\d\d [A-Za-z]{3} )(?:[01]\d|2[0-3]):[0-5]\d(?![\d:])")


def dated(text: str, written_at: datetime, now: datetime) -> str:
    """`text` with the record's date before each bare time, unless it was written today (on
    its own clock's day)."""
    if written_at.date() == now.astimezone(written_at.tzinfo).date():
        return text
    day = f"{written_at:%d %b}"
    return _BARE_TIME.sub(lambda m: f"{day} {m.group(0)}", text)


def unreadable(name: str, location: str, now: datetime, why: str) -> InstrumentRow:
    return InstrumentRow(
        key=name,
        location=location,
        name=name.removesuffix(".json")[:MAX_TEXT],
        verdict=Verdict.UNREADABLE,
        reason=f"unreadable record: {why}"[:MAX_TEXT],
        checked_at=now,
    )


class _Malformed(ValueError):
    """The record does not have the shape of a status record (says which part)."""


def _reject_constant(name: str) -> float:
    raise _Malformed(f"{name} is not a number")


def parse_record(name: str, data: bytes, *, location: str, now: datetime) -> InstrumentRow:
    """One record's row; "unreadable record" (never an exception) when it is not one."""
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return unreadable(name, location, now, "not valid JSON (it may have been cut off)")
    except _Malformed as exc:
        return unreadable(name, location, now, str(exc))
    try:
        return _row(name, value, location, now)
    except (_Malformed, ValueError, TypeError, OverflowError) as exc:
        return unreadable(name, location, now, f"not a status record ({exc})")


def _row(name: str, record: object, location: str, now: datetime) -> InstrumentRow:
    top = _Obj(record, "the record")
    if top.get("record") != RECORD_KIND:
        raise _Malformed("no oeleo-gui record marker")
    status = _Obj(top.get("status"), "status")
    safe = status.get("safe")
    if not isinstance(safe, bool):
        raise _Malformed("status.safe is not true/false")
    written_at = from_iso(top.text("written_at", required=True))
    if written_at is None:  # required text: never; says so to the type checker
        raise _Malformed("written_at is missing")

    def day_of_record(text: str) -> str:
        return dated(text, written_at, now)

    interval = top.number("interval_seconds")
    state = status.text("state", required=True)
    stopped = status.get("stopped", state == "error")  # a record without it: its state says
    if not isinstance(stopped, bool):
        raise _Malformed("status.stopped is not true/false")
    summary = day_of_record(status.text("summary"))
    reasons = tuple(map(day_of_record, _texts(status.get("reasons", []), "status.reasons")))
    last_success = from_iso(top.get("last_success"))
    counts = _Obj(status.get("counts", {}), "status.counts")
    oldest = status.get("oldest_unsynced")
    settings = _Obj(top.get("settings", {}), "settings")
    verdict, reason = classify(
        safe=safe,
        stopped=stopped,
        summary=summary,
        reasons=reasons,
        written_at=written_at,
        interval_seconds=interval,
        now=now,
        last_success=last_success,
    )
    return InstrumentRow(
        key=name,
        location=location,
        name=top.text("instrument", required=True),
        verdict=verdict,
        reason=reason,
        checked_at=now,
        computer=top.text("computer"),
        app_version=top.text("app_version"),
        state=state,
        summary=summary,
        reasons=reasons,
        written_at=written_at,
        last_run=from_iso(top.get("last_run")),
        last_success=last_success,
        next_run=from_iso(top.get("next_run")),
        interval_seconds=interval,
        counts={key: int(counts.number(key)) for key in COUNTS},
        oldest_unsynced=(
            _note(oldest, "oldest_unsynced", day_of_record) if oldest is not None else None
        ),
        waiting=_notes(status.get("waiting", []), "status.waiting", day_of_record),
        failed=_notes(status.get("failed", []), "status.failed", day_of_record),
        live=_notes(status.get("live", []), "status.live", day_of_record),
        settings=tuple((_cut(k), _cut(_plain(v))) for k, v in settings.items()),
        config_key=top.text("config"),
    )


# --- typed access to untrusted JSON ------------------------------------------------------------
class _Obj:
    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise _Malformed(f"{where} is not an object")
        self.value: dict[str, object] = value
        self.where = where

    def get(self, key: str, default: object = None) -> object:
        return self.value.get(key, default)

    def items(self) -> list[tuple[str, object]]:
        return list(self.value.items())[:LISTED_FILES]

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.value.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise _Malformed(f"{self.where}.{key} is not text")
        return _cut(value)

    def number(self, key: str) -> float:
        value = self.value.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise _Malformed(f"{self.where}.{key} is not a number of at least 0")
        return float(value)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _plain(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return "; ".join(_plain(v) for v in value[:LISTED_FILES])
    return "" if value is None else json.dumps(value)[:MAX_TEXT]


def _texts(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Malformed(f"{where} is not a list of text")
    return [_cut(v) for v in value[:LISTED_FILES]]


def _note(value: object, where: str, day_of_record: Callable[[str], str]) -> FileNote:
    obj = _Obj(value, where)
    return FileNote(
        path=obj.text("path", required=True),
        reason=day_of_record(obj.text("reason")),
        since=from_iso(obj.get("since")),
    )


def _notes(value: object, where: str, day_of_record: Callable[[str], str]) -> tuple[FileNote, ...]:
    if not isinstance(value, list):
        raise _Malformed(f"{where} is not a list")
    return tuple(_note(v, where, day_of_record) for v in value[:LISTED_FILES])
