"""Reading the lab overview: every status record in one or more destinations' `.oeleo/status`
folders, through a connector (a folder on this computer or the server, or the configured
destination over SSH or SharePoint), worst first.

A missing status folder means "no record yet"; a folder that cannot be reached is a problem in
words and the other folders are still read. Connectors word their errors for writing (a sync
run); one that may not be read is said here in words for reading. Time comes from a `clock`
(seconds), so tests need no waiting.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from oeleo_gui.engine.connectors import make_connector
from oeleo_gui.engine.connectors.base import STATUS_FOLDER, Connector
from oeleo_gui.engine.connectors.local.connector import LocalConnector
from oeleo_gui.engine.errors import (
    DestinationMissing,
    DestinationPermissionDenied,
    FileError,
    OeleoError,
)
from oeleo_gui.engine.lab.format import (
    MAX_TEXT,
    RECORD_MAX_BYTES,
    is_record_name,
    utc_from_timestamp,
)
from oeleo_gui.engine.lab.overview import InstrumentRow, LabOverview, Verdict
from oeleo_gui.engine.lab.parsing import parse_record, unreadable
from oeleo_gui.engine.settings.config import Settings

log = logging.getLogger(__name__)


def folder_source(folder: Path) -> Connector:
    """The status folder of a destination folder on this computer (or the status folder itself)."""
    status = folder.joinpath(*STATUS_FOLDER.split("/"))
    if not status.is_dir() and folder.name == "status" and folder.parent.name == ".oeleo":
        status = folder
    return LocalConnector(status)


def configured_source(settings: Settings) -> Connector:
    """The configured destination's status folder, through its own connector."""
    return make_connector(settings, subfolder=STATUS_FOLDER)


def read_overview(
    sources: Sequence[Connector], *, clock: Callable[[], float] = time.time
) -> LabOverview:
    """Read every record in these status folders. A folder that is missing means "no record
    yet"; one that cannot be reached is a problem in words (the others are still read)."""
    now = utc_from_timestamp(clock())
    rows: list[InstrumentRow] = []
    problems: list[str] = []
    for source in sources:
        try:
            rows += read_records(source, now=now)
        except DestinationMissing:
            log.debug("no status folder at %s", source.description)
        except DestinationPermissionDenied as exc:
            log.debug("the status folder %s cannot be read: %s", source.description, exc.title)
            problems.append(
                f"The status folder {source.description} cannot be read: no permission to read "
                "it. Ask for read access to that folder (or run oeleo-gui lab as a user who "
                "may read it)."
            )
        except OeleoError as exc:
            problems.append(f"{exc.title} {exc.hint}".strip())
        finally:
            source.close()
    rows = told_apart(rows)
    rows.sort(key=lambda r: (r.verdict.severity, r.name.casefold(), r.key))
    return LabOverview(
        checked_at=now,
        rows=tuple(rows),
        locations=tuple(s.description for s in sources),
        problems=tuple(problems),
    )


def told_apart(rows: Sequence[InstrumentRow]) -> list[InstrumentRow]:
    """Rows of instruments that share a name (two configurations, see `ownership`) get their
    computer and source folder after it, so a lab manager can tell which is which."""
    count: dict[str, int] = {}
    for row in rows:
        count[row.name.casefold()] = count.get(row.name.casefold(), 0) + 1
    apart = []
    for row in rows:
        if count[row.name.casefold()] > 1 and row.verdict is not Verdict.UNREADABLE:
            source = dict(row.settings).get("Source folder", "")
            detail = ", ".join(part for part in (row.computer, source) if part) or row.key
            row = dataclasses.replace(row, name=f"{row.name} ({detail})"[:MAX_TEXT])
        apart.append(row)
    return apart


def read_records(connector: Connector, *, now: datetime) -> list[InstrumentRow]:
    """Every record in the connector's folder (its top level only)."""
    connector.connect()
    listing = connector.list_files(recursive=False)
    rows = []
    for name in sorted(n for n in listing if is_record_name(n)):
        where = connector.description
        if listing[name].size > RECORD_MAX_BYTES:
            rows.append(unreadable(name, where, now, f"larger than {RECORD_MAX_BYTES} bytes"))
            continue
        try:
            data = connector.read_small_file(name, RECORD_MAX_BYTES)
        except FileError as exc:
            rows.append(unreadable(name, where, now, exc.title))
            continue
        if data is not None:  # else it vanished since the listing (being replaced): skip
            rows.append(parse_record(name, data, location=where, now=now))
    return rows
