"""Making room at the destination without losing anything: what is in the way is moved aside.

- `keep_foreign_files`: before a copy replaces a destination file whose content differs from
  both the new copy and what oeleo wrote there last, that file is renamed
  `name.oeleo-aside-<time>.ext`. This also catches a folder standing where a file must go (the
  source turned a folder into a file) and a copy of another file whose name differs only by
  case (a case-insensitive destination);
- `clear_the_way`: a file standing where a folder must be made (the source turned a file into
  a folder) is moved aside the same way.

When what is moved aside holds oeleo's own copies, their rows follow it (`store.move_copies`),
so the database keeps pointing at what is really there, and the log says whose copies they are
instead of "not written by oeleo" (issue 13, cases 2 and 13).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import PurePosixPath

from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.connectors.base import Connector, Upload
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.planner import Decision

log = logging.getLogger(__name__)


def aside_name(rel_path: str, when: datetime, number: int = 1) -> str:
    """`dir/data.csv` -> `dir/data.oeleo-aside-20261124-140203.csv` (keeps the extension last);
    the `number`th name of that second gets `-<number>` (`…-140203-2.csv`)."""
    p = PurePosixPath(rel_path)
    again = f"-{number}" if number > 1 else ""
    return str(p.with_name(f"{p.stem}.oeleo-aside-{when:%Y%m%d-%H%M%S}{again}{p.suffix}"))


def free_aside_name(connector: Connector, rel_path: str, when: datetime) -> str:
    """An aside name nothing has yet: a second move within the same second (a file turned into
    a folder and back) must not stop the run on a name already taken."""
    number = 1
    while connector.stat(target := aside_name(rel_path, when, number)) is not None:
        number += 1
    return target


def keep_foreign_files(
    connector: Connector,
    store: FileListStore,
    good: Sequence[tuple[Decision, Upload]],
    cancel: CancelToken,
) -> dict[str, str]:
    """Move aside destination files oeleo did not write whose content differs; returns names."""
    existing = connector.stat_many([d.dest_rel for d, _ in good])
    to_hash = []
    for d, upload in good:
        entry = existing.get(d.dest_rel)
        if entry is not None and entry.size in (upload.size, d.row.size if d.row else None):
            to_hash.append(d.dest_rel)
    hashes = connector.checksums(to_hash, cancel) if to_hash else {}
    asides: dict[str, str] = {}
    now = datetime.now()
    for d, upload in good:
        if d.dest_rel not in existing:
            continue
        current = hashes.get(d.dest_rel)
        ours = d.row.checksum if d.row and d.row.external_name else None
        if current is not None and current in (upload.md5, ours):
            continue  # identical already, or the version oeleo wrote last time
        asides[d.dest_rel] = _move_aside(connector, store, d.dest_rel, now, d.file.rel_path)
    return asides


def clear_the_way(connector: Connector, store: FileListStore, blocked_rel: str) -> str:
    """Move aside the file standing where a folder must be made; returns its new name."""
    return _move_aside(connector, store, blocked_rel, datetime.now(), "")


def _move_aside(
    connector: Connector, store: FileListStore, rel: str, now: datetime, for_file: str
) -> str:
    target = free_aside_name(connector, rel, now)
    external = connector.external_name(rel)
    separator = connector.external_name(rel + "/x")[len(external) : -1]
    copies = [(r, e) for r, e in store.copies_at(external, separator) if r != for_file]
    connector.rename(rel, target)
    if copies:  # oeleo's own earlier copies: their rows follow them
        new_external = connector.external_name(target)
        store.move_copies([(r, new_external + e[len(external) :]) for r, e in copies])
        names = ", ".join(r for r, _ in copies[:3]) + (" …" if len(copies) > 3 else "")
        log.warning(
            "%s at the destination holds oeleo's earlier copy of %s, which is in the way now: "
            "kept as %s",
            rel,
            names,
            target,
        )
    else:
        log.warning(
            "%s at the destination was not written by oeleo and differs: kept as %s", rel, target
        )
    return target
