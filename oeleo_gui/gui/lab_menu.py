"""The tray's *Lab overview…*: shown when the destination holds other instruments' status records,
opening the lab overview window.

Kept apart from the tray's own menu model: `LabMenu` adds one action to the tray's menu (before
*About*) and shows it after a run has found other instruments' records there. Records are read
by `LabReader`, a worker QObject in its own QThread (the destination may be a slow share or a
server far away): never on the GUI thread. The window module is imported when first opened.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtGui import QAction

from oeleo_gui.engine.connectors.base import Connector
from oeleo_gui.engine.lab.format import record_file_name, utc_from_timestamp
from oeleo_gui.engine.lab.overview import LabOverview
from oeleo_gui.engine.lab.ownership import config_key
from oeleo_gui.engine.lab.reading import configured_source, read_overview
from oeleo_gui.engine.settings.config import Settings

if TYPE_CHECKING:
    from oeleo_gui.gui.lab_window import LabWindow
    from oeleo_gui.gui.tray_app import TrayApp

log = logging.getLogger(__name__)

PROBE_EVERY_SECONDS = 3600.0  # after runs, look for other instruments' records this often
SHUTDOWN_TIMEOUT_MS = 5_000
SourcesFactory = Callable[[], list[Connector]]
_unfinished: list[QThread] = []  # a reader still waiting on a slow server when the app quits


class _ReaderWorker(QObject):
    read_done = Signal(object)  # LabOverview

    @Slot(object)
    def read(self, make_sources: SourcesFactory) -> None:
        try:
            overview = read_overview(make_sources())
        except Exception as exc:  # the window says so; the next refresh tries again
            log.exception("reading the lab overview failed")
            overview = LabOverview(
                checked_at=utc_from_timestamp(time.time()), problems=(f"Unexpected error: {exc}",)
            )
        self.read_done.emit(overview)


class LabReader(QObject):
    """Reads the lab overview off the GUI thread; `loaded(LabOverview)` with each result."""

    loaded = Signal(object)  # LabOverview
    _read_requested = Signal(object)  # SourcesFactory, to the worker thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("lab-reader")
        self._worker = _ReaderWorker()
        self._worker.moveToThread(self.thread)
        self._read_requested.connect(self._worker.read)
        self._worker.read_done.connect(self._on_worker_read_done)
        self.is_busy = False
        self.is_shut_down = False
        self._next: SourcesFactory | None = None  # asked for while a read was going

    def request(self, make_sources: SourcesFactory) -> None:
        """Read now, or right after the read that is going (never after `shutdown`)."""
        if self.is_shut_down:
            return
        if self.is_busy:
            self._next = make_sources
            return
        if not self.thread.isRunning():
            self.thread.start()
        self.is_busy = True
        self._read_requested.emit(make_sources)

    def _on_worker_read_done(self, overview: LabOverview) -> None:
        self.is_busy = False
        self.loaded.emit(overview)
        if self._next is not None:
            make_sources, self._next = self._next, None
            self.request(make_sources)

    def shutdown(self, timeout_ms: int = SHUTDOWN_TIMEOUT_MS) -> bool:
        """Stop the thread; a read stuck on a slow server is left to end with the process."""
        self.is_shut_down = True
        self._next = None
        self.thread.quit()
        if self.thread.wait(timeout_ms):
            return True
        log.warning("the lab overview was still being read when oeleo-gui quit")
        _unfinished.append(self.thread)  # never destroy a running QThread
        return False


class LabMenu(QObject):
    """*Lab overview…* in `app`'s tray menu (see the module's doc)."""

    def __init__(self, app: TrayApp) -> None:
        super().__init__(app)
        self._app = app
        self.action = QAction("Lab overview…", app.tray.menu)
        self.action.setObjectName("action_lab_overview")
        self.action.triggered.connect(self.open_window)
        self.reader = LabReader(self)
        self.reader.loaded.connect(self._on_reader_loaded)
        self.window: LabWindow | None = None
        self._probed: tuple[Settings, float] | None = None
        app.engine.run_finished.connect(self._on_engine_run_finished)
        app.quit_finished.connect(self.shutdown)

    def _sources(self) -> SourcesFactory | None:
        settings = self._app.settings
        if settings is None:
            return None
        return lambda: [configured_source(settings)]

    def _on_engine_run_finished(self, _summary: object) -> None:
        """After a run (which wrote this instrument's record), look for the others' — once per
        configuration, then every `PROBE_EVERY_SECONDS`."""
        settings = self._app.settings
        sources = self._sources()
        if settings is None or sources is None:
            return
        probed = self._probed
        if probed and probed[0] is settings and time.monotonic() - probed[1] < PROBE_EVERY_SECONDS:
            return
        self._probed = (settings, time.monotonic())
        self.reader.request(sources)

    def _on_reader_loaded(self, overview: LabOverview) -> None:
        settings = self._app.settings
        if settings is not None:
            own_file, own_key = (
                record_file_name(settings.instrument_file_stem),
                config_key(settings),
            )
            self.show_action(
                any(
                    row.config_key != own_key if row.config_key else row.key != own_file
                    for row in overview.rows
                )
            )
        if self.window is not None:
            self.window.show_overview(overview)

    def show_action(self, visible: bool) -> None:
        """Put the item in the menu (before *About*) the first time it is wanted; a person never
        sees it, hidden or not, before then."""
        menu = self._app.tray.menu
        if visible and self.action not in menu.actions():
            before = menu.findChild(QAction, "action_about")
            if before is not None:
                menu.insertAction(before, self.action)
            else:
                menu.addAction(self.action)
        self.action.setVisible(visible)

    def open_window(self) -> None:
        from oeleo_gui.gui.lab_window import LabWindow

        if self.window is None:
            self.window = LabWindow()
            self.window.refresh_requested.connect(self.refresh)
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        self.refresh()

    def refresh(self) -> None:
        sources = self._sources()
        if sources is not None:
            self.reader.request(sources)

    def shutdown(self) -> None:
        if self.window is not None:
            self.window.close()
        self.reader.shutdown()
