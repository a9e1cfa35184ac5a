"""What the command line prints: a summary a technician can read, a progress bar on a
terminal, and JSON for scripts (dataclasses, dates, enums and paths made plain)."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from oeleo_gui.engine.errors import visible
from oeleo_gui.engine.events import FileProgress, FileResult, NullReporter, Outcome, RunSummary
from oeleo_gui.engine.units import format_size, iso_time

LISTED_COPIES = 20


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def print_json(value: Any) -> None:
    print(json.dumps(_jsonable(value), indent=2, ensure_ascii=False))


class TerminalReporter(NullReporter):
    """A one-line progress bar on stderr when it is a terminal; file failures always."""

    def __init__(self, *, bar: bool) -> None:
        self.bar = bar and sys.stderr.isatty()
        self._drawn = False

    def on_progress(self, event: FileProgress) -> None:
        if not self.bar:
            return
        width = 30
        filled = width * event.percent // 100
        name = visible(event.rel_path)[-40:]
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {event.percent:3d}% "
            f"{min(event.files_done, event.file_count)}/{event.file_count} {name:<40}"
        )
        sys.stderr.flush()
        self._drawn = True

    def on_file_done(self, result: FileResult) -> None:
        if result.outcome is Outcome.FAILED:
            self._clear()
            print(f"failed: {visible(result.rel_path)}: {visible(result.reason)}", file=sys.stderr)

    def on_run_finished(self, summary: RunSummary) -> None:
        self._clear()

    def _clear(self) -> None:
        if self._drawn:
            sys.stderr.write("\r" + " " * 90 + "\r")
            self._drawn = False


def print_summary(summary: RunSummary) -> None:
    """The run in a technician's words; names are shown with their control characters named,
    so a name with a line break cannot print as a line of its own."""
    if summary.skipped:
        print(f"{summary.kind}: {summary.one_line()}.")
        return
    verb = "would copy" if summary.would_copy else "copied"
    copied = format_size(summary.bytes_copied, "-")
    # the error is said once, below, not inside this line as well
    head = dataclasses.replace(summary, error="").one_line() if summary.error else None
    head = f"{head}, stopped" if head else summary.one_line()
    print(f"{summary.kind}: {head} ({copied}, {summary.duration:.1f} s)")
    for r in summary.would_copy:
        print(f"  {verb}: {visible(r.rel_path)}  ({visible(r.reason)})")
    # Every file kept aside is named; plain copies only up to a screenful (the rest are in the
    # log and in `oeleo-gui files`), so a first run of 20 000 files stays readable.
    plain = [r for r in summary.copied if not r.moved_aside]
    for r in summary.copied:
        if r.moved_aside:
            kept = visible(r.moved_aside)
            print(f"  copied: {visible(r.rel_path)}  [kept the destination's old file as {kept}]")
    for r in plain[:LISTED_COPIES]:
        print(f"  copied: {visible(r.rel_path)}")
    if len(plain) > LISTED_COPIES:
        print(f"  … and {len(plain) - LISTED_COPIES} more (see `oeleo-gui files` or the log)")
    for r in summary.live:
        why = visible(r.reason)
        print(f"  live copy: {visible(r.rel_path)}  ({why}; the file is still being written)")
    for r in summary.settling + summary.busy:
        print(f"  waiting: {visible(r.rel_path)}  ({visible(r.reason)})")
    for r in summary.failed:
        print(f"  FAILED: {visible(r.rel_path)}  ({visible(r.reason)})")
    if summary.error:
        print(f"ERROR: {summary.error}")
        if summary.error_hint:
            print(f"       {summary.error_hint}")
