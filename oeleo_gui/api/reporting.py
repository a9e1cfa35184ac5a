"""What a worker tells its `reporter` during a run.

A reporter with the engine's `Reporter` methods (`on_run_started`, `on_progress`, `on_file_done`,
`on_run_finished`) gets the engine's records. One written for upstream (`report`, `status`,
`notify`, `should_die`) gets upstream's calls: `o` per copied file, `!` per failed one, `.` per
other; its `should_die()` cancels the run between chunks (never `sys.exit`, as upstream did).
"""

from __future__ import annotations

from typing import Any

from oeleo_gui.engine.events import (
    CancelToken,
    FileProgress,
    FileResult,
    NullReporter,
    Outcome,
    Reporter,
    RunStarted,
    RunSummary,
)

ENGINE_METHODS = ("on_run_started", "on_progress", "on_file_done", "on_run_finished")
MARKS = {Outcome.COPIED: "o", Outcome.FAILED: "!"}


def engine_reporter(reporter: Any, cancel: CancelToken) -> Reporter:
    """`reporter` as the engine's Reporter (an upstream-style one behind a bridge)."""
    if reporter is None:
        return NullReporter()
    if all(callable(getattr(reporter, name, None)) for name in ENGINE_METHODS):
        return reporter  # type: ignore[no-any-return]
    return UpstreamReporterBridge(reporter, cancel)


class UpstreamReporterBridge(NullReporter):
    """Feeds a reporter written for upstream oeleo from the engine's events."""

    def __init__(self, target: Any, cancel: CancelToken) -> None:
        self.target = target
        self.cancel = cancel

    def _call(self, name: str, *args: Any, **kwargs: Any) -> None:
        method = getattr(self.target, name, None)
        if callable(method):
            method(*args, **kwargs)

    def _stop_if_asked(self) -> None:
        should_die = getattr(self.target, "should_die", None)
        if callable(should_die) and should_die():
            self.cancel.cancel()

    def on_run_started(self, event: RunStarted) -> None:
        self._call("status", "run")

    def on_progress(self, event: FileProgress) -> None:
        self._stop_if_asked()

    def on_file_done(self, result: FileResult) -> None:
        self._call("report", MARKS.get(result.outcome, "."), same_line=True)
        self._stop_if_asked()

    def on_run_finished(self, summary: RunSummary) -> None:
        self._call("report", summary.one_line())
        if summary.error:
            self._call("notify", f"{summary.error} {summary.error_hint}".strip(), title="oeleo")
        self._call("status", "finished")
