"""The settings dialog's live count: "N files in this folder match", computed off the GUI thread.

`count_matches` (plain Python) reads only the Source fields as typed, through the engine's own
`settings_from_values`, `FileFilter` and `scan`, so the count is exactly what a run would select.
`MatchCounter` debounces the requests (the count starts once typing pauses), runs the count as a
`BackgroundJob`, cancels a count that a newer one replaces and drops its result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from oeleo_gui.engine.errors import Cancelled, ConfigError
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.filters import FileFilter
from oeleo_gui.engine.scanner import scan
from oeleo_gui.engine.settings.config import settings_from_values
from oeleo_gui.engine.settings.variables import VARIABLES
from oeleo_gui.gui.background import BackgroundJob
from oeleo_gui.gui.tray_view import format_count

COUNT_DELAY_MS = 400
SOURCE_NAMES = tuple(v.name for v in VARIABLES if v.group == "Source")


@dataclass(frozen=True, slots=True, kw_only=True)
class MatchCount:
    """How many files the Source fields select; `text` is the sentence shown under the folder."""

    count: int | None  # None: the fields cannot be read yet (their own reasons say why)
    text: str = ""

    @property
    def is_warning(self) -> bool:
        return self.count == 0


def count_matches(
    values: Mapping[str, str], env_file: Path, cancel: CancelToken | None = None
) -> MatchCount:
    """Count the files a run would select with these Source fields (the other fields ignored)."""
    chosen = {k: values[k] for k in SOURCE_NAMES if (values.get(k) or "").strip()}
    # Any destination will do: only the selection is read here.
    chosen.update(OELEO_DESTINATION_TYPE="local", OELEO_BASE_DIR_TO=str(env_file.parent))
    try:
        settings = settings_from_values(chosen, env_file)
    except ConfigError:
        return MatchCount(count=None)
    if not settings.source.is_dir():
        return MatchCount(count=None)
    try:
        files = scan(
            settings.source,
            FileFilter.from_settings(settings),
            recursive=settings.include_subdirs,
            cancel=cancel,
        )
    except Cancelled:
        return MatchCount(count=None)
    where = "this folder and its subfolders" if settings.include_subdirs else "this folder"
    n = len(files)
    if n == 0:
        where = "this folder or its subfolders" if settings.include_subdirs else "this folder"
        text = f"No file in {where} matches these settings."
    elif n == 1:
        text = f"1 file in {where} matches."
    else:
        text = f"{format_count(n)} files in {where} match."
    return MatchCount(count=n, text=text)


class MatchCounter(QObject):
    """Counts in the background once the Source fields stop changing; emits `counted`."""

    counted = Signal(object)  # MatchCount

    def __init__(self, env_file: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.env_file = env_file
        self.job: BackgroundJob[MatchCount] | None = None
        self._cancel = CancelToken()
        self._values: dict[str, str] = {}
        self._counted_values: dict[str, str] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COUNT_DELAY_MS)
        self._timer.timeout.connect(self._start)

    def request(self, values: Mapping[str, str]) -> None:
        """Count for these values once typing pauses (not again for an unchanged Source)."""
        self._values = {k: values.get(k, "") for k in SOURCE_NAMES}
        if self._values != self._counted_values:
            self._timer.start()

    def stop(self) -> None:
        """Cancel any count; its result is dropped, nobody waits for it."""
        self._timer.stop()
        self._cancel.cancel()
        if self.job is not None:
            self.job.abandon()

    def _start(self) -> None:
        self.stop()
        values, self._counted_values = dict(self._values), dict(self._values)
        cancel = self._cancel = CancelToken()
        self.job = BackgroundJob(
            lambda: count_matches(values, self.env_file, cancel),
            self.counted.emit,
            on_error=lambda _exc: MatchCount(count=None),
            name="settings-match-count",
        ).start()
