"""Upstream's `SimpleScheduler`: run a worker every `run_interval_time` seconds, a fixed number
of times, then close it.

Waits on a cancel token, so `stop()` (from another thread, or a signal handler) ends the wait at
once; no sleep loop. A failing first check is logged and the runs go on; a run that loses the
destination reports it in its `RunSummary` and the next run tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from oeleo_gui.api.worker import Worker
from oeleo_gui.engine.errors import OeleoError
from oeleo_gui.engine.events import CancelToken, RunSummary

log = logging.getLogger(__name__)


class SimpleScheduler:
    def __init__(
        self,
        worker: Worker,
        run_interval_time: float = 43200,
        max_run_intervals: int = 1000,
        update_db: bool = True,
        force: bool = False,
        add_check: bool = False,
        additional_filters: Iterable[tuple[str, Any]] | None = None,
    ) -> None:
        self.worker = worker
        self.run_interval_time = run_interval_time
        self.max_run_intervals = max_run_intervals
        self.update_db = update_db
        self.force = force
        self.add_check = add_check
        self.additional_filters = list(additional_filters or [])
        self.summaries: list[RunSummary] = []
        self._stop = CancelToken()

    def start(self) -> list[RunSummary]:
        """Run until `max_run_intervals` runs are done or `stop()`; returns every run's summary."""
        worker = self.worker
        worker.connect_to_db()
        if self.add_check:
            try:
                worker.check(
                    update_db=self.update_db,
                    force=self.force,
                    additional_filters=self.additional_filters,
                )
            except OeleoError as exc:  # upstream's loop died here; the runs still can work
                log.error("the check before the first run failed: %s", exc)
        try:
            while not self._stop.is_cancelled:
                worker.filter_local(additional_filters=self.additional_filters)
                summary = worker.run()
                self.summaries.append(summary)
                if summary.error:
                    log.warning("run stopped (%s); trying again next interval", summary.error)
                if len(self.summaries) >= self.max_run_intervals:
                    break
                worker.status = ("state", "sleep")
                if self._stop.wait(self.run_interval_time):
                    break
        finally:
            worker.close()
        return self.summaries

    def stop(self) -> None:
        """End the schedule: the wait ends now, a run in progress after its current chunk."""
        self._stop.cancel()
        self.worker.stop()
