"""Plain, frozen records that cross module and thread boundaries, and the Reporter protocol.

Frontends (CLI, tray, tests) receive these; they are safe to share across threads. Imports only
the stdlib.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Protocol


class FileCode(IntEnum):
    """Upstream's `filelist.code` values; technicians set LOCKED by hand."""

    COPY = 0
    COPY_IF_CHANGED = 1
    LOCKED = 2

    @property
    def label(self) -> str:
        return _CODE_LABELS[self]


_CODE_LABELS = {
    FileCode.COPY: "copy",
    FileCode.COPY_IF_CHANGED: "copy if changed",
    FileCode.LOCKED: "locked – never copy",
}


class FileState(StrEnum):
    """Why a selected file is not (or not in its current version) at the destination, kept
    between runs in the database's `file_state` table."""

    WAITING = "waiting"  # still being written: waits for the settle time (or the maximum wait)
    LIVE = "live"  # a live copy of a file still being written is at the destination
    HELD_OPEN = "held_open"  # the OS reports it locked by another program
    FAILED = "failed"  # copying it failed

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    FileState.WAITING: "still being written",
    FileState.LIVE: "live copy",
    FileState.HELD_OPEN: "held open by another program",
    FileState.FAILED: "failed",
}


class RunKind(StrEnum):
    SYNC = "sync"
    CHECK = "check"
    PREVIEW = "preview"


class Outcome(StrEnum):
    """What happened to one file in a run."""

    COPIED = "copied"
    UNCHANGED = "unchanged"
    SETTLING = "settling"  # modified within the settle time: still being written
    BUSY = "busy"  # locked by another program (sharing violation)
    LOCKED = "locked"  # code 2: never copy
    FAILED = "failed"
    WOULD_COPY = "would copy"  # preview only
    LIVE_COPIED = "live copy"  # a whole, verified earlier state of a file still being written

    @property
    def is_waiting(self) -> bool:
        return self in (Outcome.SETTLING, Outcome.BUSY)


class CancelToken:
    """A cooperative cancel flag, checked by the engine between chunks and between files."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    def reset(self) -> None:
        self._event.clear()

    @property
    def is_cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            from oeleo_gui.engine.errors import Cancelled

            raise Cancelled()

    def wait(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds, waking at once when cancelled. True if cancelled."""
        return self._event.wait(timeout)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStarted:
    kind: RunKind
    started_at: datetime
    source: str
    destination: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FileProgress:
    """Progress of the file being copied, and of the run as a whole."""

    rel_path: str
    bytes_done: int
    bytes_total: int
    file_index: int  # 1-based position among the files to copy
    file_count: int
    run_bytes_done: int = 0
    run_bytes_total: int = 0
    files_done: int = 0  # sent or given up for this run; counts like run_bytes_done

    @property
    def percent(self) -> int:
        if self.run_bytes_total <= 0:  # only empty files: count them instead
            return min(100, self.files_done * 100 // self.file_count) if self.file_count else 0
        return min(100, int(self.run_bytes_done * 100 / self.run_bytes_total))

    def files_text(self) -> str:
        """'16 of 40 files · 35 %': files and bytes from the same totals, so they agree."""
        done, count = min(self.files_done, self.file_count), self.file_count
        return f"{done} of {count} file{'' if count == 1 else 's'} · {self.percent} %"


@dataclass(frozen=True, slots=True, kw_only=True)
class FileResult:
    rel_path: str
    outcome: Outcome
    reason: str = ""
    size: int = 0
    external_name: str = ""
    moved_aside: str = ""  # destination file kept under this name before being replaced
    since: datetime | None = None  # waiting, held open or failing since (when known)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSummary:
    """The typed result of one run; `error` is set when the destination stopped the run."""

    kind: RunKind
    started_at: datetime
    finished_at: datetime
    copied: tuple[FileResult, ...] = ()
    unchanged: int = 0
    settling: tuple[FileResult, ...] = ()
    busy: tuple[FileResult, ...] = ()
    locked: int = 0
    failed: tuple[FileResult, ...] = ()
    bytes_copied: int = 0
    error: str = ""
    error_hint: str = ""
    cancelled: bool = False
    would_copy: tuple[FileResult, ...] = ()  # preview only
    live: tuple[FileResult, ...] = ()  # live copies made of files still being written
    other_run_pid: int | None = None
    """Set when this run was skipped because another process was copying (its pid, 0 unknown)."""

    @property
    def skipped(self) -> bool:
        """Another oeleo-gui run held the database: this one did nothing (not an error)."""
        return self.other_run_pid is not None

    @property
    def duration(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def waiting(self) -> int:
        return len(self.settling) + len(self.busy)

    @property
    def ok(self) -> bool:
        return not self.error and not self.failed and not self.cancelled and not self.skipped

    def one_line(self) -> str:
        if self.skipped:
            who = f"pid {self.other_run_pid}" if self.other_run_pid else "its pid is not known yet"
            return f"Another oeleo-gui run is copying ({who}); this run was skipped"
        if self.error:
            return f"Stopped: {self.error}"
        parts = [f"{len(self.copied)} copied", f"{self.unchanged} unchanged"]
        if self.live:
            parts.append(f"{len(self.live)} live cop{'y' if len(self.live) == 1 else 'ies'}")
        if self.waiting:
            parts.append(f"{self.waiting} waiting")
        if self.locked:
            parts.append(f"{self.locked} locked")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        if self.cancelled:
            parts.append("cancelled")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckReport:
    """What `check` found when comparing the source with the destination."""

    started_at: datetime
    finished_at: datetime
    local_files: int
    present: tuple[str, ...] = ()  # on both sides (relative source paths)
    in_sync: tuple[str, ...] = ()
    out_of_sync: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # not at the destination
    locked: tuple[str, ...] = ()  # code 2: never copied by choice, so neither missing nor stale
    swept_temp_files: int = 0
    db_updated: bool = False
    errors: tuple[FileResult, ...] = field(default_factory=tuple)


class Reporter(Protocol):
    """How the engine tells a frontend what it is doing. Calls come from the engine's thread."""

    def on_run_started(self, event: RunStarted) -> None: ...
    def on_progress(self, event: FileProgress) -> None: ...
    def on_file_done(self, result: FileResult) -> None: ...
    def on_run_finished(self, summary: RunSummary) -> None: ...


class NullReporter:
    """A Reporter that ignores everything; subclass it and override what you need."""

    def on_run_started(self, event: RunStarted) -> None:
        return None

    def on_progress(self, event: FileProgress) -> None:
        return None

    def on_file_done(self, result: FileResult) -> None:
        return None

    def on_run_finished(self, summary: RunSummary) -> None:
        return None
