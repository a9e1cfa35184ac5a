"""Reading back what a copy wrote, on a second core, while the copy goes on.

Verifying a copy means hashing every byte twice: the source while copying, the written file
afterwards. For large files that second pass would double the time of a run, so a worker
thread follows the copy through the temporary file (hashlib and file reads release the GIL)
and its MD5 is ready when the copy ends. The reader uses its own file descriptor, so what it
hashes is what the file system hands back, not the copier's buffer. The flush to disk still
happens before the temporary file is renamed into place.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import Future, ThreadPoolExecutor

from oeleo_gui.engine.checksum import READ_CHUNK


class ReadBack:
    """One temporary file being read back; `advance` as bytes are written, then `finish`."""

    def __init__(self, executor: ThreadPoolExecutor, path: str) -> None:
        self._executor = executor
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        self._digest = hashlib.md5(usedforsecurity=False)
        self._done = 0
        self._error: OSError | None = None

    def advance(self, written: int) -> None:
        """Hash the file up to `written` bytes, in the worker, after what was asked before."""
        self._executor.submit(self._hash_upto, written)

    def finish(self) -> Future[tuple[int, str]]:
        """Hash to the end and close; the future gives (bytes read, MD5 hex digest)."""
        return self._executor.submit(self._final)

    def abandon(self) -> None:
        """Stop and close the descriptor (Windows cannot delete a file that is still open)."""
        self._executor.submit(self._close).result()

    def _hash_upto(self, limit: int) -> None:
        try:
            while self._error is None and self._done < limit:
                chunk = os.read(self._fd, min(READ_CHUNK, limit - self._done))
                if not chunk:
                    return  # shorter than written: `_final` reports the size that arrived
                self._digest.update(chunk)
                self._done += len(chunk)
        except OSError as exc:
            self._error = exc  # raised by `_final`, where the caller waits for the result

    def _final(self) -> tuple[int, str]:
        try:
            if self._error is not None:
                raise self._error
            while chunk := os.read(self._fd, READ_CHUNK):
                self._digest.update(chunk)
                self._done += len(chunk)
            return self._done, self._digest.hexdigest()
        finally:
            self._close()

    def _close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class ReadBackWorker:
    """The one worker thread a connector uses for its read-backs (made on first use)."""

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None

    def start(self, path: str) -> ReadBack:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="oeleo-readback")
        return ReadBack(self._executor, path)

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
