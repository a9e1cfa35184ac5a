"""Deciding, per file, what a run does, from the scan and the bookkeeping rows. Pure: no I/O.

A file whose size and mtime match its row is unchanged without being read; a file that may have
changed but kept its size is hashed (HASH) and copied only if its content differs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import NamedTuple

from oeleo_gui.engine.bookkeeping.store import FileRow
from oeleo_gui.engine.connectors.base import flattened_or_mirrored
from oeleo_gui.engine.events import FileCode
from oeleo_gui.engine.scanner import LocalFile


class Action(StrEnum):
    COPY = "copy"
    HASH = "hash"  # same size, other mtime (or an upstream row): compare content, then decide
    UNCHANGED = "unchanged"
    LOCKED = "locked"
    SETTLING = "settling"
    CLASH = "clash"


class Decision(NamedTuple):
    """What a run does with one file (a NamedTuple: one is made per scanned file)."""

    file: LocalFile
    action: Action
    reason: str
    dest_rel: str
    row: FileRow | None = None
    legacy_name: str | None = None  # an upstream row (bare name) this file takes over


def plan(
    files: Sequence[LocalFile],
    rows: Mapping[str, FileRow],
    *,
    now: float,
    settle_seconds: float,
    mirror_subdirs: bool,
) -> list[Decision]:
    decisions: list[Decision] = []
    claimed_dest: dict[str, str] = {}
    adopted: set[str] = set()
    for f in files:
        dest_rel = flattened_or_mirrored(f.rel_path, mirror_subdirs=mirror_subdirs)
        row = rows.get(f.rel_path)
        legacy_name = None
        if row is None and "/" in f.rel_path:
            candidate = rows.get(f.name)
            if candidate is not None and candidate.is_legacy and f.name not in adopted:
                row, legacy_name = candidate, f.name
                adopted.add(f.name)
        action, reason = _decide(f, row, dest_rel, claimed_dest, now, settle_seconds)
        decisions.append(Decision(f, action, reason, dest_rel, row, legacy_name))
    return decisions


def _decide(
    f: LocalFile,
    row: FileRow | None,
    dest_rel: str,
    claimed_dest: dict[str, str],
    now: float,
    settle_seconds: float,
) -> tuple[Action, str]:
    if row is not None and row.code is FileCode.LOCKED:
        return Action.LOCKED, "locked – never copy (code 2)"
    age = now - f.mtime
    if age < settle_seconds:
        return Action.SETTLING, (
            f"modified {max(age, 0):.0f} s ago; waiting until it is {settle_seconds:.0f} s old, "
            "in case it is still being written"
        )
    if dest_rel in claimed_dest:
        return Action.CLASH, (
            f"same destination name as {claimed_dest[dest_rel]}; set OA_EXTERNAL_SUBDIRS=true "
            "to keep subfolders apart"
        )
    claimed_dest[dest_rel] = f.rel_path
    if row is None:
        return Action.COPY, "new file"
    if row.code is FileCode.COPY:
        return Action.COPY, "marked to copy (code 0)"
    if row.is_legacy or not row.checksum:
        return Action.HASH, "recorded by upstream oeleo: comparing content"
    if row.size != f.size:
        return Action.COPY, f"size changed ({row.size} → {f.size} bytes)"
    if row.mtime_ns != f.mtime_ns:
        return Action.HASH, "modification time changed: comparing content"
    return Action.UNCHANGED, "unchanged"
