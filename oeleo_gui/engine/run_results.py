"""From what happened to each file in a run to what frontends and the log get: each file's
result (with since when it waits), the run's `RunSummary`, and one log record naming the files
not copied in their final version."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from oeleo_gui.engine.bookkeeping.rows import FileStateRow
from oeleo_gui.engine.errors import OeleoError, visible
from oeleo_gui.engine.events import FileResult, Outcome, RunKind, RunSummary
from oeleo_gui.engine.logsetup import NAMES_ESCAPED
from oeleo_gui.engine.planner import Decision

log = logging.getLogger("oeleo_gui.engine.worker")  # the run's records, where they always were


def log_not_copied(results: list[FileResult]) -> None:
    """One log record naming every file that waits, is held open or got a live copy (failures
    are logged where they happen), so the log says why a file is not at the destination."""
    words = {
        Outcome.SETTLING: "waiting",
        Outcome.BUSY: "held open",
        Outcome.LIVE_COPIED: "live copy",
    }
    lines = [
        f"{words[r.outcome]}: {visible(r.rel_path)} ({visible(r.reason)})"
        for r in results
        if r.outcome in words
    ]
    if lines:  # names escaped here: the record keeps its one line per file
        text = "\n  ".join(lines)
        log.info(
            "%d file(s) not copied in their final version:\n  %s",
            len(lines),
            text,
            extra=NAMES_ESCAPED,
        )


def with_state(result: FileResult, state: FileStateRow | None) -> FileResult:
    """A waiting, held-open or failing file's result says since when (and, held open, why)."""
    if state is None:
        return result
    reason = state.reason if result.outcome is Outcome.BUSY else result.reason
    return dataclasses.replace(result, since=state.since, reason=reason)


def result_for(d: Decision, outcome: Outcome, reason: str) -> FileResult:
    return FileResult(rel_path=d.file.rel_path, outcome=outcome, reason=reason, size=d.file.size)


def summarise(
    kind: RunKind,
    started: datetime,
    results: list[FileResult],
    counts: dict[str, int],
    error: OeleoError | None,
    cancelled: bool,
) -> RunSummary:
    def having(*outcomes: Outcome) -> tuple[FileResult, ...]:
        return tuple(r for r in results if r.outcome in outcomes)

    return RunSummary(
        kind=kind,
        started_at=started,
        finished_at=datetime.now(),
        copied=having(Outcome.COPIED),
        unchanged=counts["unchanged"],
        settling=having(Outcome.SETTLING),
        busy=having(Outcome.BUSY),
        locked=counts["locked"],
        failed=having(Outcome.FAILED),
        bytes_copied=counts["bytes"],
        error=error.title if error else "",
        error_hint=error.hint if error else "",
        cancelled=cancelled,
        would_copy=having(Outcome.WOULD_COPY),
        live=having(Outcome.LIVE_COPIED),
    )
