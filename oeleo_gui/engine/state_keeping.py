"""From one run's results to the per-file states kept for the next runs (`file_state` table).

Pure: the worker passes what the run saw and the states it started with, and writes what this
returns. A waiting file keeps the time it first waited (the maximum wait counts from it), a
held-open or failing file the time that began, and a live copy its time; a file copied in its
final version loses its state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from oeleo_gui.engine.bookkeeping.rows import FileStateRow
from oeleo_gui.engine.events import FileResult, FileState, Outcome
from oeleo_gui.engine.scanner import LocalFile
from oeleo_gui.engine.units import when_text

_STATE_OF = {
    Outcome.SETTLING: FileState.WAITING,
    Outcome.BUSY: FileState.HELD_OPEN,
    Outcome.FAILED: FileState.FAILED,
    Outcome.LIVE_COPIED: FileState.LIVE,
}


def next_states(
    results: Iterable[FileResult],
    previous: Mapping[str, FileStateRow],
    seen: Mapping[str, LocalFile],
    now: datetime,
) -> tuple[list[FileStateRow], set[str]]:
    """The states to keep after a run, and the files whose state ends (copied finally)."""
    kept: list[FileStateRow] = []
    ended: set[str] = set()
    for r in results:
        old = previous.get(r.rel_path)
        if r.outcome is Outcome.COPIED:
            ended.add(r.rel_path)
            continue
        state = _STATE_OF.get(r.outcome)
        if state is None:
            continue
        f = seen.get(r.rel_path)
        kept.append(_row(r, state, old, f, now))
    return kept, ended


def _row(
    r: FileResult,
    state: FileState,
    old: FileStateRow | None,
    f: LocalFile | None,
    now: datetime,
) -> FileStateRow:
    changing = old is not None and old.state in (FileState.WAITING, FileState.LIVE)
    waiting_since = (old.waiting_since if changing and old else None) or now
    live_at = old.live_copied_at if old is not None else None
    since = old.since if old is not None and old.state is state and old.since else now
    if state is FileState.WAITING and old is not None and old.state is FileState.LIVE:
        state, since = FileState.LIVE, old.since or now  # between two live copies
    if state is FileState.LIVE and r.outcome is Outcome.LIVE_COPIED:
        live_at = since = now
    reason = r.reason
    if state is FileState.HELD_OPEN:
        reason = f"held open by another program since {when_text(since, now)}; not copied"
    elif state is FileState.LIVE and live_at is not None:
        reason = f"live copy at {when_text(live_at, now)}; still being written"
    failures = (old.failures if old is not None and old.state is FileState.FAILED else 0) + 1
    return FileStateRow(
        rel_path=r.rel_path,
        state=state,
        reason=reason,
        since=since,
        waiting_since=waiting_since if state in (FileState.WAITING, FileState.LIVE) else None,
        live_copied_at=live_at,
        seen_size=f.size if f is not None else r.size,
        seen_mtime_ns=f.mtime_ns if f is not None else None,
        failures=failures if state is FileState.FAILED else 0,
    )


def ended_in_choice(
    previous: Mapping[str, FileStateRow],
    kept: Iterable[FileStateRow],
    in_choice: Callable[[str], bool],
) -> set[str]:
    """The states a run narrowed to a script's choice ends: those of the chosen files it did
    not report. The others' states stay, so a file waiting meanwhile keeps the time it began
    to wait (its maximum wait is not restarted by every such run)."""
    reported = {s.rel_path for s in kept}
    return {rel for rel in previous if rel not in reported and in_choice(rel.rpartition("/")[2])}
