"""A file at the SharePoint destination standing where a folder must be made (the source turned
`x.res` into a folder `x.res/n.res`; issue 13, case 13), against the local REST emulator.

SharePoint keeps a file and a folder of one name apart: a folder is never made where a file is
("A file or folder with the name ... already exists", SPException -2130575257, whatever Overwrite
says). The connector then reports `PathBlocked` with the file's relative path, the run moves the
file aside and copies the folder's files, as it does on the other destinations.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from office365.runtime.client_request_exception import ClientRequestException

import tests.sharepoint_server as sp
from oeleo_gui.engine.connectors.base import is_oeleo_path, is_temp_name, temp_name_for
from oeleo_gui.engine.connectors.sharepoint.connector import SharePointConnector
from oeleo_gui.engine.connectors.sharepoint.rest import by_path, literal
from oeleo_gui.engine.errors import FileError, PathBlocked
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.worker import Engine
from tests.engine.connectors.sharepoint.sharepoint_helpers import (
    connected,
    connector_settings,
    engine_settings,
)

pytestmark = pytest.mark.sharepoint

ROOT = "/sites/lab/Shared Documents/instrument/data"
ALREADY_EXISTS = "-2130575257, Microsoft.SharePoint.SPException"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with sp.running(monkeypatch) as running:
        yield running


@pytest.fixture
def connector(server: Any) -> Iterator[SharePointConnector]:
    with connected(server) as c:
        yield c


def _remote(server: Any) -> dict[str, bytes]:
    prefix = f"{ROOT}/"
    return {
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


def _refusal(call: Any) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as info:
        call()
    return info.value


# --- the emulator is as strict as SharePoint ---
def test_a_file_and_a_folder_never_share_a_name(
    connector: SharePointConnector, server: Any
) -> None:
    server.put(f"{ROOT}/x.res", b"a file")
    server.folders.add(f"{ROOT}/d.res")
    rest = connector._rest
    make_folder = f"web/folders/AddUsingPath(DecodedUrl={literal(f'{ROOT}/x.res')},Overwrite=true)"
    add_file = f"{by_path('Folder', ROOT)}/Files/AddUsingPath(DecodedUrl='d.res',Overwrite=true)"
    move = f"MoveToUsingPath(DecodedUrl={literal(f'{ROOT}/d.res')},moveOperations=1)"
    refusals = [
        _refusal(lambda: rest.request("POST", make_folder)),
        _refusal(lambda: rest.request("POST", add_file, data=b"data")),
        _refusal(lambda: rest.request("POST", f"{by_path('File', f'{ROOT}/x.res')}/{move}")),
    ]
    for refused in refusals:
        assert refused.response.status_code == 400
        assert refused.code == ALREADY_EXISTS
        assert "A file or folder with the name" in refused.message
    assert server.files[f"{ROOT}/x.res"].data == b"a file"  # nothing replaced
    assert f"{ROOT}/x.res" not in server.folders and f"{ROOT}/d.res" not in server.files


# --- the connector says which file is in the way ---
@pytest.mark.parametrize(
    ("blocking", "rel"),
    [("x.res", "x.res/n.res"), ("run 1/x #2.res", "run 1/x #2.res/deeper/n.res")],
)
def test_a_file_where_a_folder_must_be_made_is_path_blocked(
    connector: SharePointConnector, server: Any, tmp_path: Path, blocking: str, rel: str
) -> None:
    if "/" in blocking:
        server.folders.add(f"{ROOT}/{blocking.rpartition('/')[0]}")
    server.put(f"{ROOT}/{blocking}", b"the old file")
    source = tmp_path / "n.res"
    source.write_bytes(b"in the folder now")
    with pytest.raises(PathBlocked) as info:
        _upload(connector, source, rel)
    assert info.value.rel_path == blocking
    assert _remote(server) == {blocking: b"the old file"}  # untouched, no temporary file left
    assert f"{ROOT}/{blocking}" not in server.folders
    connector.rename(blocking, "aside.res")  # what the run does; the way is clear now
    connector.commit(_upload(connector, source, rel))
    assert _remote(server) == {"aside.res": b"the old file", rel: b"in the folder now"}


def test_a_folder_refused_for_another_reason_is_no_path_blocked(
    connector: SharePointConnector, server: Any, tmp_path: Path
) -> None:
    source = tmp_path / "n.res"
    source.write_bytes(b"data")
    server.fail_next(400, "-1, System.ArgumentException", "Something else went wrong.")
    with pytest.raises(FileError, match="Something else went wrong") as info:
        _upload(connector, source, "new/n.res")
    assert not isinstance(info.value, PathBlocked)
    assert len(server.calls(f"GetFileByServerRelativePath(DecodedUrl='{ROOT}/new')")) == 1
    assert not any(is_temp_name(p) for p in server.files)


def test_a_file_above_the_destination_folder_is_a_settings_problem_never_moved(
    server: Any,
) -> None:
    server.put("/sites/lab/Shared Documents/instrument", b"someone's file")
    c = SharePointConnector(connector_settings(server), "instrument/data", timeout=10)
    c.connect()
    try:
        with pytest.raises(FileError, match="already exists") as info:
            c.ensure_ready()
    finally:
        c.close()
    assert not isinstance(info.value, PathBlocked)
    assert server.files["/sites/lab/Shared Documents/instrument"].data == b"someone's file"


# --- whole runs through the engine ---
@pytest.fixture
def source(tmp_path: Path) -> Path:
    src = tmp_path / "instrument"
    (src / "2024").mkdir(parents=True)
    (src / "a.res").write_bytes(b"the old a")
    (src / "2024" / "b.res").write_bytes(b"the old b")
    return src


@pytest.fixture
def engine(server: Any, source: Path, tmp_path: Path) -> Iterator[Engine]:
    e = Engine(engine_settings(server, source, tmp_path))
    yield e
    e.close()


def _into_folder(source: Path, rel: str, inner: str, data: bytes) -> None:
    (source / rel).unlink()
    (source / rel).mkdir()
    (source / rel / inner).write_bytes(data)


def test_files_turned_into_folders_move_the_old_copies_aside(
    engine: Engine, server: Any, source: Path
) -> None:
    assert engine.sync().ok
    _into_folder(source, "a.res", "n.res", b"new in a")
    _into_folder(source, "2024/b.res", "m.res", b"new in b")
    summary = engine.sync()
    assert summary.ok, (summary.error, summary.failed)
    asides = {r.rel_path: r.moved_aside for r in summary.copied}
    assert set(asides) == {"a.res/n.res", "2024/b.res/m.res"}
    a_aside, b_aside = asides["a.res/n.res"], asides["2024/b.res/m.res"]
    assert a_aside.startswith("a.oeleo-aside-") and a_aside.endswith(".res")
    assert b_aside.startswith("2024/b.oeleo-aside-") and b_aside.endswith(".res")
    assert _remote(server) == {
        a_aside: b"the old a",
        b_aside: b"the old b",
        "a.res/n.res": b"new in a",
        "2024/b.res/m.res": b"new in b",
    }
    # The rows point at what is really there: the old copies where they were moved to.
    assert engine.store.get("a.res").external_name == f"{ROOT}/{a_aside}"
    assert engine.store.get("2024/b.res").external_name == f"{ROOT}/{b_aside}"
    assert engine.store.get("a.res/n.res").external_name == f"{ROOT}/a.res/n.res"
    again = engine.sync()
    assert again.ok and not again.copied and not again.failed
