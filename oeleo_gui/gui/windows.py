"""The tray's other windows (settings, file list, log): one of each, their modules loaded lazily.

`Windows.open(key, make, what)` imports and builds a window only when its menu item is chosen
(a trimmed build may lack one: the technician is told, nothing breaks), replaces an older
window of the same kind and brings it to the front. Knows nothing of the engine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from oeleo_gui.gui.notifier import Notice

log = logging.getLogger(__name__)


class Windows:
    """The open windows by kind ("settings", "file_list", "log")."""

    def __init__(self, notify: Callable[[list[Notice]], None]) -> None:
        self._notify = notify
        self._open: dict[str, QWidget] = {}

    def get(self, key: str) -> QWidget | None:
        """The window of this kind if it is shown."""
        window = self._open.get(key)
        return window if window is not None and window.isVisible() else None

    def open(self, key: str, make: Callable[[], QWidget], what: str) -> QWidget | None:
        """Build (`make` may import its module) and show a window; None when it is missing."""
        try:
            window = make()
        except ImportError as exc:
            log.error("%s is not available: %s", what, exc)
            self._notify(
                [
                    Notice(
                        title="Not available",
                        message=f"{what} is not available in this build ({exc}). "
                        "Edit the .env file by hand meanwhile.",
                        is_error=True,
                    )
                ]
            )
            return None
        old = self._open.pop(key, None)
        if old is not None:
            old.close()
        self._open[key] = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def close_all(self) -> None:
        for window in self._open.values():
            window.close()
