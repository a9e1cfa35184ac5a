"""Whose status record is at a name: two configurations that share an instrument name (on one
PC with the default name, the computer's; or two PCs given the same name) must not hide each
other's state by writing over each other's record.

Each record carries `config`, this configuration's key (`config_key`: a hash of the computer's
name and the database's path, which identify a configuration; never a secret). When a record is
due, the writer reads the one already at `<name>.json` (`place_record`): a recent record of
another configuration stays, and this one is written as `<name> (<short key>).json` instead; the
lab overview then shows both. A record of another configuration older than `KEEP_OTHERS_SECONDS`
belongs to a configuration that is gone, and is replaced. Read only when a write is due.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from oeleo_gui.engine.connectors.base import Connector
from oeleo_gui.engine.errors import FileError
from oeleo_gui.engine.lab.format import RECORD_KIND, RECORD_MAX_BYTES, from_iso, record_path
from oeleo_gui.engine.settings.config import Settings
from oeleo_gui.engine.settings.instrument import computer_name

KEEP_OTHERS_SECONDS = 7 * 86400.0
"""Another configuration's record younger than this is never replaced."""
SHORT_KEY_CHARS = 8


def config_key(settings: Settings) -> str:
    """This configuration's key: the same for every run of it, another for any other."""
    identity = f"{computer_name()}\n{settings.db_path.resolve()}"
    return hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def own_record_path(stem: str, key: str) -> str:
    """The record's path when `<stem>.json` is another configuration's. `(` is never in a stem
    (`instrument_file_stem`), so this cannot be another instrument's name."""
    return record_path(f"{stem} ({key[:SHORT_KEY_CHARS]})")


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordOwner:
    """Who wrote a record: its configuration's key ("" for a record from before keys), its
    computer, and when."""

    key: str
    computer: str
    written_at: datetime


def record_owner(data: bytes | None) -> RecordOwner | None:
    """The writer of a record's bytes; None for no file or one that is not a status record."""
    if data is None:
        return None
    try:
        value = json.loads(data.decode("utf-8"))
        if not isinstance(value, dict) or value.get("record") != RECORD_KIND:
            return None
        written_at = from_iso(value.get("written_at"))
        key, computer = value.get("config", ""), value.get("computer", "")
    except (ValueError, RecursionError):
        return None
    if written_at is None or not isinstance(key, str) or not isinstance(computer, str):
        return None
    return RecordOwner(key=key, computer=computer, written_at=written_at)


def is_others(owner: RecordOwner | None, key: str, now: float) -> bool:
    """True when the record is another configuration's and still in use (recent, or dated
    ahead: a clock that runs ahead). A record without a key is this computer's own from before
    keys, or another computer's."""
    if owner is None:
        return False
    if owner.key:
        if owner.key == key:
            return False
    elif owner.computer == computer_name():
        return False
    return now - owner.written_at.timestamp() < KEEP_OTHERS_SECONDS


def place_record(connector: Connector, settings: Settings, now: float) -> str:
    """Where this configuration's record goes now (the connector is connected): its name, or
    its own name beside it when another configuration's recent record is there."""
    stem = settings.instrument_file_stem
    primary = record_path(stem)
    try:
        data = connector.read_small_file(primary, RECORD_MAX_BYTES)
    except FileError:  # too large, or not readable: not a record anybody can show
        data = None
    key = config_key(settings)
    return own_record_path(stem, key) if is_others(record_owner(data), key, now) else primary
