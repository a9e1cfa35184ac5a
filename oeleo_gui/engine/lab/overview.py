"""The lab overview's vocabulary: one row per instrument with its verdict (safe, behind, error,
silent, or an unreadable record) and the reason in words, and `classify`, the one rule that turns
what a status record says, and how old it is, into that verdict.

Rows carry text from records as text, cut to `format.MAX_TEXT`: whoever shows it escapes it.
`cells()` is the table in words that `oeleo-gui lab`, the web page and the tray all show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from oeleo_gui.engine.lab.format import to_iso
from oeleo_gui.engine.units import format_duration

SILENT_FACTOR = 2.0
"""An instrument is silent when its record is older than this many of its intervals."""
MIN_INTERVAL_SECONDS = 300.0
"""The interval assumed for silence when an instrument runs (almost) continuously."""
COUNTS = ("matched", "copied", "waiting", "live", "failed", "locked", "not_copied")


class Verdict(StrEnum):
    SAFE = "safe"
    BEHIND = "behind"
    ERROR = "error"
    SILENT = "silent"
    UNREADABLE = "unreadable"

    @property
    def label(self) -> str:
        return "unreadable record" if self is Verdict.UNREADABLE else self.value

    @property
    def severity(self) -> int:
        """Sorting worst first: error, silent, unreadable, behind, safe."""
        return _SEVERITY[self]


_SEVERITY = {
    Verdict.ERROR: 0,
    Verdict.SILENT: 1,
    Verdict.UNREADABLE: 2,
    Verdict.BEHIND: 3,
    Verdict.SAFE: 4,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class FileNote:
    path: str
    reason: str = ""
    since: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InstrumentRow:
    """One instrument as its record says, with the verdict made at `checked_at`."""

    key: str  # the record's file name: unique in its folder
    location: str  # the status folder it was read from
    name: str
    verdict: Verdict
    reason: str  # one line of words: why this verdict
    checked_at: datetime
    computer: str = ""
    app_version: str = ""
    state: str = ""
    summary: str = ""
    reasons: tuple[str, ...] = ()
    written_at: datetime | None = None
    last_run: datetime | None = None
    last_success: datetime | None = None
    next_run: datetime | None = None
    interval_seconds: float = 0.0
    counts: Mapping[str, int] = field(default_factory=dict)
    oldest_unsynced: FileNote | None = None
    waiting: tuple[FileNote, ...] = ()
    failed: tuple[FileNote, ...] = ()
    live: tuple[FileNote, ...] = ()
    settings: tuple[tuple[str, str], ...] = ()  # (label, value) pairs, for the details

    @property
    def files_waiting(self) -> int:
        """Files not yet safely at the destination, whatever the reason: new or changed, still
        being written or held open, only a live copy there, or failing."""
        return sum(self.counts.get(k, 0) for k in ("not_copied", "waiting", "live", "failed"))

    def cells(self) -> dict[str, str]:
        """The table's columns in words: the CLI, the web page and the tray show these."""
        oldest = ""
        if self.oldest_unsynced is not None:
            oldest = self.oldest_unsynced.path
            if self.oldest_unsynced.since is not None:
                oldest += f" ({_ago(self.oldest_unsynced.since, self.checked_at)})"
        return {
            "name": self.name,
            "verdict": self.verdict.label,
            "last_success": _ago(self.last_success, self.checked_at),
            "waiting": str(self.files_waiting) if self.verdict is not Verdict.UNREADABLE else "",
            "oldest_unsynced": oldest,
            "reason": self.reason,
        }

    def to_json(self) -> dict[str, object]:
        def notes(items: Sequence[FileNote]) -> list[dict[str, object]]:
            return [{"path": n.path, "reason": n.reason, "since": to_iso(n.since)} for n in items]

        oldest = notes([self.oldest_unsynced])[0] if self.oldest_unsynced else None
        return {
            "key": self.key,
            "location": self.location,
            "name": self.name,
            "verdict": self.verdict.value,
            "severity": self.verdict.severity,
            "reason": self.reason,
            "computer": self.computer,
            "app_version": self.app_version,
            "state": self.state,
            "summary": self.summary,
            "reasons": list(self.reasons),
            "written_at": to_iso(self.written_at),
            "last_run": to_iso(self.last_run),
            "last_success": to_iso(self.last_success),
            "next_run": to_iso(self.next_run),
            "interval_seconds": self.interval_seconds,
            "files_waiting": self.files_waiting,
            "counts": dict(self.counts),
            "oldest_unsynced": oldest,
            "waiting": notes(self.waiting),
            "failed": notes(self.failed),
            "live": notes(self.live),
            "settings": [list(pair) for pair in self.settings],
            "cells": self.cells(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class LabOverview:
    """Every instrument found, worst first, and what could not be read at all."""

    checked_at: datetime
    rows: tuple[InstrumentRow, ...] = ()
    locations: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # a status folder that could not be read, in words

    @property
    def all_safe(self) -> bool:
        """True when there is at least one instrument and every one is safe."""
        return (
            bool(self.rows)
            and not self.problems
            and all(r.verdict is Verdict.SAFE for r in self.rows)
        )

    def to_json(self) -> dict[str, object]:
        return {
            "checked_at": to_iso(self.checked_at),
            "all_safe": self.all_safe,
            "locations": list(self.locations),
            "problems": list(self.problems),
            "instruments": [row.to_json() for row in self.rows],
        }


def _ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    seconds = (now - moment).total_seconds()
    return "just now" if seconds < 60 else f"{format_duration(seconds)} ago"


def classify(
    *,
    safe: bool,
    stopped: bool,
    summary: str,
    reasons: Sequence[str],
    written_at: datetime | None,
    interval_seconds: float,
    now: datetime,
) -> tuple[Verdict, str]:
    """The verdict and its reason in words: error when copying has stopped (the last run
    stopped, the setup cannot work), behind when files wait or fail while the rest is copied.
    Silence wins: a record older than twice its interval says nothing about now."""
    said = reasons[0] if reasons else summary
    age = (now - written_at).total_seconds() if written_at is not None else float("inf")
    interval = max(interval_seconds, MIN_INTERVAL_SECONDS)
    if age > SILENT_FACTOR * interval:
        reason = (
            f"No report for {format_duration(age)} (expected every "
            f"{format_duration(interval_seconds)}): the PC may be off, oeleo-gui closed or the "
            "network down."
        )
        return Verdict.SILENT, reason + (f" Last report: {said}" if said else "")
    if stopped:
        return Verdict.ERROR, said or "copying has stopped"
    if safe:
        return Verdict.SAFE, summary or "all files copied"
    return Verdict.BEHIND, said or "files are waiting to be copied"
