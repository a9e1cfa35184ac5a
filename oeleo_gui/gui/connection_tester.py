"""*Test connection* for the settings dialog: `engine.connection_test` off the GUI thread.

`ConnectionTester` runs each test as a `BackgroundJob` and reports in words (`status_changed`)
and as the engine's `ConnectionResult` (`tested`). An unknown SSH host key is trusted only when
`ask_trust(info)` says so, then the test runs again; a changed key is only reported. `abandon()`
drops a running test's result at once and never waits for it: a server that accepts the
connection and never answers cannot freeze the dialog, and its thread ends with the timeout.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from oeleo_gui.engine.connection_test import (
    ConnectionResult,
    HostKeyInfo,
    test_connection,
    trust_host,
)
from oeleo_gui.engine.errors import OeleoError
from oeleo_gui.engine.settings.config import Settings
from oeleo_gui.gui.background import BackgroundJob
from oeleo_gui.gui.setting_field import in_field_words

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class TestStatus:
    """One line for the dialog's status label: ok True/False, None while it is going."""

    __test__ = False  # not a pytest test class

    ok: bool | None
    message: str
    warning: bool = False


def run_connection_test(settings: Settings, trust: HostKeyInfo | None) -> ConnectionResult:
    """One blocking connection test (trusting a host key first if asked); never raises."""
    if trust is not None:
        try:
            path = trust_host(trust)
        except OeleoError as exc:
            return ConnectionResult(ok=False, message=f"{exc.title} {exc.hint}".strip())
        log.info("Trusted %s for %s in %s", trust.fingerprint, trust.host, path)
    return test_connection(settings)


class ConnectionTester(QObject):
    """Runs connection tests one at a time in the background, for one dialog."""

    status_changed = Signal(object)  # TestStatus
    tested = Signal(object)  # ConnectionResult, after its status was shown
    finished = Signal()  # the test (with any host-key question) is over, or was abandoned

    def __init__(
        self, ask_trust: Callable[[HostKeyInfo], bool], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._ask_trust = ask_trust
        self._settings: Settings | None = None
        self.job: BackgroundJob[ConnectionResult] | None = None

    @property
    def is_running(self) -> bool:
        """A test was started and its result has not arrived yet."""
        return self.job is not None and self.job.is_pending

    def start(self, settings: Settings, trust: HostKeyInfo | None = None) -> None:
        self.abandon()
        self._settings = settings
        if trust is None:
            self.status_changed.emit(TestStatus(ok=None, message="Testing the connection…"))
        self.job = BackgroundJob(
            lambda: run_connection_test(settings, trust),
            self._on_job_done,
            on_error=lambda exc: ConnectionResult(ok=False, message=f"Unexpected error: {exc}"),
            name="settings-connection-test",
        ).start()

    def abandon(self) -> None:
        """Forget a running test: its result is dropped, its thread is not waited for."""
        if self.is_running:
            assert self.job is not None  # noqa: S101 - for the type checker
            self.job.abandon()
            log.info("Test connection abandoned before the destination answered")
            self.finished.emit()

    def _on_job_done(self, result: ConnectionResult) -> None:
        self.job = None  # delivered: nothing left to abandon
        info = result.host_key
        message = in_field_words(result.message)
        changed = info is not None and info.changed
        self.status_changed.emit(TestStatus(ok=result.ok, message=message, warning=changed))
        self.tested.emit(result)
        if info is not None and not info.changed and self._settings is not None:
            if self._ask_trust(info):
                self.status_changed.emit(
                    TestStatus(ok=None, message="Trusting the host key and testing again…")
                )
                self.start(self._settings, trust=info)
                return
            self.status_changed.emit(
                TestStatus(ok=False, message=message + " The key was not trusted; nothing stored.")
            )
        self.finished.emit()
