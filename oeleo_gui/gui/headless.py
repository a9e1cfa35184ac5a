"""The schedule without a tray (a scheduled task at boot, a server, `--headless`): log-only runs.

Loads the configuration and hands it to the engine's loop (`engine.runner.run_loop`, the same
`engine.scheduler.Schedule` rules as the tray's QTimer): optional check first (OA_ADD_CHECK), a
run every OA_HOURS_SLEEP hours, OA_MAX_RUN_INTERVALS times or once (OA_SINGLE_RUN). Ctrl+C
cancels the token, which ends a wait at once and a copy cleanly. Must not import PySide6
(`oeleo_gui.gui.__init__` imports no Qt).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from oeleo_gui.engine import logsetup
from oeleo_gui.engine.errors import ConfigError
from oeleo_gui.engine.events import CancelToken, FileResult, NullReporter, Outcome
from oeleo_gui.engine.runner import run_loop
from oeleo_gui.engine.settings.config import Settings, load_settings
from oeleo_gui.engine.settings.paths import find_env_file
from oeleo_gui.engine.worker import Engine

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_RUN_FAILED = 1
EXIT_CONFIG = 2


class LogReporter(NullReporter):
    """Log-only reporting: the engine already logs each copy; add the waiting and failed files."""

    def on_file_done(self, result: FileResult) -> None:
        if result.outcome is Outcome.FAILED:
            log.warning("%s failed: %s", result.rel_path, result.reason)
        elif result.outcome.is_waiting:
            log.info("%s waits: %s", result.rel_path, result.reason)


def configure_logging(settings: Settings | None, *, console: bool) -> None:
    """The engine's log setup (rotating file, secrets masked); stderr too when headless."""
    if settings is None:
        if console and not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        return
    logsetup.configure_logging(settings.log_dir, secrets=settings.secrets(), console=console)


def run_schedule(
    settings: Settings,
    *,
    cancel: CancelToken | None = None,
    engine_factory: Callable[[Settings], Engine] = Engine,
) -> int:
    """The engine's log-only loop (`engine.runner.run_loop`) for these settings; an exit code."""
    engine = engine_factory(settings)
    try:
        summaries = run_loop(engine, cancel=cancel or CancelToken(), reporter=LogReporter())
    finally:
        engine.close()
    return EXIT_RUN_FAILED if summaries and summaries[-1].error else EXIT_OK


def run_headless(env_file: Path | None) -> int:
    """`oeleo-gui --headless` (or no tray): load the configuration and run the schedule."""
    path = find_env_file(env_file)
    try:
        settings = load_settings(path)
    except ConfigError as exc:
        configure_logging(None, console=True)
        log.error("%s\n%s", exc.title, exc.hint)
        return EXIT_CONFIG
    configure_logging(settings, console=True)
    cancel = CancelToken()
    previous = _install_interrupt(cancel)
    try:
        return run_schedule(settings, cancel=cancel)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _install_interrupt(cancel: CancelToken) -> signal.Handlers | Callable[..., object] | None:
    """Ctrl+C cancels the token: the current file is abandoned cleanly, nothing half-recorded."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        log.info("interrupted; stopping after cleaning up")
        cancel.cancel()

    return signal.signal(signal.SIGINT, on_interrupt)  # type: ignore[return-value]
