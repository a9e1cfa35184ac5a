"""Deciding, per file, what a run does, from the scan and the bookkeeping rows. Pure: no I/O.

A file whose size and mtime match its row is unchanged without being read; a file that may have
changed but kept its size is hashed (HASH) and copied only if its content differs. Unchanged
files are only counted: a re-run where nothing changed makes no object per file.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from enum import StrEnum
from typing import NamedTuple

from oeleo_gui.engine.bookkeeping.rows import FileRow, FileStateRow
from oeleo_gui.engine.connectors.base import flattened_or_mirrored
from oeleo_gui.engine.events import FileCode
from oeleo_gui.engine.scanner import LocalFile
from oeleo_gui.engine.settling import Settle, decide_settle


class Action(StrEnum):
    COPY = "copy"
    HASH = "hash"  # same size, other mtime (or an upstream row): compare content, then decide
    UNCHANGED = "unchanged"
    LOCKED = "locked"
    SETTLING = "settling"
    LIVE_COPY = "live copy"  # still being written, for longer than the maximum wait
    CLASH = "clash"


class Decision(NamedTuple):
    """What a run does with one file (a NamedTuple: one is made per scanned file)."""

    file: LocalFile
    action: Action
    reason: str
    dest_rel: str
    row: FileRow | None = None
    legacy_name: str | None = None  # an upstream row (bare name) this file takes over


class Plan(NamedTuple):
    decisions: list[Decision]
    """Every file that needs more than a glance (no Decision is made for unchanged files)."""
    unchanged: int


RowsFor = Callable[[Collection[str]], Mapping[str, FileRow]]
"""Loads the rows of these relative paths (or bare upstream names); missing ones are left out."""
DestinationName = Callable[[str], str]
"""A source file's relative path -> its relative path at the destination (a script's naming)."""


def clean_stats(rows: Mapping[str, FileRow]) -> dict[str, tuple[int, int]]:
    """`FileListStore.clean_stats` for rows already in memory (the read-only preview)."""
    return {
        rel: (r.size, r.mtime_ns)
        for rel, r in rows.items()
        if r.code is FileCode.COPY_IF_CHANGED
        and r.checksum
        and r.size is not None
        and r.mtime_ns is not None
    }


def plan(
    files: Sequence[LocalFile],
    clean: Mapping[str, tuple[int, int]],
    rows_for: RowsFor,
    *,
    now: float,
    settle_seconds: float,
    mirror_subdirs: bool,
    states: Mapping[str, FileStateRow] | None = None,
    max_wait_seconds: float = 0.0,
    destination_name: DestinationName | None = None,
    present: Collection[str] = (),
) -> Plan:
    """Decide for every file; `clean` holds (size, mtime_ns) of rows a file can match unchanged.

    A run where nothing changed is one dictionary lookup per file: rows are loaded (`rows_for`)
    only for the files that did not match, which is what keeps a re-run of 20 000 files cheap.
    `destination_name` replaces upstream's naming (`flattened_or_mirrored`) when given.
    `present`: the unchanged files the scan only counted; they keep their destination names.

    Destination names are claimed without case (issue 13, case 2): on a Windows share, NTFS or
    macOS `A.csv` and `a.csv` are one file, so the second would replace the first while the
    database said both were copied. The first claim wins; the other is a clash, as an exact one.
    """
    # casefolded destination name -> (the file that has it, the name as it has it)
    claimed_dest: dict[str, tuple[str, str]] = {}
    states = states or {}
    todo: list[LocalFile] = []
    unchanged = 0
    stats_of = clean.get
    if mirror_subdirs and destination_name is None:  # the relative paths: only case can clash
        for f in files:
            if stats_of(f[0]) == f[1:]:
                unchanged += 1
            else:
                todo.append(f)
    else:  # flattened: an unchanged file keeps the destination name it already has
        for f in files:
            name = f.name if destination_name is None else destination_name(f.rel_path)
            key = name.casefold()
            if key not in claimed_dest and stats_of(f[0]) == f[1:]:
                claimed_dest[key] = (f.rel_path, name)
                unchanged += 1
            else:
                todo.append(f)
    if not todo:
        return Plan([], unchanged)
    for rel_path in present:  # only when something is to do: a casefold per unchanged file
        name = (
            flattened_or_mirrored(rel_path, mirror_subdirs=mirror_subdirs)
            if destination_name is None
            else destination_name(rel_path)
        )
        claimed_dest.setdefault(name.casefold(), (rel_path, name))
    wanted = {f.rel_path for f in todo} | {f.name for f in todo if "/" in f.rel_path}
    rows = rows_for(wanted)
    decisions: list[Decision] = []
    adopted: set[str] = set()
    for f in todo:
        dest_rel = (
            flattened_or_mirrored(f.rel_path, mirror_subdirs=mirror_subdirs)
            if destination_name is None
            else destination_name(f.rel_path)
        )
        row = rows.get(f.rel_path)
        legacy_name = None
        if row is None and "/" in f.rel_path:
            candidate = rows.get(f.name)
            if candidate is not None and candidate.is_legacy and f.name not in adopted:
                row, legacy_name = candidate, f.name
                adopted.add(f.name)
        settle = decide_settle(
            f,
            states.get(f.rel_path),
            now=now,
            settle_seconds=settle_seconds,
            max_wait_seconds=max_wait_seconds,
        )
        action, reason = _decide(f, row, dest_rel, claimed_dest, settle)
        if action is Action.UNCHANGED:
            unchanged += 1
        else:
            decisions.append(Decision(f, action, reason, dest_rel, row, legacy_name))
    return Plan(decisions, unchanged)


def _decide(
    f: LocalFile,
    row: FileRow | None,
    dest_rel: str,
    claimed_dest: dict[str, tuple[str, str]],
    settle: tuple[Settle, str],
) -> tuple[Action, str]:
    if row is not None and row.code is FileCode.LOCKED:
        return Action.LOCKED, "locked – never copy (code 2)"
    verdict, settle_reason = settle
    if verdict is Settle.WAITING:
        return Action.SETTLING, settle_reason
    key = dest_rel.casefold()
    if key in claimed_dest:
        return Action.CLASH, _clash_reason(dest_rel, *claimed_dest[key])
    claimed_dest[key] = (f.rel_path, dest_rel)
    if verdict is Settle.LIVE_DUE:
        return Action.LIVE_COPY, settle_reason
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


def _clash_reason(dest_rel: str, other: str, other_dest: str) -> str:
    if other_dest == dest_rel:
        return (
            f"same destination name as {other}; set OA_EXTERNAL_SUBDIRS=true to keep subfolders "
            "apart"
        )
    return (
        f"its destination name differs only by case from {other}'s, and most destinations "
        "(Windows shares, NTFS, macOS) take them for one file; rename one of them"
    )
