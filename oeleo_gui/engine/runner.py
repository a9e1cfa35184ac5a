"""The log-only scheduler loop, for `oeleo-gui sync --loop`, `--headless` and PCs without a tray.

Waits with the cancel token (Ctrl+C or a stop request ends the wait at once), never a sleep loop.
Errors of one run are reported and the loop goes on: the next run picks up where it stopped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from oeleo_gui.engine.events import CancelToken, NullReporter, Reporter, RunSummary
from oeleo_gui.engine.scheduler import Schedule
from oeleo_gui.engine.worker import Engine

log = logging.getLogger(__name__)


def run_loop(
    engine: Engine,
    *,
    cancel: CancelToken,
    reporter: Reporter | None = None,
    clock: Callable[[], float] = time.time,
    on_summary: Callable[[RunSummary], None] | None = None,
) -> list[RunSummary]:
    """Run on the OA_* schedule until the run limit or a cancel; returns every run's summary."""
    schedule = Schedule.from_settings(engine.settings)
    reporter = reporter or NullReporter()
    summaries: list[RunSummary] = []
    if schedule.check_first and not cancel.is_cancelled:
        try:
            report = engine.check(update_db=True, cancel=cancel)
            log.info(
                "check before the first run: %d out of sync, %d missing",
                len(report.out_of_sync),
                len(report.missing),
            )
        except Exception as exc:  # a failed check must not stop the schedule (upstream bug 12)
            log.error("the check before the first run failed: %s", exc)
    last_started: float | None = None
    while schedule.has_more_runs(len(summaries)) and not cancel.is_cancelled:
        wait = schedule.next_run_at(last_started, clock()) - clock()
        if wait > 0:
            log.info("next run in %.0f s", wait)
            if cancel.wait(wait):
                break
        last_started = clock()
        summary = engine.sync(reporter, cancel)
        summaries.append(summary)
        if on_summary is not None:
            on_summary(summary)
    return summaries
