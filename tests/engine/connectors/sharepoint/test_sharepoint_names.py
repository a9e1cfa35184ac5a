"""File and folder names with `#`, `%`, `'`, `&`, `+`, spaces and non-ASCII on SharePoint.

SharePoint's string-based `...Url` APIs read `#` as a URL fragment and `%` as an escape, so they
cannot reach such names; the connector uses the ResourcePath (`DecodedUrl`) APIs. The local
REST emulator (`tests/sharepoint_server`) decodes names as SharePoint does and keeps the old
APIs' limitation, so these tests fail for a connector that uses the old APIs or escapes wrongly.
Everything runs through the real connector (and `Engine`), over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from office365.runtime.client_request_exception import ClientRequestException

import tests.sharepoint_server as sp
from oeleo_gui.engine.connectors.base import is_oeleo_path, is_temp_name, temp_name_for
from oeleo_gui.engine.connectors.sharepoint.connector import SharePointConnector
from oeleo_gui.engine.connectors.sharepoint.rest import literal
from oeleo_gui.engine.errors import FileError
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.worker import Engine
from tests.engine.connectors.sharepoint.sharepoint_helpers import (
    CHUNK,
    connected,
    connector_settings,
    engine_settings,
    md5,
)

pytestmark = pytest.mark.sharepoint

LIB = "/sites/lab/Shared Documents"
ROOT = f"{LIB}/instrument/data"
FOLDER = "run #2"
NAMES = ("sample#3.res", "50%SOC.res", "it's here.res", "a&b+c.res", "måling µ.res")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with sp.running(monkeypatch, page_size=3) as running:
        yield running


@pytest.fixture
def connector(server: Any) -> Iterator[SharePointConnector]:
    with connected(server) as c:
        yield c


def _remote(server: Any, root: str = ROOT) -> dict[str, bytes]:
    prefix = f"{root}/"
    return {  # the data files (the `.oeleo/` status record is no data)
        p[len(prefix) :]: f.data
        for p, f in server.files.items()
        if p.startswith(prefix) and not is_oeleo_path(p[len(prefix) :])
    }


def _upload(c: SharePointConnector, source: Path, rel: str):
    return c.upload_temp(
        str(source),
        rel,
        temp_rel_path=temp_name_for(rel),
        mtime=source.stat().st_mtime,
        progress=lambda _n: None,
        cancel=CancelToken(),
    )


def _make_folders(server: Any, path: str) -> None:
    """Folders from the library down to `path`, as a SharePoint user would have made them."""
    current = LIB
    for part in path[len(LIB) :].strip("/").split("/"):
        current = f"{current}/{part}"
        server.folders.add(current)


# --- the literal and the emulator ---
def test_literal_doubles_quotes_and_percent_encodes_everything_else() -> None:
    quoted = literal("/sites/lab/Shared Documents/run #2/50%SOC it's ø+&.res")
    assert quoted == (
        "'/sites/lab/Shared%20Documents/run%20%232/50%25SOC%20it%27%27s%20%C3%B8%2B%26.res'"
    )
    assert "#" not in quoted  # a raw # would start the URL fragment


def test_the_old_url_apis_cannot_reach_these_names(
    connector: SharePointConnector, server: Any
) -> None:
    """The emulator keeps SharePoint's limitation, so the tests below prove the Path APIs."""
    for name in ("sample#3.res", "50%SOC.res"):
        server.put(f"{ROOT}/{name}", b"data")
        path = literal(f"{ROOT}/{name}")
        with pytest.raises(ClientRequestException) as info:
            connector._rest.request("GET", f"web/GetFileByServerRelativeUrl({path})")
        assert info.value.response.status_code in (400, 404)
        found = connector._rest.request(
            "GET", f"web/GetFileByServerRelativePath(DecodedUrl={path})"
        )
        assert found.json()["d"]["Name"] == name
    assert connector.list_files(recursive=False).keys() == {"sample#3.res", "50%SOC.res"}


# --- the connector ---
@pytest.mark.parametrize("name", NAMES)
def test_odd_name_uploads_verifies_and_lands_under_its_exact_name(
    connector: SharePointConnector, server: Any, tmp_path: Path, name: str
) -> None:
    source = tmp_path / "source.res"
    source.write_bytes(os.urandom(1000))
    rel = f"{FOLDER}/{name}"
    up = _upload(connector, source, rel)
    assert server.files[f"{ROOT}/{up.temp_rel_path}"].data == source.read_bytes()
    assert connector.verify([up]) == {}
    connector.commit(up)
    assert _remote(server) == {rel: source.read_bytes()}  # nothing truncated, no %25 twin
    assert f"{ROOT}/{FOLDER}" in server.folders
    assert connector.stat(rel).size == 1000
    assert set(connector.list_files(recursive=True)) == {rel}
    assert connector.checksums([rel]) == {rel: md5(source.read_bytes())}


def test_odd_name_through_an_upload_session(
    connector: SharePointConnector, server: Any, tmp_path: Path
) -> None:
    source = tmp_path / "big.res"
    source.write_bytes(os.urandom(3 * CHUNK + 5))
    rel = f"{FOLDER}/big #1 50% it's ø.res"
    up = _upload(connector, source, rel)
    assert len(server.calls("StartUpload")) == 1
    assert len(server.calls("FinishUpload")) == 1
    assert server.uploads == {}
    assert connector.verify([up]) == {}
    connector.commit(up)
    assert _remote(server) == {rel: source.read_bytes()}


