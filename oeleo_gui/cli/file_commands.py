"""`files`, `lock` and `unlock`: reading the bookkeeping database and setting technicians' codes."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import datetime
from pathlib import Path, PurePosixPath

from oeleo_gui.cli.common import EXIT_OK, EXIT_USAGE
from oeleo_gui.engine.bookkeeping.rows import FileStateRow
from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.errors import visible
from oeleo_gui.engine.events import FileCode, FileState
from oeleo_gui.engine.fileio.native_paths import source_path
from oeleo_gui.engine.settings.config import Settings
from oeleo_gui.engine.units import format_size, iso_time


def _when(value: datetime | None) -> str | None:
    return iso_time(value)


def cmd_files(args: argparse.Namespace, settings: Settings) -> int:
    """The database's files with their codes, and each file's state: waiting, a live copy,
    held open or failing (files not copied yet that wait or fail are listed too)."""
    code = FileCode(args.code) if args.code is not None else None
    with FileListStore(settings.db_path) as store:
        rows = list(store.rows(code))
        states = store.file_states()
    fields = [
        "rel_path",
        "code",
        "status",
        "state",
        "state_reason",
        "state_since",
        "live_copied_at",
        "last_copied",
        "size",
        "checksum",
        "external_name",
        "last_error",
    ]
    listed = {r.rel_path for r in rows}
    records = [
        {
            "rel_path": r.rel_path,
            "code": int(r.code),
            "status": r.code.label,
            **_state_fields(states.get(r.rel_path)),
            "last_copied": _when(r.last_copied),
            "size": r.size,
            "checksum": r.checksum,
            "external_name": r.external_name,
            "last_error": r.last_error,
        }
        for r in rows
    ]
    if code is None:  # files that wait or fail before they were ever copied
        records += [
            {
                "rel_path": s.rel_path,
                "code": None,
                "status": "not copied yet",
                **_state_fields(s),
                "last_copied": None,
                "size": s.seen_size,
                "checksum": None,
                "external_name": None,
                "last_error": s.reason if s.state is FileState.FAILED else None,
            }
            for s in sorted(states.values())
            if s.rel_path not in listed
        ]
    if args.json:
        print(json.dumps(records, indent=2, ensure_ascii=False))
    elif args.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=fields)
        writer.writeheader()
        writer.writerows(records)
    else:
        for rec in records:
            when = rec["last_copied"] or "never"
            size = format_size(rec["size"], "-")
            state = f"  [{visible(str(rec['state_reason']))}]" if rec["state"] else ""
            error = f"  !! {visible(str(rec['last_error']))}" if rec["last_error"] else ""
            name = visible(str(rec["rel_path"]))  # a name must not print as a second line
            print(f"{rec['status']:<20} {when:<20} {size:>9}  {name}{state}{error}")
        print(f"{len(records)} file(s) in {settings.db_path}")
    return EXIT_OK


def _state_fields(state: FileStateRow | None) -> dict[str, object]:
    if state is None:
        return {"state": None, "state_reason": None, "state_since": None, "live_copied_at": None}
    return {
        "state": str(state.state),
        "state_reason": state.reason,
        "state_since": _when(state.since),
        "live_copied_at": _when(state.live_copied_at),
    }


def to_rel_path(path: str, source: Path) -> str:
    """A path typed by a technician (absolute, relative, Windows slashes) -> the database key.

    A relative path is taken from the current folder when it points into the source folder
    there (`data/run1.csv` typed beside the .env), whether or not the file exists yet (a lock
    set before the instrument writes it); otherwise it is relative to the source folder."""
    typed = path.replace("\\", "/")
    candidate = Path(typed)
    if not candidate.is_absolute():
        here = Path.cwd() / candidate
        if _inside(here, source) or candidate.exists():
            candidate = here
    if candidate.is_absolute():
        try:
            return _resolved(candidate).relative_to(source.resolve()).as_posix()
        except ValueError:
            raise ValueError(f"{path} is not inside the source folder {source}") from None
    return PurePosixPath(typed).as_posix().removeprefix("./")


def _resolved(path: Path) -> Path:
    """`path` with links and `..` resolved, also for a file that does not exist yet."""
    return path.parent.resolve() / path.name


def _inside(path: Path, folder: Path) -> bool:
    try:
        _resolved(path).relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def cmd_set_code(args: argparse.Namespace, settings: Settings, code: FileCode) -> int:
    rel_paths = []
    for path in args.paths:
        try:
            rel_paths.append(to_rel_path(path, settings.source))
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return EXIT_USAGE
    with FileListStore(settings.db_path) as store:
        store.set_code(rel_paths, code)
    for rel in rel_paths:
        missing = not source_path(settings.source, rel).exists()
        note = "  (not in the source folder yet: kept for when it appears)" if missing else ""
        print(f"{code.label}: {visible(rel)}{note}")
    return EXIT_OK
