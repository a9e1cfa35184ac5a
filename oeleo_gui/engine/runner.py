"""The log-only scheduler loop, for `oeleo-gui sync --loop`, `--headless` and PCs without a tray.

Waits with the cancel token (Ctrl+C or a stop request ends the wait at once), never a sleep loop.
Errors of one run are reported and the loop goes on: the next run picks up where it stopped.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import datetime

from oeleo_gui.engine.bookkeeping.meta_keys import META_SCHEDULE
from oeleo_gui.engine.events import CancelToken, NullReporter, Reporter, RunSummary
from oeleo_gui.engine.scheduler import Schedule, ScheduleInfo
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
        next_at = schedule.next_run_at(last_started, clock())
        _announce(engine, schedule, next_at, runs_made=len(summaries))
        wait = next_at - clock()
        if wait > 0:
            log.info("next run in %.0f s", wait)
            if cancel.wait(wait):
                break
        last_started = clock()
        summary = engine.sync(reporter, cancel)
        summaries.append(summary)
        if on_summary is not None:
            on_summary(summary)
    limit_reached = not cancel.is_cancelled and not schedule.has_more_runs(len(summaries))
    if limit_reached and not schedule.single_run:
        log.warning(
            "made %d runs (OA_MAX_RUN_INTERVALS): no further run is scheduled", len(summaries)
        )
    _announce(engine, schedule, None, runs_made=len(summaries), ended=True, limit=limit_reached)
    return summaries


def _announce(
    engine: Engine,
    schedule: Schedule,
    next_at: float | None,
    *,
    runs_made: int,
    ended: bool = False,
    limit: bool = False,
) -> None:
    """Tell `status` that runs keep coming, and when the next one is — or that they stopped
    (see `ScheduleInfo`)."""
    info = ScheduleInfo(
        pid=os.getpid(),
        kind="loop",
        updated=datetime.now(),
        next_run=datetime.fromtimestamp(next_at) if next_at is not None else None,
        run_limit=0 if schedule.single_run else schedule.max_runs,
        runs_made=runs_made,
        limit_reached=limit and not schedule.single_run,
        ended=ended and not schedule.single_run,  # one run asked for: nothing was promised
    )
    try:
        engine.store.set_meta(META_SCHEDULE, info.to_json())
    except Exception as exc:  # the schedule goes on; `status` then judges by the last run
        log.debug("could not record the schedule: %s", exc)
