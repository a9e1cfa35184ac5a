"""Progress of a run for people: throttled to at most ten events a second (thousands of small
files would otherwise mean thousands of events for the tray to draw), files and bytes from the
same totals."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from oeleo_gui.engine.events import FileProgress, Reporter

PROGRESS_INTERVAL = 0.1  # seconds: at most ten progress events a second


@dataclass
class Progress:
    """Throttled progress for the whole run (at most ten events a second, plus the last file).

    Files and bytes count the same thing: a file is done, with all its bytes, once it has been
    sent or has been given up for this run (waiting, failed), so "16 of 40 files" and "35 %"
    always agree."""

    reporter: Reporter
    file_count: int
    run_bytes_total: int
    clock: Callable[[], float] = time.monotonic
    run_bytes_done: int = 0
    file_index: int = 0
    files_done: int = 0
    _last: float = field(default=0.0)

    def start_file(self) -> None:
        self.file_index += 1

    def update(self, rel_path: str, done: int, total: int, *, force: bool = False) -> None:
        """`done` of the `total` bytes of the file being sent."""
        self._emit(rel_path, done, total, in_flight=done, force=force)

    def finish_file(self, rel_path: str, size: int) -> None:
        """The file is sent or given up for this run: its bytes count as done."""
        self.files_done += 1
        self.run_bytes_done += size
        self._emit(rel_path, size, size, in_flight=0, force=self.files_done >= self.file_count)

    def _emit(self, rel_path: str, done: int, total: int, *, in_flight: int, force: bool) -> None:
        now = self.clock()
        if not force and now - self._last < PROGRESS_INTERVAL:
            return
        self._last = now
        self.reporter.on_progress(
            FileProgress(
                rel_path=rel_path,
                bytes_done=done,
                bytes_total=total,
                file_index=self.file_index,
                file_count=self.file_count,
                run_bytes_done=self.run_bytes_done + in_flight,
                run_bytes_total=self.run_bytes_total,
                files_done=self.files_done,
            )
        )
