"""Fixtures for the tray tests: real folders, a real local destination, and a gate connector.

The gate wraps a `LocalConnector`: its progress callback stops after the first chunk of every
upload until the test opens the gate (or the run is cancelled), which makes "mid-copy"
deterministic. Every EngineThread and TrayApp made here is shut down and checked at teardown.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from oeleo_gui.engine.connectors.base import ProgressCallback, Upload, is_oeleo_path
from oeleo_gui.engine.connectors.local.connector import LocalConnector
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.settings.config import Settings, settings_from_values
from oeleo_gui.engine.worker import Engine

GATE_TIMEOUT = 10.0


class GateConnector(LocalConnector):
    """A local destination whose uploads pause after their first chunk until `open()`."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.entered = threading.Event()  # an upload is waiting at the gate
        self.gate = threading.Event()
        self.uploads_started: list[str] = []

    def open(self) -> None:
        self.gate.set()

    def upload_temp(
        self,
        source: str,
        rel_path: str,
        *,
        temp_rel_path: str,
        mtime: float,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Upload:
        if not is_oeleo_path(rel_path):  # the status record after the run is no data
            self.uploads_started.append(rel_path)
        self.temp_seen = self._path(temp_rel_path)

        def gated(done: int) -> None:
            self.entered.set()
            # Like a slow network chunk that honours cancel: wait for the gate or the cancel.
            deadline = time.monotonic() + GATE_TIMEOUT
            while not self.gate.wait(0.02):
                if cancel.is_cancelled or time.monotonic() > deadline:
                    break
            progress(done)

        return super().upload_temp(
            source,
            rel_path,
            temp_rel_path=temp_rel_path,
            mtime=mtime,
            progress=gated,
            cancel=cancel,
        )


@pytest.fixture
def src(tmp_path: Path) -> Path:
    path = tmp_path / "instrument"
    path.mkdir()
    return path


@pytest.fixture
def dst(tmp_path: Path) -> Path:
    path = tmp_path / "server"
    path.mkdir()
    return path


@pytest.fixture
def values(tmp_path: Path, src: Path, dst: Path) -> dict[str, str]:
    return {
        "OELEO_BASE_DIR_FROM": str(src),
        "OELEO_BASE_DIR_TO": str(dst),
        "OELEO_DESTINATION_TYPE": "local",
        "OELEO_FILTER_EXTENSION": ".res",
        "OELEO_DB_NAME": str(tmp_path / "oeleo.db"),
        "OELEO_LOG_DIR": str(tmp_path / "logs"),
        "OELEO_SETTLE_SECONDS": "0",
        "OA_FROM_YEAR": "2000",
        "OA_HOURS_SLEEP": "1",
        "OA_MAX_RUN_INTERVALS": "0",
    }


@pytest.fixture
def settings(values: dict[str, str]) -> Settings:
    return settings_from_values(values, env_file=None)


@pytest.fixture
def env_file(tmp_path: Path, values: dict[str, str]) -> Path:
    path = tmp_path / ".env"
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    return path


@pytest.fixture
def gate(dst: Path) -> Iterator[GateConnector]:
    connector = GateConnector(dst)
    yield connector
    connector.open()  # never leave an engine thread stuck at the gate


@pytest.fixture
def gated_factory(gate: GateConnector) -> Callable[[Settings], Engine]:
    def make(settings: Settings) -> Engine:
        return Engine(settings, connector=gate)

    return make


@pytest.fixture
def engine_thread(qtbot):  # type: ignore[no-untyped-def]
    """Makes EngineThreads (optionally with an engine factory); shuts each down and checks."""
    from oeleo_gui.gui.engine_thread import EngineThread

    made: list[EngineThread] = []

    def make(factory: Callable[[Settings], Engine] = Engine) -> EngineThread:
        thread = EngineThread(factory)
        made.append(thread)
        return thread

    yield make
    for thread in made:
        assert thread.shutdown(5_000), "the engine thread did not stop"
        assert thread.thread.isFinished()


@pytest.fixture
def make_tray_app(qtbot):  # type: ignore[no-untyped-def]
    """Makes TrayApps that never ask (confirm → answer) and never quit the test's QApplication."""
    from oeleo_gui.gui.tray_app import TrayApp

    made: list[TrayApp] = []

    def make(env_file: Path | None, **kwargs: object) -> TrayApp:
        kwargs.setdefault("confirm", lambda _question: True)
        app = TrayApp(env_file, **kwargs)  # type: ignore[arg-type]
        made.append(app)
        return app

    yield make
    for app in made:
        app.shutdown()
        assert app.engine.thread.isFinished(), "the engine thread did not stop"


@pytest.fixture
def judged(qtbot):  # type: ignore[no-untyped-def]
    """Waits until the verdicts the tray asked for (when a job ended, a pause changed...) have
    come from the engine thread, and returns the latest."""

    def wait(app):  # type: ignore[no-untyped-def]
        qtbot.waitUntil(lambda: not app.state.verdict_due, timeout=10_000)
        assert app.state.report is not None
        return app.state.report

    return wait