def test_rename_and_remove_odd_names(connector: SharePointConnector, server: Any) -> None:
    _make_folders(server, f"{ROOT}/{FOLDER}")
    server.put(f"{ROOT}/{FOLDER}/50%SOC.res", b"one")
    server.put(f"{ROOT}/{FOLDER}/sample#3.res", b"two")
    with pytest.raises(FileError, match="already exists"):
        connector.rename(f"{FOLDER}/50%SOC.res", f"{FOLDER}/sample#3.res")  # never overwrites
    connector.rename(f"{FOLDER}/50%SOC.res", "old #1/50% it's.res")
    assert _remote(server) == {f"{FOLDER}/sample#3.res": b"two", "old #1/50% it's.res": b"one"}
    connector.remove(f"{FOLDER}/sample#3.res")
    assert connector.stat(f"{FOLDER}/sample#3.res") is None
    assert _remote(server) == {"old #1/50% it's.res": b"one"}


def test_existing_folder_keeps_its_files_when_ensured_again(server: Any, tmp_path: Path) -> None:
    _make_folders(server, f"{ROOT}/{FOLDER}")
    server.put(f"{ROOT}/{FOLDER}/other#1.res", b"keep")
    c = SharePointConnector(connector_settings(server), "instrument/data", chunk_size=CHUNK)
    c.connect()
    c.ensure_ready()
    source = tmp_path / "x.res"
    source.write_bytes(b"new")
    c.commit(_upload(c, source, f"{FOLDER}/x%.res"))
    c.close()
    assert _remote(server) == {f"{FOLDER}/other#1.res": b"keep", f"{FOLDER}/x%.res": b"new"}
    assert len(server.calls("folders/AddUsingPath")) >= 1


# --- whole runs through the engine ---
@pytest.fixture
def source(tmp_path: Path) -> Path:
    src = tmp_path / "instrument"
    (src / FOLDER).mkdir(parents=True)
    for i, name in enumerate(NAMES):
        (src / FOLDER / name).write_bytes(name.encode() * (i + 1))
    (src / "top #0.res").write_bytes(b"top level")
    return src


def _expected(source: Path) -> dict[str, bytes]:
    return {p.relative_to(source).as_posix(): p.read_bytes() for p in source.rglob("*.res")}


@pytest.mark.parametrize("base_dir_to", ["instrument/data", "runs #7/50% µ"])
def test_sync_and_check_odd_names(
    server: Any, source: Path, tmp_path: Path, base_dir_to: str
) -> None:
    expected = _expected(source)
    root = f"{LIB}/{base_dir_to}"
    engine = Engine(engine_settings(server, source, tmp_path, OELEO_BASE_DIR_TO=base_dir_to))
    try:
        summary = engine.sync()
        assert summary.ok, (summary.error, summary.error_hint, summary.failed)
        assert sorted(r.rel_path for r in summary.copied) == sorted(expected)
        assert _remote(server, root) == expected  # exact names, exact bytes
        assert not any(is_temp_name(p) for p in server.files)
        assert engine.store.get(f"{FOLDER}/sample#3.res").external_name == (
            f"{root}/{FOLDER}/sample#3.res"
        )
        again = engine.sync()
        assert again.ok, (again.error, again.failed)
        assert (len(again.copied), again.unchanged) == (0, len(expected))
        report = engine.check()
        assert sorted(report.present) == sorted(expected)
        assert sorted(report.in_sync) == sorted(expected)
        assert report.missing == ()
        full = engine.check(full=True)
        assert sorted(full.in_sync) == sorted(expected)
        assert full.out_of_sync == ()
        downloads = [c for c in server.calls("$value") if "/.oeleo/status/" not in c.api]
        assert len(downloads) == len(expected)  # each downloaded once, by path (the status
        # record read before it is replaced aside)
    finally:
        engine.close()


def test_foreign_file_with_an_odd_name_is_moved_aside(
    server: Any, source: Path, tmp_path: Path
) -> None:
    for name in ("sample#3.res", "50%SOC.res"):
        _make_folders(server, f"{ROOT}/{FOLDER}")
        server.put(f"{ROOT}/{FOLDER}/{name}", b"someone else's " + name.encode())
    expected = _expected(source)
    engine = Engine(engine_settings(server, source, tmp_path))
    try:
        summary = engine.sync()
    finally:
        engine.close()
    assert summary.ok, (summary.error, summary.error_hint, summary.failed)
    asides = {r.rel_path: r.moved_aside for r in summary.copied if r.moved_aside}
    assert set(asides) == {f"{FOLDER}/sample#3.res", f"{FOLDER}/50%SOC.res"}
    remote = _remote(server)
    for rel, aside in asides.items():
        name = rel.rsplit("/", 1)[1]
        stem = name.rsplit(".", 1)[0]
        assert aside.startswith(f"{FOLDER}/{stem}.oeleo-aside-")
        assert aside.endswith(".res")
        assert remote[aside] == b"someone else's " + name.encode()  # kept, not overwritten
        assert remote[rel] == expected[rel]
    assert {k: v for k, v in remote.items() if k not in asides.values()} == expected
