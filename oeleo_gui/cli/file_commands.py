"""`files`, `lock` and `unlock`: reading the bookkeeping database and setting technicians' codes."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path, PurePosixPath

from oeleo_gui.cli.common import EXIT_OK, EXIT_USAGE
from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.events import FileCode
from oeleo_gui.engine.settings.config import Settings
from oeleo_gui.engine.units import format_size


def cmd_files(args: argparse.Namespace, settings: Settings) -> int:
    code = FileCode(args.code) if args.code is not None else None
    with FileListStore(settings.db_path) as store:
        rows = list(store.rows(code))
    fields = [
        "rel_path",
        "code",
        "status",
        "last_copied",
        "size",
        "checksum",
        "external_name",
        "last_error",
    ]
    records = [
        {
            "rel_path": r.rel_path,
            "code": int(r.code),
            "status": r.code.label,
            "last_copied": r.last_copied.isoformat(timespec="seconds") if r.last_copied else None,
            "size": r.size,
            "checksum": r.checksum,
            "external_name": r.external_name,
            "last_error": r.last_error,
        }
        for r in rows
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
            print(
                f"{rec['status']:<20} {when:<20} {size:>9}  {rec['rel_path']}"
                + (f"  !! {rec['last_error']}" if rec["last_error"] else "")
            )
        print(f"{len(records)} file(s) in {settings.db_path}")
    return EXIT_OK


def to_rel_path(path: str, source: Path) -> str:
    """A path typed by a technician (absolute, relative, Windows slashes) -> the database key."""
    candidate = Path(path)
    if not candidate.is_absolute() and candidate.exists():
        candidate = candidate.resolve()  # typed relative to the current folder
    if candidate.is_absolute():
        try:
            return candidate.resolve().relative_to(source.resolve()).as_posix()
        except ValueError:
            raise ValueError(f"{path} is not inside the source folder {source}") from None
    return PurePosixPath(path.replace("\\", "/")).as_posix().removeprefix("./")


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
        print(f"{code.label}: {rel}")
    return EXIT_OK
