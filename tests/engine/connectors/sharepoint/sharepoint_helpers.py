"""Pointing the SharePoint connector, or a whole Engine, at the local REST emulator
(`tests/sharepoint_server`): site "lab", library "Shared Documents", folder instrument/data."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from oeleo_gui.engine.connectors.sharepoint.connector import SharePointConnector
from oeleo_gui.engine.settings.config import Settings, SharePointSettings, settings_from_values

CHUNK = 256 * 1024  # small upload chunks, so a few hundred kB already take an upload session


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


@contextlib.contextmanager
def connected(server: Any) -> Iterator[SharePointConnector]:
    """A connector on instrument/data, connected and checked ready; closed afterwards."""
    c = SharePointConnector(
        connector_settings(server), "instrument/data", chunk_size=CHUNK, timeout=10
    )
    c.connect()
    c.ensure_ready()
    try:
        yield c
    finally:
        c.close()


def connector_settings(server: Any, **changes: Any) -> SharePointSettings:
    values = {
        "url": server.url,
        "site_name": "lab",
        "doc_library": "Shared Documents",
        "client_id": server.client_id,
        "client_secret": server.client_secret,
    }
    values.update(changes)
    return SharePointSettings(**values)


def engine_settings(server: Any, source: Path, tmp_path: Path, **extra: str) -> Settings:
    values = {
        "OELEO_BASE_DIR_FROM": str(source),
        "OELEO_FILTER_EXTENSION": ".res",
        "OELEO_DB_NAME": str(tmp_path / "files.db"),
        "OELEO_LOG_DIR": str(tmp_path / "logs"),
        "OELEO_SETTLE_SECONDS": "0",
        "OA_INCLUDE_SUBDIRS": "true",
        "OA_EXTERNAL_SUBDIRS": "true",
        "OELEO_BASE_DIR_TO": "instrument/data",
        "OELEO_SHAREPOINT_URL": server.url,
        "OELEO_SHAREPOINT_SITENAME": "lab",
        "OELEO_SHAREPOINT_DOC_LIBRARY": "Shared Documents",
        "OELEO_SHAREPOINT_CLIENT_ID": server.client_id,
        "OELEO_SHAREPOINT_CLIENT_SECRET": server.client_secret,
    }
    values.update(extra)
    return settings_from_values(values, env_file=None)
