"""Making a folder destination's writes durable before anything is renamed into place.

On Linux one `syncfs` flushes a whole batch (data and metadata) at once, far cheaper than an
fsync per file and folder; elsewhere each file and folder is fsynced. Because a batch's
flush waits for the disk, `FlushAhead` starts flushes in the background while files are still
being copied, so the flush that must finish before the renames finds little left to write.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from oeleo_gui.engine.fileio.flush import HAS_SYNCFS, syncfs

FLUSH_AHEAD_FILES = 200  # start a background flush after this many files…
FLUSH_AHEAD_BYTES = 64 * 1024 * 1024  # …or this many bytes written since the last one


class FlushAhead:
    """Background `syncfs` calls while a batch is copied; `flush` is the one that must finish.

    An error of a background flush (EIO, a full disk) is kept and raised by the next `flush`,
    which the batch's verification calls: the whole batch is then discarded and nothing of it
    is renamed into place (a later `syncfs` may no longer report a write-back that failed)."""

    def __init__(self, folder: str | Path) -> None:
        self._folder = folder
        self._executor: ThreadPoolExecutor | None = None
        self._running: Future[None] | None = None
        self._failed: BaseException | None = None
        self._files = 0
        self._bytes = 0

    def wrote(self, size: int) -> None:
        """One more file written; starts a background flush when enough has piled up."""
        if not HAS_SYNCFS:
            return
        self._files += 1
        self._bytes += size
        if self._files < FLUSH_AHEAD_FILES and self._bytes < FLUSH_AHEAD_BYTES:
            return
        if self._running is not None:
            if not self._running.done():
                return  # the running flush will be followed by another one soon enough
            self._failed = self._failed or self._running.exception()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="oeleo-flush")
        self._running = self._executor.submit(syncfs, self._folder)
        self._files = self._bytes = 0

    def flush(self) -> None:
        """Everything written so far is on disk when this returns (Linux: one `syncfs`)."""
        running, self._running = self._running, None
        failed, self._failed = self._failed, None
        if running is not None:
            failed = failed or running.exception()
        self._files = self._bytes = 0
        if failed is not None:
            raise failed
        if HAS_SYNCFS:
            syncfs(self._folder)

    def close(self) -> None:
        running, self._running = self._running, None
        if running is not None:
            running.exception()  # wait; the run is over, its outcome was already decided
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
