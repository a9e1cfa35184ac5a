"""`read_small_file` against the local SharePoint REST endpoint, and a connector rooted at
`.oeleo/status` inside the configured folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tests.sharepoint_server as sp
from oeleo_gui.engine.connectors import make_connector
from oeleo_gui.engine.connectors.base import STATUS_FOLDER
from oeleo_gui.engine.errors import FileError
from tests.engine.connectors.sharepoint.sharepoint_helpers import connected, engine_settings

pytestmark = pytest.mark.sharepoint

ROOT = "/sites/lab/Shared Documents/instrument/data"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with sp.running(monkeypatch) as running:
        yield running


def test_reads_small_files_and_none_for_missing(server: Any) -> None:
    with connected(server) as c:
        server.put(f"{ROOT}/r #1.json", b'{"ok": true}')
        assert c.read_small_file("r #1.json", 100) == b'{"ok": true}'
        assert c.read_small_file("missing.json", 100) is None


def test_an_oversized_file_is_refused(server: Any) -> None:
    with connected(server) as c:
        server.put(f"{ROOT}/big.json", os.urandom(300 * 1024))
        with pytest.raises(FileError, match=r"big\.json in sharepoint://.* larger than 1000 bytes"):
            c.read_small_file("big.json", 1000)
        assert c.read_small_file("missing.json", 100) is None  # the session still works


def test_make_connector_roots_at_the_status_folder(server: Any, tmp_path: Path) -> None:
    with connected(server):  # creates instrument/data
        server.put(f"{ROOT}/data.res", b"data")
    server.folders.update({f"{ROOT}/.oeleo", f"{ROOT}/.oeleo/status"})
    server.put(f"{ROOT}/.oeleo/status/XRD.json", b"{}")
    settings = engine_settings(server, tmp_path, tmp_path)
    connector = make_connector(settings, subfolder=STATUS_FOLDER)
    try:
        connector.connect()
        assert sorted(connector.list_files(recursive=False)) == ["XRD.json"]
        assert connector.read_small_file("XRD.json", 10) == b"{}"
    finally:
        connector.close()
