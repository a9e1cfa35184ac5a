"""Is a file still being written, and has it waited long enough for a live copy? Pure rules.

A file modified less than `settle_seconds` ago is still being written, so a one-shot write (an
export, a file dropped from a USB stick) is never copied half-done. But instruments write one
file for days: a file that keeps changing for longer than `max_wait_seconds` (counted from the
run that first saw it waiting, or from its last live copy) gets a verified live copy anyway.
A file stamped in the future (instrument PCs' clocks drift; files come from other machines)
counts as settled once its size and modification time did not change since the previous run:
it would otherwise wait until that date. Only then: for a file stamped in the past, runs a
moment apart (Sync now twice, a watched folder) prove nothing, and its age decides.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from oeleo_gui.engine.bookkeeping.rows import FileStateRow
from oeleo_gui.engine.events import FileState
from oeleo_gui.engine.scanner import LocalFile
from oeleo_gui.engine.units import when_text


class Settle(StrEnum):
    SETTLED = "settled"
    WAITING = "waiting"  # still being written: wait for a later run
    LIVE_DUE = "live due"  # still being written, but for too long: take a live copy now


class SettleDecision(NamedTuple):
    verdict: Settle
    reason: str


def unchanged_since_last_run(f: LocalFile, state: FileStateRow | None) -> bool:
    return (
        state is not None
        and state.seen_size == f.size
        and state.seen_mtime_ns == f.mtime_ns
        and state.state in (FileState.WAITING, FileState.LIVE, FileState.HELD_OPEN)
    )


def changing_since(state: FileStateRow | None) -> datetime | None:
    """Where the maximum wait counts from: the last live copy, else the first waiting run."""
    if state is None or state.state not in (FileState.WAITING, FileState.LIVE):
        return None
    return state.live_copied_at or state.waiting_since


def decide_settle(
    f: LocalFile,
    state: FileStateRow | None,
    *,
    now: float,
    settle_seconds: float,
    max_wait_seconds: float,
) -> SettleDecision:
    age = now - f.mtime
    if age >= settle_seconds or (age < 0 and unchanged_since_last_run(f, state)):
        return SettleDecision(Settle.SETTLED, "")
    start = changing_since(state)
    if max_wait_seconds > 0 and start is not None:
        changing_for = now - start.timestamp()
        if changing_for >= max_wait_seconds:
            return SettleDecision(
                Settle.LIVE_DUE,
                f"still being written after {_minutes(changing_for)}: live copy",
            )
    if age < 0:
        when = "in the future (is the clock of the PC that wrote it ahead?)"
    else:
        when = f"{age:.0f} s ago"
    reason = (
        f"modified {when}; waiting until it is {settle_seconds:.0f} s old, "
        "in case it is still being written"
    )
    if state is not None and state.state is FileState.LIVE and state.live_copied_at:
        now_dt = datetime.fromtimestamp(now)
        reason = f"still being written; live copy at {when_text(state.live_copied_at, now_dt)}"
    return SettleDecision(Settle.WAITING, reason)


def _minutes(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
