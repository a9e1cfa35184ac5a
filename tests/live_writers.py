"""Threads that write a file the way instruments do, for the live-copy tests: appending lines
(CSV loggers, BioLogic, Maccor) or rewriting blocks in place (Arbin's Access database).

Each writer counts its writes under a condition, so a test can wait — with a deadline, never a
fixed sleep — until the file changed since it last looked."""

from __future__ import annotations

import os
import random
import threading
from pathlib import Path

WAIT_DEADLINE = 10.0


class _Writer:
    def __init__(self, path: Path, period: float) -> None:
        self.path = path
        self.period = period
        self.writes = 0
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._writing = threading.Lock()  # held while one write is made and counted
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=WAIT_DEADLINE)
        assert not self._thread.is_alive(), "the writer thread did not stop"

    def pause(self) -> None:
        """Stop writing; returns once the write in progress (if any) is finished and counted."""
        self._paused.set()
        with self._writing:
            pass

    def resume(self) -> None:
        self._paused.clear()

    def wait_for_write(self, after: int | None = None) -> int:
        """Wait until the file was written more than `after` times (default: now); the count."""
        with self._changed:
            target = self.writes if after is None else after
            if not self._changed.wait_for(lambda: self.writes > target, WAIT_DEADLINE):
                raise AssertionError("the writer wrote nothing within the deadline")
            return self.writes

    def _loop(self) -> None:
        while not self._stop.wait(self.period):
            with self._writing:
                if self._paused.is_set():
                    continue
                self.write_once()
                with self._changed:
                    self.writes += 1
                    self._changed.notify_all()

    def write_once(self) -> None:
        raise NotImplementedError


class Appender(_Writer):
    """Appends a line every `period` seconds (after `prefill` bytes written at once)."""

    def __init__(self, path: Path, *, period: float = 0.01, prefill: int = 0) -> None:
        super().__init__(path, period)
        line = b"0,0.000000,3.712,0.0015\n"
        path.write_bytes(line * (prefill // len(line) + 1))

    def write_once(self) -> None:
        with open(self.path, "ab") as fh:
            fh.write(f"{self.writes},{self.writes * 0.1:.6f},3.712,0.0015\n".encode())


class BlockRewriter(_Writer):
    """Rewrites a random 4 KB block of a fixed-size file in place every `period` seconds and
    remembers every write, so `is_a_state` can tell whether some bytes are a state the file
    really had (after some number of writes), or a torn mix of several."""

    BLOCK = 4096

    def __init__(self, path: Path, *, blocks: int = 512, period: float = 0.05) -> None:
        super().__init__(path, period)
        self.blocks = blocks
        self._random = random.Random(4711)
        self._initial = os.urandom(blocks * self.BLOCK)
        path.write_bytes(self._initial)
        self._log: list[tuple[int, bytes]] = []  # (block, new content), in write order
        self._log_lock = threading.Lock()

    def write_once(self) -> None:
        block = self._random.randrange(self.blocks)
        data = os.urandom(self.BLOCK)
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.pwrite(fd, data, block * self.BLOCK)
        finally:
            os.close(fd)
        with self._log_lock:
            self._log.append((block, data))

    def is_a_state(self, data: bytes) -> bool:
        """True when `data` is the file after its first k writes, for some k."""
        if len(data) != len(self._initial):
            return False
        with self._log_lock:
            log = list(self._log)
        # For each block, the write counts k at which it held what `data` holds there: the
        # bytes are a state when one k fits every block.
        low, high = 0, len(log)
        history: dict[int, list[tuple[int, bytes]]] = {}
        for k, (block, content) in enumerate(log, start=1):
            history.setdefault(block, []).append((k, content))
        for block in range(self.blocks):
            piece = data[block * self.BLOCK : (block + 1) * self.BLOCK]
            versions = [(0, self._initial[block * self.BLOCK : (block + 1) * self.BLOCK])]
            versions += history.get(block, [])
            fits = [
                (start, versions[i + 1][0] - 1 if i + 1 < len(versions) else len(log))
                for i, (start, content) in enumerate(versions)
                if content == piece
            ]
            if not fits:
                return False
            start, end = fits[-1]
            low, high = max(low, start), min(high, end)
            if low > high:
                return False
        return True
