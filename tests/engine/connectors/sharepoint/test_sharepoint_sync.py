"""Real syncs and checks through `Engine` against the local SharePoint REST emulator.

Settings come from `settings_from_values` exactly as from a `.env`; the connector is the one
`make_connector` builds, except where a small chunk size is needed to exercise upload sessions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tests.sharepoint_server as sp
from oeleo_gui.engine.connectors.base import is_oeleo_path, is_temp_name
from oeleo_gui.engine.connectors.sharepoint.connector import SharePointConnector
from oeleo_gui.engine.events import FileCode
from oeleo_gui.engine.worker import Engine
from tests.engine.connectors.sharepoint.sharepoint_helpers import CHUNK, engine_settings

pytestmark = pytest.mark.sharepoint

ROOT = "/sites/lab/Shared Documents/instrument/data"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with sp.running(monkeypatch) as running:
        yield running


@pytest.fixture
def source(tmp_path: Path) -> Path:
    src = tmp_path / "instrument"
    (src / "2024").mkdir(parents=True)
    (src / "a.res").write_bytes(b"a" * 100)
    (src / "2024" / "b.res").write_bytes(b"b" * 200)
    (src / "locked.res").write_bytes(b"keep me here")
    (src / "notes.txt").write_text("not an instrument file")
    return src


@pytest.fixture
def engine(server: Any, source: Path, tmp_path: Path) -> Iterator[Engine]:
    e = Engine(engine_settings(server, source, tmp_path))
    yield e
    e.close()


def _remote(server: Any) -> dict[str, bytes]:
    prefix = f"{ROOT}/"
    return {  # the data files (the `.oeleo/` status record is no data)
        p[len(prefix) :]: f.data
        for p, f in server.files.items()
        if p.startswith(prefix) and not is_oeleo_path(p[len(prefix) :])
    }


def test_sync_copies_new_files_and_leaves_locked_ones(engine: Engine, server: Any) -> None:
    assert engine.settings.destination_kind == "sharepoint"
    engine.store.set_code(["locked.res"], FileCode.LOCKED)
    summary = engine.sync()
    assert summary.ok, (summary.error, summary.error_hint, summary.failed)
    assert isinstance(engine.connector, SharePointConnector)
    assert sorted(r.rel_path for r in summary.copied) == ["2024/b.res", "a.res"]
    assert summary.locked == 1
    assert _remote(server) == {"a.res": b"a" * 100, "2024/b.res": b"b" * 200}
    assert not any(is_temp_name(p) for p in server.files)
    assert engine.store.get("a.res").external_name == f"{ROOT}/a.res"
    again = engine.sync()
    assert again.ok
    assert (len(again.copied), again.unchanged, again.locked) == (0, 2, 1)


def test_changed_file_is_copied_again(engine: Engine, server: Any, source: Path) -> None:
    assert engine.sync().ok
    (source / "a.res").write_bytes(b"new content, longer than before " * 10)
    summary = engine.sync()
    assert [r.rel_path for r in summary.copied] == ["a.res"]
    assert _remote(server)["a.res"] == (source / "a.res").read_bytes()


def test_large_file_in_chunks_survives_a_dropped_connection(
    server: Any, source: Path, tmp_path: Path
) -> None:
    data = os.urandom(2 * 1024 * 1024 + 17)
    (source / "big.res").write_bytes(data)
    settings = engine_settings(server, source, tmp_path)
    connector = SharePointConnector(
        settings.sharepoint, settings.destination, chunk_size=CHUNK, timeout=10
    )
    server.drop_connection(lambda _m, api: "ContinueUpload" in api)
    engine = Engine(settings, connector=connector)
    try:
        summary = engine.sync()
    finally:
        engine.close()
    assert summary.ok, (summary.error, summary.failed)
    assert _remote(server)["big.res"] == data
    assert len(server.calls("StartUpload")) == 2  # the dropped session, then the retry
    assert max(e.body_size for e in server.log) <= CHUNK
    assert not any(is_temp_name(p) for p in server.files)


def data_downloads(server: Any) -> list[Any]:
    """Files downloaded, less the status record (read by a sync before it is replaced)."""
    return [c for c in server.calls("$value") if "/.oeleo/status/" not in c.api]


def test_check_compares_listing_and_downloads_only_for_a_full_check(
    engine: Engine, server: Any
) -> None:
    assert engine.sync().ok
    server.put(f"{ROOT}/a.res", b"same size but other bytes" * 4)  # 100 bytes, as a.res
    del server.files[f"{ROOT}/locked.res"]
    report = engine.check()
    assert set(report.in_sync) == {"a.res", "2024/b.res"}
    assert report.missing == ("locked.res",)
    assert data_downloads(server) == []
    full = engine.check(full=True)
    assert full.out_of_sync == ("a.res",)
    assert len(data_downloads(server)) == 2


def test_wrong_library_stops_the_run_with_a_hint(server: Any, source: Path, tmp_path: Path) -> None:
    settings = engine_settings(server, source, tmp_path, OELEO_SHAREPOINT_DOC_LIBRARY="Documentz")
    engine = Engine(settings)
    try:
        summary = engine.sync()
    finally:
        engine.close()
    assert not summary.ok
    assert "Documentz" in summary.error
    assert "OELEO_SHAREPOINT_DOC_LIBRARY" in summary.error_hint
    assert summary.copied == ()
