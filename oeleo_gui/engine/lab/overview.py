"""The lab overview's vocabulary: one row per instrument with its verdict (safe, behind, error,
silent, or an unreadable record) and the reason in words, and `classify`, the one rule that turns
what a status record says, and how old it is, into that verdict.

Rows carry text from records as text, cut to `format.MAX_TEXT`: whoever shows it escapes it.
`cells()` is the table in words that `oeleo-gui lab`, the web page and the tray all show; ages
and durations in it, in the reasons and in the tray's details all come from `duration_words`.
A record dated more than `CLOCK_TOLERANCE_SECONDS` ahead of this computer's clock cannot tell
whether its PC has gone silent: it is never "safe".
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
CLOCK_TOLERANCE_SECONDS = 300.0
"""A record dated further ahead than this was written by a PC whose clock runs ahead."""
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
    config_key: str = ""  # which configuration wrote it ("" before records had one)

    @property
    def files_not_copied(self) -> int:
        """Files not yet safely at the destination, whatever the reason: new or changed, still
        being written or held open, only a live copy there, or failing."""
        return sum(self.counts.get(k, 0) for k in ("not_copied", "waiting", "live", "failed"))

    @property
    def not_copied_text(self) -> str:
        """The "Not copied" column's number in words, by reason (the details' heading)."""
        return not_copied_words(self.counts)

    def cells(self) -> dict[str, str]:
        """The table's columns in words: the CLI, the web page and the tray show these."""
        oldest = ""
        if self.oldest_unsynced is not None:
            oldest = self.oldest_unsynced.path
            if self.oldest_unsynced.since is not None:
                oldest += f" ({ago(self.oldest_unsynced.since, self.checked_at)})"
        unreadable = self.verdict is Verdict.UNREADABLE
        return {
            "name": self.name,
            "verdict": self.verdict.label,
            "last_success": "" if unreadable else ago(self.last_success, self.checked_at),
            "not_copied": "" if unreadable else str(self.files_not_copied),
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
            "files_not_copied": self.files_not_copied,
            "not_copied_text": self.not_copied_text,
            "counts": dict(self.counts),
            "oldest_unsynced": oldest,
            "waiting": notes(self.waiting),
            "failed": notes(self.failed),
            "live": notes(self.live),
            "settings": [list(pair) for pair in self.settings],
            "config_key": self.config_key,
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


def duration_words(seconds: float) -> str:
    """`90` -> `2 min`, `5400` -> `1.5 h`, `94000` -> `26 h`, `200000` -> `2 days`: the lab
    overview's one way of saying an age or an interval (tenths of an hour only below 10 h)."""
    if 10 * 3600 <= seconds < 2 * 86400:
        return f"{round(seconds / 3600)} h"
    return format_duration(seconds)


def ago(moment: datetime | None, now: datetime) -> str:
    """`26 h ago`, `just now`, `never`; a moment ahead of `now` (a clock that runs ahead) says
    so instead of passing for "just now"."""
    if moment is None:
        return "never"
    seconds = (now - moment).total_seconds()
    if seconds < -CLOCK_TOLERANCE_SECONDS:
        return f"{duration_words(-seconds)} in the future"
    return "just now" if seconds < 60 else f"{duration_words(seconds)} ago"


def not_copied_words(counts: Mapping[str, int]) -> str:
    """`3 not copied: 1 new or changed, 1 being written, 1 failing` (only the reasons there)."""
    parts = [
        (counts.get("not_copied", 0), "new or changed"),
        (counts.get("waiting", 0), "being written or held open"),
        (counts.get("live", 0), "only a live copy there"),
        (counts.get("failed", 0), "failing"),
    ]
    total = sum(n for n, _ in parts)
    if not total:
        return "Not copied: none"
    return f"Not copied: {total} (" + ", ".join(f"{n} {what}" for n, what in parts if n) + ")"


def classify(
    *,
    safe: bool,
    stopped: bool,
    summary: str,
    reasons: Sequence[str],
    written_at: datetime | None,
    interval_seconds: float,
    now: datetime,
    last_success: datetime | None = None,
) -> tuple[Verdict, str]:
    """The verdict and its reason in words: error when copying has stopped (the last run
    stopped, the setup cannot work), behind when files wait or fail while the rest is copied.
    Silence wins: a record older than twice its interval says nothing about now. A record
    dated ahead of `now` (its PC's clock runs ahead) could never fall silent, and one that says
    safe without any successful run contradicts itself: neither is safe."""
    said = reasons[0] if reasons else summary
    age = (now - written_at).total_seconds() if written_at is not None else float("inf")
    interval = max(interval_seconds, MIN_INTERVAL_SECONDS)
    if age > SILENT_FACTOR * interval:
        reason = (
            f"No report for {duration_words(age)} (expected every "
            f"{duration_words(interval_seconds)}): the PC may be off, oeleo-gui closed or the "
            "network down."
        )
        return Verdict.SILENT, reason + (f" Last report: {said}" if said else "")
    if age < -CLOCK_TOLERANCE_SECONDS:
        reason = (
            f"This PC's clock is ahead by {duration_words(-age)}; its silence cannot be judged "
            "until the clock is set right (Windows: Settings > Time & language > Sync now)."
        )
        return Verdict.BEHIND, reason + (f" Last report: {said}" if said else "")
    if stopped:
        return Verdict.ERROR, said or "copying has stopped"
    if safe and last_success is None:
        return Verdict.BEHIND, (
            "The record says all is copied but names no successful run; check oeleo-gui on that PC."
        )
    if safe:
        return Verdict.SAFE, summary or "all files copied"
    return Verdict.BEHIND, said or "files are waiting to be copied"
