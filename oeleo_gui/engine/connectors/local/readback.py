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
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

from oeleo_gui.engine.fileio.hashing import READ_CHUNK

HANDOVER_BYTES = 1024 * 1024
MAX_HANDOVERS_IN_FLIGHT = 8  # megabytes of source chunks waiting to be hashed, at most


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


class ChunkHasher:
    """The MD5 of the source, taken over from the copy loop: the chunks the loop wrote are
    hashed, in order, on a worker thread, so reading, hashing and reading back run side by
    side. Chunks are handed over a megabyte at a time (a handover costs more than hashing 64 kB),
    and the copy waits when the hashing falls behind, so memory stays flat whatever the size.
    """

    def __init__(self, executor: ThreadPoolExecutor, digest: hashlib._Hash) -> None:
        self._executor = executor
        self._digest = digest
        self._chunks: list[bytes] = []
        self._size = 0
        self._in_flight: deque[Future[None]] = deque()

    def update(self, chunk: bytes) -> None:
        self._chunks.append(chunk)
        self._size += len(chunk)
        if self._size >= HANDOVER_BYTES:
            self._hand_over()

    def hexdigest(self) -> str:
        self._hand_over()
        while self._in_flight:
            self._in_flight.popleft().result()
        return self._digest.hexdigest()

    def _hand_over(self) -> None:
        if self._chunks:
            chunks, self._chunks, self._size = self._chunks, [], 0
            self._in_flight.append(self._executor.submit(self._hash, chunks))
            if len(self._in_flight) > MAX_HANDOVERS_IN_FLIGHT:
                self._in_flight.popleft().result()

    def _hash(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self._digest.update(chunk)


class ReadBackWorker:
    """A connector's two worker threads for large files, made on first use: one reads back what
    was written, one hashes the source chunks the copy loop hands over."""

    def __init__(self) -> None:
        self._readers: ThreadPoolExecutor | None = None
        self._hashers: ThreadPoolExecutor | None = None

    def start(self, path: str) -> ReadBack:
        if self._readers is None:
            self._readers = ThreadPoolExecutor(1, thread_name_prefix="oeleo-readback")
        return ReadBack(self._readers, path)

    def hasher(self, digest: hashlib._Hash) -> ChunkHasher:
        """Go on with `digest` (what the copy loop hashed so far) on the hashing thread."""
        if self._hashers is None:
            self._hashers = ThreadPoolExecutor(1, thread_name_prefix="oeleo-hash")
        return ChunkHasher(self._hashers, digest)

    def shutdown(self) -> None:
        for executor in (self._readers, self._hashers):
            if executor is not None:
                executor.shutdown(wait=True)
        self._readers = self._hashers = None
