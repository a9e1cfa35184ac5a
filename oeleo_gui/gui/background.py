"""`BackgroundJob`: one blocking call on a plain Python thread, its result handed to the GUI thread.

For the dialogs' short jobs (test a connection, count the files a filter selects): the engine
thread is kept for runs, and these must never wait for a run nor make a run wait. A job can be
*abandoned*: its result is then dropped in the GUI thread, and nobody waits for its thread. That
is what Cancel does while a server takes its time to answer: the window closes at once and the
thread ends by itself when the call returns (a connection timeout, a closed socket).

The result travels through a relay QObject owned by the application (not by Python), so a relay
is deleted in the GUI thread after delivery, whatever thread drops the last Python reference.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")


@contextmanager
def collector_held_off() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector while a background job builds many objects.

    Building 100 000 records sets off several full collections, and each one stops every
    thread, the GUI's too, for a few hundred milliseconds. Records without cycles are freed by
    reference counting anyway; collection resumes afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Relay(QObject):
    """Lives in the GUI thread; `delivered` is emitted from the job's thread (queued here)."""

    delivered = Signal(object)

    def __init__(self, on_result: Callable[[object], None]) -> None:
        super().__init__(QCoreApplication.instance())
        self._on_result = on_result
        self.delivered.connect(self._on_delivered, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _on_delivered(self, result: object) -> None:
        try:
            self._on_result(result)
        finally:
            self.deleteLater()


class BackgroundJob(Generic[T]):
    """Runs `call()` on a daemon thread; `on_done(result)` runs in the GUI thread unless abandoned.

    `call` must not raise (an exception is logged and reported as `on_error(exc)`'s result).
    """

    def __init__(
        self,
        call: Callable[[], T],
        on_done: Callable[[T], None],
        *,
        on_error: Callable[[Exception], T],
        name: str,
    ) -> None:
        self._call = call
        self._on_done = on_done
        self._on_error = on_error
        self._abandoned = threading.Event()
        self._delivered = False
        self._relay = _Relay(self._deliver)
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> BackgroundJob[T]:
        self.thread.start()
        return self

    def abandon(self) -> None:
        """Drop the result when it comes; never waits for the thread."""
        self._abandoned.set()

    @property
    def is_abandoned(self) -> bool:
        return self._abandoned.is_set()

    @property
    def is_running(self) -> bool:
        """The thread still runs (it may have handed over its result already)."""
        return self.thread.is_alive()

    @property
    def is_pending(self) -> bool:
        """Its result has not reached the GUI thread yet, and nobody gave up on it."""
        return not self._delivered and not self._abandoned.is_set()

    def _run(self) -> None:
        try:
            result = self._call()
        except Exception as exc:  # a thread must report, never die silently
            log.exception("%s failed", self.thread.name)
            result = self._on_error(exc)
        try:  # also when abandoned: the relay is deleted in the GUI thread on delivery
            self._relay.delivered.emit(result)
        except RuntimeError:  # the application (and with it the relay) is already gone
            log.debug("%s finished after the application closed", self.thread.name)

    def _deliver(self, result: object) -> None:
        self._delivered = True
        if not self._abandoned.is_set():
            self._on_done(result)  # type: ignore[arg-type]
